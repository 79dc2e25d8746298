"""Placing a script in time: every event at an exact sample, speech never overlapping, fitting to a length."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guided.scripts.language import parse_script
from guided.timing.fitting import BELL_ADVANCE_MS, LEAD_IN_MS, TAIL_MS
from guided.timing.timeline import LINE_GAP_MS, FitError, assemble
from guided.tts.cache import ClipCache

from ..helpers import length_range

RATE = 44100
BELL = 10 * RATE


def ms(value: float) -> int:
    return round(value * RATE / 1000)


def build(body, engine, tmp_path, seconds=None, head="---\ntitle: T\nkind: meditation\n---\n"):
    cache = ClipCache(tmp_path / "clips")
    script = parse_script(head + body, "t.md")
    return assemble(script, lambda text: cache.get(engine, text, RATE), lambda name: BELL, rate=RATE, seconds=seconds)


def test_lines_follow_each_other_with_a_short_gap(fake_engine, tmp_path):
    timeline = build("One two.\nThree four five six.\n", fake_engine, tmp_path)
    first, gap, second = timeline.events
    assert first.start == ms(LEAD_IN_MS)
    assert first.length == RATE // 2  # two words of the fake engine, resampled to 44.1 kHz
    assert gap.kind == "pause" and gap.length == ms(LINE_GAP_MS)
    assert second.start == first.end + ms(LINE_GAP_MS)
    assert timeline.total == second.end + ms(TAIL_MS)


def test_pauses_take_their_written_time_and_ranges_their_midpoint(fake_engine, tmp_path):
    timeline = build("Word. [pause 4s]\n[pause 2s..6s]\nWord.\n", fake_engine, tmp_path)
    speech = timeline.speech
    assert speech[1].start - speech[0].end == ms(4000) + ms(4000)


def test_a_bell_is_heard_before_what_follows_and_rings_out_under_it(fake_engine, tmp_path):
    timeline = build("[bell]\nWord.\n", fake_engine, tmp_path)
    bell, word = timeline.events
    assert bell.kind == "bell" and bell.length == BELL
    assert word.start == bell.start + ms(BELL_ADVANCE_MS)
    assert timeline.total == bell.end + ms(TAIL_MS)  # the session waits for the bell to fade


def test_sections_become_chapters_starting_at_their_first_event(fake_engine, tmp_path):
    timeline = build("## A\nWord.\n## Empty\n## B\nOther word.\n", fake_engine, tmp_path)
    assert [c.title for c in timeline.sections] == ["A", "B"]
    assert timeline.sections[1].start == timeline.speech[1].start
    assert timeline.speech[1].section == 1
    assert timeline.sections[0].end == timeline.sections[1].start


def test_questions_are_read_then_given_time_to_reflect(fake_engine, tmp_path):
    head = "---\ntitle: T\nkind: journal\nreflect: 30s\n---\n"
    timeline = build("1. Why now?\n", fake_engine, tmp_path, head=head)
    read, reflect, chime = timeline.events
    assert read.question == 1 and read.text == "Why now?"
    assert reflect.kind == "reflect" and reflect.question == 1 and reflect.length == ms(30_000)
    assert chime.kind == "bell" and chime.bell == "chime" and chime.start == reflect.end


def test_breathing_names_each_phase_within_its_time_for_three_breaths(fake_engine, tmp_path):
    timeline = build("[breathe in 4s, out 6s, x5]\n", fake_engine, tmp_path)
    spoken = timeline.speech
    assert [e.text for e in spoken] == ["Breathe in", "Breathe out"] * 3
    assert spoken[1].start - spoken[0].start == ms(4000)
    assert spoken[2].start - spoken[1].start == ms(6000)
    assert timeline.total == ms(LEAD_IN_MS) + 5 * ms(10_000) + ms(TAIL_MS)


def test_breaths_after_the_spoken_ones_are_kept_in_silence_as_breaths_not_pauses(fake_engine, tmp_path):
    from guided.cli.listing import silent_breaths

    timeline = build("[breathe in 4s, hold 2s, out 6s, x5]\n", fake_engine, tmp_path)
    silent = [e for e in timeline.events if e.kind == "breath"]
    assert [e.text for e in silent] == ["Breathe in", "Hold", "Breathe out"] * 2
    assert [e.length for e in silent] == [ms(4000), ms(2000), ms(6000)] * 2
    assert not [e for e in timeline.events if e.kind == "pause"]
    # `guided show` writes them as the pattern they keep, the way an author writes it.
    shown = [e for e in timeline.outline()["events"] if e["kind"] == "breath"]
    assert silent_breaths(shown) == "[breathe in 4s, hold 2s, out 6s, x2, in silence]"


def test_interval_bells_ring_inside_a_sitting(fake_engine, tmp_path):
    timeline = build("[sit 20m, bell every 5m]\n", fake_engine, tmp_path)
    bells = timeline.bells
    sit = next(e for e in timeline.events if e.kind == "sit")
    assert [b.start - sit.start for b in bells] == [ms(300_000), ms(600_000), ms(900_000)]
    assert {b.bell for b in bells} == {"chime"}


def test_fitting_stretches_pauses_to_the_exact_length(fake_engine, tmp_path):
    body = "Word. [pause 3s..30s]\n[sit 1m..10m]\nWord.\n"
    timeline = build(body, fake_engine, tmp_path, seconds=300)
    assert abs(timeline.total - 300 * RATE) <= 1


def test_fitting_outside_the_possible_range_names_both_limits(fake_engine, tmp_path):
    with pytest.raises(FitError) as caught:
        build("Word. [pause 3s..30s]\n", fake_engine, tmp_path, seconds=5)
    assert "from 8.75s to 35.75s" in str(caught.value)


def test_fitting_a_session_without_stretchable_pauses_says_so(fake_engine, tmp_path):
    with pytest.raises(FitError, match="no stretchable pauses"):
        build("Word. [pause 3s]\n", fake_engine, tmp_path, seconds=60)


def test_each_phrase_is_rendered_once_however_often_it_is_spoken(fake_engine, tmp_path):
    build("[breathe in 4s, out 4s, x3]\nAgain.\nAgain.\n", fake_engine, tmp_path)
    assert sorted(fake_engine.rendered) == ["Again.", "Breathe in", "Breathe out"]


lines = st.one_of(
    st.sampled_from(["Hello there.", "One more line to say.", "", "[bell]", "[bell chime]", "## Part"]),
    st.builds(lambda a, b: f"[pause {a}s..{a + b}s]", st.integers(1, 20), st.integers(0, 20)),
    st.builds(lambda a: f"[sit {a}s, bell every 10s]", st.integers(5, 60)),
    st.builds(lambda n: f"[breathe in 2s, out 3s, x{n}]", st.integers(1, 5)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(lines, min_size=1, max_size=25), st.floats(0, 1))
def test_timeline_invariants(fake_engine, tmp_path, body_lines, where):
    body = "\n".join(body_lines) + "\nThe end.\n"
    timeline = build(body, fake_engine, tmp_path)
    speech = timeline.speech
    for before, after in zip(speech, speech[1:], strict=False):
        assert before.end <= after.start, "speech never overlaps speech"
    assert timeline.total == max(e.end for e in timeline.events) + ms(TAIL_MS)
    assert all(e.start >= 0 and e.length >= 0 for e in timeline.events)
    starts = [c.start for c in timeline.sections]
    assert starts == sorted(starts)
    # Fitting anywhere between the shortest and the longest length lands on it, give or take the
    # rounding of each stretched silence to a whole sample.
    cache = ClipCache(tmp_path / "clips")
    script = parse_script("---\ntitle: T\nkind: meditation\n---\n" + body, "t.md")
    low, high = length_range(script, lambda text: cache.get(fake_engine, text, RATE), lambda name: BELL, rate=RATE)
    assert low <= timeline.total <= high
    if high > low:
        target = low + where * (high - low)
        fitted = build(body, fake_engine, tmp_path, seconds=target / RATE)
        stretched = [e for e in fitted.events if e.kind in ("pause", "sit")]
        assert abs(fitted.total - target) <= max(1, len(stretched))
