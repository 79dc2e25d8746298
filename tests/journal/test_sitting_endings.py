"""A journal sitting ends the way it was left: q while waiting or during narration keeps what was
answered, q or Ctrl-C before any answer leaves no entry, Ctrl-C after an answer keeps the entry."""

from __future__ import annotations

DECK = "---\ntitle: Two questions\nkind: journal\nreflect: 5s\n---\nWelcome.\n1. One?\n2. Two?\nGoodbye.\n"


def sitting_with(keys: list[str], narration: list[str]):
    """A sitting in --wait mode with these keys pressed and narration ending in these ways."""
    import guided
    from guided.journal.sitting import Sitting

    session = guided.prepare(DECK, id="two-questions", engine="pyttsx3")
    keys, narration = list(keys), list(narration)

    class Scripted(Sitting):
        def play(self, start, end, marks) -> str:
            return narration.pop(0) if narration else "finished"

        def wait_key(self) -> str:
            return keys.pop(0)

    return Scripted(session, "two-questions", "wait").hold()


def test_q_while_waiting_ends_the_sitting_keeping_what_was_answered():
    from guided.journal import entry as journal

    held = sitting_with(["continue", "quit"], [])
    assert held.stopped and sorted(held.answers) == [1]
    assert held.path.is_file() and journal.answered_in("two-questions", reflected=True) == {1}


def test_q_during_narration_stops_calmly_too():
    held = sitting_with(["continue"], ["finished", "stopped"])
    assert held.stopped and sorted(held.answers) == [1]


def test_ctrl_c_before_any_answer_leaves_no_entry():
    import pytest

    from guided.journal import entry as journal

    with pytest.raises(KeyboardInterrupt):
        sitting_with([], ["interrupted"])
    assert list(journal.journal_dir().glob("*.md")) == []


def test_q_before_any_answer_leaves_no_entry_either():
    from guided.journal import entry as journal

    held = sitting_with(["quit"], [])
    assert held.stopped and not held.answers and not held.path.exists()
    assert list(journal.journal_dir().glob("*.md")) == []


def test_ctrl_c_after_an_answer_keeps_the_entry():
    import pytest

    from guided.journal import entry as journal

    with pytest.raises(KeyboardInterrupt):
        sitting_with(["continue"], ["finished", "interrupted"])
    assert journal.answered_in("two-questions", reflected=True) == {1}
