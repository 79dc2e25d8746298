"""Commands about the machine and its parts: doctor, voices, sounds."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from ..options import SPEAKING_ENGINES
from ..paths import VERSION
from . import cli


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--engine", type=click.Choice(["all", *SPEAKING_ENGINES]), default="all", show_default=True)
@click.option("--add", "add", metavar="VOICE.onnx",
              help="Copy a Piper voice (with its .onnx.json) into your voices folder, and measure its pace.")
@click.option("--measure", "measure", metavar="VOICE",
              help="Measure a voice's pace now (ID as listed; 'default' for the default voice).")
def voices(as_json: bool, engine: str, add: str | None, measure: str | None):
    """List the voices of every speech engine (use one with --engine and --voice ID).

    The default voice (marked *) comes first, then the natural Piper voices,
    then the system's (espeak-ng). Piper voices come from your voices folder
    (guided voices --add) and from installed voice packages.

    \b
    A voice speaks at once, even the first time: the pace of the voices that
    packages ship is known ahead, and any other voice starts from an estimate
    that the phrases it speaks correct. --measure makes a voice's pace exact
    now (seconds for espeak-ng, a minute or so for a Piper voice).

    \b
    Examples:
      guided voices
      guided voices --engine piper --json
      guided voices --add ~/Downloads/en_GB-alba-medium.onnx
      guided voices --measure en-gb --engine pyttsx3
    """
    from ..tts import default_voice, list_voices, listed, make_engine
    from ..tts.piper_engine import add_voice

    if add:
        voice = add_voice(add)
        click.echo(f"added Piper voice {voice.name} ({voice.model}); measuring its pace…", err=True)
        make_engine("piper", voice.name).measure_pace()
        click.echo(f"measured the pace of {voice.name}", err=True)
        return
    if measure:
        chosen = make_engine("auto" if engine == "all" else engine, None if measure == "default" else measure)
        name = getattr(chosen, "voice", None) or chosen.voice_file.name
        click.echo(f"measuring the pace of {chosen.name} {name}…", err=True)
        chosen.measure_pace()
        click.echo("measured; its sessions now speak at exactly the pace asked for", err=True)
        return
    found = listed(list_voices(engine), default_voice())
    if as_json:
        click.echo(json.dumps([v.as_dict() for v in found], indent=2, ensure_ascii=False))
        return
    for voice in found:
        langs = ",".join(voice.languages)
        click.echo(f"{'*' if voice.default else ' '} {voice.engine:<8} {voice.id:<24} {voice.name:<28} {langs}")
    chosen = next((v for v in found if v.default), None)
    if chosen is not None:
        click.echo(f"* the default voice ({chosen.engine} {chosen.id}); choose another with --engine and --voice, "
                   "or GUIDED_VOICE, or voice = \"ID\" in config.toml", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def sounds(as_json: bool):
    """List the built-in bells and background beds.

    Use a bell in a script as [bell NAME], a bed with --background NAME or
    'background: NAME' in a script. Any audio file works as either too.

    \b
    Examples:
      guided sounds
      guided play heart-breathing --background rain
    """
    from ..audio.sounds import list_sounds

    found = list_sounds()
    if as_json:
        click.echo(json.dumps([asdict(s) for s in found], indent=2))
        return
    if sys.stdout.isatty():  # a header for the eye; a pipe gets the rows alone
        click.echo(f"{'KIND':<5} {'NAME':<12} {'LENGTH':>6}  DESCRIPTION")
    for sound in found:
        click.echo(f"{sound.kind:<5} {sound.name:<12} {sound.seconds:5.1f}s  {sound.description}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def doctor(as_json: bool):
    """Check that everything guided needs is installed and works, and say how to fix what is not.

    Speech is tried for real (a phrase through espeak-ng or the system voices),
    and so is ffmpeg (a short encode); then PortAudio and the sound devices,
    Piper voices, your folders, config.toml and the speech cache. Exits 1 when
    a required part is missing; warnings (no sound device, say) only limit some
    commands.

    \b
    Examples:
      guided doctor
      guided doctor --json
    """
    from ..checks.doctor import FAIL, OK, healthy, run_checks
    from ..checks.platforms import describe_platform

    results = run_checks()
    fine = healthy(results)
    if as_json:
        click.echo(json.dumps({"ok": fine, "version": VERSION, "platform": describe_platform(),
                               "checks": [r.as_dict() for r in results]}, indent=2, ensure_ascii=False))
    else:
        click.echo(f"guided {VERSION} on {describe_platform()}")
        width = max(len(r.name) for r in results)
        for r in results:
            click.echo(f"  {r.status.upper() if r.status == FAIL else r.status:<5} {r.name:<{width}}  {r.detail}")
            if r.fix and r.status != OK:
                click.echo(f"  {'':<5} {'':<{width}}  fix: {r.fix}")
        failed = [r.name for r in results if r.status == FAIL]
        click.echo("everything guided needs is here" if fine else f"missing or broken: {', '.join(failed)}")
    if not fine:
        sys.exit(1)
