"""Reading plain-text articles as a person would: headings, quoted examples, lead-ins, the writer's own questions.

The corpus in tests/import_corpus/ is plain text with no markup, written for these tests, on healing
trust issues, and notes-*.txt written as people write notes: lists, prose, both, errands among them. Each article NAME.txt has NAME.expected beside it: the deck's exact title, questions
and what is left out (reason: text), in order. The rules are then stated one by one, and two
properties close: any text at all is read without a crash, and in any article built from headings,
quoted examples and real questions, only the real questions are taken.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guided.errors import GuidedError
from guided.scripts.importer import REASONS, NoQuestionsError, decode, extract, import_questions

from ..helpers import run

CORPUS = Path(__file__).parent.parent / "import_corpus"
ARTICLES = sorted(CORPUS.glob("*.txt"))


def expected(article: Path) -> dict:
    """NAME.expected: '# title', '# questions' and '# left out' sections, one entry a line."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in article.with_suffix(".expected").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            current = sections.setdefault(line[2:], [])
        elif line.strip():
            current.append(line)
    left_out = [tuple(entry.split(": ", 1)) for entry in sections.get("left out", [])]
    return {"title": sections["title"][0], "questions": sections["questions"], "left_out": left_out}


def test_the_corpus_has_plain_text_articles_and_notes_covering_every_reason():
    notes = [a for a in ARTICLES if a.stem.startswith("notes-")]
    assert len(ARTICLES) - len(notes) >= 6 and len(notes) >= 3
    reasons = {reason for article in ARTICLES for reason, _ in expected(article)["left_out"]}
    assert reasons == set(REASONS)
    for article in ARTICLES:
        text = article.read_text(encoding="utf-8")
        # Notes are written as people write them, '- ' lists included, which also read as Markdown.
        if article not in notes:
            assert extract(text).format == "text", f"{article.name} has Markdown or HTML marks"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.stem)
def test_each_article_gives_its_exact_questions_title_and_left_out(article):
    want = expected(article)
    result = import_questions(article.read_text(encoding="utf-8"), name=str(article), dry_run=True)
    assert list(result.questions) == want["questions"]
    assert result.title == want["title"]
    assert list(result.left_out) == want["left_out"]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.stem)
