"""The built-in library as a listener meets it: care lines, words the speech engines say right,
questions that can be held after one hearing, room to breathe, and lengths spoken true.

Timing here does not depend on any speech engine: every phrase takes as long as guided's own
estimator says at the default speaking pace (guided.tts.DEFAULT_RATE_WPM, the pace the library is
written for), by its letters, commas and sentence ends (guided.timing.lengths), and every bell rings
as long as the built-in one. Nothing is rendered.
"""

from __future__ import annotations

import math
import re

import pytest

from guided.errors import FitError
from guided.paths import bundled
from guided.scripts.language import Question, Say, Script, Section, load_script
from guided.scripts.spoken_words import minutes_in_words
from guided.session.library import bell_length
from guided.timing.fitting import TAIL_MS
from guided.timing.timeline import BREATH_WORDS, RATE, EstimatedClip, Timeline, assemble
from guided.tts import DEFAULT_RATE_WPM
from guided.tts.pace import CALIBRATION_LETTERS_PER_WORD, letters, text_factor

from ..helpers import length_range

PATHS = sorted(bundled("scripts").rglob("*.md"))
IDS = [str(p.relative_to(bundled("scripts")).with_suffix("")) for p in PATHS]


def script(script_id: str) -> Script:
    return load_script(bundled("scripts") / f"{script_id}.md")


def spoken(s: Script) -> list[str]:
    return [c.text for c in s.cues if isinstance(c, (Say, Question))]


def at_pace(text: str, wpm: float = DEFAULT_RATE_WPM) -> EstimatedClip:
    """A phrase's length as guided estimates a voice that speaks `wpm` words a minute (Lengths.guess)."""
    seconds = letters(text) / CALIBRATION_LETTERS_PER_WORD * 60 / (wpm * text_factor(text))  # its own setting
    return EstimatedClip(max(1, round(seconds * RATE)))


def bell(name: str | None) -> int:
    return bell_length(name, RATE)


def timeline(s: Script, minutes: float | None = None) -> Timeline:
    return assemble(s, at_pace, bell, seconds=minutes * 60 if minutes is not None else None)


FITTED_MINUTES = (7, 12, 20)


def fittings(s: Script) -> dict[str, Timeline]:
    """The session fitted to each of 7, 12 and 20 minutes it can last, and to the shortest it can."""
    fitted = {}
    for minutes in FITTED_MINUTES:
        try:
            fitted[f"{minutes} minutes"] = timeline(s, minutes)
        except FitError:
            pass
    try:
        timeline(s, 1 / 60)
    except FitError as exc:
        fitted["its shortest"] = timeline(s, math.ceil(exc.shortest) / 60)
    return fitted


def silence_share(t: Timeline, section: int | None = None) -> float:
    if section is None:
        start, end = 0, t.total
    else:
        start, end = t.sections[section].start, t.sections[section].end
    speech = sum(e.length for e in t.speech if section is None or e.section == section)
    return 1 - speech / (end - start)


def test_the_library_is_all_here():
    expected = {"trust-questions", "heart-breathing", "grounding-now", "safe-haven", "body-compass", "small-steps",
                "five-practices", "heart-affirmations"} | {f"rebuilding-trust/{n}" for n in range(1, 8)}
    assert expected <= set(IDS)


# --- care ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("script_id", IDS)
def test_every_session_opens_by_saying_it_is_self_reflection_that_may_be_paused_or_stopped(script_id):
    first = spoken(script(script_id))[0].lower()
    assert "self-reflection" in first
    assert "not a substitute for" in first and "therapist" in first
    assert "pause or stop at any moment" in first


@pytest.mark.parametrize("script_id", IDS)
def test_every_session_closes_with_a_pointer_to_someone_trusted_or_a_professional(script_id):
    s = script(script_id)
    last_section = max(i for i, c in enumerate(s.cues) if isinstance(c, Section))
    closing = [c.text.lower() for c in s.cues[last_section:] if isinstance(c, Say)]
    assert any("someone you trust" in line and "professional" in line for line in closing), closing


