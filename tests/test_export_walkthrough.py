"""From a script to a file a person can listen to: real espeak-ng, real ffmpeg, read back independently."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from .conftest import needs
from .helpers import decode, probe, rms_db, run, run_json

pytestmark = [pytest.mark.e2e, needs("ffmpeg", "ffprobe", "espeak-ng")]

BRIEF_IDS = {
    "trust-questions", "heart-breathing", "grounding-now", "safe-haven", "body-compass", "small-steps",
    "five-practices", "heart-affirmations", *(f"rebuilding-trust/{n}" for n in range(1, 8)),
}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One user state for the module, so the clip cache is shared as it is for a real user."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def questions_mp3(home, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "t.mp3"
    summary = run_json("export", "trust-questions", "-o", str(out), env={"GUIDED_HOME": str(home)})
    shown = run_json("show", "trust-questions", env={"GUIDED_HOME": str(home)})
    return out, summary, shown


def test_list_holds_every_session_of_the_library():
    rows = run_json("list")
    assert {r["id"] for r in rows} >= BRIEF_IDS
    by_id = {r["id"]: r for r in rows}
    assert by_id["trust-questions"]["questions"] == 20
    assert by_id["trust-questions"]["kind"] == "journal"
    assert by_id["heart-breathing"]["questions"] == 0
    assert 9 * 60 <= by_id["heart-breathing"]["seconds"] <= 11 * 60
    assert all(set(r) >= {"id", "title", "kind", "questions", "seconds"} for r in rows)


def test_exported_mp3_lasts_exactly_the_timeline(questions_mp3):
    path, summary, shown = questions_mp3
    info = probe(path)
    # An MP3 starts with the encoder's priming samples, which ffprobe reports as the stream's
    # start time (about 25 ms) and counts in the duration; what is heard lasts the difference.
    duration = float(info["format"]["duration"]) - float(info["streams"][0].get("start_time", 0))
    assert abs(duration - shown["stats"]["seconds"]) <= 0.050
    assert abs(summary["seconds"] - shown["stats"]["seconds"]) <= 0.001
    assert summary["frames"] == round(shown["stats"]["seconds"] * 44100) or abs(
        summary["frames"] / 44100 - shown["stats"]["seconds"]) < 0.001


def test_exported_speech_is_audible_where_the_timeline_says_and_reflection_is_quiet(questions_mp3):
    path, _, shown = questions_mp3
    audio = decode(path)[:, 0]
    rate = 44100
    speech = [e for e in shown["events"] if e["kind"] == "speech"]
    reflect = [e for e in shown["events"] if e["kind"] == "reflect"]
    assert len([e for e in speech if e["question"]]) == 20
    spoken = np.concatenate([audio[int(e["start"] * rate): int((e["start"] + e["seconds"]) * rate)] for e in speech])
    # The middle of each reflection, away from the bell that may follow it.
    quiet = np.concatenate([audio[int((e["start"] + 5) * rate): int((e["start"] + e["seconds"] - 5) * rate)] for e in reflect])
    assert rms_db(spoken) > -30  # speech near the loudness target
    assert rms_db(quiet) < rms_db(spoken) - 20  # silence is silence (at most a soft bed)


def test_exporting_again_renders_no_speech_and_gives_the_same_audio(tmp_path):
    first = run_json("export", "heart-breathing", "-o", str(tmp_path / "a.wav"))
    second = run_json("export", "heart-breathing", "-o", str(tmp_path / "b.wav"))
    assert first["speech_rendered"] > 0
    assert second["speech_rendered"] == 0 and second["speech_cached"] == first["speech_rendered"]
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg", "mp3"])
def test_every_format_exports_and_reads_back(tmp_path, fmt):
    script = tmp_path / "short.md"
    script.write_text("---\ntitle: Short\nkind: talk\n---\n[bell chime]\nBreathe, and rest.\n")
    out = tmp_path / f"short.{fmt}"
    run("export", str(script), "-o", str(out), check=True)
    info = probe(out)
    assert info["streams"][0]["codec_type"] == "audio"
    tags = {**info["format"].get("tags", {}), **info["streams"][0].get("tags", {})}  # Ogg keeps them per stream
    assert {k.lower(): v for k, v in tags.items()}["title"] == "Short"
    assert float(info["format"]["duration"]) > 5


def test_a_bad_script_is_named_with_line_and_column_and_exits_1(tmp_path):
    (tmp_path / "bad.md").write_text("---\ntitle: Bad\nkind: talk\n---\n[pause banana]\n")
    result = run("validate", "bad.md", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("bad.md:5:8: ")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run("export", "bad.md", "-o", "x.mp3", cwd=tmp_path)
    assert result.returncode == 1 and "bad.md:5:8" in result.stderr
    assert not (tmp_path / "x.mp3").exists()


def test_validate_without_arguments_checks_the_whole_library():
    result = run("validate")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) >= len(BRIEF_IDS)


def test_an_unknown_id_suggests_close_matches():
    result = run("export", "heart-breathin", "-o", "x.mp3")
    assert result.returncode == 1
    assert "heart-breathing" in result.stderr and "Traceback" not in result.stderr


def test_usage_mistakes_exit_2():
    assert run("export", "heart-breathing").returncode == 2  # no -o
    assert run("export", "heart-breathing", "-o", "x.mp3", "--loudness", "loud").returncode == 2


def test_an_output_folder_that_does_not_exist_is_refused_before_any_work(tmp_path):
    result = run("export", "heart-breathing", "-o", str(tmp_path / "nowhere" / "x.mp3"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_without_ffmpeg_the_error_says_what_to_install(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python")
    env = {"PATH": str(bin_dir)}
    result = run("export", "heart-breathing", "-o", str(tmp_path / "x.mp3"), env=env)
    assert result.returncode == 1
    assert "ffmpeg is not installed" in result.stderr and "apt-get install ffmpeg" in result.stderr
    assert "Traceback" not in result.stderr


def test_stdout_stays_clean_for_json(tmp_path):
    result = run("export", "heart-breathing", "-o", str(tmp_path / "h.wav"), "--json")
    json.loads(result.stdout)  # nothing but the summary


def test_the_version_is_printed():
    result = run("--version")
    assert result.returncode == 0 and "guided" in result.stdout


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_non_editable_install_finds_the_built_in_scripts_and_sounds(tmp_path):
    root = os.path.dirname(os.path.dirname(__file__))
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheel_dir), root],
        check=True, capture_output=True,
    )
    target = tmp_path / "site"
    wheel = next(wheel_dir.glob("guided-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = (
        "import guided, guided.scripts.catalog as l, guided.paths as p; "
        "print(guided.__file__); print(p.bundled('scripts')); print(len(l.Catalog().files())); print(p.bundled('audio'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path).stdout.splitlines()
    assert out[0].startswith(str(target))
    assert out[1] == str(target / "guided" / "_data" / "scripts")
    assert int(out[2]) >= len(BRIEF_IDS)
    assert (target / "guided" / "_data" / "audio" / "bowl.flac").is_file()
    assert out[3] == str(target / "guided" / "_data" / "audio")


def test_heart_breathing_meets_the_loudness_target_by_an_independent_meter(tmp_path):
    from .helpers import ebur128

    lossless = tmp_path / "h.wav"
    run("export", "heart-breathing", "-o", str(lossless), check=True)
    integrated, true_peak = ebur128(lossless)
    assert abs(integrated - -16.0) <= 0.3  # the levels are worked out ahead, from what each part holds
    assert true_peak <= -1.0
    # MP3 below 256 kb/s comes back about 0.4 dB quieter from LAME itself (a 1 kHz tone does too).
    out = tmp_path / "h.mp3"
    run("export", "heart-breathing", "-o", str(out), check=True)
    integrated, true_peak = ebur128(out)
    assert -17.0 <= integrated <= -15.0
    assert true_peak <= -1.0


def test_a_background_can_be_any_audio_file_or_none(tmp_path):
    bed = tmp_path / "bed.ogg"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=20:c=pink:a=0.2", "-ac", "2", str(bed)],
                   check=True)
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: S\nkind: meditation\nbackground: rain\n---\n[pause 8s]\nHello.\n[pause 8s]\n")
    with_file = tmp_path / "file.wav"
    without = tmp_path / "none.wav"
    run("export", str(script), "-o", str(with_file), "--background", str(bed), check=True)
    run("export", str(script), "-o", str(without), "--background", "none", check=True)
    quiet_part = slice(3 * 44100, 7 * 44100)
    assert rms_db(decode(with_file)[quiet_part]) > -60
    assert not decode(without)[quiet_part].any()
    missing = run("export", str(script), "-o", str(tmp_path / "x.wav"), "--background", str(tmp_path / "nope.ogg"))
    assert missing.returncode == 1 and "not found" in missing.stderr
    assert not (tmp_path / "x.wav").exists()


def test_sounds_lists_bells_and_beds():
    rows = run_json("sounds")
    names = {(r["kind"], r["name"]) for r in rows}
    assert {("bell", "bowl"), ("bell", "chime"), ("bell", "gong")} <= names
    assert {("bed", b) for b in ("rain", "ocean", "pink-noise", "brown-noise", "warm-drone")} <= names
