"""A newcomer's first evening: what validates renders, mistakes point at their place, completion
offers what exists, and small messages say exactly what happened."""

from __future__ import annotations

import json

from guided.checks import doctor

from .helpers import run

SCRIPT_WITH_SOUNDS = """---
title: Evening
kind: meditation
background: {background}
---
Let yourself settle. [bell {bell}]
[sit 1m, bell {interval} every 20s]
"""


def write_script(tmp_path, background="rain", bell="bowl", interval="gong"):
    path = tmp_path / "evening.md"
    path.write_text(SCRIPT_WITH_SOUNDS.format(background=background, bell=bell, interval=interval))
    return path


# --- validate resolves every sound a render needs -------------------------------------------------


def test_validate_names_the_place_of_an_unknown_bell_and_suggests_the_nearest(tmp_path):
    path = write_script(tmp_path, bell="chimes")
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:6:28: unknown bell 'chimes'; did you mean 'chime'?" in result.stderr


def test_validate_names_the_place_of_an_unknown_interval_bell(tmp_path):
    path = write_script(tmp_path, interval="gongg")
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:7:15: unknown bell 'gongg'; did you mean 'gong'?" in result.stderr


def test_validate_names_the_front_matter_line_of_an_unknown_background(tmp_path):
    path = write_script(tmp_path, background="rian")
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:4:13: unknown background 'rian'; did you mean 'rain'?" in result.stderr


def test_validate_names_every_missing_sound_of_a_script_at_once(tmp_path):
    path = write_script(tmp_path, background="rian", bell="chimes", interval="gongg")
    result = run("validate", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    expected = [f"{path}:4:13: unknown background 'rian'; did you mean 'rain'?",
                f"{path}:6:28: unknown bell 'chimes'; did you mean 'chime'?",
                f"{path}:7:15: unknown bell 'gongg'; did you mean 'gong'?"]
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start)
    (row,) = json.loads(run("validate", str(path), "--json").stdout)
    assert len(row["errors"]) == 3 and row["error"] == row["errors"][0]


def test_validate_accepts_sound_files_that_exist_and_refuses_ones_that_do_not(tmp_path):
    from guided.checks.sounds import missing_sounds
    from guided.scripts.catalog import Catalog

    bell = tmp_path / "my bell.wav"
    bell.write_bytes(b"RIFF")  # found is enough: nothing is decoded when checking
    fine = write_script(tmp_path, background="none", bell=str(bell))
    assert missing_sounds(Catalog().load(str(fine))[1]) == []
    gone = write_script(tmp_path, background=str(tmp_path / "gone.flac"))
    problems = missing_sounds(Catalog().load(str(gone))[1])
    assert [(p.line, p.column) for p in problems] == [(4, 13)]
    assert "not found" in problems[0].detail


def test_a_script_with_known_sounds_validates(tmp_path):
    result = run("validate", str(write_script(tmp_path)))
    assert result.returncode == 0, result.stderr


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


def test_validate_fails_when_the_config_names_a_voice_or_background_no_render_could_use(tmp_path, guided_home):
    script = write_script(tmp_path)
    config = guided_home / "config.toml"
    config.write_text('engine = "pyttsx3"\nvoice = "en-uss"\n')
    result = run("validate", str(script))
    assert result.returncode == 1
    assert f"{config}:2:1: unknown voice 'en-uss'; did you mean 'gmw/en-us'?" in result.stderr.splitlines()
    config.write_text('\nbackground = "rian"\n')
    result = run("validate", str(script))
    assert result.returncode == 1
    assert f"{config}:2:1: unknown background 'rian'; did you mean 'rain'? (guided sounds lists them)" in result.stderr.splitlines()
    config.write_text('engine = "pyttsx3"\nvoice = "gmw/en-us"\nbackground = "rain"\n')
    assert run("validate", str(script)).returncode == 0


# --- completion offers what exists, without starting an engine -----------------------------------


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


# --- small things that trip a newcomer ------------------------------------------------------------


def test_ids_are_found_whatever_their_case():
    from guided.scripts.catalog import Catalog

    assert Catalog().find("Heart-Breathing").id == "heart-breathing"
    assert Catalog().find("REBUILDING-TRUST/2").id == "rebuilding-trust/2"


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


def test_a_series_suggests_its_steps_in_order_from_the_first():
    from guided.scripts.catalog import Catalog

    members = Catalog().series_members("rebuilding-trust")
    result = run("show", "rebuilding-trust")
    assert result.returncode == 1
    assert f"in order, from {members[0]} to {members[-1]}" in result.stderr
    assert members[0] == "rebuilding-trust/1" and len(members) > 1


def test_new_will_not_replace_a_built_in_session_unless_forced(guided_home):
    refused = run("new", "heart-breathing")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "guided: heart-breathing is a built-in session; add --force to write your own version, used in its place, "
        "or choose another id"
    ]
    assert not (guided_home / "scripts" / "heart-breathing.md").exists()
    forced = run("new", "heart-breathing", "--force")
    assert forced.returncode == 0 and (guided_home / "scripts" / "heart-breathing.md").is_file()


def test_the_template_explains_the_time_to_reflect_without_pointing_at_a_missing_key():
    from guided.scripts.templates import template

    meditation = template("evening", "meditation")
    assert "reflect:' above" not in meditation and "'reflect: 90s'" in meditation


def test_usage_lines_show_optional_arguments_as_optional():
    for command, usage in (("play", "[ID|PATH]"), ("show", "[ID|PATH]"), ("journal", "[DECK]"),
                           ("export", "[ID|PATH|SERIES]")):
        first = run(command, "--help").stdout.splitlines()[0]
        assert first == f"Usage: guided {command} [OPTIONS] {usage}"


