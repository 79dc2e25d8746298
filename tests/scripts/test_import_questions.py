"""Importing questions from what people paste: plain notes, Markdown articles, web pages.

Each input below is shaped like something real (a numbered list from a workbook, a bulleted
note, an article with headings that ask questions, a saved web page) and the expected list is
exact: the questions, in order, as plain words to speak.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from guided.errors import OutputError, UsageError
from guided.scripts import catalog as library
from guided.scripts.importer import (
    NoQuestionsError,
    deck_text,
    decode,
    detect_format,
    extract,
    import_questions,
)
from guided.scripts.language import load_script, parse_script

from ..conftest import needs
from ..helpers import run, run_json

NUMBERED_WITH_BLANK_LINES = """Journal prompts for a slow Sunday

1. What did I need this week that I did not ask for?

2. Who made me feel safe, and what did they do?

3. Where in my body do I feel tension when
   I think about opening up?

10. What would I tell a friend who felt this way?
"""

PAREN_NUMBERS_INDENTED = """Questions from group (March)
   1) When did you first learn to keep your guard up?
   2) What does "being let down" look like for you?
   3) Is there a relationship where you trust too easily?
Notes: bring a notebook next time. Why do I always forget?
   4) What small promise could you keep to yourself this week?
(5) Who taught you that asking for help was weak?
"""

BULLETS = """# Trust, gently

Some prompts I collected:

- What is one thing that helps me feel grounded?
* How do I react when plans change at the last minute?
• When do I feel most like myself?
  - Who do I call first when something goes wrong?
- Remember to breathe.
- [ ] What boundary do I need to say out loud?
+ What do I need to hear right now? Take your time with this one.
"""

WRAPPED_AND_INDENTED = (
    "What do I keep putting off,\n"
    "      and why does it scare me?\n"
    "\n"
    "    When I feel hurt, do I pull away\n"
    "    or do I reach out?\n"
    "Am I proud of how I handled it?\n"
    "\n"
    "- Which conversation have I been\n"
    "avoiding, and what would make it\n"
    "    a little easier?\n"
)

MARKDOWN_ARTICLE = """---
title: Why we stop trusting
tags: [trust, reflection]
---
Why We Stop Trusting
====================

