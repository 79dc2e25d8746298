"""Faults while an answer is recorded: the disk filling, the journal folder refusing writes, the
microphone lost. Whatever happens, what was recorded is kept whole, the entry says what happened,
and the run ends (or goes on) as the table says.

  case (how it is made)                exit  last line on stderr (and the status line)     files left in the journal folder
  disk full mid-answer                   1   guided: the disk is full: question 1's        entry: "*Answered at T, M:SS spoken in
    (a real 1 MiB tmpfs)                     recording stopped; kept your answer up to     a recording of M:SS; the recording
                                             M:SS in ...-q01.wav; the sitting ends here    stopped: the disk is full; what was said
                                             (see ....md)                                  until then is kept.*", answered: [1];
                                                                                           q01.wav whole (its header counts every
                                                                                           sample that fitted); nothing else
  file size limit mid-answer             1   guided: the file is as large as this system   the same, with that reason
    (RLIMIT_FSIZE, EFBIG)                    allows: question 1's recording stopped; ...
  folder stops taking files mid-answer   1   guided: cannot write the journal entry ...:   entry still "*Recording at T.*" (the next
    (chattr +i as root, else chmod)          Operation not permitted; your answer to       start marks it kept: checked); q01.wav whole
                                             question 1 was recorded whole in ...-q01.wav, to its silence; the entry's spare room, as
                                             and the next start marks it as kept; the      a dead run's temporary file, swept by the
                                             sitting ends here                             next run (checked)
  no room for even the recording's       1   guided: cannot write the recording ...-q01    nothing: no empty recording, and an entry
    header (injected ENOSPC)                 .wav: the disk is full; the sitting ends here that holds nothing is removed
  entry unwritable after an answer       1   guided: cannot write the journal entry ...:   entry "*Recording at T.*", marked kept by
    (injected EACCES)                        Permission denied; your answer ... whole ...  the next start; the recording whole
  microphone unplugged mid-answer        0   (status line) the microphone stopped          entry: "*Answered at T, M:SS spoken in
    (PortAudio's error from the real         (Unanticipated host error [PaErrorCode        a recording of 0:02; the microphone
    stream: tests/unplug_microphone)         -9999]): kept your answer up to 0:02 in ...;  stopped (...); what was said until then
                                             moving on; last: finished ...; saved ...      is kept.*", then question 2 answered;
                                                                                           q01.wav = the 2 s read; q02.wav
  microphone gone for good               1   guided: cannot open the microphone: ...; the  entry keeps the answer before it; question
    (fake microphone)                        sitting ends here (see ....md)                2 "*No answer at T; not recorded: the
                                                                                           microphone could not be opened.*"

The command-level rows run `guided journal --record` for real, through ALSA's file plugin as the
microphone (see test_journal_e2e.py); the others run the library in this process with a fake
microphone and injected OSErrors.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import types
import wave
from pathlib import Path

import numpy as np
import pytest

from guided import files
from guided.errors import DeviceError, MicrophoneLost, StorageError
from guided.journal import entry as journal
from guided.journal import microphone, wav
from guided.journal.markdown import answers
from guided.journal.sitting import Sitting, SittingUI
from guided.journal.vad import EnergyDetector
from guided.timing.timefmt import clock

from ..conftest import needs
from ..helpers import FakeMicrophone, has_portaudio, speech_then_silence, tone
from .test_journal_e2e import sound_home

RATE = 16000


def wav_samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as f:
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")


@pytest.fixture(autouse=True)
def energy_detector(monkeypatch):
    """The tone is speech to the energy detector (Silero would rightly call it a hum)."""
    monkeypatch.setattr(microphone, "speech_detector", lambda rate: EnergyDetector(rate))


class Disk:
    """A disk with `room` bytes left for recordings: a write past it writes what fits, then fails
    with ENOSPC; once full, a journal entry written the usual way fails too."""

    def __init__(self, monkeypatch, room: int, error: int = errno.ENOSPC) -> None:
        self.room = room
        self.error = error
        self.full = False
        real_write, real_atomic = os.write, journal.write_atomic

        def write(fd: int, data) -> int:
            if not os.readlink(f"/proc/self/fd/{fd}").endswith(".wav"):
                return real_write(fd, data)
            inside = max(0, os.fstat(fd).st_size - os.lseek(fd, 0, os.SEEK_CUR))  # rewriting takes no room
            if len(data) > inside and self.room <= 0:
                self.full = True
                raise OSError(self.error, os.strerror(self.error))
            written = real_write(fd, bytes(data[: inside + self.room]))
            self.room -= max(0, written - inside)
            return written

        def write_atomic(path, data, **kwargs):
            if self.full:
                raise OSError(self.error, os.strerror(self.error))
            return real_atomic(path, data, **kwargs)

        monkeypatch.setattr(wav.os, "write", write)
        monkeypatch.setattr(journal, "write_atomic", write_atomic)


def fake_session(questions: int = 2):
    """Just what a sitting reads of a prepared session: where each question is said and reflected on."""
    speech = [types.SimpleNamespace(question=n, start=n * 100, end=n * 100 + 50) for n in range(1, questions + 1)]
    events = [types.SimpleNamespace(kind="reflect", question=n, end=n * 100 + 90) for n in range(1, questions + 1)]
    script = types.SimpleNamespace(title="Questions", questions=[
        types.SimpleNamespace(number=n, text=f"Question {n}?") for n in range(1, questions + 1)])
    timeline = types.SimpleNamespace(speech=speech, events=events, total=1000)
    return types.SimpleNamespace(timeline=timeline, mixer=types.SimpleNamespace(timeline=timeline), script=script)


class Heard(Sitting):
    """A sitting whose narration is heard in a moment: only the answers are taken for real."""

    def play(self, start, end, marks) -> str:
        return "finished"


def sit(microphone, said: list[str], questions: int = 2):
    ui = SittingUI(say=said.append)
    return Heard(fake_session(questions), "deck", "record", ui, silence_seconds=1.0, microphone=microphone).hold()


def only_entry() -> Path:
    (entry,) = journal.journal_dir().glob("*.md")
    return entry


def hidden_files() -> list[str]:
    return [p.name for p in journal.journal_dir().iterdir() if p.name.startswith(".")]


# --- the writer -----------------------------------------------------------------------------------

def test_a_disk_filling_mid_write_leaves_a_whole_recording_of_every_sample_that_fitted(tmp_path, monkeypatch):
    path = tmp_path / "a.wav"
    Disk(monkeypatch, room=44 + 3 * RATE + 1)  # the header, 1.5 s of samples, and half of one more
    writer = wav.WavAppender(path, RATE)
    writer.append(tone(1.0))
    writer.flush()
    with pytest.raises(StorageError, match="the disk is full") as caught:
        writer.append(tone(1.0))
    assert caught.value.reason == "the disk is full"
    writer.close()  # closing a failed writer is harmless
    assert writer.frames == int(1.5 * RATE) and path.stat().st_size == 44 + 3 * RATE
    samples = wav_samples(path)  # the header counts exactly what is there: no repair needed
    assert np.array_equal(samples, np.concatenate([tone(1.0), tone(1.0)])[: int(1.5 * RATE)])
    assert not wav.repair(path)


def test_a_recording_that_cannot_even_start_leaves_no_file(tmp_path, monkeypatch):
    Disk(monkeypatch, room=10)  # not even the header fits
    with pytest.raises(StorageError, match="cannot write the recording .*: the disk is full"):
        wav.WavAppender(tmp_path / "a.wav", RATE)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("error", "reason"), [(errno.EFBIG, "the file is as large as this system allows"),
                                               (errno.EROFS, "the disk became read-only"),
                                               (errno.EIO, "the disk reported an error")])
def test_each_failed_write_is_said_in_a_few_words(error, reason):
    assert wav.why(OSError(error, os.strerror(error))) == reason


# --- the microphone -------------------------------------------------------------------------------

class FakeStream:
    """A sounddevice InputStream that can fail on read."""

    def __init__(self, fail: bool = False) -> None:
        self.fail, self.active, self.closed = fail, False, False

    def start(self):
        self.active = True

    def stop(self):
        self.active = False

    def close(self, ignore_errors=True):
        self.closed = True

    def read(self, frames):
        if self.fail:
            raise FakeSoundDevice.PortAudioError("Unanticipated host error [PaErrorCode -9999]")
        return np.ones((frames, 1), dtype=np.int16), False


class FakeSoundDevice:
    class PortAudioError(Exception):
        pass

    def __init__(self, *streams: FakeStream) -> None:
        self.streams = list(streams)
        self.opened: list[FakeStream] = []

    def InputStream(self, **kwargs):  # noqa: N802 (sounddevice's name)
        if not self.streams:
            raise self.PortAudioError("Error querying device 3")
        self.opened.append(self.streams.pop(0))
        return self.opened[-1]


def test_a_microphone_whose_stream_fails_is_lost_and_opened_afresh_at_the_next_answer(monkeypatch):
    sd = FakeSoundDevice(FakeStream(fail=True), FakeStream())
    monkeypatch.setattr(microphone, "import_sounddevice", lambda: sd)
    mic = microphone.Microphone(rate=RATE)
    mic.start()
    with pytest.raises(MicrophoneLost, match=r"the microphone stopped: Unanticipated host error \[PaErrorCode"):
        mic.read(1600)
    assert sd.opened[0].closed
    mic.start()  # the next answer: a new stream
    assert len(mic.read(1600)) == 1600 and sd.opened[1].active
    mic.close()


def test_a_microphone_gone_for_good_cannot_be_opened_again(monkeypatch):
    sd = FakeSoundDevice(FakeStream(fail=True))
    monkeypatch.setattr(microphone, "import_sounddevice", lambda: sd)
    mic = microphone.Microphone(rate=RATE)
    mic.start()
    with pytest.raises(MicrophoneLost):
        mic.read(1600)
    with pytest.raises(DeviceError, match="cannot open the microphone"):
        mic.start()


def test_an_answer_whose_microphone_is_lost_keeps_the_sound_so_far(tmp_path):
    sound = speech_then_silence()
    result = microphone.record_answer(tmp_path / "a.wav", microphone=FakeMicrophone(sound, lose_at=2 * RATE),
                                    silence_seconds=1.0)
    assert result.ended_by == "microphone lost" and result.problem == "Unanticipated host error"
    kept = wav_samples(tmp_path / "a.wav")
    assert len(kept) > RATE and np.array_equal(kept, sound[: len(kept)])


# --- the sitting ----------------------------------------------------------------------------------

def test_disk_full_mid_answer_keeps_it_says_so_in_the_entry_and_ends_the_sitting(monkeypatch, guided_home):
    disk = Disk(monkeypatch, room=44 + 2 * RATE * 2)  # two seconds of the answer fit
    said: list[str] = []
    sound = speech_then_silence()
    with pytest.raises(StorageError) as caught:
        sit(FakeMicrophone(sound), said)
    assert disk.full
    entry = only_entry()
    message = str(caught.value)
    assert caught.value.exit_code == 1 and "\n" not in message
    assert message.startswith("the disk is full: question 1's recording stopped; kept your answer up to 0:02")
    assert message.endswith(f"the sitting ends here (see {entry})")
    (first,) = answers(entry.read_text())  # written into the spare room: no new space was needed
    assert first.status.startswith("Answered at ") and re.search(
        r", 0:0\d spoken in a recording of 0:02; the recording stopped: the disk is full; what was said until then "
        r"is kept\.$", first.status), first.status
    assert "answered: [1]" in entry.read_text()
    assert np.array_equal(wav_samples(journal.journal_dir() / first.audio), sound[: 2 * RATE])
    assert sorted(p.name for p in journal.journal_dir().iterdir()) == sorted([entry.name, first.audio])
    assert hidden_files() == []


def test_an_answer_that_cannot_be_recorded_at_all_ends_the_sitting_and_leaves_nothing(monkeypatch, guided_home):
    Disk(monkeypatch, room=0)  # not even the recording's header fits
    with pytest.raises(StorageError) as caught:
        sit(FakeMicrophone(speech_then_silence()), [])
    assert str(caught.value).startswith("cannot write the recording ")
    assert str(caught.value).endswith("-q01.wav: the disk is full; the sitting ends here")
    assert list(journal.journal_dir().iterdir()) == []  # an entry that holds nothing is no journal


def test_an_entry_that_cannot_be_written_after_an_answer_says_the_recording_is_whole(monkeypatch, guided_home):
    real = journal.write_atomic

    def refuse_once_recording(path, data, **kwargs):  # the folder stops taking new files mid-answer
        if any(Path(path).parent.glob("*.wav")):
            raise OSError(errno.EACCES, "Permission denied")
        return real(path, data, **kwargs)

    monkeypatch.setattr(journal, "write_atomic", refuse_once_recording)
    sound = speech_then_silence()
    with pytest.raises(StorageError) as caught:
        sit(FakeMicrophone(sound), [])
    entry = only_entry()
    assert str(caught.value).startswith(f"cannot write the journal entry {entry}: Permission denied; your answer "
                                        "to question 1 was recorded whole in ")
    (first,) = answers(entry.read_text())
    assert first.status.startswith("Recording at")
    recording = journal.journal_dir() / first.audio
    assert np.array_equal(wav_samples(recording), sound[: len(wav_samples(recording))])
    monkeypatch.setattr(journal, "write_atomic", real)
    journal.recover()  # the next start
    (first,) = answers(entry.read_text())
    assert "the recording was kept" in first.status and "answered: [1]" in entry.read_text()


def test_a_lost_microphone_keeps_the_answer_so_far_and_the_sitting_goes_on(guided_home):
    sound = np.concatenate([tone(2.0), tone(1.0), np.zeros(2 * RATE, dtype=np.int16)])
    said: list[str] = []
    held = sit(FakeMicrophone(sound, lose_at=int(1.2 * RATE)), said)
    first, second = answers(held.path.read_text())
    assert re.search(r", 0:0\d spoken in a recording of 0:01; the microphone stopped \(Unanticipated host error\); "
                     r"what was said until then is kept\.$", first.status), first.status
    assert np.array_equal(wav_samples(journal.journal_dir() / first.audio), sound[: int(1.2 * RATE)])
    assert second.status.startswith("Answered at ") and second.audio
    assert any(line.startswith("the microphone stopped (Unanticipated host error): kept your answer up to 0:01")
               and line.endswith("; moving on") for line in said)
    assert "answered: [1, 2]" in held.path.read_text()
    assert hidden_files() == []


def test_a_microphone_that_cannot_be_opened_again_ends_the_sitting_keeping_the_answers(guided_home):
    sound = speech_then_silence()
    with pytest.raises(DeviceError) as caught:
        sit(FakeMicrophone(sound, lose_at=RATE, unopenable=True), [])
    entry = only_entry()
    assert str(caught.value) == ("cannot open the microphone: device unavailable; try another --input-device, or "
                                 f"use --type; the sitting ends here (see {entry})")
    first, second = answers(entry.read_text())
    assert first.audio and "the microphone stopped" in first.status
    assert second.status.endswith("; not recorded: the microphone could not be opened.") and second.audio is None
    assert len(list(journal.journal_dir().glob("*.wav"))) == 1


# --- the command, for real ------------------------------------------------------------------------

def long_answer(tmp_path: Path, repeats: int) -> np.ndarray:
    """Speech with no pause long enough to end the answer, then the silence that does."""
    from .test_journal_e2e import RATE as MIC_RATE
    from .test_journal_e2e import speech

    spoken = speech("I learned to trust slowly, because promises were often broken when I was small.", tmp_path)
    gap = np.zeros(MIC_RATE // 2, dtype=np.int16)
    return np.concatenate([*([spoken, gap] * repeats), np.zeros(6 * MIC_RATE, dtype=np.int16)])


def journal_command() -> list[str]:
    return [sys.executable, "-m", "guided", "journal", "--record", "--only", "1,2", "--silence", "3s",
            "--max-answer", "60m", "--no-transcribe"]


def check_kept_until_the_disk_stopped(folder: Path, seen_as: Path, microphone: np.ndarray, code: int, err: str,
                                      reason: str) -> None:
    """The table's row for a write failing mid-answer; `folder` holds the journal's files as the run
    left them, which the run itself saw at `seen_as`."""
    from .test_journal_e2e import wav_samples as wav_44k

    assert code == 1, err
    assert "Traceback" not in err
    (entry,) = folder.glob("*.md")
    (recording,) = folder.glob("*.wav")
    assert recording.name.endswith("-q01.wav")
    samples = wav_44k(recording)  # a whole WAV: its header counts exactly the samples it holds
    assert recording.stat().st_size == 44 + 2 * len(samples)
    assert len(samples) > 44100 and np.array_equal(samples, microphone[: len(samples)])
    kept = clock(len(samples) / 44100)
    assert err.strip().splitlines()[-1] == (
        f"guided: {reason}: question 1's recording stopped; kept your answer up to {kept} in "
        f"{seen_as / recording.name}; the sitting ends here (see {seen_as / entry.name})")
    (first,) = answers(entry.read_text())
    assert first.audio == recording.name
    assert re.search(rf" spoken in a recording of {kept}; the recording stopped: {re.escape(reason)}; what was said "
                     r"until then is kept\.$", first.status), first.status
    assert "answered: [1]" in entry.read_text()
    assert sorted(p.name for p in folder.iterdir()) == sorted([entry.name, recording.name])  # nothing else


def can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\"; r=$?; rmdir \"$d\"; exit $r"],
                           capture_output=True)
    return probe.returncode == 0



sound_e2e = [pytest.mark.e2e, needs("ffmpeg", "espeak-ng"),
             pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]


@pytest.mark.parametrize("_", [pytest.param(None, marks=[*sound_e2e, pytest.mark.skipif(
    not can_mount_tmpfs(), reason="needs user namespaces to mount a small tmpfs (unshare)")])])
def test_a_full_disk_mid_answer_ends_the_sitting_keeping_the_answer(tmp_path, guided_home, _):
    """A real full disk: the journal folder is a 1 MiB tmpfs, mounted in a private user and mount
    namespace (no privileges needed), and copied out when the run ends."""
    microphone = long_answer(tmp_path, 30)
    home = sound_home(tmp_path, microphone)
    journal_folder, out = guided_home / "journal", tmp_path / "left"
    journal_folder.mkdir(mode=0o700)
    out.mkdir()
    inside = 'j="$1"; o="$2"; shift 2; mount -t tmpfs -o size=1m,mode=700 tmpfs "$j" || exit 99; "$@"; c=$?; cp -a "$j/." "$o"; exit $c'
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", inside, "sh",
                             str(journal_folder), str(out), *journal_command()],
                            capture_output=True, text=True, env={**os.environ, "HOME": str(home)}, timeout=300)
    assert list(journal_folder.iterdir()) == []  # the tmpfs went with the run; its files were copied out
    check_kept_until_the_disk_stopped(out, journal_folder, microphone, result.returncode, result.stderr,
                                      "the disk is full")


@pytest.mark.parametrize("_", [pytest.param(None, marks=sound_e2e)])
def test_a_file_size_limit_mid_answer_ends_the_sitting_keeping_the_answer(tmp_path, guided_home, _):
    """The same through a per-process limit on file size (RLIMIT_FSIZE): writes past it fail with EFBIG."""
    microphone = long_answer(tmp_path, 30)
    home = sound_home(tmp_path, microphone)
    config = home / ".asoundrc"  # what is played goes nowhere: the limit is for the journal's files
    config.write_text(config.read_text().replace(f'"{home}/played.raw"', '"/dev/null"'))

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of the process being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    result = subprocess.run(journal_command(), capture_output=True, text=True, preexec_fn=limited,
                            env={**os.environ, "HOME": str(home)}, timeout=300)
    folder = guided_home / "journal"
    check_kept_until_the_disk_stopped(folder, folder, microphone, result.returncode, result.stderr,
                                      "the file is as large as this system allows")
    assert (folder / next(folder.glob("*.wav")).name).stat().st_size <= 1 << 20


def lock(folder: Path) -> None:
    """Make `folder` take no new files: chmod for a user; root ignores that, so the immutable flag."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o500)


