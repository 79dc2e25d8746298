"""`guided help [TOPIC]`: a command's help, or a reference page such as the script language."""

from __future__ import annotations

import click

from . import cli


@cli.command("help")
@click.argument("topic", required=False, metavar="[script|COMMAND]")
@click.pass_context
def help_command(ctx: click.Context, topic: str | None):
    """Show help: 'guided help script' prints the script language; 'guided help play' is 'guided play --help'."""
    from ..reference import page

    if topic is None:
        click.echo(cli.get_help(ctx.parent))
        return
    command = cli.get_command(ctx, topic)
    if command is not None and topic != "help":
        with click.Context(command, info_name=topic, parent=ctx.parent) as sub:
            click.echo(command.get_help(sub))
        return
    click.echo(page(topic).rstrip("\n"))
