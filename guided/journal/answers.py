"""A sitting's course: each question narrated, its answer taken in the sitting's way (a timed
silence, a key, typed words or a recording), and the entry (`entry`) kept up to date after every
answer. It reaches narration, keys and the person through the `Sitting` it is given (`sitting`).

What can go wrong while an answer is recorded, and what then happens:

- the disk fills up, or the journal folder stops taking writes: the recording keeps what reached
  the disk, the entry says the answer was cut short and why (written into spare room kept for it,
  when the disk is full), and the sitting ends with StorageError: one line, exit status 1;
- the microphone stops (unplugged, its stream failing or stalling): the answer so far is kept,
  the entry says so, and the sitting goes on to the next question; a microphone that cannot be
  opened again there ends the sitting with DeviceError, every answer before it kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from ..errors import DeviceError, OutputError, StorageError
from ..timing.timefmt import clock
from .entry import Answer, Entry
from .microphone import Recording, record_answer


class Stopped(Exception):
    """`q` pressed: the sitting ends early, calmly, keeping what was answered."""


class StoppedByVoice(Stopped):
    """"Stop" said after a question: the sitting ends there, and its entry says so."""


def _went_on(ended: str) -> None:
    """Carry on after narration that ended this way: stopped with q, or interrupted by Ctrl-C."""
    if ended == "stopped":
        raise Stopped
    if ended != "finished":
        raise KeyboardInterrupt


def take(sitting) -> None:
    """Narrate each question of `sitting` and take its answer in its way, keeping the entry up to
    date; `Stopped` when the person ends the sitting early, KeyboardInterrupt on Ctrl-C."""
    session, entry, mode = sitting.session, sitting.entry, sitting.mode
    numbers = [q.number for q in session.script.questions]
    texts = {q.number: q.text for q in session.script.questions}
    now = lambda: datetime.now().strftime("%H:%M:%S")  # noqa: E731

    if mode == "reflect":
        # One continuous stretch: the reflection is the timeline's own silence, ended by a chime.
        def reflected(number: int):
            return lambda: entry.set(Answer(number, texts[number], "reflected", at=now()))

        entry.save()
        _went_on(sitting.play(0, None, [(_reflection_end(n), reflected(n)) for n in numbers]))
        return

    previous = None  # the question answered last: narration goes on after its reflection
    entry.save()
    for number in numbers:
        _went_on(sitting.play(_resume(session, previous), _reading_end(number), []))
        previous = number
        if mode == "wait":
            while True:
                key = sitting.wait_key()
                if key == "repeat":
                    start = _reading(_placed(session), number).start
                    _went_on(sitting.play(start, _reading_end(number), []))
                    continue
                if key == "quit":
                    raise Stopped
                break
            entry.set(Answer(number, texts[number], "reflected", at=now()))
        elif mode == "type":
            started = now()
            try:
                text = sitting.read_text(texts[number])
            except KeyboardInterrupt as stop:  # a signal while typing: what was typed is kept, marked so
                typed = getattr(stop, "typed", None)
                if typed:
                    with contextlib.suppress(OutputError):
                        entry.set(Answer(number, texts[number], "interrupted", at=started, text=typed))
                raise
            if text is None or not text.strip():
                entry.set(Answer(number, texts[number], "no answer", at=now()))
            else:
                entry.set(Answer(number, texts[number], "answered", at=now(), text=text))
        elif mode == "record":
            _record(sitting, number, texts[number], now)
    _went_on(sitting.play(_resume(session, previous), None, []))


# Places in the sitting's session. A session prepared progressively is placed again as its phrases'
# true lengths arrive (what is heard never moves, what is not yet heard may), so a place is looked
# up in the timeline as placed at the moment it is needed, by its event's question number and kind.
def _placed(session):
    return session.mixer.timeline


def _reading(timeline, number: int):
    return next(e for e in timeline.speech if e.question == number)


def _reflection(timeline, number: int):
    return next(e for e in timeline.events if e.kind == "reflect" and e.question == number)


def _reading_end(number: int) -> Callable:
    return lambda timeline: _reading(timeline, number).end


def _reflection_end(number: int) -> Callable:
    return lambda timeline: _reflection(timeline, number).end


def _resume(session, previous: int | None) -> int:
    """Where narration goes on: the start, or the end of the silence after the question answered
    last (the time the answer took stood in for it); its chime comes next."""
    return 0 if previous is None else _reflection(_placed(session), previous).end


def _record(sitting, number, text, now) -> None:
    entry = sitting.entry
    audio = entry.audio_path(number)
    # Waiting for a first word: long enough to gather one's thoughts, then one gentle reminder.
    wait = max(20.0, 2 * sitting.silence_seconds)
    asked_again = False
    while True:
        started = now()
        with entry.spare_room():  # the entry can still be written if this recording fills the disk
            entry.set(Answer(number, text, "recording", at=started, audio=audio.name))
            sitting.key_stop.clear()
            sitting.listening()
            try:
                result = record_answer(audio, silence_seconds=sitting.silence_seconds,
                                       max_seconds=sitting.max_answer_seconds, wait_for_speech_seconds=wait,
                                       device=sitting.input_device, stop=sitting.key_stop,
                                       microphone=sitting.microphone, hear=sitting.hear,
                                       near_limit=sitting.near_limit)
            except KeyboardInterrupt:
                with contextlib.suppress(OutputError):  # a full disk must not turn Ctrl-C into an error
                    entry.set(Answer(number, text, "interrupted", at=started, audio=audio.name))
                raise
            except (StorageError, DeviceError) as exc:  # nothing recorded: no file, or no microphone
                reason = exc.reason if isinstance(exc, StorageError) else "the microphone could not be opened"
                written = _try_set(entry, Answer(number, text, "no answer", at=started,
                                                 note=f"not recorded: {reason}"))
                raise type(exc)(f"{exc}; the sitting ends here{written}") from None
            if result.ended_by == "command":
                audio.unlink(missing_ok=True)  # a command is never kept as an answer
                entry.drop(number)
                wait = _obey(sitting, number, text, result.heard, started, wait)
                if wait is None:
                    return
                continue
            if result.ended_by in ("write failed", "microphone lost"):
                _cut_short(sitting, number, text, started, audio, result)
                return
            if not result.spoke and result.ended_by == "nothing said":
                audio.unlink(missing_ok=True)
                if not asked_again:
                    asked_again = True
                    sitting.ask_again()
                    continue
                entry.set(Answer(number, text, "no answer", at=started))
                sitting.say("no answer; moving on")
                _quit_if_asked(sitting)
                return
            cut = f"cut at the {clock(sitting.max_answer_seconds)} limit" if result.ended_by == "limit" else None
            try:
                entry.set(Answer(number, text, "answered", at=started, audio=audio.name, seconds=result.seconds,
                                 speech_seconds=result.speech_seconds, note=cut))
            except OutputError as exc:  # the folder stopped taking new files: the recording itself is whole
                raise StorageError(f"{exc}; your answer to question {number} was recorded whole in {audio}, and "
                                   "the next start marks it as kept; the sitting ends here", "") from None
        sitting.say(f"kept your answer: {clock(result.speech_seconds)} spoken, a recording of "
                    f"{clock(result.seconds)}" + (f"; {cut}" if cut else ""))
        sitting.kept(number, audio)
        _quit_if_asked(sitting)
        return


def _quit_if_asked(sitting) -> None:
    """`q` pressed while an answer was taken: it is kept, and the sitting ends there."""
    if sitting.quit_requested:
        raise Stopped


def _obey(sitting, number: int, text: str, heard, started: str, wait: float) -> float | None:
    """Do what a spoken command asked; the wait for a first word when the question is to be answered
    still (listening again), None when it is done with."""
    from .commands import GO_ON, MORE_TIME, PAUSE, REPEAT, SKIP, STOP

    command = heard.command
    sitting.say(f'heard "{heard.text.strip()}": {DOING[command]}')
    if command == STOP:
        sitting.acknowledge(STOP)
        raise StoppedByVoice
    if command == SKIP:
        sitting.entry.set(Answer(number, text, "skipped", at=started, note="by voice"))
        sitting.acknowledge(SKIP)
        return None
    if command == REPEAT:
        start = _reading(_placed(sitting.session), number).start
        _went_on(sitting.play(start, _reading_end(number), []))
        return wait
    if command == PAUSE:
        sitting.acknowledge(PAUSE)
        if sitting.paused() == STOP:
            sitting.acknowledge(STOP)
            raise StoppedByVoice
        sitting.acknowledge(GO_ON)
        return wait
    if command == MORE_TIME:
        sitting.acknowledge(MORE_TIME)
        return max(wait, MORE_TIME_SECONDS)
    return wait  # go on, when nothing was paused: listen again


MORE_TIME_SECONDS = 120.0  # "more time": this long to gather one's thoughts before a first word
DOING = {"stop": "ending the sitting here", "skip": "skipping this question", "repeat": "the question again",
         "more time": "taking more time", "pause": "paused; say go on when you are ready", "go on": "listening"}


def _cut_short(sitting, number, text, started, audio, result: Recording) -> None:
    """An answer whose recording stopped part-way: keep what was recorded and say why; a failed
    write ends the sitting, a lost microphone only this answer."""
    disk = result.ended_by == "write failed"
    cause = f"the recording stopped: {result.problem}" if disk else f"the microphone stopped ({result.problem})"
    if result.seconds > 0:
        answer = Answer(number, text, "answered", at=started, audio=audio.name, seconds=result.seconds,
                        speech_seconds=result.speech_seconds, note=f"{cause}; what was said until then is kept")
        told = f"kept your answer up to {clock(result.seconds)} in {audio}"
    else:
        audio.unlink(missing_ok=True)
        answer = Answer(number, text, "no answer", at=started, note=f"{cause} before anything was recorded")
        told = "nothing of this answer was recorded"
    if disk:
        written = _try_set(sitting.entry, answer)
        raise StorageError(f"{result.problem}: question {number}'s recording stopped; {told}; the sitting ends here"
                           f"{written}", result.problem or "")
    sitting.entry.set(answer)
    sitting.say(f"{cause}: {told}; moving on")
    if result.seconds > 0:
        sitting.kept(number, audio)


def _try_set(entry: Entry, answer: Answer) -> str:
    """Put `answer` in the entry if the disk allows; the end of the closing line, saying where it is."""
    try:
        entry.set(answer)
    except OutputError as exc:
        later = "; the next start marks the recording as kept" if answer.audio else ""
        return f" (the journal entry could not be updated: {exc}{later})"
    return f" (see {entry.path})" if holds_anything(entry) else ""


def holds_anything(entry: Entry) -> bool:
    """Whether the entry keeps something given: a recording, typed words, a reflection."""
    return any(a.audio or a.text or a.status == "reflected" for a in entry.answers.values())