def unlock(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o700)


@pytest.mark.parametrize("_", [pytest.param(None, marks=[*sound_e2e, pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("chattr") is None, reason="root ignores chmod; needs chattr")])])
def test_a_journal_folder_that_stops_taking_files_mid_answer_ends_the_sitting_keeping_the_answer(
        tmp_path, guided_home, _):
    from .test_journal_e2e import wav_samples as wav_44k

    microphone = long_answer(tmp_path, 20)
    home = sound_home(tmp_path, microphone)
    folder = guided_home / "journal"
    process = subprocess.Popen(journal_command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "HOME": str(home)})
    try:
        deadline = time.monotonic() + 120
        while not any(p.stat().st_size > 4 * 44100 for p in folder.glob("*-q01.wav")):  # 2 s recorded
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.005)
        lock(folder)
        try:
            _, err = process.communicate(timeout=120)
        finally:
            unlock(folder)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1 and "Traceback" not in err, err
    (entry,) = folder.glob("*.md")
    (recording,) = folder.glob("*.wav")
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"guided: cannot write the journal entry {entry}: ")
    assert last.endswith(f"; your answer to question 1 was recorded whole in {recording}, and the next start "
                         "marks it as kept; the sitting ends here")
    samples = wav_44k(recording)  # the answer went on to its silence: all of it is there
    assert len(samples) > 60 * 44100 and np.array_equal(samples, microphone[: len(samples)])
    assert answers(entry.read_text())[0].status.startswith("Recording at")
    # The entry's spare room could not be removed from the locked folder either: it is named as the
    # dead run's temporary file, which the next run that writes there removes.
    left = [p for p in folder.iterdir() if p not in (entry, recording)]
    assert all(files.writer(p) == process.pid for p in left), left
    status = subprocess.run([sys.executable, "-m", "guided", "journal", "--status"], capture_output=True, text=True,
                            env={**os.environ, "HOME": str(home)}, timeout=120)
    assert status.returncode == 0, status.stderr
    (first,) = answers(entry.read_text())
    assert first.status.endswith("the sitting was interrupted, the recording was kept.")
    assert sorted(p.name for p in folder.iterdir()) == sorted([entry.name, recording.name])