def test_no_phone_numbers_anywhere():
    for script_id in IDS:
        assert not [line for line in spoken(script(script_id)) if re.search(r"\d{3}", line)], script_id


BLAMING_OR_PROMISING = [
    "someone who didn't deserve it",
    "warning signs you missed",
    "judge yourself for",
    "the world responds more kindly",
    "you will take care of yourself",
    "you'll learn that you can cope",
    "while keeping you safe",
    "blaming yourself, or anyone else",  # acknowledging pain does not ask you to stop holding anyone to account
    "days will feel lighter",
    "who in your life has already shown",  # presumes there is someone
    "after you take your step",  # presumes the step will be taken
]


def test_no_line_blames_the_listener_or_promises_an_outcome():
    for script_id in IDS:
        for line in spoken(script(script_id)):
            for phrase in BLAMING_OR_PROMISING:
                assert phrase not in line.lower(), f"{script_id}: {line}"


# Where the library invites the listener to approach someone in real life, the line itself leaves
# room for not doing it when it is not safe.
INVITATIONS_TO_APPROACH = [
    r"\btelling the other person\b",
    r"\bchoose to talk\b",
    r"\bstep for real\b",
    r"\bgently say so\b",
    r"\bshare your mistrust\b",
    r"\btelling someone\b",
]


def test_every_invitation_to_approach_someone_allows_for_it_not_being_safe():
    invitations = 0
    for script_id in IDS:
        for line in spoken(script(script_id)):
            if any(re.search(pattern, line, re.I) for pattern in INVITATIONS_TO_APPROACH):
                invitations += 1
                assert "safe" in line.lower(), f"{script_id}: {line}"
    assert invitations >= len(INVITATIONS_TO_APPROACH)


@pytest.mark.parametrize("script_id", ["body-compass", "grounding-now", "five-practices", "rebuilding-trust/3",
                                       "rebuilding-trust/4"])
def test_where_an_alarm_or_a_suspicion_is_reframed_real_present_danger_is_allowed_for(script_id):
    lines = " ".join(spoken(script(script_id))).lower()
    assert re.search(r"(unsafe|not safe|in danger|real danger)", lines)
    assert "help" in lines


def test_body_compass_says_the_alarm_is_right_before_saying_it_need_not_be_obeyed():
    lines = [line.lower() for line in spoken(script("body-compass"))]
    right = next(i for i, line in enumerate(lines) if "not safe right now" in line and "alarm is right" in line)
    not_obeyed = next(i for i, line in enumerate(lines) if "need to be obeyed" in line)
    assert right < not_obeyed


def test_step_two_does_not_ask_what_happened_after_promising_not_to_replay_it():
    for line in spoken(script("rebuilding-trust/2")):
        assert "what happened?" not in line.lower(), line


def test_the_central_image_is_not_a_slogan():
    using = [i for i in IDS if any("cautious, not closed" in line.lower() for line in spoken(script(i)))]
    assert 1 <= len(using) <= 2, using


# --- for the ear ----------------------------------------------------------------------------------

# Heteronyms espeak-ng (and Piper, which uses it for phonemes) read the wrong way in these phrasings.
MISREAD = {
    r"\beyes close\b(?!d)": "'close' read as the adjective /kloʊs/",
    r"\bhas to read\b": "'read' read as the past tense /rɛd/",
    r"\b(mistrust|fear|it) (often )?lives\b": "'lives' read as the plural noun /laɪvz/",
    r"\bexcusing\b": "'excusing' read with /s/, as the noun",
}


def test_no_line_uses_a_phrasing_the_speech_engines_misread():
    for script_id in IDS:
        for line in spoken(script(script_id)):
            for pattern, why in MISREAD.items():
                assert not re.search(pattern, line, re.I), f"{script_id}: {line!r}: {why}"


def test_no_symbols_or_digits_are_spoken():
    for script_id in IDS:
        for line in spoken(script(script_id)):
            assert not re.search(r"[0-9&%/#@*+=<>]", line), f"{script_id}: {line}"


