"""The practice log end to end: what real commands record (through ALSA's file plugin, a sound
card that keeps what it plays), what `guided log` says back, forgetting, and the pictures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from ..conftest import needs
from ..helpers import has_portaudio, run, run_json

pytestmark = [pytest.mark.e2e, needs("ffmpeg", "espeak-ng")]

BLOCK = 1024  # the player's device buffer
PRIMING = 2 * BLOCK  # PortAudio's ALSA stream starts with two periods of silence of its own



def sound_home(root: Path) -> Path:
    """A HOME whose ALSA default device writes what it plays to played.raw."""
    root.mkdir()
    (root / "mic.raw").write_bytes(b"")
    (root / ".asoundrc").write_text(
        f'pcm.!default {{ type file slave.pcm "null" file "{root}/played.raw" infile "{root}/mic.raw" format "raw" }}\n'
    )
    return root


def played_frames(home: Path, channels: int = 2) -> int:
    return (home / "played.raw").stat().st_size // (4 * channels)


needs_sound = pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")

# Stopping "at 2 minutes" on an unpaced device: a stop scheduled at that sample, as a sleep timer
# would; the library's own play, the one `guided play` calls.
STOP_AT = textwrap.dedent(
    """
    import sys
    import guided
    session = guided.prepare(sys.argv[1])
    controls = session.controls()
    controls.at(int(float(sys.argv[2]) * session.rate), controls.stop)
    print(session.play(controls=controls))
    """
)


def entries() -> list[dict]:
    return run_json("log", "--since", "2000-01-01")["entries"]


@needs_sound
def test_a_play_a_journal_sitting_and_an_export_are_reported_with_their_minutes(tmp_path):
    playing = sound_home(tmp_path / "play")
    out = subprocess.run([sys.executable, "-c", STOP_AT, "heart-breathing", "120"], capture_output=True, text=True,
                         env={**os.environ, "HOME": str(playing)}, timeout=600)
    assert out.returncode == 0 and out.stdout.strip() == "stopped", out.stderr
    sitting = sound_home(tmp_path / "journal")
    result = run("journal", "--type", "--only", "5", env={"HOME": str(sitting)}, input="It made me careful.\n\n")
    assert result.returncode == 0, result.stderr
    run("export", "heart-breathing", "-o", str(tmp_path / "h.wav"), check=True)

    report = run_json("log")
    play, journal, export = report["entries"]
    # Minutes heard are the samples the sound card received: two minutes and the 1.5 s fade out.
    heard = played_frames(playing) - PRIMING
    assert play["kind"] == "play" and play["session"] == "heart-breathing" and play["ended"] == "stopped"
    assert abs(play["seconds"] * 44100 - heard) <= BLOCK + 0.05 * 44100, (play["seconds"], heard / 44100)
    assert 121.4 <= play["seconds"] <= 121.6 + 2 * BLOCK / 44100
    assert play["length_seconds"] > 300  # the whole session is far longer than what was heard
    assert (journal["kind"], journal["session"], journal["answers"], journal["ended"], journal["detail"]) == (
        "journal", "trust-questions", 1, "finished", "type")
    assert 0 < journal["seconds"] <= journal["length_seconds"]
    assert (export["kind"], export["session"], export["seconds"], export["detail"]) == (
        "export", "heart-breathing", 0.0, "wav")
    for period in ("week", "month"):
        totals = report[period]
        assert (totals["sittings"], totals["plays"], totals["journal_sittings"], totals["answers"],
                totals["exports"]) == (2, 1, 1, 1, 1)
        assert totals["minutes"] == round((play["seconds"] + journal["seconds"]) / 60, 1)

    text = run("log", check=True).stdout
    assert text.startswith(f"This week you gave yourself {round((play['seconds'] + journal['seconds']) / 60)} minutes")
    assert "over 2 sittings" in text and "one question in your journal" in text


@needs_sound
def test_ctrl_c_still_records_what_was_heard(tmp_path):
    home = sound_home(tmp_path / "alsa")
    script = tmp_path / "long.md"
    script.write_text("---\ntitle: Long\nkind: sit\nbackground: rain\n---\nSettle.\n[sit 3h]\n")
    process = subprocess.Popen([sys.executable, "-m", "guided", "play", str(script)], stderr=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "HOME": str(home)})
    deadline = time.monotonic() + 120
    while not (home / "played.raw").exists() or played_frames(home) < 10 * 44100:  # playing, well past priming
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    (entry,) = entries()
    assert (entry["session"], entry["ended"]) == ("long", "interrupted")
    heard = played_frames(home) - PRIMING
    assert 0 < entry["seconds"] < entry["length_seconds"]
    assert abs(entry["seconds"] * 44100 - heard) <= 4 * BLOCK + 0.05 * 44100, (entry["seconds"], heard / 44100)


@needs_sound
def test_a_log_that_cannot_be_written_never_stops_playing_or_exporting(tmp_path, guided_home):
    (guided_home / "practice-log.sqlite3").mkdir()  # something in the way
    home = sound_home(tmp_path / "alsa")
    script = tmp_path / "short.md"
    script.write_text("---\ntitle: Short\nkind: meditation\n---\nSettle.\n[pause 2s]\n")
    played = run("play", str(script), env={"HOME": str(home)})
    assert played.returncode == 0, played.stderr
    assert played_frames(home) > 2 * 44100
    exported = run("export", str(script), "-o", str(tmp_path / "s.wav"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "s.wav").stat().st_size > 44100
    for result in (played, exported):
        warnings = [line for line in result.stderr.splitlines() if "practice log" in line]
        assert len(warnings) == 1 and "Traceback" not in result.stderr, result.stderr


def seed_old_and_new(guided_home: Path) -> None:
    code = textwrap.dedent(
        """
        from datetime import datetime
        from guided.practice import log as practice_log
        from guided.practice.log import Practice
        practice_log.record(Practice("play", "old-one", heard_ms=60_000, at=datetime(2024, 1, 5, 9).astimezone()))
        practice_log.record(Practice("play", "new-one", heard_ms=60_000))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_forgetting_asks_first_and_then_really_deletes(guided_home):
    seed_old_and_new(guided_home)
    declined = run("log", "--forget", input="n\n")
    assert declined.returncode == 0 and "Forget all 2 entries" in declined.stderr
    assert declined.stderr.strip().endswith("nothing deleted")
    assert len(entries()) == 2
    older = run("log", "--forget", "--before", "2025-01-01", input="y\n")
    assert older.returncode == 0, older.stderr
    assert [e["session"] for e in entries()] == ["new-one"]
    assert run("log", "--forget", "--yes").returncode == 0
    assert entries() == []
    assert all(b"new-one" not in p.read_bytes() for p in guided_home.glob("practice-log*"))