# --- a journal sitting ends the way it was left ---------------------------------------------------

DECK = "---\ntitle: Two questions\nkind: journal\nreflect: 5s\n---\nWelcome.\n1. One?\n2. Two?\nGoodbye.\n"


def sitting_with(keys: list[str], narration: list[str]):
    """journal_sitting.run in --wait mode with these keys pressed and narration ending in these ways."""
    import guided
    from guided.journal import answering as journal_sitting

    session = guided.prepare(DECK, id="two-questions", engine="pyttsx3")
    keys, narration = list(keys), list(narration)
    hooks = journal_sitting.Hooks(play=lambda *_: narration.pop(0) if narration else "finished",
                                  wait_key=lambda: keys.pop(0))
    return journal_sitting.run(session, "two-questions", "wait", hooks)


def test_q_while_waiting_ends_the_sitting_keeping_what_was_answered():
    from guided.journal import entries as journal

    held = sitting_with(["continue", "quit"], [])
    assert held.stopped and sorted(held.answers) == [1]
    assert held.path.is_file() and journal.answered_in("two-questions") == {1}


def test_q_during_narration_stops_calmly_too():
    held = sitting_with(["continue"], ["finished", "stopped"])
    assert held.stopped and sorted(held.answers) == [1]


def test_ctrl_c_before_any_answer_leaves_no_entry():
    import pytest

    from guided.journal import entries as journal

    with pytest.raises(KeyboardInterrupt):
        sitting_with([], ["interrupted"])
    assert list(journal.journal_dir().glob("*.md")) == []


def test_q_before_any_answer_leaves_no_entry_either():
    from guided.journal import entries as journal

    held = sitting_with(["quit"], [])
    assert held.stopped and not held.answers and not held.path.exists()
    assert list(journal.journal_dir().glob("*.md")) == []


def test_ctrl_c_after_an_answer_keeps_the_entry():
    import pytest

    from guided.journal import entries as journal

    with pytest.raises(KeyboardInterrupt):
        sitting_with(["continue"], ["finished", "interrupted"])
    assert journal.answered_in("two-questions") == {1}


# --- config.toml values as on the command line -----------------------------------------------------


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


# --- the script reference, installed and printed -------------------------------------------------


def test_guided_help_script_prints_the_script_reference():
    from pathlib import Path

    reference = (Path(__file__).parent.parent / "docs" / "script-format.md").read_text(encoding="utf-8")
    result = run("help", "script")
    assert result.returncode == 0
    assert result.stdout.rstrip("\n") == reference.rstrip("\n")


def test_guided_help_of_a_command_is_its_help_and_an_unknown_topic_says_what_there_is():
    assert run("help", "play").stdout == run("play", "--help").stdout
    unknown = run("help", "scrpit")
    assert unknown.returncode == 1 and "topics: script" in unknown.stderr


def test_the_wheel_carries_the_script_reference_where_an_installed_package_reads_it(tmp_path):
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    root = Path(__file__).parent.parent
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)], cwd=root,
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("guided/_data/docs/script-format.md").decode("utf-8")
    assert shipped == (root / "docs" / "script-format.md").read_text(encoding="utf-8")

    from guided.paths import bundled

    installed = tmp_path / "site" / "guided"
    (installed / "_data" / "docs").mkdir(parents=True)
    assert bundled("docs", installed) == installed / "_data" / "docs"


# --- endings on screen ---------------------------------------------------------------------------

SHORT = "---\ntitle: Short\nkind: talk\n---\n## Only\nHello there.\n[pause 2s]\nGoodbye.\n"


class _Controls:
    def __init__(self, position, paused=False, stopping=False):
        self.position, self.paused, self.stopping, self.volume_db = position, paused, stopping, 0.0


class _Player:
    def __init__(self, controls):
        self.controls, self.preparing = controls, False


def drawn(monkeypatch, steps):
    """What the display writes for these (method, argument) steps, with its escape codes."""
    import io
    import sys

    import guided
    from guided.cli.display import Display

    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    timeline = guided.prepare(SHORT, id="short").timeline
    display = Display(timeline, enabled=True)
    display.start(keys=True)
    for method, argument in steps:
        getattr(display, method)(argument)
    return screen.getvalue(), timeline


def test_q_while_paused_leaves_the_display_saying_stopped(monkeypatch):
    out, _ = drawn(monkeypatch, [("update", _Player(_Controls(44_100, paused=True))), ("finish", "stopped")])
    assert "] paused" in out
    assert "] stopped" in out.split("] paused")[-1]  # drawn after the paused frame, replacing it
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_a_finished_display_shows_the_whole_length_and_no_stale_caption(monkeypatch):
    from guided.timing.timefmt import clock

    out, timeline = drawn(monkeypatch, [("update", _Player(_Controls(1000))), ("finish", "finished")])
    final = out.split("\x1b[3F")[-1]  # the redraw moves up over the three lines it replaces
    total = clock(timeline.total // timeline.rate)
    assert f"{total} / {total} [" in final and "] finished" in final and "Hello" not in final


def test_the_ending_line_says_how_it_ended():
    import guided
    from guided.cli.display import ending
    from guided.timing.timefmt import clock

    timeline = guided.prepare(SHORT, id="short").timeline
    total = clock(timeline.total // timeline.rate)
    assert ending("short", "finished", timeline.total, timeline) == f"finished short ({total})"
    assert ending("short", "stopped", timeline.rate * 2, timeline) == f"stopped short at 0:02 of {total}"


def test_a_finished_play_says_so_on_its_own_line(tmp_path, sound_home):
    script = tmp_path / "short.md"
    script.write_text(SHORT)
    result = run("play", str(script), env={"HOME": str(sound_home)})
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("finished short (0:")
