"""config.toml: saved defaults for the sound options; the command line wins, mistakes are one line."""

from __future__ import annotations

import math

import pytest

from guided.cli.params import session_options
from guided.errors import ConfigError
from guided.options import parse_volume, read_config

from .conftest import needs
from .helpers import ebur128, run


def options(**given):
    kwargs = {"engine": None, "voice": None, "rate_wpm": None, "sample_rate": "44100", "mono": False,
              "loudness": None, "voice_volume": None, "background_volume": None, "bell_volume": None,
              "background": None, "minutes": None, "duck": None, "duck_hold": None, **given}
    return session_options(kwargs)


def write(home, text: str | bytes):
    path = home / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_no_config_file_means_the_built_in_defaults(guided_home):
    assert read_config() == {}
    chosen = options()
    assert (chosen.loudness, chosen.voice_db, chosen.rate_wpm, chosen.background) == (-16.0, 0.0, 120, None)


def test_every_key_is_read(guided_home):
    write(guided_home, 'engine = "PIPER"\nvoice = "en-us"\nrate = 120\nbackground = "rain"\nloudness = -18\n'
                       'voice_volume = "50%"\nbackground_volume = "-6dB"\nbell_volume = 200\n')
    saved = read_config()
    assert [saved[k] for k in ("engine", "voice", "rate", "background", "loudness")] == ["piper", "en-us", 120, "rain", -18.0]
    assert saved["voice_volume"] == pytest.approx(20 * math.log10(0.5))
    assert saved["background_volume"] == -6.0
    assert saved["bell_volume"] == pytest.approx(20 * math.log10(2))


