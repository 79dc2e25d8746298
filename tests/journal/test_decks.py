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
