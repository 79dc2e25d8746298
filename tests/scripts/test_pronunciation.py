"""Words said right: a script's pronounce: map reaches every engine, and validate warns of known traps."""

from __future__ import annotations

import subprocess

import pytest

import guided
from guided.scripts.language import parse_script
from guided.scripts.pronunciation import spoken_form, traps_in

from ..conftest import needs
from ..helpers import run

TRAPS = "---\ntitle: Traps\nkind: meditation\n---\nLet your eyes close.\nThis line is fine.\nMistrust often lives in the future.\n"
MAPPED = ("---\ntitle: Mapped\nkind: meditation\npronounce:\n  close: {pyttsx3: \"[[kl'oUz]]\", piper: \"[[klˈoʊz]]\"}\n"
          "  Anahata: Ah-NAH-ha-ta\n---\nLet your eyes close.\nRest in Anahata.\n")


@needs("espeak-ng")
def test_validate_warns_of_a_mispronounced_word_with_file_line_and_a_rewording(tmp_path):
    (tmp_path / "traps.md").write_text(TRAPS)
    result = run("validate", "traps.md", cwd=tmp_path)
    assert result.returncode == 0  # a warning, not a failure
    warnings = result.stderr.strip().splitlines()
    assert warnings[0].startswith("traps.md:5: warning: 'close'") and "fall closed" in warnings[0]
    assert warnings[1].startswith("traps.md:7: warning: 'lives'")
    assert len(warnings) == 2


@needs("espeak-ng")
def test_the_built_in_library_has_no_known_mispronunciation():
    result = run("validate")
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr


def test_a_pronounce_map_in_the_front_matter_changes_what_each_engine_is_given():
    script = parse_script(MAPPED, "m.md")
    assert spoken_form("Let your eyes close.", script.pronounce, "pyttsx3") == "Let your eyes [[kl'oUz]]."
    assert spoken_form("Let your eyes close.", script.pronounce, "piper") == "Let your eyes [[klˈoʊz]]."
    assert spoken_form("Rest in anahata, closer.", script.pronounce, "pyttsx3") == "Rest in Ah-NAH-ha-ta, closer."
    assert traps_in(script) == []  # the map covers the trap


@pytest.mark.usefixtures("fake_voice")
def test_the_engine_speaks_the_mapped_form_and_captions_keep_the_words(fake_engine):
    fake_engine.name = "pyttsx3"
    session = guided.prepare(MAPPED, background="none")
    assert "Let your eyes [[kl'oUz]]." in fake_engine.rendered
    assert [e.text for e in session.timeline.speech] == ["Let your eyes close.", "Rest in Anahata."]


@needs("espeak-ng")
def test_espeak_ng_reads_the_mapped_phonemes_as_the_verb():
    said = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en-us", "Let your eyes [[kl'oUz]]."],
                          capture_output=True, text=True, check=True).stdout
    assert "kl'oUz" in said and "kl'oUs" not in said


def test_piper_reads_the_mapped_phonemes_as_given():
    piper_voice = pytest.importorskip("piper.voice")
    from guided.tts.piper_engine import find_voice

    voice = find_voice(None)  # make test installs a voice package
    loaded = piper_voice.PiperVoice.load(voice.model, voice.config)
    phonemes = "".join("".join(s) for s in loaded.phonemize("Let your eyes [[klˈoʊz]]."))
    assert "klˈoʊz" in phonemes


def test_a_pronounce_entry_that_is_not_a_word_is_a_script_error():
    with pytest.raises(guided.ScriptError, match="not a single word"):
        parse_script("---\ntitle: T\nkind: talk\npronounce:\n  two words: x\n---\nHi.\n", "t.md")