def test_saved_defaults_apply_when_an_option_is_not_given_and_the_command_line_wins(guided_home, monkeypatch):
    write(guided_home, 'loudness = -20\nrate = 110\nbackground = "none"\nengine = "piper"\nvoice_volume = "-3dB"\n')
    monkeypatch.delenv("GUIDED_ENGINE")
    chosen = options()
    assert (chosen.loudness, chosen.rate_wpm, chosen.background, chosen.engine, chosen.voice_db) == (
        -20.0, 110, "none", "piper", -3.0)
    given = options(loudness=-14.0, rate_wpm=150, background="rain", engine="pyttsx3", voice_volume=0.0)
    assert (given.loudness, given.rate_wpm, given.background, given.engine, given.voice_db) == (
        -14.0, 150, "rain", "pyttsx3", 0.0)
    monkeypatch.setenv("GUIDED_ENGINE", "pyttsx3")
    assert options().engine == "pyttsx3", "the environment wins over the file"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("loudness = \n", "config.toml:1:"),
        ("rate = 120\nloudness = -18 -3\n", "config.toml:2:"),
        ("[sound\nrate = 1\n", "config.toml:1:"),
        ('voice = "unterminated\n', "config.toml:1:"),
        ("rate = 120\nrate = 130\n", "config.toml:2:"),
        ("loudnes = -18\n", "config.toml:1:1: unknown setting 'loudnes'; expected one of engine, voice"),
        ("  [sound]\n  rate = 1\n", "config.toml:1:3: unknown setting 'sound'"),
        ('rate = "fast"\n', "'rate' must be a whole number of words a minute from 60 to 300, not 'fast'"),
        ("rate = 1000\n", "from 60 to 300, not 1000"),
        ("rate = true\n", "'rate' must be"),
        ("loudness = -3\n", "'loudness' must be a number of LUFS from -40 to -14, not -3"),
        ('engine = "espeak"\n', "'engine' must be one of auto, pyttsx3, piper"),
        ("voice = 3\n", "'voice' must be a name in quotes"),
        ('background = ""\n', "'background' must be a name in quotes"),
        ('voice_volume = "loud"\n', "'voice_volume': expected a percentage such as 80%"),
        ("bell_volume = 900\n", "at most 400%"),
        ('bell_volume = "-100dB"\n', "from -60dB to 60dB"),
        ("bell_volume = [1]\n", "'bell_volume'"),
        ('duck = "deep"\n', "'duck' must be how far the bed dips under speech, from 0dB to 40dB"),
        ('duck = "50dB"\n', "from 0dB to 40dB (such as 10dB), not '50dB'"),
        ('duck_hold = "long"\n', "'duck_hold' must be a pause from 0s to 60s (such as 7s), not 'long'"),
        ("duck_hold = 90\n", "not 90"),
        ("duck_hold = -1\n", "'duck_hold' must be"),
        (b"rate = 1\n\xff\xfe", "config.toml:2: expected UTF-8"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nests values too deeply"),
        ("# " + "a" * 100_000 + "\n", "larger than a config file can be"),
        ("voice_volume = {a = 1}\n", "'voice_volume': expected a percentage such as 80% or a level such as -6dB"),
        ("engine = \"" + "x" * 50_000 + "\"\n", "not 'xxxxxxxx"),
        ("rate = 120\nbackground = \"nowhere/rain.flac\"\n", "config.toml:2:1: the background 'nowhere/rain.flac' is not"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_file_line_and_problem(guided_home, text, says):
    path = write(guided_home, text)
    with pytest.raises(ConfigError) as caught:
        read_config()
    message = str(caught.value)
    assert message.startswith(str(path)) and says in message and "\n" not in message, message
    assert len(message) < 400  # what the file holds is quoted, never echoed whole


def test_the_bed_s_duck_is_read_as_a_dip_and_a_hold_wherever_it_is_written(guided_home, monkeypatch):
    assert (options().duck_db, options().duck_hold_ms) == (-10.0, 7000)  # the defaults
    write(guided_home, 'duck = "6dB"\nduck_hold = "9s"\n')
    assert (options().duck_db, options().duck_hold_ms) == (-6.0, 9000)
    monkeypatch.setenv("GUIDED_DUCK_HOLD", "4500ms")
    assert options().duck_hold_ms == 4500, "the environment wins over the file"
    given = options(duck="-12dB", duck_hold="5")
    assert (given.duck_db, given.duck_hold_ms) == (-12.0, 5000), "and the command line over both"
    assert options(duck="off").duck_db == 0.0 and options(duck="0dB").duck_db == 0.0


def test_a_folder_in_place_of_the_config_file_is_said(guided_home):
    (guided_home / "config.toml").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        read_config()


def test_volumes_read_the_same_on_the_command_line_and_in_the_file():
    assert parse_volume("100%") == 0.0 and parse_volume(100) == 0.0
    assert parse_volume("-6dB") == -6.0 and parse_volume("-6 DB") == -6.0
    assert isinstance(parse_volume("0%"), str) and isinstance(parse_volume(True), str)


def test_a_corrupt_config_file_stops_every_command_that_sounds_with_one_line(guided_home, tmp_path):
    write(guided_home, "loudness = = -18\n")
    (tmp_path / "s.md").write_text("---\ntitle: T\nkind: talk\n---\nHi.\n")
    for args in (["show", "s.md"], ["export", "s.md", "-o", "out.wav"]):
        result = run(*args, cwd=tmp_path)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert lines[0].startswith(f"guided: {guided_home / 'config.toml'}:1:") and "Traceback" not in result.stderr
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.e2e
@needs("espeak-ng", "ffmpeg")
def test_a_loudness_in_the_config_file_changes_the_export_unless_the_command_line_says_otherwise(guided_home, tmp_path):
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\nkind: talk\n---\nLet your shoulders drop.\nBreathe out slowly.\nRest here.\n")
    write(guided_home, "loudness = -26\n")
    run("export", str(script), "-o", str(tmp_path / "saved.wav"), "--background", "none", check=True)
    run("export", str(script), "-o", str(tmp_path / "given.wav"), "--background", "none", "--loudness", "-16",
        check=True)
    saved, _ = ebur128(tmp_path / "saved.wav")
    given, _ = ebur128(tmp_path / "given.wav")
    assert abs(saved - -26) <= 1.0, saved
    assert abs(given - -16) <= 1.0, given


# --- values written as on the command line -----------------------------------------------------


def test_a_bare_value_in_the_config_file_is_one_line_saying_to_quote_it(guided_home):
    config = guided_home / "config.toml"
    config.write_text("loudness = -18\nvoice_volume = 90%\n")
    result = run("play")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f'guided: {config}:2:16: put the value in quotes: voice_volume = "90%"']
    config.write_text('loudness = "-18"\nrate = "120"\nvoice_volume = "90%"\nbackground = rain  # a bed\n')
    assert f'{config}:4:14: put the value in quotes: background = "rain"' in run("play").stderr


def test_quoted_values_are_read_as_on_the_command_line(guided_home):
    from guided.options import read_config

    (guided_home / "config.toml").write_text('loudness = "-18"\nrate = "120"\nvoice_volume = "50%"\n')
    saved = read_config()
    assert (saved["loudness"], saved["rate"]) == (-18.0, 120)
    assert abs(saved["voice_volume"] - (-6.02)) < 0.01


def test_a_config_line_that_is_broken_otherwise_is_not_blamed_on_quotes(guided_home):
    (guided_home / "config.toml").write_text("rate = = 120\n")
    result = run("play")
    assert result.returncode == 1 and "not valid TOML" in result.stderr and "quotes" not in result.stderr
