"""A journaling sitting from start to end: the deck and its questions chosen (`plan`), the sitting's
session prepared, and the sitting held (`run`): its questions narrated through the player and the
answers taken in the chosen way (`answers`), the entry kept up to date after every answer.

The person is reached only through a `SittingUI` (the CLI gives a terminal one; a program or a
test gives its own), so the same sitting runs with or without a terminal. A `Sitting` is the
sitting while it is held: what the course of answers asks of it (narrate a stretch, wait for a
key, read typed words, listen) it does through the player and that UI.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import GuidedError, UsageError
from ..options import SessionOptions
from ..scripts.catalog import Catalog
from ..scripts.language import Say, Script, parse_span
from . import answers, decks
from .entry import Entry, answered_in, journal_dir, recover

DEFAULT_REFLECT = "90s"
WAIT_KEYS = {"r": "repeat", "R": "repeat", "q": "quit", "Q": "quit", "escape": "quit"}
MODES = ("reflect", "wait", "record", "type")  # the ways to answer
ASK_AGAIN = "Take your time. Whenever you are ready, you can speak your answer, or simply stay with the question."
# What the sitting says back to a spoken command, and near the longest answer: few words, said softly.
SAYS_BACK = {
    "stop": "Of course. We'll stop here. Thank you for the time you gave yourself.",
    "skip": "Let's leave that one for now.",
    "more time": "Take all the time you need.",
    "pause": "Pausing. Say go on whenever you're ready.",
    "go on": "Welcome back.",
    "near limit": "Take a moment to bring your thought to a close. There's no rush.",
    "ask again": ASK_AGAIN,
}


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
    found, script = (catalog or Catalog()).load_session(deck)
    if not script.questions:
        raise GuidedError(f"{deck} has no questions to journal with; try trust-questions")
    # A sitting in words goes on from the first question not yet answered in words; one in silence
    # from the first not yet met at all (a reflection is what it gives).
    done = answered_in(found.id, reflected=mode in decks.SILENT_MODES)
    chosen = decks.choose([q.number for q in script.questions], done, count, numbers, shuffle)
    sitting = decks.sitting_script(script, chosen, span if mode == "reflect" else None)
    return SittingPlan(found.id, script.title, tuple(chosen), mode, sitting)


def status(catalog: Catalog | None = None,
           on_skip: Callable[[GuidedError], None] | None = None) -> list[decks.DeckStatus]:
    """How far the journal has come in each deck of the library (repairing any interrupted sitting
    first). A script that cannot be read is skipped (and told to `on_skip`), as a listing does."""
    recover()
    catalog = catalog or Catalog()
    found = []
    for script_file in catalog.files():
        try:
            script = catalog.load(script_file.id)[1]
        except GuidedError as exc:
            if not script_file.user:  # a built-in that cannot be read is guided's own fault: say it loudly
                raise
            if on_skip is not None:
                on_skip(exc)
            continue
        if script.questions:
            found.append((script_file.id, script.title, len(script.questions)))
    return decks.status(found)


def _numbers(only: str | list[int] | None) -> list[int] | None:
    if not only:
        return None
    if isinstance(only, str):
        try:
            return [int(x) for x in only.replace(" ", "").split(",") if x]
        except ValueError:
            raise UsageError(f"--only takes question numbers such as 7,12, not {only!r}") from None
    return list(only)


class Sitting:
    """A sitting being held: the prepared `session` it narrates, the entry it keeps, and the ways it
    reaches the person. `answers.take` runs its course through the methods below; a test may give
    a sitting whose narration and keys are scripted by overriding them."""

    def __init__(self, session, deck: str, mode: str, ui: SittingUI | None = None, *,
                 silence_seconds: float = 8.0, max_answer_seconds: float = 300.0,
                 output_device: int | None = None, input_device: int | None = None, microphone=None,
                 transcriber=None, options: SessionOptions | None = None, recogniser=None) -> None:
        self.session = session
        self.deck = deck
        self.mode = mode
        self.ui = ui or SittingUI()
        self.silence_seconds = silence_seconds
        self.max_answer_seconds = max_answer_seconds
        self.output_device = output_device
        self.input_device = input_device
        self.microphone = microphone
        self.transcriber = transcriber
        self.options = options  # to prepare what is said back (asking again, commands); None: nothing is
        self.recogniser = recogniser  # hears spoken commands (journal.commands.Recogniser); None: keys only
        self.entry: Entry | None = None
        self.quit_requested = False  # q pressed while an answer was taken: the sitting ends after it
        self.heard = 0  # samples of narration the person heard
        self.key_stop = threading.Event()  # set by a key while an answer is recorded
        self._tick = self.ui.display_for(session.mixer.timeline) if self.ui.display_for else None
        self._controls = None
        self._phase = "playing"  # what a key does now: steer narration, answer a wait, end a recording
        self._keys_waiting: queue.Queue[str] = queue.Queue()
        self._repeated = False

    def hold(self) -> Entry:
        """Narrate each question and take its answer; the entry, once the sitting ends.

        `q` ends the sitting early and keeps what was answered (`stopped`); Ctrl-C raises
        KeyboardInterrupt, likewise keeping it. An entry with nothing answered is removed either
        way, unless the sitting was ended by voice: its entry says so. A recording the disk stops taking raises StorageError, a microphone that cannot be
        opened DeviceError: both keep what was recorded and say so in the entry."""
        entry = self.entry = Entry(journal_dir(), self.deck, self.session.script.title, self.mode)
        try:
            with self.ui.keys(self.on_key):  # typed answers too: the UI lends the terminal out for typing
                answers.take(self)
        except answers.Stopped as stopped:
            entry.stopped = True
            entry.by_voice = isinstance(stopped, answers.StoppedByVoice)
            if entry.answers or entry.by_voice:  # a sitting ended by voice is noted, answered or not
                entry.save()
                return entry
        except KeyboardInterrupt:
            if not entry.answers:
                entry.discard()
            raise
        except GuidedError:  # the disk full, no microphone: an entry that holds nothing is no journal
            if not answers.holds_anything(entry):
                entry.discard()
            raise
        if not entry.answers:
            entry.discard()
        return entry

    # --- how the person reaches the sitting -------------------------------------------------------

    def on_key(self, key: str) -> None:
        if self._phase == "playing" and self._controls is not None:
            from ..play.controls import apply_key

            apply_key(self._controls, key)
        elif self._phase == "waiting":
            self._keys_waiting.put(key)
        elif self._phase == "recording":
            from ..play.controls import QUIT_KEYS

            self.quit_requested = self.quit_requested or key in QUIT_KEYS
            self.key_stop.set()

    # --- what the course of answers asks of it ----------------------------------------------------

    def play(self, start: int, end, marks: list) -> str:
        """Narrate the session from sample `start` to `end` (None: its end), running each action of
        `marks` once its place is reached; "finished", "stopped" or "interrupted". `end` and each
        place are functions of the timeline (player.Where): a session still rendering its speech is
        placed again as true lengths arrive, and they follow it."""
        return self._narrate(self.session, start, end, marks)

    def _narrate(self, session, start: int, end, marks: list) -> str:
        from ..play.player import Player

        controls = session.controls()
        self._controls, self._phase = controls, "playing"
        player = Player(session.mixer, controls, device=self.output_device, start=start, end=end, marks=marks)
        try:
            return player.play(on_tick=self._tick if session is self.session else None)
        finally:
            self.heard += player.heard

    def wait_key(self) -> str:
        """The next key, as "continue", "repeat" or "quit"."""
        self._phase = "waiting"
        if not self._repeated:  # heard again: the hint is still on screen
            self.say("press space to go on, r to hear the question again, q to stop")
        key = WAIT_KEYS.get(self._keys_waiting.get(), "continue")
        self._repeated = key == "repeat"
        return key

    def read_text(self, question: str) -> str | None:
        self._phase = "typing"
        return self.ui.read_text(question) if self.ui.read_text else None

    def say(self, text: str) -> None:
        self.ui.say(text)

    def listening(self) -> None:
        self._phase = "recording"  # from now on a key ends the answer
        commands = " Or say skip, repeat, more time, pause or stop." if self.recogniser is not None else ""
        self.say(f"listening… speak your answer; a pause ends it, any key ends it now, q ends the sitting.{commands}")

    @property
    def hear(self):
        """What hears a spoken command (None: commands are off)."""
        return self.recogniser

    def near_limit(self) -> None:
        """Some seconds before the longest answer: a gentle word (the microphone is stopped meanwhile)."""
        self.say("nearly at the longest answer: a few more seconds")
        self.acknowledge("near limit")

    def paused(self) -> str | None:
        """A sitting paused by voice: until "go on" or "stop" is said (which of them), or a key is pressed."""
        from .commands import GO_ON, STOP
        from .microphone import listen_for

        self._phase = "recording"  # a key goes on
        self.key_stop.clear()
        heard = listen_for((GO_ON, STOP), self.microphone, self.hear, stop=self.key_stop)
        if self.quit_requested:
            return STOP
        return heard or GO_ON

    def ask_again(self) -> None:
        """A gentle word when nothing has been said yet, before listening once more."""
        self.acknowledge("ask again")

    def acknowledge(self, what: str) -> None:
        """Say back, softly, what the sitting heard or does now (SAYS_BACK), in the sitting's voice."""
        if self.options is None:
            return
        from ..session.prepared import prepare

        prompt = Script(path="<prompt>", title=self.session.script.title, kind="talk", cues=(Say(SAYS_BACK[what], 1),))
        speech = self.session.speech
        if speech is not None:
            speech.stop()  # one speech engine a process: the sitting's rendering waits for the prompt's
        try:
            again = prepare(prompt, id=self.deck, options=self.options)
        finally:
            if speech is not None:
                speech.resume()
        self._narrate(again, 0, None, [])

    def kept(self, number: int, audio: Path) -> None:
        """An answer was recorded: it is written down in the background when a transcriber is at hand."""
        if self.transcriber is not None:
            entry = self.entry
            self.transcriber.submit(audio, lambda words, timings: entry.set_transcript(number, words.text,
                                                                                        timings.name))


