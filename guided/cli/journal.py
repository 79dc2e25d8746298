"""`guided journal`: a sitting with narrated questions, answered in the terminal's way."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from . import cli
from .params import Duration, catalog, complete, session_options, sound_options


@cli.command()
@click.argument("deck", metavar="[DECK]", default="trust-questions", shell_complete=complete("deck_ids", files=True))
@click.option("--reflect", "reflect", metavar="TIME", default=None,
              help="Timed silence after each question, ending with a soft chime (the default mode).  [default: 90s]")
@click.option("--wait", "mode", flag_value="wait", help="Continue on a key press; r repeats the question.")
@click.option("--record", "mode", flag_value="record", help="Record your spoken answer from the microphone.")
@click.option("--type", "mode", flag_value="type", help="Type your answer in the terminal.")
@click.option("--silence", type=Duration(), default="8s", show_default=True,
              help="With --record: this much quiet after you speak ends the answer.")
@click.option("--max-answer", type=Duration(), default="5m", show_default=True,
              help="With --record: the longest answer; a gentle word comes 15 s before it, and the entry says if an "
                   "answer was cut there.")
@click.option("--questions", "count", type=click.IntRange(min=1), metavar="N",
              help="Take the next N questions not yet answered (so a deck can be worked through over days).")
@click.option("--only", metavar="7,12", help="Just these questions, by number.")
@click.option("--shuffle", is_flag=True, help="Ask the questions in a random order.")
@click.option("--status", "show_status", is_flag=True, help="Show progress per deck and exit.")
@click.option("--search", "search", metavar="WORDS", help="List the answers that hold these words, and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --status or --search: print JSON.")
@click.option("--no-transcribe", "no_transcribe", is_flag=True,
              help="With --record: keep the recordings only, without writing them down as text.")
@click.option("--model", metavar="FOLDER|NAME", help="With --record: the Whisper model that writes answers down.")
@click.option("--no-commands", "no_commands", is_flag=True,
              help="With --record: take every word as an answer (no spoken commands).")
@click.option("--device", "-d", metavar="NAME|INDEX", help="Output device.")
@click.option("--input-device", metavar="NAME|INDEX", help="Microphone, with --record.")
@click.option("-q", "--quiet", is_flag=True, help="No display.")
@sound_options
def journal(deck, reflect, mode, silence, max_answer, count, only, shuffle, show_status, search, as_json,
            no_transcribe, model, no_commands, device, input_device, quiet, **kwargs):
    """Hands-free journaling: hear one question at a time, reflect, answer.

    \b
    Ways to answer:
      (default)   a timed silence after each question, ending with a soft chime
      --wait      take as long as you need, press space to go on, r to hear it again
      --record    speak your answer; a pause of --silence ends it
      --type      type your answer (an empty line ends it)
    \b
    Hands-free with --record: after a question, say one of these alone
      skip, next question        leave this question for another day
      repeat, say that again     hear the question again
      more time, wait            the reflection goes on
      pause ... go on            pause the sitting, and carry on
      stop, that's all for today end the sitting here (what you said is kept)
    (heard on this machine with the Whisper model the transcripts use; an answer
    that holds these words is an answer; --no-commands turns them off).
    \b
    Your journal is plain Markdown (and your recorded answers, WAV files), kept
    privately in the journal folder of your user data (GUIDED_HOME/journal).
    With guided[transcribe] installed, recorded answers are also written down as
    text, on this machine. --questions 3 takes the next three you have not
    answered yet (in words, or, for --reflect and --wait, reflected on too);
    --status shows how far you are in each deck; --search finds answers by
    their words.
    \b
    Examples:
      guided journal --questions 3
      guided journal --record --questions 2
      guided journal --type --only 7,12
      guided journal closeness-questions --wait
      guided journal --status
      guided journal --search "kind words"
    """
    from ..errors import UsageError
    from ..journal import sitting
    from ..journal.entry import recover
    from ..play.devices import choose_device
    from .terminal import Terminal

    if search is not None:
        _print_search(search, as_json)
        return
    if show_status:
        rows = sitting.status(catalog(), on_skip=lambda exc: click.echo(f"guided: skipping {exc}", err=True))
        if as_json:
            click.echo(json.dumps([asdict(r) for r in rows], indent=2))
            return
        for r in rows:
            last = f", last {r.last[:10]}" if r.last else ""
            click.echo(f"{r.deck:<22} {r.words()}{last}")
        return
    mode = mode or "reflect"
    if mode == "wait" and not sys.stdin.isatty():
        raise UsageError("--wait needs a terminal to press keys in; use --reflect or --type instead")
    repaired = recover()
    if repaired:
        click.echo(f"guided: recovered {len(repaired)} recording(s) from an interrupted sitting", err=True)
    # The terminal is ours from here: keys typed earlier are dropped, q works while speech is prepared.
    with Terminal(quiet=quiet) as terminal:
        try:
            plan = sitting.plan(deck, mode=mode, reflect=reflect, count=count, only=only, shuffle=shuffle,
                                catalog=catalog())
            options = session_options(kwargs)
            output_index = choose_device(device)
            input_index = choose_device(input_device, "input") if mode == "record" else None
            noun = "question" if len(plan.questions) == 1 else "questions"
            terminal.say(f"{plan.title}: {noun} {', '.join(map(str, plan.questions))}")
            held = sitting.run(plan, options, _ui(terminal), silence_seconds=silence, max_answer_seconds=max_answer,
                               output_device=output_index, input_device=input_index, transcribe=not no_transcribe,
                               model=model, commands=not no_commands)
        except KeyboardInterrupt:
            if not terminal.quit_requested:
                raise  # Ctrl-C
            terminal.say("stopped before any question was answered; nothing saved")
            return
        if not held.answers and not held.by_voice:
            terminal.say("stopped before any question was answered; nothing saved")
        else:
            ended = ("stopped by voice" if held.by_voice else "stopped") if held.stopped else f"finished {plan.title}"
            terminal.say(f"{ended}; saved to your journal: {held.path}")


def _print_search(words: str, as_json: bool) -> None:
    from ..journal.search import search

    found = search(words)
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in found], indent=2, ensure_ascii=False))
    elif not found:
        click.echo(f"no answer holds {words!r}", err=True)
    if not found:
        raise SystemExit(1)  # as grep does: a search that finds nothing says so in its status too
    if as_json:
        return
    for f in found:
        excerpt, shift = f.excerpt, 0
        for start, end in f.marks:
            word = click.style(excerpt[start + shift:end + shift], bold=True)
            excerpt = excerpt[:start + shift] + word + excerpt[end + shift:]
            shift += len(word) - (end - start)
        click.echo(f"{f.date[:16].replace('T', ' ')}  {f.deck}  {f.number}. {f.question}")
        click.echo(f"    {excerpt}")


def _ui(terminal):
    """The sitting's ways to reach a person, all through the one terminal: status lines, the
    display, typed answers and keys."""
    from ..journal.sitting import SittingUI
    from ..play.controls import KEYS_HELP
    from .display import Display

    def display_for(timeline):
        # The keys that steer narration are shown while it plays, and only then: each way of answering
        # says its own keys when its turn comes.
        return Display(timeline, terminal=terminal, questions=True,
                       legend=KEYS_HELP if terminal.keys_active else None).update

    return SittingUI(say=lambda text: terminal.say(f"  {text}"), read_text=terminal.ask, display_for=display_for,
                     keys=terminal.keys, progress=terminal.progress)