def test_lengths_and_counts_are_spoken_through_placeholders_never_written_out():
    for path in PATHS:
        text = re.sub(r"<!--.*?-->", "", path.read_text(), flags=re.S)
        assert set(re.findall(r"\{[^}]*\}", text)) <= {"{minutes}", "{questions}"}, path.name
        body = text.split("---", 2)[2]
        assert not re.search(r"\b(two|three|four|five|ten|twenty) questions\b", body, flags=re.I), path.name
    for deck in ("trust-questions", "closeness-questions"):
        assert "{questions}" in (bundled("scripts") / f"{deck}.md").read_text()
    breathing = (bundled("scripts") / "heart-breathing.md").read_text()
    assert "{minutes}" in breathing
    assert not re.search(r"\b(one|five|seven|ten|twelve|fifteen|twenty) minutes\b", breathing.split("---", 2)[2])


def test_the_journal_deck_has_twenty_questions_short_enough_to_hold():
    questions = script("trust-questions").questions
    assert [q.number for q in questions] == list(range(1, 21))
    for q in questions:
        assert len(q.text.split()) <= 18, q.text
        assert q.text.endswith("?"), q.text


def test_forgiveness_is_offered_not_measured():
    deck = {q.number: q.text.lower() for q in script("trust-questions").questions}
    assert "ability to forgive" not in deck[15]
    assert "forgiven or not" in deck[15]


# --- room to breathe ------------------------------------------------------------------------------

SILENT_SHARE = 0.35  # of every section: pauses, bells, breathing and time to reflect, not speech
HELP_LINE_QUIET_S = 8  # after the line that points to someone trusted or a professional
FITTED_PAUSE_S = 2.5  # the pauses between thoughts of a fitted session, on average


@pytest.mark.parametrize("script_id", IDS)
def test_every_section_is_at_least_35_percent_silence_at_the_default_pace(script_id):
    t = timeline(script(script_id))
    crowded = {chapter.title: round(silence_share(t, index), 2) for index, chapter in enumerate(t.sections)
               if silence_share(t, index) < SILENT_SHARE}
    assert not crowded, crowded


def help_line(t: Timeline):
    """The last spoken phrase that points to someone trusted or a professional."""
    return [e for e in t.speech if "someone you trust" in e.text.lower() and "professional" in e.text.lower()][-1]


def quiet_after(t: Timeline, event) -> float:
    """Seconds from the end of `event` to the next spoken word, or to the end of the last sound."""
    later = [e.start for e in t.speech if e.start >= event.end]
    end = min(later) if later else t.total - round(TAIL_MS * t.rate / 1000)
    return (end - event.end) / t.rate


@pytest.mark.parametrize("script_id", IDS)
def test_the_closing_leaves_quiet_after_the_help_line_however_it_is_fitted(script_id):
    s = script(script_id)
    for how, t in {"unfitted": timeline(s), **fittings(s)}.items():
        line = help_line(t)
        assert t.section_at(line.start) == len(t.sections) - 1, f"{how}: the help line is not in the closing"
        assert quiet_after(t, line) >= HELP_LINE_QUIET_S, f"{how}: {quiet_after(t, line):.1f} s after {line.text!r}"


def pauses_between_thoughts(t: Timeline) -> list[float]:
    """The silences between one spoken phrase and the next, in seconds. A question's place ("The
    third question.") and the question are heard as one; time to reflect on a question, or to sit,
    is not a pause between thoughts."""
    spoken = [e for e in t.speech if e.leads is None]
    held = [e.start for e in t.events if e.kind in ("reflect", "sit")]
    found = []
    for before, after in zip(spoken, spoken[1:], strict=False):
        if not any(before.end <= start < after.start for start in held):
            found.append(max(0, after.start - before.end) / t.rate)
    return found


@pytest.mark.parametrize("script_id", IDS)
def test_a_fitted_session_pauses_at_least_two_and_a_half_seconds_on_average(script_id):
    for how, t in fittings(script(script_id)).items():
        pauses = pauses_between_thoughts(t)
        assert sum(pauses) / len(pauses) >= FITTED_PAUSE_S, f"fitted to {how}: {sum(pauses) / len(pauses):.2f} s"