def test_windows_line_endings_a_byte_order_mark_and_no_file_name_change_nothing(article):
    text = article.read_text(encoding="utf-8")
    as_saved = extract(text, name=article.name)
    from_windows = extract(decode(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")))
    assert (from_windows.questions, from_windows.left_out) == (as_saved.questions, as_saved.left_out)


# --- the rules, one by one -------------------------------------------------------------------------


def questions(text: str) -> list[str]:
    return list(extract(text, name="article.txt").questions)


def left_out(text: str) -> list[tuple[str, str]]:
    return list(extract(text, name="article.txt").left_out)


@pytest.mark.parametrize("between", ["\n\n", "\n"], ids=["blank lines between paragraphs", "one paragraph a line"])
def test_a_short_title_case_line_standing_alone_is_a_heading_question_mark_or_not(between):
    text = between.join([
        "It is hard to trust again after being hurt.",
        "What Happens to Trust When We Are Hurt?",
        "Trust can bend without breaking.",
        "Questions To Sit With",
        "What helps me feel safe with someone new?",
    ])
    assert questions(text) == ["What helps me feel safe with someone new?"]
    assert left_out(text) == [("heading", "What Happens to Trust When We Are Hurt?")]


def test_a_title_case_line_inside_a_wrapped_sentence_is_not_a_heading():
    text = "When I feel let down by\nSomeone Close To Me\nwhat do I tell myself?\n"
    assert questions(text) == ["When I feel let down by Someone Close To Me what do I tell myself?"]


@pytest.mark.parametrize(("line", "question"), [
    ("Ask yourself: Am I reacting to this person, or to an old hurt?", "Am I reacting to this person, or to an old hurt?"),
    ("Reflect: What did I need back then?", "What did I need back then?"),
    ("Journal prompt: Who do I feel calm around?", "Who do I feel calm around?"),
    ("Take a breath first. Then ask yourself: What is true right now?", "What is true right now?"),
    # A known lead-in is left off whatever follows it, the question's first word made a capital.
    ("Ask yourself: when did I last feel safe?", "When did I last feel safe?"),
    ("Ask yourself, am I reacting to this person?", "Am I reacting to this person?"),
    ("Ask yourself - am I reacting to this person, or am I reliving a past betrayal?",
     "Am I reacting to this person, or am I reliving a past betrayal?"),
    ("Consider: what would it mean to trust myself a little more?", "What would it mean to trust myself a little more?"),
    ("Reflect on this: where did I feel safe today?", "Where did I feel safe today?"),
    ("Something to ask yourself tonight... who did I trust today?", "Who did I trust today?"),
    # A verb of asking of the writer's own, not a lead-in: the colon joins one sentence, kept whole.
    ("I often wonder: when did I last feel safe?", "I often wonder: when did I last feel safe?"),
    # After a comma, only what starts as a question does is one.
    ("Consider, though, whether I trust myself?", "Consider, though, whether I trust myself?"),
    # Other words before the colon only announce the question, which then starts the deck's line.
    ("So here is my question for you: what is one thing I could let go of?", "What is one thing I could let go of?"),
])
def test_a_lead_in_before_a_question_is_left_off(line, question):
    assert questions(line) == [question]


@pytest.mark.parametrize("line", [
    "Rather than snapping “Why are you late again?”, try saying how you feel.",
    "Instead of asking “What is wrong with me?”, be curious.",
    "Try not to ask “Why does this always happen to me?” every time.",
    "It helps to stop asking yourself “Why am I like this?” and rest.",
    "Healing can mean moving away from “Why me?” toward kinder questions.",
    "You might want to say “Where were you?” the moment they come home.",
    "Your partner may ask you, “Will you ever trust me again?” Take your time.",
    "When you are ready, ask your friend “Can we talk this week?” and see.",
    "That old voice asks ‘What if they leave?’ again and again.",
])
def test_a_quoted_question_said_to_someone_or_to_move_away_from_is_an_example(line):
    assert questions(line) == []
    assert [reason for reason, _ in left_out(line)] == ["example"]


@pytest.mark.parametrize(("line", "question"), [
    ("Pause, and ask yourself “Is this fear about now, or about then?” Then breathe.",
     "Is this fear about now, or about then?"),
    ("Healing means moving from asking “Why me?” to asking “What do I need now?”, slowly.", "What do I need now?"),
    ("I sometimes wonder “Who would I be if I trusted a little more?” on long walks.",
     "Who would I be if I trusted a little more?"),
])
def test_a_quoted_question_turned_inward_is_taken_even_mid_sentence(line, question):
    assert questions(line) == [question]


def test_a_question_is_taken_whole_past_a_closing_quote():
    line = "When someone asks “Are you okay?” and I say “Fine”, what am I protecting?"
    assert questions(line) == [line]
    # Mid-paragraph and answered at once: the writer's own question, taken up by the writer.
    assert questions(f"Some days are harder. {line} Often, an old fear.") == []


@pytest.mark.parametrize(("line", "expected_questions"), [
    ("What did trust look like at home? Who in my life feels steady today?",
     ["What did trust look like at home?", "Who in my life feels steady today?"]),
    ("Who has kept their word to me? What did that feel like?", ["Who has kept their word to me? What did that feel like?"]),
    ("What drains me? Why?", ["What drains me? Why?"]),
    ("What am I afraid of? And what would help me feel safer?", ["What am I afraid of? And what would help me feel safer?"]),
])
def test_two_questions_on_a_line_are_split_only_when_each_stands_alone(line, expected_questions):
    assert questions(line) == expected_questions


@pytest.mark.parametrize("paragraph", [
    "Mistrust can last for years. Why do people hold on to old hurts?",
    "You might check your phone again and again. Does this sound familiar?",
    "Many people feel this after a betrayal. Have you ever felt that way?",
])
def test_a_question_ending_a_paragraph_that_is_not_put_to_the_reader_is_the_writers(paragraph):
    assert questions(paragraph) == []
    assert [reason for reason, _ in left_out(paragraph)] == ["rhetorical"]


@pytest.mark.parametrize("paragraph", [
    "Mistrust can last for years. What old hurt am I still carrying?",
    "Take a slow breath. Am I safe in this moment?",
    "Think of the people around you. Who has earned a little more of your trust?",
    # Set apart as its own paragraph, a question is put to the reader whoever it names.
    "How would it feel to be believed?",
])
def test_a_question_put_to_the_reader_is_taken(paragraph):
    assert questions(paragraph) == [paragraph.rsplit(". ", 1)[-1]]


@pytest.mark.parametrize(("paragraph", "expected_questions"), [
    ("Think back to your first home. Who made you feel safe there? Take your time with it.",
     ["Who made you feel safe there?"]),
    ("Ask yourself three things tonight. What did I need today? What did I get today? What would help tomorrow?",
     ["What did I need today?", "What did I get today?", "What would help tomorrow?"]),
])
def test_questions_right_after_an_invitation_to_reflect_are_the_readers_anywhere_in_a_paragraph(
        paragraph, expected_questions):
    assert questions(paragraph) == expected_questions


def test_a_question_the_paragraph_goes_on_to_answer_is_neither_taken_nor_listed():
    text = "Why does the guard stay up? It once kept you safe. That is worth thanking."
    assert questions(text) == [] and left_out(text) == []


def test_the_title_is_the_first_heading_like_line_near_the_top_else_the_file_name(guided_home):
    after_a_summary = "A short note for hard days.\n\nComing Home To Yourself\n\nWhat helps me rest?\n"
    assert extract(after_a_summary).title == "Coming Home To Yourself"
    after_a_paragraph = ("Trust grows slowly, and that is fine. " * 6) + "\n\nComing Home To Yourself\n\nWhat helps me rest?\n"
    assert extract(after_a_paragraph).title is None
    result = import_questions(after_a_paragraph, name="notes/slow-evenings.txt", dry_run=True)
    assert result.title == "Slow evenings"


def test_text_with_only_headings_and_examples_is_refused_saying_what_it_held(guided_home):
    text = "Why Is Trust So Hard?\n\nRather than snapping “Where were you?”, say how you feel.\n"
    with pytest.raises(NoQuestionsError, match=r"\(only 1 heading and 1 quoted example ending in '\?'\)") as caught:
        import_questions(text, name="draft.txt", dry_run=True)
    assert [reason for reason, _ in caught.value.left_out] == ["heading", "example"]


# --- through the command -----------------------------------------------------------------------------


def test_a_verbose_dry_run_says_why_each_line_was_left_out(guided_home):
    article = CORPUS / "talking-about-trust.txt"
    quiet = run("import", str(article), "--dry-run", check=True)
    verbose = run("import", str(article), "--dry-run", "--verbose", check=True)
    for reason, text in expected(article)["left_out"]:
        label, why = REASONS[reason]
        assert f"left out ({label}): {text}\n      why: {why}\n" in verbose.stderr
        assert f"left out ({label}): {text}\n" in quiet.stderr and why not in quiet.stderr
    assert "dry run: nothing written" in verbose.stderr
    assert not (Path(guided_home) / "scripts").exists()
    summary = json.loads(run("import", str(article), "--dry-run", "--json", check=True).stdout)
    assert [(x["reason"], x["text"]) for x in summary["left_out"]] == expected(article)["left_out"]


# --- properties --------------------------------------------------------------------------------------

# Any characters at all, and text made of the pieces the rules look at: quotes, colons, capitals, marks.
_PIECES = [*"aAbIy? .!:,\n\"“”‘’'#-*1)>|<p/", "\n\n", "Why ", "What ", "you ", "I ", "Ask yourself: ", "rather than "]
_ANY_TEXT = st.one_of(st.text(max_size=200), st.lists(st.sampled_from(_PIECES), max_size=120).map("".join))


@settings(deadline=None)
@given(text=_ANY_TEXT, fmt=st.sampled_from(["text", "markdown", "html"]))
def test_any_text_is_read_without_a_crash(text, fmt):
    found = extract(text, fmt=fmt)
    assert all(q.strip() and q.rstrip("\"'”’)]»").endswith("?") for q in found.questions)
    assert all(reason in REASONS for reason, _ in found.left_out)


@settings(deadline=None)
@given(text=_ANY_TEXT)
def test_a_dry_run_on_any_text_gives_a_valid_deck_or_a_message(text):
    try:
        result = import_questions(text, dry_run=True)
    except GuidedError:
        return
    assert result.questions and not result.written


_TITLE_WORDS = ["Trust", "Feels", "Hard", "Again", "After", "Betrayal", "Healing", "Begin", "Your", "Heart", "We", "Let"]
_heading = st.builds(lambda first, rest: f"{first} {' '.join(rest)} Trust?",
                     st.sampled_from(["Why", "What", "How", "When", "Can"]),
                     st.lists(st.sampled_from([*_TITLE_WORDS, "to", "the"]), min_size=1, max_size=5))
_asked = st.builds(lambda opener, end: f"{opener} {end}?",
                   st.sampled_from(["Why did you", "Where were you when you", "Who told you to", "Can you ever"]),
                   st.sampled_from(["leave", "call me", "lie to me", "forgive me", "stay late"]))
_example = st.builds(lambda frame, asked, then: f"{frame} “{asked}”{then}",
                     st.sampled_from(["Rather than snapping", "Instead of asking", "Try not to say",
                                      "Your partner may ask you,"]),
                     _asked, st.sampled_from([", try naming how you feel.", " Take your time.", ""]))
_question = st.builds(lambda opener, end: f"{opener} {end}?",
                      st.sampled_from(["What helps me", "Where do I", "When do I", "How might I"]),
                      st.sampled_from(["feel safe with someone new", "rest after a hard day", "notice my own needs"]))
_prose = st.sampled_from(["Trust grows back slowly.", "Your caution once kept you safe. It can soften now.",
                          "There is no right pace for this."])


@settings(deadline=None)
@given(pieces=st.lists(st.one_of(_heading, _example, _question, _prose), min_size=1, max_size=12),
       between=st.sampled_from(["\n\n", "\n"]))
def test_in_a_plain_text_article_headings_and_quoted_examples_are_never_taken(pieces, between):
    found = extract(between.join(pieces), name="article.txt").questions
    wanted = list(dict.fromkeys(p for p in pieces if p.startswith(("What helps", "Where do", "When do", "How might"))))
    assert list(found) == wanted


def test_an_endless_stream_on_standard_input_is_refused_at_ten_megabytes(tmp_path, guided_home):
    import subprocess
    import sys

    endless = subprocess.Popen(["yes", "What would help you feel safe today?"], stdout=subprocess.PIPE)
    try:
        result = subprocess.run([sys.executable, "-m", "guided", "import", "-", "--dry-run"], stdin=endless.stdout,
                                capture_output=True, text=True, timeout=120)
    finally:
        endless.kill()
        endless.wait()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == ("guided: the text given on standard input is larger than guided imports "
                                     "(10 MB at most); import the part that holds the questions")


def test_a_sound_file_or_a_text_of_thousands_of_questions_is_refused_in_one_line(tmp_path, guided_home):
    song = tmp_path / "song.mp3"
    song.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x21" + bytes(range(256)) * 40)
    result = run("import", str(song), "--dry-run")
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [
        f"guided: {song} is not text (it holds binary data, such as a sound or a picture); "
        "import a text, Markdown or HTML file"]
    many = tmp_path / "many.txt"
    many.write_text("".join(f"{i}. What did you notice about moment number {i}?\n" for i in range(1, 602)))
    result = run("import", str(many))
    assert result.returncode == 1 and "found 601 questions in many.txt; a deck holds at most 500" in result.stderr
    assert not (guided_home / "scripts" / "many.md").exists()  # nothing written


# --- notes as people write them ----------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Had coffee with Sam. Why do I keep saying yes when I mean no? I was tired before I got there.",
    "Long day at work. What am I still carrying from this morning? I can feel it in my shoulders.",
])
def test_a_question_in_the_writers_own_voice_is_found_inside_a_line_of_prose(text):
    assert len(questions(text)) == 1 and questions(text)[0].endswith("?")


def test_a_question_inside_prose_answered_at_once_or_not_in_the_writers_voice_stays_the_writers():
    assert questions("Long week. Why do I flinch at kindness? Because it used to come before a request.") == []
    assert questions("Work was fine. Does anyone ever notice? Probably not.") == []


@pytest.mark.parametrize(("text", "left"), [
    ("Remember to buy milk.\nDid I lock the door?\n", "Did I lock the door?"),
    ("- pick up the prescription\n- is the dentist at 3:30 or 4?\n", "is the dentist at 3:30 or 4?"),
    ("What time does the pharmacy close?\n", "What time does the pharmacy close?"),
    ("- print the train tickets\nWhy is the printer always broken?\n", "Why is the printer always broken?"),
])
def test_a_practical_question_beside_the_days_errands_is_left_out_and_said_so(text, left):
    assert questions(text) == []
    assert left_out(text) == [("practical", left)]


def test_remember_to_is_an_errand_not_an_invitation_to_reflect():
    assert questions("Remember to call the bank. Did the rent go out?  Fine.") == []
    assert questions("Remember a time you felt safe. Who was with you then? Stay there a while.") == [
        "Who was with you then?"]
