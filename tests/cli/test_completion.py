"""Tab completion offers what exists (sessions, your own scripts, decks, backgrounds, voices as
`guided voices` lists them), leaves paths to the shell, and starts no speech engine."""

from __future__ import annotations

from ..helpers import run


def bash_complete(words: str, env: dict | None = None) -> list[tuple[str, str]]:
    """The real completion, as bash asks for it: (type, value) pairs."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = run(env={"_GUIDED_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword), **(env or {})})
    assert result.returncode == 0, result.stderr
    return [tuple(line.split(",", 1)) for line in result.stdout.splitlines()]


def test_bash_completion_of_a_session_id_offers_the_sessions_that_start_with_it():
    assert bash_complete("guided play heart") == [("plain", "heart-affirmations"), ("plain", "heart-breathing")]
    assert ("plain", "heart-breathing") in bash_complete("guided export Heart-B")


def test_a_path_that_is_no_id_is_left_to_the_shell_file_completion():
    assert bash_complete("guided play ./my-sc") == [("file", "./my-sc")]


def test_your_own_scripts_are_offered_too(guided_home):
    (guided_home / "scripts").mkdir()
    (guided_home / "scripts" / "heartfelt.md").write_text("---\ntitle: Mine\nkind: talk\n---\nHello.\n")
    assert ("plain", "heartfelt") in bash_complete("guided show heart")


def test_journal_completion_offers_decks_only(guided_home):
    from guided.cli import completion
    from guided.session.library import sessions

    decks = {row.id for row in sessions() if row.kind == "journal"}
    assert decks and set(completion.deck_ids("")) == decks
    assert [value for _, value in bash_complete("guided journal ")] == sorted(decks)


def test_backgrounds_and_voices_complete_from_what_is_installed():
    from guided.audio.sounds import BED_NAMES

    offered = [value for _, value in bash_complete("guided play --background ")]
    assert offered == [*BED_NAMES, "none"]
    voices = [value for _, value in bash_complete("guided play --voice ")]
    assert "gmw/en-us" in voices  # espeak-ng's American English, as `guided voices` lists it


def test_voice_completion_offers_the_ids_exactly_as_guided_voices_lists_them():
    import json

    listed = {v["id"] for v in json.loads(run("voices", "--json", check=True).stdout)}
    offered = {value for _, value in bash_complete("guided play --voice gmw/en")}
    assert offered and offered <= listed  # not gmw/en-US when the list and "did you mean" say gmw/en-us


def test_voice_completion_never_imports_a_speech_engine():
    import subprocess
    import sys

    probe = ("import sys; from guided.cli import completion; completion.voices(''); "
             "print(sorted(m for m in ('pyttsx3', 'piper', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