def run(plan: SittingPlan, options: SessionOptions, ui: SittingUI | None = None, *,
        silence_seconds: float = 8.0, max_answer_seconds: float = 300.0,
        output_device: int | None = None, input_device: int | None = None, log: bool = True,
        transcribe: bool = True, model: str | None = None, commands: bool = True) -> Entry:
    """Hold the sitting: narrate, take each answer, keep it in the journal; returns the saved entry.
    `q` ends it early (the entry comes back `stopped`) and Ctrl-C raises KeyboardInterrupt, both
    keeping every answer given so far (an entry with none is removed). With `log`, the narration
    heard and the questions answered go in the practice log, however the sitting ended. Recorded
    answers are transcribed in the background when transcription is installed (`transcribe=False`:
    never), and with `commands` a recorded sitting hears spoken commands ("skip", "stop", ...)
    with the same Whisper model (journal/commands.py)."""
    from ..session.prepared import prepare
    from .commands import Recogniser
    from .microphone import Microphone
    from .transcription import Worker, model_for_sitting

    ui = ui or SittingUI()
    worker = recogniser = whisper = None
    missing: dict[str, str] = {}  # what the sitting goes without, and why
    uses = {"answers are kept as recordings only": transcribe, "spoken commands are off": commands}
    if plan.mode == "record" and any(uses.values()):
        # One model for the sitting, loaded when first needed, shared by the transcripts and the
        # commands (each may be at work while the other is), and let go when the sitting ends.
        whisper, why = model_for_sitting(model, callers=sum(uses.values()))
        missing = {without: why for without, used in uses.items() if used and why}
    if whisper is not None:
        worker = Worker(whisper, on_error=ui.say) if transcribe else None
        recogniser = Recogniser(whisper) if commands else None
    if missing:  # one line, however much is missing for the one reason
        ui.say(" and ".join(missing) + ": " + "; ".join(dict.fromkeys(missing.values())))
    # Narration starts at once: phrases not yet cached render behind it, in the order they are heard
    # (play/progressive.py); were it to catch up, it holds in silence and the display says so. What
    # the sitting may say back is rendered after them, so it is ready when it is needed.
    said_back = list(SAYS_BACK.values()) if plan.mode == "record" else []
    session = prepare(plan.script, id=plan.deck, options=options, progress=ui.progress, progressive=True,
                      also_speak=said_back)
    sitting = None
    ended = "interrupted"
    try:
        with contextlib.ExitStack() as stack:
            # One microphone stream for the whole sitting, started only while an answer is taken.
            microphone = stack.enter_context(Microphone(input_device)) if plan.mode == "record" else None
            sitting = Sitting(session, plan.deck, plan.mode, ui, silence_seconds=silence_seconds,
                              max_answer_seconds=max_answer_seconds, output_device=output_device,
                              input_device=input_device, microphone=microphone, transcriber=worker,
                              options=options if plan.mode == "record" else None, recogniser=recogniser)
            entry = sitting.hold()
        if worker is not None and worker.busy:
            ui.say("writing down your answers…")
            worker.wait()
        ended = "stopped" if entry.stopped else "finished"
        return entry
    finally:
        if worker is not None:
            worker.close()  # what is left unwritten (an interrupted sitting) waits for `guided transcribe`
        if whisper is not None:
            whisper.close()
        if session.speech is not None:
            session.speech.stop()  # the phrase in hand finishes: an engine torn down mid-phrase can abort
        heard = sitting.heard if sitting is not None else 0
        given = _answered(sitting.entry) if sitting is not None and sitting.entry is not None else 0
        # A sitting that never reached the person (no device) is not practice; any other is.
        if log and (ended == "finished" or heard or given):
            from ..practice.log import record_sitting

            # Its length as placed by the end, true lengths and all.
            placed = replace(session, timeline=session.mixer.timeline)
            record_sitting(placed, plan.deck, heard, given, plan.mode, ended)


def _answered(entry: Entry) -> int:
    """Questions met in this sitting: answered in words or aloud, or reflected on in silence."""
    return sum(1 for a in entry.answers.values() if a.status in ("answered", "reflected", "interrupted"))
