"""Commands that look at the library: list, show, validate."""

from __future__ import annotations

import json
import sys

import click

from ..scripts.catalog import DEFAULT_SESSION
from . import cli
from .params import catalog, clock, complete, prepare_with_progress, session_options, sound_options


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for scripts.")
def list_command(as_json: bool):
    """List the sessions in the library.

    Each has an id (use it with show, export and play), a title, a kind,
    the number of reflection questions and its length with your voice and
    rate: what show and play will take. A length marked ~ is estimated from
    the voice's pace, for speech not yet rendered (show, play or export
    render it; the length is then exact). Scripts of your own (your script
    folder, --library, GUIDED_LIBRARY) say where they come from, and whether
    they replace a built-in session.

    \b
    Examples:
      guided list
      guided list --json
    """
    from ..session.library import sessions

    rows = [row.as_dict() for row in sessions(catalog(), on_skip=lambda exc: click.echo(f"guided: skipping {exc}", err=True))]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(r["id"]) for r in rows), default=2)
    if sys.stdout.isatty():  # a header for the eye; a pipe gets the rows alone, one a line
        click.echo(f"{'ID':<{width}}  {'LENGTH':>7}  {'KIND':<12} TITLE")
    for row in rows:
        extra = f"{row['questions']} question{'s' if row['questions'] != 1 else ''}" if row["questions"] else ""
        length = ("~" if row["estimated"] else "") + clock(row["seconds"])
        click.echo(f"{row['id']:<{width}}  {length:>7}  {row['kind']:<12} {row['title']}"
                   + (f"  ({extra})" if extra else "") + _origin_label(row))
    if any(row["estimated"] for row in rows):
        click.echo("~ estimated: not yet rendered with this voice and rate (show or play makes it exact)", err=True)


def _origin_label(row: dict) -> str:
    """Where a listed script comes from, when it is not the built-in library."""
    if row["origin"] == "built-in":
        return ""
    where = "yours" if row["origin"] == "user" else row["origin"]
    replaces = ", replaces the built-in" if "built-in" in row.get("overrides", ()) else ""
    return f"  [{where}{replaces}]"


BREATH_PHASES = {"Breathe in": "in", "Hold": "hold", "Breathe out": "out", "Rest": "hold"}


def silent_breaths(events: list[dict]) -> str:
    """Breaths kept in silence, as the pattern an author writes: '[breathe in 4s, out 6s, x3, in silence]'."""
    first = events[0]["text"]
    cycle = next((i for i, e in enumerate(events[1:], 1) if e["text"] == first), len(events))
    phases = ", ".join(f"{BREATH_PHASES.get(e['text'], e['text'])} {e['seconds']:.0f}s" for e in events[:cycle])
    count = len(events) // cycle
    return f"[breathe {phases}, x{count}, in silence]"


@cli.command()
@click.argument("session_id", metavar="[ID|PATH]", default=DEFAULT_SESSION, shell_complete=complete("session_ids", files=True))
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@click.option("--png", metavar="FILE", help="Draw the session's map instead: phrases, silences, bells, the bed, chapters.")
@sound_options
def show(session_id: str, as_json: bool, png: str | None, **kwargs):
    """Show a session's outline: sections, spoken lines, bells and pauses, with start times.

    Speech is rendered (and cached) so the times are exact. With --minutes N
    the outline is fitted to that length. With --png FILE, draw its map.

    \b
    Examples:
      guided show heart-breathing
      guided show trust-questions --minutes 20
      guided show heart-breathing --png map.png
      guided show my-script.md --json
    """
    options = session_options(kwargs)
    if png:
        from ..practice.pictures import preflight

        preflight(png)  # said before any speech is rendered
    session = prepare_with_progress(session_id, options)
    if png:
        from ..practice.pictures import session_map

        drawn = session_map(session, png, minutes=options.minutes)
        click.echo(f"drew {drawn.path} ({drawn.width}×{drawn.height}, {session.title})", err=True)
        if not as_json:
            return
    outline = session.outline()
    if as_json:
        click.echo(json.dumps({"id": session.id, **outline}, indent=2, ensure_ascii=False))
        return
    click.echo(f"{outline['title']}  ({outline['kind']}, {clock(outline['stats']['seconds'])})")
    sections = outline["sections"]
    current = None
    breaths: list[dict] = []  # silent breaths in a row, shown as the one pattern they keep
    for event in [*outline["events"], None]:
        if event is not None and event["kind"] == "breath" and (not breaths or breaths[0]["section"] == event["section"]):
            breaths.append(event)
            continue
        if breaths:
            click.echo(f"{clock(breaths[0]['start']):>8}    {silent_breaths(breaths)}")
            breaths = []
        if event is None:
            break
        if event["kind"] == "breath":
            breaths.append(event)
            continue
        if event["section"] != current:
            current = event["section"]
            click.echo(f"\n{clock(sections[current]['start']):>8}  ## {sections[current]['title']}")
        at = clock(event["start"])
        if event["kind"] == "speech":
            label = f"Q{event['question']}. {event['text']}" if event["question"] else event["text"]
            click.echo(f"{at:>8}    {label}")
        elif event["kind"] == "bell":
            click.echo(f"{at:>8}    [bell {event['bell'] or 'bowl'}]")
        elif event["kind"] in ("reflect", "sit") or event["seconds"] >= 2:
            click.echo(f"{at:>8}    [{event['kind']} {event['seconds']:.0f}s]")
    stats = outline["stats"]
    click.echo(
        f"\n{clock(stats['seconds'])} in all: {clock(stats['speech_seconds'])} speech, "
        f"{clock(stats['silence_seconds'])} silence and sound; {stats['words']} words, "
        f"{stats['words_per_minute']:.0f} a minute overall; {stats['bells']} bells"
    )


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH|ID]...", shell_complete=complete("session_ids", files=True))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def validate(paths: tuple[str, ...], as_json: bool):
    """Check scripts for mistakes (the whole built-in library when none is given).

    Each problem is one line, FILE:LINE:COLUMN: what was expected, and
    every problem of a file is shown at once, in the order of the file.
    Words the speech engines are known to say wrong ("let your eyes close")
    are warnings, FILE:LINE, with a rewording; so are "learned", "blessed"
    and "aged" where they may be heard as the verb or as the adjective ("a
    learned fear"), FILE:LINE:COLUMN. A pronounce: map in the front matter
    can also fix them. A config.toml naming a background or voice
    that no render could use is a problem too. Exits 1 when any script (or
    the config) has a problem.

    \b
    Examples:
      guided validate
      guided validate my-script.md
      guided validate --json ~/notes/*.md
    """
    from ..checks.scripts import validate_scripts

    results = validate_scripts(paths, catalog())
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        for result in results:
            if result.ok:
                click.echo(f"ok  {result.script}")
            else:
                for problem in (result.error, *result.more):
                    click.echo(problem, err=True)
            for warning in result.warnings:
                click.echo(warning, err=True)
    if not all(r.ok for r in results):
        sys.exit(1)
