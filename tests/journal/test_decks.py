"""Working through a deck: which questions come next, what a sitting speaks, and how far each deck
has been answered across sittings."""

from __future__ import annotations

import pytest

from guided.errors import GuidedError
from guided.journal import decks
from guided.journal import entry as journal
from guided.scripts.language import parse_script


def test_next_questions_are_the_ones_not_yet_answered():
    numbers = list(range(1, 21))
    assert decks.choose(numbers, set(), 3, None, False) == [1, 2, 3]
    assert decks.choose(numbers, {1, 2, 3}, 2, None, False) == [4, 5]
    assert decks.choose(numbers, set(numbers), 2, None, False) == [1, 2]  # all done: round again
    assert decks.choose(numbers, set(), None, [12, 7], False) == [12, 7]
    shuffled = decks.choose(numbers, set(), 5, None, True, seed=3)
    assert len(shuffled) == 5 and shuffled != [1, 2, 3, 4, 5]
    with pytest.raises(GuidedError, match="no question 21"):
        decks.choose(numbers, set(), None, [21], False)


def test_a_sitting_speaks_the_opening_the_chosen_questions_and_the_closing():
    deck = parse_script(
        "---\ntitle: D\nkind: journal\n---\n## Open\nWelcome.\n## Q\n1. One?\n2. Two?\n3. Three?\n## Close\nGoodbye.\n",
        "d.md",
    )
    script = decks.sitting_script(deck, [3, 1], None)
    spoken = [getattr(c, "text", None) for c in script.cues]
    assert "Welcome." in spoken and "Goodbye." in spoken
    assert [q.number for q in script.questions] == [3, 1]
    assert spoken.index("Three?") < spoken.index("One?") < spoken.index("Goodbye.")


def test_status_counts_answers_in_words_and_reflections_apart_across_sittings(guided_home):
    folder = journal.journal_dir()
    first = journal.Entry(folder, "deck", "Deck", "type")
    first.set(journal.Answer(1, "A?", "answered", text="x"))
    second = journal.Entry(folder, "deck", "Deck", "type", started=first.started.replace(year=first.started.year + 1))
    second.set(journal.Answer(2, "B?", "reflected"))
    second.set(journal.Answer(1, "A?", "answered", text="again"))
    (row,) = decks.status([("deck", "Deck", 20)])
    assert (row.answered, row.reflected, row.questions, row.sittings) == (1, 1, 20, 2)
    assert row.words() == "1 answered and 1 reflected on, of 20"
    assert row.last.startswith(str(first.started.year + 1))


# --- the sitting's shape ------------------------------------------------------------------------

SHAPED = """---
title: Shaped
kind: journal
---
## Arriving
[bell]
Welcome. You will hear {questions}.
[long sitting]
Take a few slow breaths with me.
[breathe in 4s, out 6s, x3]
## Looking back
[long sitting]
Some of these look back.
1. First?
2. Second?
## Looking within
Let's pause for a breath before we go on.
[breathe in 4s, out 6s, x2]
3. Third?
4. Fourth?
## Closing
Thank you.
"""


def said(script) -> list[str]:
    from guided.scripts.spoken_words import with_questions

    return [c.text for c in with_questions(script).cues if hasattr(c, "text")]


def test_a_short_sitting_opens_with_a_short_arrival_and_says_its_true_number_of_questions():
    deck = parse_script(SHAPED, "shaped.md")
    short = decks.sitting_script(deck, [1], None)
    assert said(short) == ["Welcome. You will hear one question.", "First?", "Thank you."]
    three = decks.sitting_script(deck, [1, 2, 3], None)
    assert "Take a few slow breaths with me." not in said(three) and "three questions" in said(three)[0]


def test_a_long_sitting_hears_the_whole_arrival():
    deck = parse_script(SHAPED, "shaped.md")
    whole = decks.sitting_script(deck, [1, 2, 3, 4], None)
    assert said(whole)[:4] == ["Welcome. You will hear four questions.", "Take a few slow breaths with me.",
                               "Some of these look back.", "First?"]


@pytest.mark.parametrize("chosen, crossing_into", [([2, 3], "Third?"), ([1, 4], "Fourth?")])
def test_a_sitting_that_crosses_into_a_part_of_the_deck_keeps_the_breathing_break_that_leads_into_it(
        chosen, crossing_into):
    from guided.scripts.language import Breathe

    deck = parse_script(SHAPED, "shaped.md")
    script = decks.sitting_script(deck, chosen, None)
    spoken = said(script)
    lead = "Let's pause for a breath before we go on."
    assert lead in spoken and spoken.index(lead) == spoken.index(crossing_into) - 1
    assert sum(isinstance(c, Breathe) for c in script.cues) == 1


def test_a_sitting_that_starts_in_a_later_part_of_the_deck_hears_no_break_before_it_has_begun():
    deck = parse_script(SHAPED, "shaped.md")
    script = decks.sitting_script(deck, [3], None)
    assert said(script) == ["Welcome. You will hear one question.", "Third?", "Thank you."]


@pytest.mark.e2e
def test_a_one_question_sitting_of_the_built_in_decks_reaches_its_question_within_45_seconds(guided_home):
    import guided
    from guided.journal import sitting

    for deck in ("trust-questions", "closeness-questions"):
        for number in (1, 9) if deck == "trust-questions" else (1, 5):
            plan = sitting.plan(deck, only=[number], mode="record")
            session = guided.prepare(plan.script, id=deck, engine="pyttsx3", background="none")
            question = next(e for e in session.timeline.speech if e.question)
            assert question.start / session.rate <= 45.0, (deck, number, question.start / session.rate)


def test_status_skips_a_broken_script_of_the_users_with_one_line_as_a_listing_does(guided_home):
    from ..helpers import run

    (guided_home / "scripts").mkdir(exist_ok=True)
    (guided_home / "scripts" / "broken.md").write_text("---\ntitle: B\nkind: journal\n---\n[chant om]\n")
    result = run("journal", "--status")
    assert result.returncode == 0, result.stderr
    assert "trust-questions" in result.stdout
    (said,) = result.stderr.strip().splitlines()
    assert said.startswith("guided: skipping") and "broken.md:5:2: unknown directive 'chant'" in said


def test_a_search_that_finds_nothing_says_so_and_exits_1_as_grep_does(guided_home):
    from ..helpers import run

    result = run("journal", "--search", "banana")
    assert result.returncode == 1 and result.stderr.strip() == "no answer holds 'banana'"
    as_json = run("journal", "--search", "banana", "--json")
    assert as_json.returncode == 1 and as_json.stdout.strip() == "[]"
