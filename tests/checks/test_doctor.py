"""`guided doctor`: every part tried for real, each problem with its fix for this platform, exit 1
only when something required is missing. Missing libraries are simulated by the machine, not the
code: tests/hide_libraries/sitecustomize.py makes ctypes fail to find them in the child process."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from guided.checks import doctor, platforms

from ..conftest import needs
from ..helpers import has_portaudio, run
from ..spoken import needs_transcription

HIDE = str(Path(__file__).parent.parent / "hide_libraries")
SHORT = "---\ntitle: T\nkind: talk\n---\nHello there.\n"
REQUIRED = {"Python", "click", "pyttsx3", "pydub", "numpy", "scipy", "platformdirs", "yaml", "mutagen",
            "espeak-ng", "ffmpeg"}


def hiding(*libraries: str) -> dict[str, str]:
    """The environment of a child process on a machine without these shared libraries."""
    path = os.pathsep.join(p for p in (HIDE, os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "GUIDED_TEST_HIDE": ",".join(libraries)}


def doctor_json(env: dict | None = None, **kwargs):
    import json

    result = run("doctor", "--json", env=env, **kwargs)
    report = json.loads(result.stdout)
    return result, report, {c["name"]: c for c in report["checks"]}



linux_speech = pytest.mark.skipif(sys.platform != "linux", reason="espeak-ng is the Linux speech engine")


@needs("espeak-ng", "ffmpeg", "ffprobe")
def test_with_everything_installed_every_required_part_is_ok_and_it_exits_0():
    result, report, checks = doctor_json()
    assert result.returncode == 0, result.stderr
    assert report["ok"] is True
    assert set(checks) >= REQUIRED, set(checks)
    assert {"PortAudio", "Piper", "folders", "config", "speech cache"} <= set(checks)
    assert all(checks[name]["status"] == "ok" for name in REQUIRED), checks
    assert "spoke 'testing'" in checks["espeak-ng"]["detail"]
    assert "encoded a test mp3" in checks["ffmpeg"]["detail"]
    assert all(c["status"] in ("ok", "info", "warn", "fail") for c in report["checks"])
    assert all(c["fix"] for c in report["checks"] if c["status"] in ("warn", "fail"))


@needs("espeak-ng", "ffmpeg", "ffprobe")
def test_the_text_report_is_one_line_per_check_with_fixes_under_problems():
    result = run("doctor")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("guided ") and lines[-1] == "everything guided needs is here"
    statuses = [line.split()[0] for line in lines[1:-1] if not line.strip().startswith("fix:")]
    assert set(statuses) <= {"ok", "info", "warn", "FAIL"} and "FAIL" not in statuses
    assert len(statuses) >= len(REQUIRED) + 5


@linux_speech
@needs("ffmpeg", "ffprobe")
def test_without_espeak_ng_the_doctor_fails_and_names_the_package_to_install():
    result, report, checks = doctor_json(hiding("espeak"))
    assert result.returncode == 1
    assert report["ok"] is False
    speech = checks["espeak-ng"]
    assert speech["status"] == "fail" and "espeak-ng" in speech["detail"]
    assert "espeak-ng" in speech["fix"]
    if platforms.system() == "debian":
        assert "apt-get install espeak-ng" in speech["fix"]
    assert checks["ffmpeg"]["status"] == "ok", "the rest is still checked"
    text = run("doctor", env=hiding("espeak"))
    assert text.returncode == 1
    assert any(line.split()[:2] == ["FAIL", "espeak-ng"] for line in text.stdout.splitlines())
    assert "fix: " in text.stdout and text.stdout.rstrip().endswith("missing or broken: espeak-ng")


@linux_speech
@pytest.mark.parametrize("command", ["export", "play", "journal"])
def test_without_espeak_ng_every_speaking_command_says_what_to_install(command, tmp_path):
    (tmp_path / "s.md").write_text(SHORT)
    env = hiding("espeak")
    if command in ("play", "journal"):
        if not has_portaudio():
            pytest.skip("needs PortAudio")
        home = tmp_path / "alsa-home"  # a sound device that writes to a file, so the speech is what fails
        home.mkdir()
        (home / "mic.raw").write_bytes(b"")
        (home / ".asoundrc").write_text(
            f'pcm.!default {{ type file slave.pcm "null" file "{home}/played.raw" infile "{home}/mic.raw" format "raw" }}\n'
        )
        env["HOME"] = str(home)
    args = {"export": ["export", "s.md", "-o", "out.wav"], "play": ["play", "s.md", "-q"],
            "journal": ["journal", "--type", "--only", "1", "-q"]}[command]
    if command == "export" and shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    result = run(*args, env=env, cwd=tmp_path, input="")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "install espeak-ng" in lines[0]
    assert not (tmp_path / "out.wav").exists()


@needs("espeak-ng")
def test_without_ffmpeg_the_doctor_fails_and_says_how_to_install_it(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python")
    result, report, checks = doctor_json({"PATH": str(bin_dir)})
    assert result.returncode == 1 and report["ok"] is False
    assert checks["ffmpeg"]["status"] == "fail" and "not found" in checks["ffmpeg"]["detail"]
    assert checks["ffmpeg"]["fix"] == platforms.fix_for("ffmpeg")


@linux_speech
@needs("espeak-ng", "ffmpeg", "ffprobe")
def test_without_portaudio_it_warns_but_export_still_works_so_it_exits_0():
    result, report, checks = doctor_json(hiding("portaudio"))
    assert result.returncode == 0 and report["ok"] is True
    assert checks["PortAudio"]["status"] == "warn"
    assert "PortAudio library is missing" in checks["PortAudio"]["detail"]
    if platforms.system() == "debian":
        assert "libportaudio2" in checks["PortAudio"]["fix"]


def test_a_broken_config_file_is_a_failure_naming_its_line(guided_home):
    (guided_home / "config.toml").write_text("loudness = -18\nrate = = 120\n")
    check = doctor.check_config()
    assert check.status == "fail" and "config.toml:2:" in check.detail
    assert str(guided_home / "config.toml") in check.fix


def test_a_good_config_file_is_described(guided_home):
    assert doctor.check_config().status == "ok"
    (guided_home / "config.toml").write_text('loudness = -18\nbackground = "rain"\n')
    check = doctor.check_config()
    assert check.status == "ok" and "2 settings (background, loudness)" in check.detail


def test_folders_that_cannot_be_written_are_a_failure(monkeypatch, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folders should be")
    monkeypatch.setenv("GUIDED_HOME", str(blocked / "guided"))
    check = doctor.check_folders()
    assert check.status == "fail" and "cannot write in config" in check.detail
    assert check.fix


def test_a_journal_folder_others_can_read_is_a_warning(guided_home):
    (guided_home / "journal").mkdir(mode=0o755)
    os.chmod(guided_home / "journal", 0o755)
    check = doctor.check_folders()
    assert check.status == "warn" and check.fix == f"chmod 700 {guided_home / 'journal'}"


def test_the_cache_check_counts_clips_and_damaged_ones(guided_home, fake_engine):
    from guided.tts.cache import ClipCache

    assert "0 clips" in doctor.check_cache().detail
    cache = ClipCache(guided_home / "cache" / "clips")
    clips = [cache.get(fake_engine, text, 44100) for text in ("one", "two words", "three more words")]
    check = doctor.check_cache()
    assert check.status == "ok" and check.detail.startswith("3 clips") and "all pass their checksum" in check.detail
    clips[1].path.write_bytes(clips[1].path.read_bytes()[:-10])
    check = doctor.check_cache()
    assert check.status == "warn" and "1 fail their checksum" in check.detail and "rendered again" in check.fix


def test_the_cache_check_notices_a_temporary_clip_left_by_a_killed_run(guided_home, fake_engine):
    from guided.tts.cache import ClipCache

    clip = ClipCache(guided_home / "cache" / "clips").get(fake_engine, "one", 44100)
    assert "unfinished" not in doctor.check_cache().detail
    (clip.path.parent / f".{clip.path.name}.k3j_x9.tmp").write_bytes(b"GUIDEDCLIP1 {")
    check = doctor.check_cache()
    assert check.detail.startswith("1 clip,") and "1 unfinished temporary file(s)" in check.detail


def test_a_missing_package_is_a_failure_with_the_pip_command_for_this_python():
    check = doctor.check_package("nothing", "guided_no_such_module", "no-such-dist", "testing")
    assert check.status == "fail" and "not installed" in check.detail
    assert check.fix == f"{sys.executable} -m pip install no-such-dist"


def test_a_check_that_breaks_is_reported_not_raised():
    def check_broken():
        raise RuntimeError("boom")

    (result,) = doctor.run_checks((check_broken,))
    assert result.status == "fail" and "boom" in result.detail
    assert not doctor.healthy([result])
    assert doctor.healthy([doctor.Check("x", "warn", "d", "f"), doctor.Check("y", "info", "d")])


@pytest.mark.parametrize(
    ("where", "part", "expected"),
    [
        ("debian", "espeak", "apt-get install espeak-ng libespeak-ng1"),
        ("debian", "ffmpeg", "apt-get install ffmpeg"),
        ("debian", "portaudio", "apt-get install libportaudio2"),
        ("fedora", "espeak", "dnf install espeak-ng"),
        ("arch", "portaudio", "pacman -S portaudio"),
        ("macos", "ffmpeg", "brew install ffmpeg"),
        ("macos", "espeak", "pyobjc"),
        ("windows", "ffmpeg", "winget install ffmpeg"),
        ("windows", "espeak", "pywin32"),
        ("windows", "portaudio", "pip install --force-reinstall sounddevice"),
    ],
)
def test_each_platform_gets_its_own_fix(where, part, expected):
    assert expected in platforms.fix_for(part, where)


def test_sudo_only_when_not_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    assert platforms.fix_for("ffmpeg", "debian") == "sudo apt-get install ffmpeg"
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    assert platforms.fix_for("ffmpeg", "debian") == "apt-get install ffmpeg"


@needs_transcription
def test_the_doctor_reports_the_transcription_engine_and_its_model():
    from guided.journal.whisper_models import installed_models

    check = doctor.check_transcription()

    model = installed_models()[0]
    assert check.status == "ok", check
    assert f"faster-whisper {doctor._version('faster-whisper')}" in check.detail
    assert model.name in check.detail and str(model.path) in check.detail


def test_without_faster_whisper_the_doctor_says_how_to_add_transcription(monkeypatch):
    import guided.journal.whisper_engine

    monkeypatch.setattr(guided.journal.whisper_engine, "engine_available", lambda: False)
    check = doctor.check_transcription()
    assert check.status == "info" and "optional" in check.detail
    assert check.fix.endswith("pip install 'guided[transcribe]'")


# --- the config file names sounds and voices that exist ----------------------------------------


def test_doctor_fails_on_an_unknown_background_in_the_config_file_naming_file_and_line(guided_home):
    config = guided_home / "config.toml"
    config.write_text('rate = 120\nbackground = "rian"\n')
    checks = doctor.run_checks((doctor.check_config,))
    assert not doctor.healthy(checks)
    assert checks[0].detail.startswith(f"{config}:2:1: unknown background 'rian'; did you mean 'rain'?")
    config.write_text('background = "rain"\n')
    assert doctor.healthy(doctor.run_checks((doctor.check_config,)))


def test_doctor_fails_on_a_voice_the_configured_engine_does_not_have_naming_file_and_line(guided_home):
    config = guided_home / "config.toml"
    config.write_text('engine = "pyttsx3"\nrate = 120\nvoice = "en-uss"\n')
    checks = doctor.run_checks((doctor.check_config,))
    assert not doctor.healthy(checks)
    assert checks[0].detail == f"{config}:3:1: unknown voice 'en-uss'; did you mean 'gmw/en-us'?"
    config.write_text('engine = "pyttsx3"\nvoice = "gmw/en-us"\n')
    assert doctor.healthy(doctor.run_checks((doctor.check_config,)))
