"""A journaling sitting from start to end: the deck and its questions chosen, the sitting's session
prepared, the questions narrated through the player, and the answers taken in the chosen way.

The person is reached only through a `SittingUI` (the CLI gives a terminal one; a program or a
test gives its own), so the same sitting runs with or without a terminal.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..errors import GuidedError, UsageError
from ..options import SessionOptions
from ..scripts.catalog import Catalog
from ..scripts.language import Say, Script, parse_span
from . import answering as journal_sitting
from . import entries as journaling

DEFAULT_REFLECT = "90s"
WAIT_KEYS = {"r": "repeat", "R": "repeat", "q": "quit", "Q": "quit", "escape": "quit"}
MODES = ("reflect", "wait", "record", "type")  # the ways to answer


@dataclass
class SittingUI:
    """How a sitting reaches the person. Every part is optional."""

    say: Callable[[str], None] = lambda text: None  # a short status line
    read_text: Callable[[str], str | None] | None = None  # a typed answer to a question (None: skipped)
    # display_for(timeline) → a function called with the player while narration plays (a display)
    display_for: Callable | None = None
    # keys(on_key) → a context manager that calls on_key(name) for each key pressed inside it
    keys: Callable[[Callable[[str], None]], contextlib.AbstractContextManager] = field(
        default=lambda on_key: contextlib.nullcontext(False)
    )
    progress: Callable[[int, int], None] | None = None  # progress(done, total) while speech is prepared


@dataclass(frozen=True)
class SittingPlan:
    """What a sitting will ask: the deck, the chosen question numbers, and how answers are taken."""

    deck: str
    title: str
    questions: tuple[int, ...]
    mode: str
    script: Script


def plan(deck: str, *, mode: str = "reflect", reflect: str | None = None, count: int | None = None,
         only: str | list[int] | None = None, shuffle: bool = False,
         catalog: Catalog | None = None) -> SittingPlan:
    """Check the choices and pick the questions: `only` these numbers, or the next `count` not yet
    answered; with `reflect` (a time such as 90s or 1m..2m) the silence after each question."""
    if mode not in MODES:
        raise UsageError(f"unknown way to answer {mode!r}; expected one of {', '.join(MODES)}")
    if reflect is not None and mode != "reflect":
        raise UsageError("--reflect sets the timed silence; it does not go with --wait, --record or --type")
    span = parse_span(reflect or DEFAULT_REFLECT)
    if isinstance(span, str):
        raise UsageError(f"--reflect: {span}")
    numbers = _numbers(only)
    entry, script = (catalog or Catalog()).load_session(deck)
    if not script.questions:
        raise GuidedError(f"{deck} has no questions to journal with; try trust-questions")
    done = journaling.answered_in(entry.id)
    chosen = journaling.choose([q.number for q in script.questions], done, count, numbers, shuffle)
    sitting = journaling.sitting_script(script, chosen, span if mode == "reflect" else None)
    return SittingPlan(entry.id, script.title, tuple(chosen), mode, sitting)


def status(catalog: Catalog | None = None) -> list[journaling.DeckStatus]:
    """How far the journal has come in each deck of the library (repairing any interrupted sitting first)."""
    journaling.recover()
    decks = []
    catalog = catalog or Catalog()
    for entry in catalog.files():
        script = catalog.load(entry.id)[1]
        if script.questions:
            decks.append((entry.id, script.title, len(script.questions)))
    return journaling.status(decks)


def _numbers(only: str | list[int] | None) -> list[int] | None:
    if not only:
        return None
    if isinstance(only, str):
        try:
            return [int(x) for x in only.replace(" ", "").split(",") if x]
        except ValueError:
            raise UsageError(f"--only takes question numbers such as 7,12, not {only!r}") from None
    return list(only)


def run(plan: SittingPlan, options: SessionOptions, ui: SittingUI | None = None, *,
        silence_seconds: float = 8.0, max_answer_seconds: float = 300.0,
        output_device: int | None = None, input_device: int | None = None, log: bool = True,
        transcribe: bool = True, model: str | None = None) -> journaling.Sitting:
    """Hold the sitting: narrate, take each answer, keep it in the journal; returns the saved sitting.
    `q` ends it early (the sitting comes back `stopped`) and Ctrl-C raises KeyboardInterrupt, both
    keeping every answer given so far (an entry with none is removed). With `log`, the
    narration heard and the questions answered go in the practice log, however the sitting ended.
    Recorded answers are transcribed in the background when transcription is installed
    (`transcribe=False`: never)."""
    from ..play.player import Player
    from ..session.prepared import prepare
    from .recorder import Microphone
    from .transcription import worker_for_sitting

    ui = ui or SittingUI()
    worker = None
    if plan.mode == "record" and transcribe:
        worker, note = worker_for_sitting(model, on_error=ui.say)
        if note:
            ui.say(note)
    # Narration starts at once: phrases not yet cached render behind it, in the order they are heard
    # (guided/progressive.py); were it to catch up, it holds in silence and the display says so.
    session = prepare(plan.script, id=plan.deck, options=options, progress=ui.progress, progressive=True)
    tick = ui.display_for(session.mixer.timeline) if ui.display_for else None
    state: dict = {"controls": None, "phase": "playing", "heard": 0, "sitting": None}
    keys_waiting: queue.Queue = queue.Queue()
    key_stop = threading.Event()

    def on_key(key: str) -> None:
        from ..play.controls import apply_key

        if state["phase"] == "playing" and state["controls"] is not None:
            apply_key(state["controls"], key)
        elif state["phase"] == "waiting":
            keys_waiting.put(key)
        elif state["phase"] == "recording":
            key_stop.set()

    def play(sess, start: int, end, marks: list) -> str:
        controls = sess.controls()
        state["controls"], state["phase"] = controls, "playing"
        player = Player(sess.mixer, controls, device=output_device, start=start, end=end, marks=marks)
        try:
            return player.play(on_tick=tick if sess is session else None)
        finally:
            state["heard"] += player.heard

    def wait_key() -> str:
        state["phase"] = "waiting"
        if not state.get("repeated"):  # heard again: the hint is still on screen
            ui.say("press space to go on, r to hear the question again, q to stop")
        key = WAIT_KEYS.get(keys_waiting.get(), "continue")
        state["repeated"] = key == "repeat"
        return key

    def read_text(question: str) -> str | None:
        state["phase"] = "typing"
        return ui.read_text(question) if ui.read_text else None

    def ask_again() -> None:
        prompt = Script(path="<prompt>", title=plan.title, kind="talk", cues=(Say(journal_sitting.ASK_AGAIN, 1),))
        speech = session.speech
        if speech is not None:
            speech.stop()  # one speech engine a process: the sitting's rendering waits for the prompt's
        try:
            again = prepare(prompt, id=plan.deck, options=options)
        finally:
            if speech is not None:
                speech.resume()
        play(again, 0, None, [])

    def listening() -> None:
        state["phase"] = "recording"  # from now on a key ends the answer

    def started(held: journaling.Sitting) -> None:
        state["sitting"] = held

    def kept(held: journaling.Sitting, number: int, audio) -> None:
        if worker is not None:
            worker.submit(audio, lambda words, timings: held.set_transcript(number, words.text, timings.name))

    hooks = journal_sitting.Hooks(play=play, say=ui.say, wait_key=wait_key, read_text=read_text, key_stop=key_stop,
                                  listening=listening, started=started, kept=kept)
    ended = "interrupted"
    try:
        with contextlib.ExitStack() as stack:
            # Typed answers too: keys steer the narration, and the UI lends the terminal out for typing.
            stack.enter_context(ui.keys(on_key))
            # One microphone stream for the whole sitting, started only while an answer is taken.
            microphone = stack.enter_context(Microphone(input_device)) if plan.mode == "record" else None
            held = journal_sitting.run(session, plan.deck, plan.mode, hooks, silence_seconds=silence_seconds,
                                       max_answer_seconds=max_answer_seconds, input_device=input_device,
                                       ask_again=ask_again if plan.mode == "record" else None,
                                       microphone=microphone)
        if worker is not None and worker.busy:
            ui.say("writing down your answers…")
            worker.wait()
        ended = "stopped" if held.stopped else "finished"
        return held
    finally:
        if session.speech is not None:
            session.speech.stop()  # the phrase in hand finishes: an engine torn down mid-phrase can abort
        answers = _answered(state["sitting"]) if state["sitting"] is not None else 0
        # A sitting that never reached the person (no device) is not practice; any other is.
        if log and (ended == "finished" or state["heard"] or answers):
            from ..practice import log as practice_log

            # Its length as placed by the end, true lengths and all.
            placed = replace(session, timeline=session.mixer.timeline)
            practice_log.record_sitting(placed, plan.deck, state["heard"], answers, plan.mode, ended)


def _answered(held: journaling.Sitting) -> int:
    """Questions met in this sitting: answered in words or aloud, or reflected on in silence."""
    return sum(1 for a in held.answers.values() if a.status in ("answered", "reflected", "interrupted"))