Trust is *earned slowly* and lost quickly. Why is that? Researchers at
[Some University](https://example.org/study) found that early experiences matter.[^1]

## What does mistrust feel like?

It can feel like a knot in the stomach. **Ask yourself:** *when did I last feel
that knot, and what was happening around me?*

Is It Ever Too Late?
--------------------

No. Here are a few questions to carry with you:

1. **What** would change if you assumed good intent for _one_ day?
2. Which of your fears come from the past, and which from the present? See [this guide](http://x.y/z).
3. `Who` has earned a little more of your trust lately?

> How would it feel to be trusted completely?

```
What is this code block?
```

### Further reading

* [Is trust a choice?](https://example.org/choice)

[^1]: Is this footnote a question? No.
"""

WEB_PAGE = """<!DOCTYPE html>
<html><head><title>Reflection questions | My Blog</title>
<style>p { color: red } /* what? */</style></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">Who am I?</a></li></ul></nav>
<article>
<h1>Rebuilding trust after a hard year</h1>
<p>This year asked a lot of us. Where do we go from here?</p>
<h2>Why does trust break?</h2>
<p>Before you begin, find a quiet spot &amp; a pen.</p>
<ol>
  <li>What moment this year made you feel <em>most</em> alone?</li>
  <li><p>Who showed up for you,
      even in a small way?</p></li>
  <li>What did you learn about your own needs?<sup>2</sup>
  <li>Which promise to yourself do you want to keep in the &ldquo;new&rdquo; year?</li>
</ol>
<h3>A Few More?</h3>
<ul>
  <li>How can you ask for help <strong>before</strong> you reach breaking point?</li>
  <li>Write down three things you are grateful for.</li>
  <li>what moment this year made you feel MOST alone?</li>
</ul>
<p>Which friend could you call this week?<br>What would you say to them?</p>
<script>var q = "Is this a question?";</script>
</article>
<footer><p>Questions? Write to us.</p></footer>
</body></html>
"""

DUPLICATES = """Morning questions
- How am I, really?
- What would make today feel kind?
-   how am i,   REALLY?
- What would make today feel kind?

Evening questions
1. What would make today feel kind?
2. What am I ready to let go of?
"""

NO_QUESTIONS = """# Why Does Trust Matter?

Trust is the ground we stand on. It grows slowly, and that is fine.

## How Do We Rebuild It?

- Take small steps.
- Keep small promises.
"""

PASTED_FROM_AN_APP = """\u2705 What went well today?
\u2192 What will I try differently tomorrow? \U0001F331

| Prompt | Done |
|---|:---:|
| Who could I thank this week? | x |
| What drained me? Why? | |

**Q1:** What am I avoiding?
Question 2) Which feeling keeps coming back?
"""

CASES = {
    "numbered with blank lines": (NUMBERED_WITH_BLANK_LINES, "notes.txt", [
        "What did I need this week that I did not ask for?",
        "Who made me feel safe, and what did they do?",
        "Where in my body do I feel tension when I think about opening up?",
        "What would I tell a friend who felt this way?",
    ]),
    "1) numbers, indented, with a note between": (PAREN_NUMBERS_INDENTED, "group.txt", [
        "When did you first learn to keep your guard up?",
        'What does "being let down" look like for you?',
        "Is there a relationship where you trust too easily?",
        "Why do I always forget?",
        "What small promise could you keep to yourself this week?",
        "Who taught you that asking for help was weak?",
    ]),
    "bullets of every kind": (BULLETS, "prompts.md", [
        "What is one thing that helps me feel grounded?",
        "How do I react when plans change at the last minute?",
        "When do I feel most like myself?",
        "Who do I call first when something goes wrong?",
        "What boundary do I need to say out loud?",
        "What do I need to hear right now?",
    ]),
    "wrapped and indented lines": (WRAPPED_AND_INDENTED, None, [
        "What do I keep putting off, and why does it scare me?",
        "When I feel hurt, do I pull away or do I reach out?",
        "Am I proud of how I handled it?",
        "Which conversation have I been avoiding, and what would make it a little easier?",
    ]),
    "a Markdown article": (MARKDOWN_ARTICLE, "article.md", [
        "When did I last feel that knot, and what was happening around me?",
        "What would change if you assumed good intent for one day?",
        "Which of your fears come from the past, and which from the present?",
        "Who has earned a little more of your trust lately?",
        "How would it feel to be trusted completely?",
        "Is trust a choice?",
    ]),
    "a web page": (WEB_PAGE, "page.html", [
        "Where do we go from here?",
        "What moment this year made you feel most alone?",
        "Who showed up for you, even in a small way?",
        "What did you learn about your own needs?",
        "Which promise to yourself do you want to keep in the \u201cnew\u201d year?",
        "How can you ask for help before you reach breaking point?",
        "Which friend could you call this week?",
        "What would you say to them?",
    ]),
    "pasted from an app: emoji, a table, Q1:": (PASTED_FROM_AN_APP, None, [
        "What went well today?",
        "What will I try differently tomorrow?",
        "Who could I thank this week?",
        "What drained me? Why?",
        "What am I avoiding?",
        "Which feeling keeps coming back?",
    ]),
    "duplicates": (DUPLICATES, "dupes.txt", [
        "How am I, really?",
        "What would make today feel kind?",
        "What am I ready to let go of?",
    ]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_questions_are_found_exactly_and_in_order(name):
    text, filename, expected = CASES[name]
    assert list(extract(text, name=filename).questions) == expected


@pytest.mark.parametrize("name", list(CASES))
def test_windows_line_endings_and_a_byte_order_mark_change_nothing(name):
    text, filename, expected = CASES[name]
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    assert list(extract(decode(data), name=filename).questions) == expected


def test_headings_that_ask_are_left_out_and_said_so():
    found = extract(MARKDOWN_ARTICLE, name="article.md")
    assert found.title == "Why we stop trusting"  # the front matter's
    assert found.left_out == (("heading", "What does mistrust feel like?"), ("heading", "Is It Ever Too Late?"))
    page = extract(WEB_PAGE, name="page.html")
    assert page.title == "Rebuilding trust after a hard year"  # the <h1>, not the <title>
    assert [t for r, t in page.left_out if r == "heading"] == ["Why does trust break?", "A Few More?"]
    assert [t for r, t in page.left_out if r == "duplicate"] == ["what moment this year made you feel MOST alone?"]


def test_a_short_title_case_line_is_a_heading_but_a_sentence_is_a_question():
    text = "What Is Trust?\n\nWhat is trust, for me, today?\n\nAm I OK?\n"
    found = extract(text)
    assert found.questions == ("What is trust, for me, today?", "Am I OK?")
    assert found.left_out == (("heading", "What Is Trust?"),)


def test_html_is_recognised_without_a_file_name():
    assert detect_format(WEB_PAGE) == "html"
    assert detect_format(MARKDOWN_ARTICLE) == "markdown"
    assert detect_format("one line?\n") == "text"
    assert extract(WEB_PAGE).questions == extract(WEB_PAGE, name="page.html").questions
    assert detect_format("<p>x</p>", "notes.txt") == "text"


def test_text_with_no_questions_finds_none():
    found = extract(NO_QUESTIONS, name="plain.md")
    assert found.questions == ()
    assert [r for r, _ in found.left_out] == ["heading", "heading"]


def test_questions_come_out_as_speakable_text_that_a_script_can_hold():
    text = "1. What [exactly] do you *fear* -- and `why`? <!-- hidden? -->\n2. Is 5 > 3 & what about [this](http://a.b)?\n"
    questions = extract(text).questions
    assert questions == ("What (exactly) do you fear -- and why?", "Is 5 > 3 & what about this?")
    parsed = parse_script(deck_text("T", questions), "deck.md")
    assert [q.text for q in parsed.questions] == list(questions)


# --- the deck ----------------------------------------------------------------------------------


def test_the_deck_opens_gently_with_the_safety_line_and_numbers_the_questions(guided_home):
    questions = CASES["a web page"][2]
    result = import_questions(WEB_PAGE, name="saved/page.html", script_id="hard-year")
    assert result.path == Path(guided_home) / "scripts" / "hard-year.md" and result.written
    script = load_script(result.path)
    assert script.kind == "journal" and script.title == "Rebuilding trust after a hard year"
    assert [q.text for q in script.questions] == questions
    assert [q.number for q in script.questions] == list(range(1, 9))
    text = result.path.read_text()
    assert "not a substitute for a therapist" in text and "pause or stop at any time" in text
    assert "You will hear eight questions" in text
    assert script.description == "8 reflection questions imported from page.html."
    spoken = [c.text for c in script.cues if hasattr(c, "text") and not hasattr(c, "number")]
    assert spoken[0].startswith("Welcome.") and "last" in spoken[-3]


def test_the_id_comes_from_the_title_or_the_file_name(guided_home):
    assert import_questions(DUPLICATES, name="My Morning Notes.txt").id == "my-morning-notes"
    assert import_questions(DUPLICATES, name="x.txt", title="Kind days: questions!").id == "kind-days-questions"
    from_stdin = import_questions(NUMBERED_WITH_BLANK_LINES)
    assert from_stdin.id == "journal-prompts-for-a-slow-sunday"
    assert from_stdin.title == "Journal prompts for a slow Sunday"
    assert import_questions(WRAPPED_AND_INDENTED).title == "Imported questions"


def test_a_dry_run_writes_nothing(guided_home):
    result = import_questions(BULLETS, name="prompts.md", dry_run=True)
    assert not result.written and not result.path.exists()
    assert len(result.questions) == 6
    assert not (Path(guided_home) / "scripts").exists()


def test_an_existing_id_is_refused_without_force(guided_home):
    first = import_questions(DUPLICATES, name="dupes.txt", script_id="mine")
    with pytest.raises(OutputError, match="mine already exists .*use --force"):
        import_questions(BULLETS, name="prompts.md", script_id="mine")
    assert len(load_script(first.path).questions) == 3
    again = import_questions(BULLETS, name="prompts.md", script_id="mine", force=True)
    assert again.replaced and len(load_script(first.path).questions) == 6
    with pytest.raises(OutputError, match="trust-questions already exists \\(a built-in session\\)"):
        import_questions(BULLETS, script_id="trust-questions")


def test_no_questions_and_bad_ids_are_refused_clearly(guided_home):
    with pytest.raises(NoQuestionsError, match=r"found no reflection questions in plain.md \(only 2 headings"):
        import_questions(NO_QUESTIONS, name="plain.md")
    with pytest.raises(UsageError, match="not a valid id"):
        import_questions(BULLETS, script_id="My Deck")
    assert library.Catalog().exists("plain") is None


# --- through the command -----------------------------------------------------------------------


def test_import_then_list_and_validate_show_the_new_deck(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text(MARKDOWN_ARTICLE)
    result = run("import", str(notes), "--id", "my-deck", check=True)
    path = Path(result.stdout.strip())
    assert path.name == "my-deck.md" and path.is_file()
    expected = CASES["a Markdown article"][2]
    assert "found 6 questions" in result.stderr
    for number, question in enumerate(expected, 1):
        assert f"{number:>2}. {question}" in result.stderr
    assert "left out (a heading): What does mistrust feel like?" in result.stderr
    # What comes next is answering the deck, not reading it.
    assert result.stderr.rstrip().endswith("; answer it with: guided journal my-deck")
    rows = {r["id"]: r for r in run_json("list")}
    assert rows["my-deck"]["questions"] == 6
    assert rows["my-deck"]["kind"] == "journal" and rows["my-deck"]["origin"] == "user"
    assert rows["my-deck"]["title"] == "Why we stop trusting"
    assert run("validate", "my-deck", check=True).stdout.strip() == "ok  my-deck"


@pytest.mark.e2e
@needs("espeak-ng")
def test_show_lists_the_imported_questions(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(WEB_PAGE)
    run("import", str(page), "--id", "my-deck", check=True)
    shown = run("show", "my-deck", check=True).stdout
    expected = CASES["a web page"][2]
    asked = [m.groups() for m in re.finditer(r"^\s*\d+:\d\d\s+Q(\d+)\. (.*)$", shown, re.M)]
    assert asked == [(str(n), q) for n, q in enumerate(expected, 1)]
    assert "## Questions" in shown and "[reflect 90s]" in shown
    assert shown.splitlines()[0].startswith("Rebuilding trust after a hard year  (journal, ")


def test_import_reads_standard_input_and_a_dry_run_writes_nothing(guided_home):
    result = run("import", "-", "--dry-run", "--json", input=DUPLICATES)
    assert result.returncode == 0
    summary = json.loads(result.stdout)
    assert summary["questions"] == CASES["duplicates"][2] and summary["written"] is False
    assert summary["id"] == "morning-questions"
    assert [x["reason"] for x in summary["left_out"]] == ["duplicate", "duplicate", "duplicate"]
    assert "dry run: nothing written" in result.stderr
    assert not Path(summary["path"]).exists()
    written = run("import", "-", "--title", "Evening check-in", input=WEB_PAGE, check=True)
    assert Path(written.stdout.strip()).name == "evening-check-in.md"
    assert run_json("list")[0]  # still lists


def test_import_refuses_clearly(tmp_path):
    empty = tmp_path / "plain.md"
    empty.write_text(NO_QUESTIONS)
    result = run("import", str(empty))
    assert result.returncode == 1
    assert result.stderr.startswith("guided: found no reflection questions in plain.md")
    assert result.stderr.count("\n") == 1
    missing = run("import", str(tmp_path / "nope.txt"))
    assert missing.returncode == 1 and missing.stderr == f"guided: no such file: {tmp_path / 'nope.txt'}\n"
    notes = tmp_path / "notes.txt"
    notes.write_text(NUMBERED_WITH_BLANK_LINES)
    run("import", str(notes), check=True)
    twice = run("import", str(notes))
    assert twice.returncode == 1 and "notes already exists" in twice.stderr and "--force" in twice.stderr
    assert run("import", str(notes), "--force").returncode == 0


def test_a_deck_that_a_library_folder_would_hide_is_refused(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "mine.md").write_text("---\ntitle: Shared\nkind: sit\n---\n[sit 5m]\n")
    monkeypatch.setenv("GUIDED_LIBRARY", str(shared))
    with pytest.raises(OutputError, match="searched before your script folder"):
        import_questions(BULLETS, script_id="mine", force=True)
