"""The `guided` command: Click options in, library calls, output formatted; errors become one line.

Messages and progress go to stderr; stdout stays clean for --json and `-o -`.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import asdict

import click

from . import __version__
from .errors import GuidedError
from .library import DEFAULT_SESSION

EPILOG_EXPORT = """\b
Examples:
  guided export heart-breathing -o heart.mp3
  guided export trust-questions -o questions.ogg --background rain
  guided export my-script.md -o mine.flac --rate 120 --loudness -18
"""


class GuidedGroup(click.Group):
    """Turns every GuidedError into one line on stderr and its exit code; never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GuidedError as exc:
            click.echo(f"guided: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("guided: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader of our stdout went away (e.g. `| head`); nothing more to say.
            sys.stderr.close()
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug, not the user's mistake: still one line, with a way to see more
            if os.environ.get("GUIDED_DEBUG"):
                raise
            click.echo(
                f"guided: unexpected error: {type(exc).__name__}: {exc} (set GUIDED_DEBUG=1 for details, and please report it)",
                err=True,
            )
            ctx.exit(1)


class Volume(click.ParamType):
    """A level as a percentage (`50%`, `150`) or in decibels (`-6dB`); stored as decibels."""

    name = "volume"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        text = str(value).strip().lower()
        try:
            if text.endswith("db"):
                return float(text[:-2])
            percent = float(text.rstrip("%"))
        except ValueError:
            self.fail(f"expected a percentage such as 80% or a level such as -6dB, not {value!r}", param, ctx)
        if not 0 < percent <= 400:
            self.fail(f"expected a percentage above 0% and at most 400%, not {value!r}", param, ctx)
        return 20 * math.log10(percent / 100)


def sound_options(function):
    """The options that shape how a session sounds; shared by every command that renders one."""
    options = [
        click.option("--background", "-b", metavar="NAME|FILE|none",
                     help="Ambient bed under the voice: a built-in name (guided sounds), any audio file, or none. Default: the script's own."),
        click.option("--voice", metavar="ID", help="Voice of the speech engine (guided voices lists them)."),
        click.option("--rate", "rate_wpm", type=click.IntRange(60, 300), default=None, metavar="WPM",
                     help="Speaking pace in words a minute.  [default: 135]"),
        click.option("--engine", type=click.Choice(["pyttsx3"]), default="pyttsx3", show_default=True,
                     help="Speech engine."),
        click.option("--voice-volume", type=Volume(), default="100%", help="Voice level against the rest (80%, -3dB).  [default: 100%]"),
        click.option("--background-volume", type=Volume(), default="100%", help="Bed level.  [default: 100%]"),
        click.option("--bell-volume", type=Volume(), default="100%", help="Bell level.  [default: 100%]"),
        click.option("--loudness", type=click.FloatRange(-40, -6), default=-16.0, show_default=True, metavar="LUFS",
                     help="Loudness of the whole session, integrated."),
        click.option("--mono", is_flag=True, help="One channel instead of two."),
        click.option("--sample-rate", type=click.Choice(["22050", "24000", "32000", "44100", "48000"]), default="44100",
                     show_default=True, help="Samples a second."),
        click.option("--minutes", type=click.FloatRange(min=0, min_open=True), metavar="N",
                     help="Stretch or shrink the pauses so the session lasts N minutes."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def session_options(kwargs: dict):
    from .session import SessionOptions
    from .tts import DEFAULT_RATE_WPM

    return SessionOptions(
        engine=kwargs.pop("engine"),
        voice=kwargs.pop("voice"),
        rate_wpm=kwargs.pop("rate_wpm") or DEFAULT_RATE_WPM,
        sample_rate=int(kwargs.pop("sample_rate")),
        channels=1 if kwargs.pop("mono") else 2,
        loudness=kwargs.pop("loudness"),
        voice_db=kwargs.pop("voice_volume"),
        background_db=kwargs.pop("background_volume"),
        bell_db=kwargs.pop("bell_volume"),
        background=kwargs.pop("background"),
        minutes=kwargs.pop("minutes"),
    )


def prepare_with_progress(session_id: str, options, quiet: bool = False):
    """Render speech with a counter on stderr (only on a terminal), then return the prepared session."""
    from .session import prepare

    shown = {"last": 0}
    interactive = sys.stderr.isatty() and not quiet

    def progress(done: int, total: int) -> None:
        if interactive and (done == total or done - shown["last"] >= 5):
            shown["last"] = done
            click.echo(f"\rpreparing speech {done}/{total}", err=True, nl=False)

    session = prepare(session_id, options, progress)
    if interactive and shown["last"]:
        click.echo("\r\033[K", err=True, nl=False)
    return session


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@click.group(cls=GuidedGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="guided")
def cli():
    """Voice-guided meditation and reflection, offline.

    \b
    Start here:
      guided list                          the sessions in the library
      guided export heart-breathing -o heart.mp3
      guided show trust-questions          the outline, with times
      guided validate my-script.md         check a script you wrote

    Sessions are plain text scripts (see docs/script-format.md). Speech is
    rendered offline and cached, so a session you have heard before starts at once.
    All user state lives under GUIDED_HOME when it is set.

    This is a tool for self-reflection, not a substitute for therapy.
    """


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for scripts.")
def list_command(as_json: bool):
    """List the sessions in the library.

    Each has an id (use it with show, export and play), a title, a kind,
    the number of reflection questions and an estimated length.
    """
    from . import library
    from .estimate import estimate_seconds
    from .script import load_script

    rows = []
    for entry in library.entries():
        script = load_script(entry.path, library.display_name(entry))
        rows.append(
            {
                "id": entry.id,
                "title": script.title,
                "kind": script.kind,
                "questions": len(script.questions),
                "seconds": round(estimate_seconds(script)),
                "description": script.description,
                "series": script.series,
                "part": script.part,
                "origin": entry.origin,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(r["id"]) for r in rows), default=2)
    for row in rows:
        extra = f"{row['questions']} questions" if row["questions"] else ""
        click.echo(f"{row['id']:<{width}}  {clock(row['seconds']):>6}  {row['kind']:<12} {row['title']}"
                   + (f"  ({extra})" if extra else ""))


@cli.command()
@click.argument("session_id", metavar="ID|PATH", default=DEFAULT_SESSION)
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@sound_options
def show(session_id: str, as_json: bool, **kwargs):
    """Show a session's outline: sections, spoken lines, bells and pauses, with start times.

    Speech is rendered (and cached) so the times are exact. With --minutes N
    the outline is fitted to that length.
    """
    options = session_options(kwargs)
    session = prepare_with_progress(session_id, options)
    timeline = session.timeline
    rate = timeline.rate
    if as_json:
        click.echo(json.dumps({
            "id": session.entry.id,
            "title": timeline.title,
            "kind": timeline.kind,
            "stats": timeline.stats(),
            "sections": [{"title": c.title, "start": round(c.start / rate, 3), "end": round(c.end / rate, 3)}
                         for c in timeline.sections],
            "events": [{"kind": e.kind, "start": round(e.start / rate, 3), "seconds": round(e.length / rate, 3),
                        "section": e.section, "text": e.text or None, "bell": e.bell, "question": e.question}
                       for e in timeline.events],
        }, indent=2, ensure_ascii=False))
        return
    click.echo(f"{timeline.title}  ({timeline.kind}, {clock(timeline.seconds)})")
    current = None
    for event in timeline.events:
        if event.section != current:
            current = event.section
            click.echo(f"\n{clock(timeline.sections[current].start / rate):>8}  ## {timeline.sections[current].title}")
        at = clock(event.start / rate)
        if event.kind == "speech":
            label = f"Q{event.question}. {event.text}" if event.question else event.text
            click.echo(f"{at:>8}    {label}")
        elif event.kind == "bell":
            click.echo(f"{at:>8}    [bell {event.bell or 'bowl'}]")
        elif event.kind in ("reflect", "sit") or event.length >= 2 * rate:
            click.echo(f"{at:>8}    [{event.kind} {event.length / rate:.0f}s]")
    stats = timeline.stats()
    click.echo(
        f"\n{clock(stats['seconds'])} in all: {clock(stats['speech_seconds'])} speech, "
        f"{clock(stats['silence_seconds'])} silence and sound; {stats['words']} words, "
        f"{stats['words_per_minute']:.0f} a minute overall; {stats['bells']} bells"
    )


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH|ID]...")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def validate(paths: tuple[str, ...], as_json: bool):
    """Check scripts for mistakes (the whole built-in library when none is given).

    Each problem is one line, FILE:LINE:COLUMN: what was expected.
    Exits 1 when any script has a problem.
    """
    from . import library
    from .errors import ScriptError

    targets = list(paths) or [e.id for e in library.entries()]
    results = []
    for target in targets:
        try:
            entry, script = library.load(target)
            results.append({"script": target, "ok": True, "title": script.title, "error": None})
        except ScriptError as exc:
            results.append({"script": target, "ok": False, "error": str(exc)})
        except GuidedError as exc:
            results.append({"script": target, "ok": False, "error": f"{target}: {exc}"})
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        for result in results:
            if result["ok"]:
                click.echo(f"ok  {result['script']}")
            else:
                click.echo(result["error"], err=True)
    if not all(r["ok"] for r in results):
        sys.exit(1)


@cli.command(epilog=EPILOG_EXPORT)
@click.argument("session_id", metavar="ID|PATH", default=DEFAULT_SESSION)
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Where to write: the extension picks the format (mp3, ogg, flac, wav); - for stdout.")
@click.option("--format", "fmt", type=click.Choice(["mp3", "ogg", "flac", "wav"]), help="Format, when the name has no extension.")
@click.option("--bitrate", metavar="RATE", help="For mp3 and ogg, e.g. 128k.  [default: 160k mp3, 128k ogg]")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@sound_options
def export(session_id: str, output: str, fmt: str | None, bitrate: str | None, as_json: bool, quiet: bool, **kwargs):
    """Render a session to an audio file for offline listening.

    The file appears only when it is complete: an interrupted export leaves nothing
    behind. Speech is cached, so exporting again is quick.
    """
    from .export import check_output, ffmpeg, format_for
    from .export import export as run_export

    format_for(output, fmt)
    check_output(output)
    ffmpeg()  # before any rendering: a missing encoder is said at once
    options = session_options(kwargs)
    session = prepare_with_progress(session_id, options, quiet)
    show_bar = sys.stderr.isatty() and not quiet
    bar = click.progressbar(length=session.total, label="exporting", file=sys.stderr, show_eta=True) if show_bar else None
    last = {"done": 0}

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - last["done"])
            last["done"] = done

    try:
        if bar is not None:
            bar.__enter__()
        result = run_export(session, output, fmt, bitrate, progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    summary = {
        **asdict(result),
        "id": session.entry.id,
        "title": session.script.title,
        "speech_rendered": session.cache.rendered,
        "speech_cached": session.cache.reused,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    elif not quiet and output != "-":
        click.echo(f"wrote {output} ({clock(result.seconds)}, {session.script.title})", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--engine", type=click.Choice(["pyttsx3"]), default="pyttsx3", show_default=True)
def voices(as_json: bool, engine: str):
    """List the voices of the speech engine (use one with --voice ID)."""
    from .tts import make_engine

    found = make_engine(engine).voices()
    if as_json:
        click.echo(json.dumps([asdict(v) for v in found], indent=2, ensure_ascii=False))
        return
    for voice in found:
        langs = ",".join(voice.languages)
        click.echo(f"{voice.engine:<8} {voice.id:<24} {voice.name:<28} {langs}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def sounds(as_json: bool):
    """List the built-in bells and background beds.

    Use a bell in a script as [bell NAME], a bed with --background NAME or
    'background: NAME' in a script. Any audio file works as either too.
    """
    from .sounds import list_sounds

    found = list_sounds()
    if as_json:
        click.echo(json.dumps([asdict(s) for s in found], indent=2))
        return
    for sound in found:
        click.echo(f"{sound.kind:<5} {sound.name:<12} {sound.seconds:5.1f}s  {sound.description}")


@cli.command()
@click.argument("session_id", metavar="ID|PATH", default=DEFAULT_SESSION)
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
    """
    import signal

    from .display import Display
    from .keys import apply, key_reader
    from .player import Controls, Player, choose_device

    options = session_options(kwargs)
    device_index = choose_device(device)  # fail fast, before rendering anything
    session = prepare_with_progress(session_id, options, quiet)
    timeline = session.timeline
    controls = Controls([c.start for c in timeline.sections], timeline.total, timeline.rate)
    start = 0
    if section:
        start = timeline.sections[_section_index(timeline, section)].start
    player = Player(session.mixer, controls, device=device_index, start=start)
    display = Display(timeline, enabled=not quiet and sys.stderr.isatty(), captions=not no_captions)
    terminated = {"by": None}

    def on_signal(signum, frame):
        terminated["by"] = signum
        controls.stop()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        with key_reader(lambda key: apply(controls, key)) as keys:
            display.start(keys)
            try:
                ended = player.play(on_tick=display.update)
            finally:
                display.finish()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if ended == "interrupted" or terminated["by"] is not None:
        raise KeyboardInterrupt


def _section_index(timeline, wanted: str) -> int:
    from .errors import NotFoundError

    if wanted.isdigit() and 1 <= int(wanted) <= len(timeline.sections):
        return int(wanted) - 1
    for index, chapter in enumerate(timeline.sections):
        if wanted.lower() in chapter.title.lower():
            return index
    titles = "; ".join(f"{i + 1}: {c.title}" for i, c in enumerate(timeline.sections))
    raise NotFoundError(f"no section {wanted!r}; this session has {titles}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def devices(as_json: bool):
    """List sound devices: outputs for play, inputs for journal recording."""
    from .player import devices as list_devices

    found = list_devices()
    if as_json:
        click.echo(json.dumps([asdict(d) for d in found], indent=2))
        return
    if not found:
        click.echo("no sound devices found", err=True)
    for d in found:
        marks = ("*out " if d.default_output else "") + ("*in " if d.default_input else "")
        click.echo(f"{d.index:>3}  {d.name:<40} {d.outputs:>2} out {d.inputs:>2} in  {d.hostapi}  {marks}".rstrip())


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="guided")
