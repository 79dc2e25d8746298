"""The script language: what authors write, and the one-line errors they get for mistakes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided.errors import ScriptError
from guided.scripts.language import (
    Bell,
    Breathe,
    Pause,
    Say,
    Section,
    Sit,
    Span,
    format_ms,
    parse_duration_ms,
    parse_script,
)

HEAD = "---\ntitle: T\nkind: meditation\n---\n"


def parse(body: str, head: str = HEAD):
    return parse_script(head + body, "s.md")


def error_of(text: str) -> ScriptError:
    with pytest.raises(ScriptError) as caught:
        parse_script(text, "s.md")
    return caught.value


def test_front_matter_sets_title_kind_and_background():
    script = parse("Hello.\n", "---\ntitle: Calm\nkind: talk\nbackground: rain\ndescription: A test.\n---\n")
    assert (script.title, script.kind, script.background, script.description) == ("Calm", "talk", "rain", "A test.")


def test_plain_lines_are_spoken_one_phrase_each_and_blank_lines_pause():
    script = parse("First line.\nSecond line.\n\nThird.\n")
    assert [type(c) for c in script.cues] == [Say, Say, Pause, Say]
    assert script.cues[2].natural


def test_sections_pauses_and_bells():
    script = parse("## Arriving\nSettle. [pause 4s]\n[pause 3s..8s]\n[bell]\n[bell gong]\n[pause 1m30s]\n")
    assert script.cues[0] == Section("Arriving", 5)
    assert script.cues[1] == Say("Settle.", 6)
    assert script.cues[2] == Pause(Span(4000, 4000), 6)
    assert script.cues[3] == Pause(Span(3000, 8000), 7)
    assert script.cues[4] == Bell(None, 8)
    assert script.cues[5] == Bell("gong", 9)
    assert script.cues[6].span == Span(90_000, 90_000)


def test_a_stretchable_pause_lasts_its_midpoint_unless_fitted():
    assert Span(3000, 8000).nominal == 5500


def test_breathing_pattern_and_silent_sitting():
    script = parse("[breathe in 4s, hold 2s, out 6s, hold 1s, x5]\n[sit 5m..20m, bell every 5m]\n[sit 10m]\n")
    assert script.cues[0] == Breathe((("in", 4000), ("hold", 2000), ("out", 6000), ("rest", 1000)), 5, 5)
    assert script.cues[1] == Sit(Span(300_000, 1_200_000), 300_000, None, 6)
    assert script.cues[2] == Sit(Span(600_000, 600_000), None, None, 7)


def test_journal_questions_are_a_numbered_list_with_wrapped_lines():
    head = "---\ntitle: Q\nkind: journal\n---\n"
    script = parse("Opening.\n1. What shaped\n   your trust?\n2) Where do you feel it? [pause 20s]\n", head)
    questions = script.questions
    assert [q.text for q in questions] == ["What shaped your trust?", "Where do you feel it?"]
    assert questions[0].reflect == Span(30_000, 150_000)  # a journal's default: 90 s, stretchable
    assert questions[1].reflect == Span(20_000, 20_000)


def test_reflect_in_front_matter_sets_time_for_every_question():
    head = "---\ntitle: Q\nkind: journal\nreflect: 45s..2m\n---\n"
    assert parse("1. Why?\n", head).questions[0].reflect == Span(45_000, 120_000)


def test_comments_are_never_spoken_and_keep_columns():
    script = parse("<!-- a note -->Hello. <!-- another\nspanning lines -->[pause 2s]\n")
    assert script.cues == (Say("Hello.", 5), Pause(Span(2000, 2000), 6))


def test_durations_read_and_write_as_authors_write_them():
    assert parse_duration_ms("1m30s") == 90_000
    assert parse_duration_ms("500ms") == 500
    assert parse_duration_ms("1.5s") == 1500
    assert parse_duration_ms("banana") is None
    # As people write them out, too.
    assert parse_duration_ms("4 seconds") == 4000 and parse_duration_ms("2 minutes") == 120_000
    assert parse_duration_ms("1 minute and 30 seconds") == 90_000 and parse_duration_ms("500 ms") == 500
    assert parse_duration_ms("4 bananas") is None and parse_duration_ms("seconds") is None
    assert format_ms(90_000) == "1m30s"
    assert format_ms(1500) == "1.5s"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("", "1:1", "expected front matter starting with '---', found an empty file"),
        ("Hello\n", "1:1", "expected front matter"),
        ("---\ntitle: T\nkind: talk\n", "1:1", "never closed"),
        ("---\ntitle: [unclosed\nkind: talk\n---\nHi.\n", "3:", "not valid YAML"),
        ("---\ntitle: !!python/object:os.system x\nkind: talk\n---\nHi.\n", "2:", "not valid YAML"),
        ("---\nkind: talk\n---\nHi.\n", "3:1", "needs a 'title:' line"),
        ("---\ntitle: T\nkind: podcast\n---\nHi.\n", "3:7", "unknown kind 'podcast'"),
        ("---\ntitle: T\nkind: talk\ncolour: red\n---\nHi.\n", "4:1", "unknown front matter key 'colour'; expected"),
        ("---\ntitle: T\nkind: talk\nbackgrund: rain\n---\nHi.\n", "4:1", "key 'backgrund'; did you mean 'background'?"),
        ("---\ntitle: T\nkind: talk\npart: -1\n---\nHi.\n", "4:7", "whole number"),
        ("---\ntitle: T\nkind: talk\ntitle: U\n---\nHi.\n", "4:1", "'title' is set twice (lines 2 and 4)"),
        (HEAD, "4:1", "expected something to say"),
        (HEAD + "\n\nHello [pause banana]\n", "7:14", "expected a duration such as 4s"),
        (HEAD + "[pause -3s]\n", "5:8", "found '-3s'"),
        (HEAD + "[pause 400h]\n", "5:8", "at most 1h"),
        (HEAD + "[pause 3s..1s]\n", "5:8", "must not exceed its end"),
        (HEAD + "[pause 0s]\n", "5:8", "longer than zero"),
        (HEAD + "[chant om]\n", "5:2", "unknown directive 'chant'; expected one of"),
        (HEAD + "Hi. [bel chime]\n", "5:6", "unknown directive 'bel'; did you mean 'bell'?"),
        (HEAD + "[pasue 3s]\n", "5:2", "unknown directive 'pasue'; did you mean 'pause'?"),
        (HEAD + "Hello [pause 3s\n", "5:7", "expected ']'"),
        (HEAD + "Hello ] there\n", "5:7", "without an opening '['"),
        (HEAD + "[]\n", "5:2", "expected a directive"),
        (HEAD + "...\n", "5:1", "nothing here can be spoken: '...'"),
        (HEAD + "Breathe. [pause 2s] \u2014\n", "5:21", "nothing here can be spoken: '\u2014'"),
        (HEAD + "( )\n", "5:1", "nothing here can be spoken"),
        (HEAD + "\u200b\n", "5:1", "nothing here can be spoken: '\\\\u200b'"),
        (HEAD + "# Title\n", "5:1", "'## Title'"),
        (HEAD + "### Deep\n", "5:1", "'## Title'"),
        (HEAD + "[breathe in 4s, x5]\n", "5:10", "needs at least 'in' and 'out'"),
        (HEAD + "[breathe in 4s, sideways 2s, out 4s]\n", "5:17", "expected a phase"),
        (HEAD + "[sit 10m, bell sometimes]\n", "5:11", "expected 'bell every 5m'"),
        (HEAD + "1. One?\n3. Three?\n", "6:1", "expected question number 2, found 3"),
        (HEAD + "1. Why? [bell]\n", "5:9", "a question may end with one [pause"),
        (HEAD + "Hi <!-- never closed\n", "5:4", "never closed by '-->'"),
        ("---\ntitle: T\nkind: journal\n---\nNo questions here.\n", "5:1", "needs at least one numbered question"),
        ("---\ntitle: T\nkind: talk\n---\nHi\x00\n", "5:3", "binary data"),
    ],
)
def test_every_mistake_names_file_line_column_and_what_was_expected(text, where, words):
    error = error_of(text)
    message = str(error)
    assert message.startswith(f"s.md:{where}"), message
    assert words in message
    assert "\n" not in message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_the_parser_raises_nothing_but_its_own_error_on_arbitrary_text(text):
    try:
        parse_script(text, "fuzz.md")
    except ScriptError as error:
        assert str(error).startswith("fuzz.md:")
        assert "\n" not in str(error)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]#-.:0123456789 smhx\n,.abinoutpauseblsreathe!<>")), max_size=200))
def test_the_parser_survives_text_made_of_its_own_syntax(body):
    try:
        parse(body)
    except ScriptError as error:
        assert str(error).startswith("s.md:")


def test_a_spoken_line_may_say_the_sessions_length_and_number_of_questions_and_nothing_else_in_braces():
    script = parse_script("---\ntitle: T\nkind: journal\n---\nYou will hear {questions} in {minutes}.\n1. Why?\n")
    assert script.cues[0].text == "You will hear {questions} in {minutes}."
    with pytest.raises(ScriptError) as caught:
        parse_script("---\ntitle: T\nkind: talk\n---\nHello.\nFor the next {minute}, rest.\n", "t.md")
    assert str(caught.value) == "t.md:6:14: unknown placeholder {minute}; did you mean {minutes}?"


def test_long_sitting_marks_what_only_a_long_sitting_hears_and_only_in_a_decks_opening():
    from guided.scripts.language import LongSitting

    script = parse_script("---\ntitle: T\nkind: journal\n---\nHello.\n[long sitting]\nMore.\n1. Why?\n")
    assert isinstance(script.cues[1], LongSitting)
    with pytest.raises(ScriptError, match=r"t.md:7:1: \[long sitting\] belongs in a deck's opening"):
        parse_script("---\ntitle: T\nkind: journal\n---\nHello.\n1. Why?\n[long sitting]\n2. How?\n", "t.md")


def test_a_line_longer_than_a_phrase_is_spoken_as_phrases_cut_where_sentences_and_clauses_end():
    from guided.scripts.language import Say
    from guided.scripts.language.body import LONGEST_PHRASE_WORDS

    sentence = "This is a long line that goes on, and on, and the words keep coming without a stop"
    line = " ".join([sentence] * 34) + "."  # 612 words, one sentence with commas in it
    script = parse_script(HEAD + line + "\nShort and sweet.\n")
    said = [cue for cue in script.cues if isinstance(cue, Say)]
    assert all(len(s.text.split()) <= LONGEST_PHRASE_WORDS for s in said) and len(said) >= 11
    assert " ".join(s.text for s in said[:-1]).split() == line.split()  # every word, in order
    assert all(s.line == 5 for s in said[:-1]) and said[-1].text == "Short and sweet."
    assert all(s.text.endswith(",") or s.text.endswith(".") for s in said[:-1])  # cut after a clause
    paragraph = " ".join(f"Sentence number {i} is here." for i in range(30))  # 150 words in sentences
    cut = [c.text for c in parse_script(HEAD + paragraph + "\n").cues if isinstance(c, Say)]
    assert all(text.endswith(".") for text in cut) and " ".join(cut) == paragraph


def test_a_script_with_several_mistakes_raises_the_first_carrying_the_others_in_file_order():
    from guided.scripts.language import check_script

    text = ("---\ntitle: T\nkind: meditaton\npart: 0\n---\nOne. [pause 4 seconds] [paws 2s]\n"
            "Two. [bell bowl!] [sit 1m, bell every 2s]\n")
    with pytest.raises(ScriptError) as caught:
        parse_script(text, "t.md")
    every = [caught.value, *caught.value.also]
    assert [(e.line, e.column) for e in every] == [(3, 7), (4, 7), (6, 25), (7, 12), (7, 28)]
    assert "did you mean 'pause'?" in every[2].detail
    checked = check_script(text, "t.md")
    assert [str(p) for p in checked.problems] == [str(e) for e in every]
    # What could be read is kept: the good pause, and the kind read as a meditation.
    assert checked.script.kind == "meditation" and len(checked.script.cues) == 3


def test_a_question_numbered_wrong_is_reported_once_not_at_every_question_after_it():
    from guided.scripts.language import check_script

    text = "---\ntitle: T\nkind: journal\n---\n1. One?\n3. Three?\n4. Four?\n5. Five? [bell]\n"
    problems = check_script(text, "t.md").problems
    assert [(p.line, p.detail) for p in problems] == [
        (6, "expected question number 2, found 3"),
        (8, "a question may end with one [pause ...] for its time to reflect, nothing else")]