def test_heart_breathing_lasts_about_ten_minutes_and_fits_from_seven_to_thirteen():
    s = script("heart-breathing")
    assert 9 * 60 <= timeline(s).seconds <= 11 * 60
    shortest, longest = length_range(s, at_pace, bell)
    assert shortest / RATE <= 7 * 60 - 15  # some room for a slower voice
    assert longest / RATE >= 13 * 60 + 15


# --- lengths spoken true --------------------------------------------------------------------------

SPOKEN_LENGTH = re.compile(r"\b(minutes?|hours?|seconds)\b", re.IGNORECASE)
NOT_A_LENGTH = ("at the last minute",)  # an idiom, not a length of the session
NUMBER_WORDS = {minutes_in_words(n): n for n in range(1, 100)}
SAYS_ITS_LENGTH = [i for i in IDS if any("{minutes}" in line for line in spoken(script(i)))]


def test_every_length_a_session_speaks_comes_from_the_minutes_placeholder():
    for script_id in IDS:
        for line in spoken(script(script_id)):
            heard = line.replace("{minutes}", "").lower()
            for idiom in NOT_A_LENGTH:
                heard = heard.replace(idiom, "")
            assert not SPOKEN_LENGTH.search(heard), f"{script_id}: {line!r} speaks a length of its own"
    assert {"heart-breathing", "walking-with-open-eyes", "when-mistrust-flares"} <= set(SAYS_ITS_LENGTH)


def said_minutes(t: Timeline) -> list[int]:
    return [n for e in t.speech for words, n in NUMBER_WORDS.items() if re.search(rf"\b{words}\b", e.text)]


@pytest.mark.parametrize("script_id", SAYS_ITS_LENGTH)
def test_the_length_a_session_speaks_is_the_length_it_lasts(script_id):
    s = script(script_id)
    unfitted = timeline(s)
    assert said_minutes(unfitted) == [max(1, round(unfitted.seconds / 60))]
    fitted = {how: t for how, t in fittings(s).items() if how != "its shortest"}
    if not fitted:  # a short practice that none of 7, 12 and 20 minutes fits: each whole minute it can last
        shortest = math.ceil(fittings(s)["its shortest"].seconds / 60)
        for minutes in range(shortest, shortest + 3):
            try:
                fitted[f"{minutes} minutes"] = timeline(s, minutes)
            except FitError:
                break
    assert fitted
    for how, t in fitted.items():
        minutes = int(how.split()[0])
        assert t.seconds == pytest.approx(minutes * 60, abs=0.5), how
        assert said_minutes(t) == [minutes], f"fitted to {how}, it says {said_minutes(t)}"


A_FEW_BREATHS = re.compile(r"\b(a few|two or three|three) (slow |deep )?breaths\b(?! before)", re.IGNORECASE)
BREATHS_S = 12  # a few slow breaths, with nothing to listen to but the breathing cues
WITHIN_S = 30  # ... found soon after the line that offers them


def room_for_breaths(t: Timeline, event) -> float:
    """The longest stretch, within WITHIN_S seconds after `event`, with no words but breathing cues."""
    window_end = event.end + WITHIN_S * t.rate
    words = [e for e in t.speech if event.end <= e.start < window_end and e.text not in BREATH_WORDS.values()]
    edges = [event.end, *[x for e in words for x in (e.start, e.end)], window_end]
    return max(edges[i + 1] - edges[i] for i in range(0, len(edges), 2)) / t.rate


@pytest.mark.parametrize("script_id", IDS)
def test_a_line_that_offers_a_few_breaths_leaves_time_for_them_however_it_is_fitted(script_id):
    s = script(script_id)
    for how, t in {"unfitted": timeline(s), **fittings(s)}.items():
        for event in t.speech:
            if A_FEW_BREATHS.search(event.text):
                assert room_for_breaths(t, event) >= BREATHS_S, f"{how}: {event.text!r}"