def test_forget_options_that_do_not_go_together_are_usage_errors():
    result = run("log", "--before", "2025-01-01")
    assert result.returncode == 2 and "--before goes with --forget" in result.stderr


def png_size(path: Path) -> tuple[str, tuple[int, int]]:
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        return image.format, image.size


def test_show_and_log_draw_their_pictures(tmp_path, guided_home):
    seed_old_and_new(guided_home)
    shown = run("show", "heart-breathing", "--background", "rain", "--png", str(tmp_path / "map.png"))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == ""  # the picture instead of the outline
    assert png_size(tmp_path / "map.png") == ("PNG", (1200, 400))
    logged = run("log", "--png", str(tmp_path / "cal.png"), "--json")
    assert logged.returncode == 0, logged.stderr
    assert json.loads(logged.stdout)["week"]["sittings"] == 1  # stdout stays JSON
    assert png_size(tmp_path / "cal.png") == ("PNG", (1200, 400))


def test_export_draws_the_map_beside_the_audio(tmp_path):
    script = tmp_path / "short.md"
    script.write_text("---\ntitle: Short\nkind: meditation\nbackground: rain\n---\nSettle.\n[pause 2s..60s]\n")
    result = run("export", str(script), "-o", str(tmp_path / "s.wav"), "--map", str(tmp_path / "s.png"),
                 "--minutes", "0.5")
    assert result.returncode == 0, result.stderr
    assert png_size(tmp_path / "s.png") == ("PNG", (1200, 400))
    assert run("export", "--all", str(tmp_path / "all"), "--map", str(tmp_path / "x.png")).returncode == 2


def test_without_matplotlib_a_picture_is_one_line_saying_how_to_add_it(tmp_path):
    hidden = tmp_path / "hide"
    (hidden / "matplotlib").mkdir(parents=True)
    (hidden / "matplotlib" / "__init__.py").write_text("raise ImportError('matplotlib is not installed here')\n")
    result = run("show", "heart-breathing", "--png", str(tmp_path / "map.png"),
                 env={"PYTHONPATH": os.pathsep.join([str(hidden), os.getcwd()])})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "guided: pictures need matplotlib, which is not installed: pip install 'guided[pictures]' "
        "(or pip install matplotlib)"]
    assert not (tmp_path / "map.png").exists()


def test_a_python_caller_can_leave_the_log_alone(tmp_path, guided_home):
    import guided
    from guided.practice import log as practice_log

    session = guided.prepare("---\ntitle: Quiet\nkind: meditation\n---\nSettle.\n[pause 2s]\n")
    session.export(tmp_path / "a.wav", log=False)
    assert practice_log.entries() == [] and not (guided_home / "practice-log.sqlite3").exists()
    session.export(tmp_path / "b.wav")
    (entry,) = practice_log.entries()
    assert (entry.kind, entry.session, entry.detail, entry.length_ms) == ("export", "quiet", "wav",
                                                                         round(session.seconds * 1000))
