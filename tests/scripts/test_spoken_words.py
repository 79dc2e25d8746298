"""What a session says about itself stays true: its length in minutes, and each question's place."""

from __future__ import annotations

import pytest

import guided
from guided.scripts.spoken_words import minutes_in_words


def spoken(session) -> list[str]:
    return [e.text for e in session.timeline.speech]


@pytest.mark.parametrize("minutes", [7, 12])
def test_a_fitted_session_speaks_its_fitted_length(fake_voice, minutes):
    session = guided.prepare("heart-breathing", minutes=minutes, background="none")
    said = [t for t in spoken(session) if "minutes" in t]
    assert said and all(minutes_in_words(minutes) in t for t in said), said
    assert not any("{minutes}" in t for t in spoken(session))


def test_an_unfitted_session_speaks_the_length_it_really_has(fake_voice):
    session = guided.prepare("heart-breathing", background="none")
    heard = round(session.seconds / 60)
    assert any(minutes_in_words(heard) in t for t in spoken(session))


def test_minutes_are_said_in_words():
    assert (minutes_in_words(1), minutes_in_words(7), minutes_in_words(25)) == ("one minute", "seven minutes",
                                                                                "twenty-five minutes")


def test_each_question_is_introduced_by_its_place_and_its_reflection_ends_with_a_chime(fake_voice):
    session = guided.prepare("---\ntitle: D\nkind: journal\n---\nWelcome.\n1. One?\n2. Two?\n3. Three?\nBye.\n",
                             background="none")
    said = spoken(session)
    assert said.index("The first question.") < said.index("One?") < said.index("The second question.") \
        < said.index("Two?") < said.index("The last question.") < said.index("Three?")
    reflections = [e for e in session.timeline.events if e.kind == "reflect"]
    chimes = [e for e in session.timeline.bells if e.bell == "chime"]
    assert [c.start for c in chimes] == [r.end for r in reflections]


def test_a_sitting_numbers_the_questions_it_asks_not_the_deck(fake_voice):
    from guided.journal import sitting

    plan = sitting.plan("trust-questions", only="7,12", mode="type")
    session = guided.prepare(plan.script, id=plan.deck, background="none")
    said = spoken(session)
    assert "The first question." in said and "The last question." in said and "The second question." not in said


def test_a_single_question_needs_no_place(fake_voice):
    session = guided.prepare("---\ntitle: D\nkind: journal\n---\n1. Only this?\n", background="none")
    assert spoken(session) == ["Only this?"]


def test_numbers_and_ordinals_are_said_as_num2words_says_them():
    from num2words import num2words

    from guided.scripts.spoken_words import number_in_words, ordinal_in_words

    for n in range(0, 1200):
        assert number_in_words(n) == num2words(n), n
        if n:
            assert ordinal_in_words(n) == num2words(n, to="ordinal"), n