@pytest.mark.parametrize("_", [pytest.param(None, marks=sound_e2e)])
def test_a_microphone_unplugged_mid_answer_keeps_it_and_the_sitting_goes_on(tmp_path, guided_home, _):
    """PortAudio's error for a device gone, raised by the real stream's read after 2 s of an answer
    (tests/unplug_microphone); the microphone works again for the next question."""
    from .test_journal_e2e import speech
    from .test_journal_e2e import wav_samples as wav_44k

    first = speech("I learned to trust slowly, because promises were often broken when I was small.", tmp_path)
    microphone = np.concatenate([first, np.zeros(4 * 44100, dtype=np.int16)])
    home = sound_home(tmp_path, microphone)
    env = {**os.environ, "HOME": str(home), "GUIDED_TEST_UNPLUG_AFTER": "2",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent / "unplug_microphone"),
                                          os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(journal_command(), capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    folder = guided_home / "journal"
    (entry,) = folder.glob("*.md")
    one, two = sorted(folder.glob("*.wav"))
    assert (one.name[-8:], two.name[-8:]) == ("-q01.wav", "-q02.wav")
    lines = result.stderr.strip().splitlines()
    assert ("  the microphone stopped (Unanticipated host error [PaErrorCode -9999]): kept your answer up to 0:02 "
            f"in {one}; moving on") in lines
    assert lines[-1].endswith(f"saved to your journal: {entry}") and lines[-1].startswith("finished ")
    assert np.array_equal(wav_44k(one), microphone[: 2 * 44100])  # every sample read before the loss
    again = wav_44k(two)  # a new stream: the file microphone starts over
    assert len(again) > len(first) and np.array_equal(again[: len(first)], first)
    kept, answered = answers(entry.read_text())
    assert kept.status.split(" spoken in a recording of ", 1)[1] == (
        "0:02; the microphone stopped (Unanticipated host error [PaErrorCode -9999]); what was said until then is kept.")
    assert answered.status.startswith("Answered at ") and answered.audio == two.name
    assert "answered: [1, 2]" in entry.read_text()
    assert sorted(p.name for p in folder.iterdir()) == sorted([entry.name, one.name, two.name])
