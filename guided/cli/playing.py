"""`guided play` and `guided devices`: hearing a session now, on a sound card."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from ..scripts.catalog import DEFAULT_SESSION
from . import cli
from .params import complete, prepare_with_progress, session_options, sound_options


@cli.command()
@click.argument("session_id", metavar="[ID|PATH]", default=DEFAULT_SESSION, shell_complete=complete("session_ids", files=True))
@click.option("--device", "-d", metavar="NAME|INDEX", help="Output device (guided devices lists them).")
@click.option("--section", metavar="N|TITLE", help="Start at this section (a number from 1, or words of its title).")
@click.option("-q", "--quiet", is_flag=True, help="No display at all.")
@click.option("--no-captions", is_flag=True, help="Do not show the words being spoken.")
@sound_options
def play(session_id: str, device: str | None, section: str | None, quiet: bool, no_captions: bool, **kwargs):
    """Play a session now (default: heart-breathing).

    \b
    Keys while playing:
      space      pause / resume
      → / ←      next / previous section
      + / -      louder / softer
      q          quit, with a gentle fade
    Ctrl-C also fades out. What you hear is exactly what 'guided export' writes.

    \b
    Examples:
      guided play
      guided play rebuilding-trust/3
      guided play heart-breathing --minutes 7 --background rain
      guided play my-script.md --section Closing
      guided play five-practices --engine piper --rate 110
    """
    from ..play.controls import apply_key
    from ..play.devices import choose_device
    from .display import Display, ending
    from .terminal import Terminal

    options = session_options(kwargs)
    device_index = choose_device(device)  # fail fast, before rendering anything
    # The terminal is ours from here: keys typed earlier are dropped, q works while speech is prepared.
    with Terminal(quiet=quiet) as terminal:
        try:
            session = prepare_with_progress(session_id, options, quiet, terminal, progressive=True)
            stopped = terminal.prepared()
        except KeyboardInterrupt:
            if not terminal.quit_requested:
                raise  # Ctrl-C
            stopped = True
        if stopped:
            terminal.say("stopped while preparing speech; nothing was played")
            return
        controls = session.controls()
        display = Display(session.timeline, captions=not no_captions, terminal=terminal,
                          estimated=session.speech is not None)
        # SIGTERM and SIGHUP fade out like Ctrl-C (the player), then end the run with their own status.
        ended = "interrupted"
        with terminal.keys(lambda key: apply_key(controls, key)) as keys:
            display.start(keys)
            try:
                ended = session.play(controls=controls, device=device_index, section=section, on_tick=display.update)
            finally:
                display.finish(ended)
        if ended == "interrupted":
            raise KeyboardInterrupt
        terminal.say(ending(session.id, ended, controls.position, session.mixer.timeline))  # as placed by the end


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def devices(as_json: bool):
    """List sound devices: outputs for play, inputs for journal recording.

    \b
    Examples:
      guided devices
      guided devices --json
    """
    from ..play.devices import sound_devices

    found = sound_devices()
    if as_json:
        click.echo(json.dumps([asdict(d) for d in found], indent=2))
        return
    if not found:
        click.echo("no sound devices found", err=True)
    elif sys.stdout.isatty():  # a header for the eye; a pipe gets the rows alone
        click.echo(f"{'#':>3}  {'NAME':<40} {'CHANNELS':<14}  {'API':<5} DEFAULT")
    for d in found:
        marks = ("*out " if d.default_output else "") + ("*in " if d.default_input else "")
        click.echo(f"{d.index:>3}  {d.name:<40} {d.outputs:>3} out {d.inputs:>3} in  {d.hostapi:<5} {marks}".rstrip())
