"""A journal sitting's course: each question narrated, its answer taken in the sitting's way, and
the entry (guided/journal.py) kept up to date after every answer.

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
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import DeviceError, GuidedError, OutputError, StorageError
from ..timing.timefmt import clock
from .entries import Answer, Sitting, journal_dir
from .recorder import Recording, record_answer

ASK_AGAIN = "Take your time. Whenever you are ready, you can speak your answer, or simply stay with the question."


@dataclass
class Hooks:
    """How the sitting reaches the person: the CLI gives terminal versions, tests give their own."""

    # (session, start, end, [(where, action)]) → "finished" | "stopped" | "interrupted": play from
    # sample `start` to `end` (None: the session's end), running each action once its place is
    # reached. `end` and each `where` are functions of the timeline (player.Where): a session
    # still rendering its speech is placed again as true lengths arrive, and they follow it.
    play: Callable[[object, int, object, list], str]
    say: Callable[[str], None] = lambda text: None  # a status line (stderr)
    wait_key: Callable[[], str] | None = None  # blocks until a key: "continue", "repeat" or "quit"
    read_text: Callable[[str], str | None] | None = None  # a typed answer (None: skipped)
    key_stop: threading.Event | None = None  # set by a key press while recording
    listening: Callable[[], None] = lambda: None  # the microphone is about to open
    started: Callable[[Sitting], None] = lambda sitting: None  # the entry exists; its answers fill in as given
    kept: Callable[[Sitting, int, Path], None] = lambda sitting, number, audio: None  # an answer was recorded


def run(
    session,
    deck_id: str,
    mode: str,
    hooks: Hooks,
    *,
    silence_seconds: float = 8.0,
    max_answer_seconds: float = 300.0,
    input_device: int | None = None,
    ask_again: Callable[[], object] | None = None,
    microphone=None,
) -> Sitting:
    """Narrate each question of the prepared sitting `session` and take its answer in `mode`.

    `q` ends the sitting early and keeps what was answered (`stopped`); Ctrl-C raises
    KeyboardInterrupt, likewise keeping it. An entry with nothing answered is removed either way.
    A recording the disk stops taking raises StorageError, a microphone that cannot be opened
    DeviceError: both keep what was recorded and say so in the entry (module docstring)."""
    sitting = Sitting(journal_dir(), deck_id, session.script.title, mode)
    hooks.started(sitting)
    try:
        _take_answers(sitting, session, mode, hooks, silence_seconds, max_answer_seconds, input_device, ask_again,
                      microphone)
    except _Stopped:
        sitting.stopped = True
    except KeyboardInterrupt:
        if not sitting.answers:
            sitting.discard()
        raise
    except GuidedError:  # the disk full, no microphone: an entry that holds nothing is no journal
        if not _holds_anything(sitting):
            sitting.discard()
        raise
    if not sitting.answers:
        sitting.discard()
    return sitting


class _Stopped(Exception):
    """`q` pressed: the sitting ends early, calmly, keeping what was answered."""


def _went_on(ended: str) -> None:
    """Carry on after narration that ended this way: stopped with q, or interrupted by Ctrl-C."""
    if ended == "stopped":
        raise _Stopped
    if ended != "finished":
        raise KeyboardInterrupt


def _take_answers(sitting, session, mode, hooks, silence_seconds, max_answer_seconds, input_device, ask_again,
                  microphone=None):
    numbers = [q.number for q in session.script.questions]
    texts = {q.number: q.text for q in session.script.questions}
    now = lambda: datetime.now().strftime("%H:%M:%S")  # noqa: E731

    if mode == "reflect":
        # One continuous stretch: the reflection is the timeline's own silence, ended by a chime.
        def reflected(number: int):
            return lambda: sitting.set(Answer(number, texts[number], "reflected", at=now()))

        sitting.save()
        _went_on(hooks.play(session, 0, None, [(_reflection_end(n), reflected(n)) for n in numbers]))
        return

    previous = None  # the question answered last: narration goes on after its reflection
    sitting.save()
    for number in numbers:
        _went_on(hooks.play(session, _resume(session, previous), _reading_end(number), []))
        previous = number
        if mode == "wait":
            while True:
                key = hooks.wait_key()
                if key == "repeat":
                    start = _reading(_placed(session), number).start
                    _went_on(hooks.play(session, start, _reading_end(number), []))
                    continue
                if key == "quit":
                    raise _Stopped
                break
            sitting.set(Answer(number, texts[number], "reflected", at=now()))
        elif mode == "type":
            text = hooks.read_text(texts[number])
            if text is None or not text.strip():
                sitting.set(Answer(number, texts[number], "no answer", at=now()))
            else:
                sitting.set(Answer(number, texts[number], "answered", at=now(), text=text))
        elif mode == "record":
            _record(sitting, number, texts[number], hooks, silence_seconds, max_answer_seconds, input_device,
                    ask_again, now, microphone)
    _went_on(hooks.play(session, _resume(session, previous), None, []))


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


def _record(sitting, number, text, hooks, silence_seconds, max_answer_seconds, input_device, ask_again, now,
            microphone=None):
    audio = sitting.audio_path(number)
    started = now()
    with sitting.spare_room():  # the entry can still be written if this recording fills the disk
        sitting.set(Answer(number, text, "recording", at=started, audio=audio.name))
        # Waiting for a first word: long enough to gather one's thoughts, then one gentle reminder.
        wait = max(20.0, 2 * silence_seconds)
        if hooks.key_stop is not None:
            hooks.key_stop.clear()

        def take() -> Recording:
            hooks.listening()
            return record_answer(audio, silence_seconds=silence_seconds, max_seconds=max_answer_seconds,
                                 wait_for_speech_seconds=wait, device=input_device, stop=hooks.key_stop,
                                 microphone=microphone)

        hooks.say("listening… (speak your answer; a pause ends it, or press a key)")
        try:
            result = take()
            if not result.spoke and result.ended_by == "nothing said":
                audio.unlink(missing_ok=True)
                if ask_again is not None:
                    ask_again()
                result = take()
        except KeyboardInterrupt:
            with contextlib.suppress(OutputError):  # a full disk must not turn Ctrl-C into an error
                sitting.set(Answer(number, text, "interrupted", at=started, audio=audio.name))
            raise
        except (StorageError, DeviceError) as exc:  # nothing recorded: no file, or no microphone
            reason = exc.reason if isinstance(exc, StorageError) else "the microphone could not be opened"
            written = _try_set(sitting, Answer(number, text, "no answer", at=started, note=f"not recorded: {reason}"))
            raise type(exc)(f"{exc}; the sitting ends here{written}") from None
        if result.ended_by in ("write failed", "microphone lost"):
            _cut_short(sitting, number, text, started, audio, result, hooks)
            return
        if not result.spoke and result.ended_by == "nothing said":
            audio.unlink(missing_ok=True)
            sitting.set(Answer(number, text, "no answer", at=started))
            hooks.say("no answer; moving on")
            return
        try:
            sitting.set(Answer(number, text, "answered", at=started, audio=audio.name, seconds=result.seconds))
        except OutputError as exc:  # the folder stopped taking new files: the recording itself is whole
            raise StorageError(f"{exc}; your answer to question {number} was recorded whole in {audio}, and the "
                               "next start marks it as kept; the sitting ends here", "") from None
    hooks.say(f"kept your answer ({clock(result.seconds)})")
    hooks.kept(sitting, number, audio)


def _cut_short(sitting, number, text, started, audio, result: Recording, hooks) -> None:
    """An answer whose recording stopped part-way: keep what was recorded and say why; a failed
    write ends the sitting, a lost microphone only this answer."""
    disk = result.ended_by == "write failed"
    cause = f"the recording stopped: {result.problem}" if disk else f"the microphone stopped ({result.problem})"
    if result.seconds > 0:
        answer = Answer(number, text, "answered", at=started, audio=audio.name, seconds=result.seconds,
                        note=f"{cause}; what was said until then is kept")
        told = f"kept your answer up to {clock(result.seconds)} in {audio}"
    else:
        audio.unlink(missing_ok=True)
        answer = Answer(number, text, "no answer", at=started, note=f"{cause} before anything was recorded")
        told = "nothing of this answer was recorded"
    if disk:
        written = _try_set(sitting, answer)
        raise StorageError(f"{result.problem}: question {number}'s recording stopped; {told}; the sitting ends here"
                           f"{written}", result.problem or "")
    sitting.set(answer)
    hooks.say(f"{cause}: {told}; moving on")
    if result.seconds > 0:
        hooks.kept(sitting, number, audio)


def _try_set(sitting, answer: Answer) -> str:
    """Put `answer` in the entry if the disk allows; the end of the closing line, saying where it is."""
    try:
        sitting.set(answer)
    except OutputError as exc:
        later = "; the next start marks the recording as kept" if answer.audio else ""
        return f" (the journal entry could not be updated: {exc}{later})"
    return f" (see {sitting.path})" if _holds_anything(sitting) else ""


def _holds_anything(sitting: Sitting) -> bool:
    """Whether the entry keeps something given: a recording, typed words, a reflection."""
    return any(a.audio or a.text or a.status == "reflected" for a in sitting.answers.values())
