"""Commands that write scripts of your own: new (from a template) and import (from an article)."""

from __future__ import annotations

import json
import os
import sys

import click

from ..scripts.language import KINDS
from . import cli
from .params import catalog

EPILOG_NEW = """\b
Examples:
  guided new evening-calm                    a meditation, in your script folder
  guided new my-questions --kind journal
  guided new heart-breathing --force         your own version of a built-in session
"""


@cli.command(epilog=EPILOG_NEW)
@click.argument("script_id", metavar="ID")
@click.option("--kind", type=click.Choice(KINDS),
              default="meditation", show_default=True, help="What sort of session to start from.")
@click.option("--title", metavar="TEXT", help="Its title.  [default: made from the id]")
@click.option("--force", is_flag=True, help="Replace a script of yours with this id, or write your own version of a built-in one.")
def new(script_id: str, kind: str, title: str | None, force: bool):
    """Start a script of your own from a commented template.

    The template is written to your script folder (GUIDED_HOME/scripts when
    GUIDED_HOME is set) as ID.md; it already works, and its comments show how
    to write pauses, bells, breathing, sittings and questions. Its path is
    printed on stdout. A script of yours with a built-in's id is used instead
    of the built-in one.
    """
    from ..scripts.templates import new_script, replaces_builtin

    path = new_script(script_id, kind, title=title, force=force, catalog=catalog())
    click.echo(str(path))
    also = " (it replaces the built-in one of that name)" if replaces_builtin(script_id, catalog()) else ""
    click.echo(f"guided: wrote a {kind} template{also}; edit it, then: guided validate {script_id}; "
               f"guided play {script_id}", err=True)


EPILOG_IMPORT = """\b
Examples:
  guided import notes.md                     questions from your notes
  guided import article.html --id trust-deck --title "Questions on trust"
  pbpaste | guided import - --dry-run        just show what it finds
"""


@cli.command("import", epilog=EPILOG_IMPORT)
@click.argument("source", metavar="FILE|-")
@click.option("--id", "script_id", metavar="ID", help="The new deck's id.  [default: made from the title or file name]")
@click.option("--title", metavar="TEXT", help="The deck's title.  [default: the text's own title, or the file name]")
@click.option("--dry-run", is_flag=True, help="Show the questions found; write nothing.")
@click.option("--force", is_flag=True, help="Replace a script that already has this id.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout.")
@click.option("--verbose", is_flag=True, help="Say why each line ending in '?' was left out.")
def import_command(source: str, script_id: str | None, title: str | None, dry_run: bool, force: bool, as_json: bool,
                   verbose: bool):
    """Make a journal deck from the questions in an article or your notes.

    FILE may be plain text, Markdown or HTML; - reads standard input. Questions
    are list items (1. 1) - * •) or lines and paragraphs that ask you something;
    headings, quoted examples, the writer's own questions and repeats are left
    out (--verbose says why). The deck, with a gentle opening and closing, goes
    to your script folder: use it with guided journal, play, show or export.
    """
    from ..errors import NotFoundError
    from ..scripts.importer import REASONS, decode, import_questions, read_source

    if source == "-":
        data = read_source(sys.stdin.buffer)
        name = None
    else:
        try:
            with open(os.path.expanduser(source), "rb") as handle:
                data = read_source(handle, source)
        except FileNotFoundError:
            raise NotFoundError(f"no such file: {source}") from None
        except OSError as exc:
            raise NotFoundError(f"cannot read {source}: {exc.strerror or exc}") from None
        name = source
    result = import_questions(decode(data, name), name=name, script_id=script_id, title=title, dry_run=dry_run, force=force,
                              catalog=catalog())
    if as_json:
        click.echo(json.dumps({
            "id": result.id, "path": str(result.path), "title": result.title, "questions": list(result.questions),
            "left_out": [{"reason": r, "text": q} for r, q in result.left_out],
            "written": result.written, "replaced": result.replaced,
        }, indent=2, ensure_ascii=False))
    count = len(result.questions)
    lines = [f"found {count} question{'s' if count != 1 else ''} for {result.title!r}:"]
    lines += [f"  {number:>2}. {question}" for number, question in enumerate(result.questions, 1)]
    for reason, text in result.left_out:
        label, why = REASONS[reason]
        lines.append(f"  left out ({label}): {text}")
        if verbose:
            lines.append(f"      why: {why}")
    for line in lines:
        click.echo(line, err=True)
    if not result.written:
        click.echo(f"guided: dry run: nothing written; without --dry-run this would be {result.path}", err=True)
        return
    verb = "replaced" if result.replaced else "wrote"
    # A deck is for answering: what a person wants next is a sitting with it.
    click.echo(f"guided: {verb} {result.path}; answer it with: guided journal {result.id}", err=True)
    if not as_json:
        click.echo(str(result.path))
