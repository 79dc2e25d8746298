"""`guided log`: what you have practised, in plain words, as JSON or as a calendar picture; and
forgetting it."""

from __future__ import annotations

import json

import click

from . import cli

Date = click.DateTime(formats=["%Y-%m-%d"])


@cli.command("log")
@click.option("--since", type=Date, metavar="DATE", help="Tell about the days since DATE (YYYY-MM-DD) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the totals and entries as JSON.")
@click.option("--png", metavar="FILE", help="Also draw a calendar of the last weeks: a square a day, shaded by minutes.")
@click.option("--weeks", type=click.IntRange(1, 104), default=20, show_default=True, help="Weeks the calendar shows.")
@click.option("--forget", is_flag=True, help="Delete the whole log (or with --before, its older days), for good.")
@click.option("--before", type=Date, metavar="DATE", help="With --forget: only the days before DATE.")
@click.option("--yes", "-y", is_flag=True, help="With --forget: do not ask first.")
def log_command(since, as_json: bool, png: str | None, weeks: int, forget: bool, before, yes: bool):
    """What you have practised: this week and this month, in plain words.

    Every session you play, every journal sitting and every export is noted
    in a small private file in your user data folder (GUIDED_HOME when set).
    Minutes are what you actually heard. Nothing ever leaves your machine.

    \b
    Examples:
      guided log
      guided log --since 2025-01-01 --json
      guided log --png calendar.png
      guided log --forget --before 2025-01-01
    """
    from ..errors import UsageError
    from ..practice.log import count, forget_entries, log_path
    from ..practice.report import summary, words

    if before is not None and not forget:
        raise UsageError("--before goes with --forget")
    if forget:
        if since or as_json or png:
            raise UsageError("--forget does one thing: leave out --since, --json and --png")
        cutoff = before.date() if before else None
        count_before = count(cutoff)
        if count_before == 0:
            click.echo("There is nothing in your practice log to forget.", err=True)
            return
        which = (f"the {count_before} entries before {cutoff.isoformat()}" if cutoff
                 else f"all {count_before} entries")
        if not yes and not click.confirm(f"Forget {which} of your practice log? This cannot be undone", err=True):
            click.echo("nothing deleted", err=True)  # a no is an answer, not a failure
            return
        gone = forget_entries(cutoff)
        click.echo(f"Forgotten: {gone} entries. Nothing of them is left in {log_path()}.", err=True)
        return
    found = summary(since=since.date() if since else None)
    if png:
        from ..practice.pictures import calendar

        drawn = calendar(png, weeks=weeks)
        click.echo(f"drew {drawn.path} ({drawn.width}×{drawn.height}, the last {weeks} weeks)", err=True)
    if as_json:
        click.echo(json.dumps(found.as_dict(), indent=2, ensure_ascii=False))
        return
    click.echo("\n\n".join(wrapped(paragraph) for paragraph in words(found)))


def wrapped(paragraph: str) -> str:
    """A paragraph wrapped to the terminal's width (COLUMNS, else 80 when not a terminal), each of its
    lines on its own: a long line in a narrow window breaks mid-word and reads badly."""
    import shutil
    import textwrap

    width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
    return "\n".join(textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) or line
                     for line in paragraph.split("\n"))
