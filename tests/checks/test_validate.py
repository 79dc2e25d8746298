"""`guided validate` resolves every sound and setting a render would need: an unknown bell or
background is named at its place in the script or in config.toml, with the nearest name, all at once.
It warns, too, of words a speech engine may say two ways ("a learned fear"), at their line and column."""

from __future__ import annotations

import json

import pytest

from ..helpers import run

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


# --- "learned", "blessed" and "aged": a verb of one syllable, an adjective of two ------------------

TWO_WAYS = """---
title: Watch
kind: meditation
---
It is a part of you that learned to keep watch.
Blessed relief.   Then [pause 2s] an  aged parent.
1. What was your learned response?
You learned to wait, and lessons learned early have reasons.
"""


@pytest.mark.parametrize(("text", "expected"), [
    ("a heart that learned to keep watch", [(13, "learned", "that")]),
    ("a learned man", [(2, "learned", "a")]),
    ("your learned caution", [(5, "learned", "your")]),
    ("What a blessed quiet.", [(7, "blessed", "a")]),
    ("An aged parent.", [(3, "aged", "An")]),
    ("Blessed relief.", [(0, "Blessed", None)]),
    ("old, learned habits", [(5, "learned", None)]),
])
def test_a_word_where_a_noun_phrase_may_begin_is_flagged_with_the_word_before_it(text, expected):
    from guided.checks.scripts import two_way_words

    assert two_way_words(text) == expected


@pytest.mark.parametrize("text", [
    "I learned to trust.", "You have learned so much.", "Lessons learned in one place.", "It was learned.",
    "The part of you that has learned to wait.", "They aged well.", "Learned.", "You are blessed.",
    "She was aged ten.",
])
def test_a_verb_after_its_subject_or_an_auxiliary_passes(text):
    from guided.checks.scripts import two_way_words

    assert two_way_words(text) == []


def test_validate_warns_of_a_word_said_two_ways_at_its_line_and_column_with_a_rewording(tmp_path):
    (tmp_path / "watch.md").write_text(TWO_WAYS)
    result = run("validate", "watch.md", cwd=tmp_path)
    assert result.returncode == 0  # a warning, not a failure
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert [w.split(": warning: ")[0] for w in warnings] == ["watch.md:5:26", "watch.md:6:1", "watch.md:6:39",
                                                             "watch.md:7:18"]
    first = warnings[0].split(": warning: ")[1]
    assert first.startswith("'learned' after 'that' may be said as the verb or as the adjective (learn-ed")
    assert "reword, e.g. 'that has learned'" in first
    assert "'an elderly parent'" in warnings[2]
    (row,) = json.loads(run("validate", "watch.md", "--json", cwd=tmp_path).stdout)
    assert row["ok"] and row["warnings"] == warnings


def test_a_pronounce_entry_for_the_word_says_how_to_say_it_and_silences_the_warning():
    from guided.checks.scripts import adjective_readings_in
    from guided.scripts.language import parse_script

    script = parse_script(TWO_WAYS, "watch.md")
    assert {w.word.lower() for w in adjective_readings_in(script)} == {"learned", "blessed", "aged"}
    mapped = TWO_WAYS.replace("kind: meditation\n", "kind: meditation\npronounce:\n  learned: lernd\n")
    assert {w.word.lower() for w in adjective_readings_in(parse_script(mapped, "watch.md"))} == {"blessed", "aged"}


def test_the_built_in_library_says_no_word_two_ways():
    from guided.checks.scripts import adjective_readings_in
    from guided.scripts.catalog import Catalog

    catalog = Catalog()
    found = []
    for script_id in catalog.ids():
        file, script = catalog.load(script_id)
        found += [str(w) for w in adjective_readings_in(script, file.path)]
    assert found == []


# --- every mistake of a file at once ---------------------------------------------------------------

MANY_MISTAKES = """---
title: Mine
kind: meditation
backgrund: rain
---
Settle. [pause 4 seconds]
Breathe. [pause 4 sekonds] and [bel chime]
[bell chimes]
Rest. [pause 4 secnds]
1. What do you notice?
3. And now?
"""


def test_validate_reports_every_mistake_of_a_file_a_line_each_in_the_order_of_the_file(tmp_path):
    (tmp_path / "mine.md").write_text(MANY_MISTAKES)
    result = run("validate", "mine.md", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "mine.md:4:1: unknown front matter key 'backgrund'; did you mean 'background'?",
        "mine.md:7:17: expected a duration such as 4s, 2m, 1m30s or 3s..8s, found '4 sekonds'",
        "mine.md:7:33: unknown directive 'bel'; did you mean 'bell'?",
        "mine.md:8:7: unknown bell 'chimes'; did you mean 'chime'? (guided sounds lists them)",
        "mine.md:9:14: expected a duration such as 4s, 2m, 1m30s or 3s..8s, found '4 secnds'",
        "mine.md:11:1: expected question number 2, found 3",
    ]
    (row,) = json.loads(run("validate", "mine.md", "--json", cwd=tmp_path).stdout)
    assert not row["ok"] and len(row["errors"]) == 6 and row["error"] == row["errors"][0]


def test_a_run_stops_at_the_first_mistake_of_a_script_and_says_only_that_one(tmp_path):
    (tmp_path / "mine.md").write_text(MANY_MISTAKES)
    result = run("export", "mine.md", "-o", str(tmp_path / "mine.mp3"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "guided: mine.md:4:1: unknown front matter key 'backgrund'; did you mean 'background'?")
    assert not (tmp_path / "mine.mp3").exists()
