"""`guided help [TOPIC]`: a command's help, or a reference page such as the script language."""

from __future__ import annotations

import click

from ..errors import NotFoundError
from ..paths import bundled
from . import cli

TOPICS = {"script": "script-format.md"}  # topic → reference page in the bundled docs


def page(topic: str) -> str:
    """The text of a reference page, by topic."""
    name = TOPICS.get(topic.strip().lower())
    if name is None:
        raise NotFoundError(f"no help on {topic!r}; topics: {', '.join(TOPICS)}, or any command's name")
    path = bundled("docs") / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise NotFoundError(f"the {topic} reference is missing from this installation ({path}); "
                            "reinstall guided") from None


@cli.command("help")
@click.argument("topic", required=False, metavar="[script|COMMAND]")
@click.pass_context
def help_command(ctx: click.Context, topic: str | None):
    """Show help: 'guided help script' prints the script language; 'guided help play' is 'guided play --help'."""
    if topic is None:
        click.echo(cli.get_help(ctx.parent))
        return
    command = cli.get_command(ctx, topic)
    if command is not None and topic != "help":
        with click.Context(command, info_name=topic, parent=ctx.parent) as sub:
            click.echo(command.get_help(sub))
        return
    click.echo(page(topic).rstrip("\n"))
