"""The `guided` command: Click options in, library calls, output formatted; errors become one line.

Messages and progress go to stderr; stdout stays clean for --json and `-o -`.
"""

from __future__ import annotations

import json
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
  guided export trust-questions -o questions.m4b --captions srt
  guided export heart-breathing --format opus -o - | mpv -
  guided export --all ~/Music/guided --jobs 2
  guided export rebuilding-trust --all series/ --format m4b
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
        from .settings import parse_volume

        if isinstance(value, float):
            return value
        db = parse_volume(value)
        if isinstance(db, str):
            self.fail(db, param, ctx)
        return db


def sound_options(function):
    """The options that shape how a session sounds; shared by every command that renders one."""
    options = [
        click.option("--background", "-b", metavar="NAME|FILE|none",
                     help="Ambient bed under the voice: a built-in name (guided sounds), any audio file, or none. Default: the script's own."),
        click.option("--voice", metavar="ID", help="Voice of the speech engine (guided voices lists them)."),
        click.option("--rate", "rate_wpm", type=click.IntRange(60, 300), default=None, metavar="WPM",
                     help="Speaking pace in words a minute.  [default: 135]"),
        click.option("--engine", type=click.Choice(["auto", "pyttsx3", "piper"]), default=None,
                     help="Speech engine: piper (natural, when a voice is installed), pyttsx3 (the system voices), "
                          "or auto (piper when it can).  [default: auto, or GUIDED_ENGINE]"),
        click.option("--voice-volume", type=Volume(), default=None, help="Voice level against the rest (80%, -3dB).  [default: 100%]"),
        click.option("--background-volume", type=Volume(), default=None, help="Bed level.  [default: 100%]"),
        click.option("--bell-volume", type=Volume(), default=None, help="Bell level.  [default: 100%]"),
        click.option("--loudness", type=click.FloatRange(-40, -6), default=None, metavar="LUFS",
                     help="Loudness of the whole session, integrated.  [default: -16]"),
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
    """The sound options: the command line's, else config.toml's (guided/settings.py), else the built-in defaults."""
    from .session import SessionOptions
    from .settings import load_settings
    from .tts import DEFAULT_RATE_WPM

    saved = load_settings()
    built_in = SessionOptions()

    def pick(option: str, setting: str, default):
        given = kwargs.pop(option)
        if given is not None:
            return given
        value = getattr(saved, setting)
        return default if value is None else value

    return SessionOptions(
        engine=kwargs.pop("engine") or os.environ.get("GUIDED_ENGINE") or saved.engine or "auto",
        voice=pick("voice", "voice", None),
        rate_wpm=pick("rate_wpm", "rate", DEFAULT_RATE_WPM),
        sample_rate=int(kwargs.pop("sample_rate")),
        channels=1 if kwargs.pop("mono") else 2,
        loudness=pick("loudness", "loudness", built_in.loudness),
        voice_db=pick("voice_volume", "voice_volume", built_in.voice_db),
        background_db=pick("background_volume", "background_volume", built_in.background_db),
        bell_db=pick("bell_volume", "bell_volume", built_in.bell_db),
        background=pick("background", "background", None),
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
@click.option("--library", "library_dirs", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False),
              help="Also find scripts in DIR (may be repeated, or DIR1:DIR2); searched before GUIDED_LIBRARY, "
                   "your own script folder and the built-in library.")
def cli(library_dirs: tuple[str, ...] = ()):
    """Voice-guided meditation and reflection, offline.

    \b
    Start here:
      guided play                          hear heart-breathing now
      guided list                          the sessions in the library
      guided journal --questions 3         three reflection questions, hands-free
      guided export heart-breathing -o heart.mp3
      guided show trust-questions          the outline, with times
      guided validate my-script.md         check a script you wrote
      guided doctor                        check that everything works

    Sessions are plain text scripts (see docs/script-format.md). Speech is
    rendered offline and cached, so a session you have heard before starts at once.
    All user state lives under GUIDED_HOME when it is set.

    This is a tool for self-reflection, not a substitute for therapy.
    """
    from . import library

    library.use_folders(library_dirs)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for scripts.")
def list_command(as_json: bool):
    """List the sessions in the library.

    Each has an id (use it with show, export and play), a title, a kind,
    the number of reflection questions and an estimated length. Scripts of
    your own (your script folder, --library, GUIDED_LIBRARY) say where they
    come from, and whether they replace a built-in session.
    """
    from . import library
    from .estimate import estimate_seconds
    from .script import load_script

    rows = []
    for entry in library.entries():
        try:
            script = load_script(entry.path, library.display_name(entry))
        except GuidedError as exc:
            if not entry.user:
                raise
            click.echo(f"guided: skipping {exc}", err=True)  # one broken script of yours hides no other
            continue
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
                "overrides": [e.origin for e in entry.overrides],
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(r["id"]) for r in rows), default=2)
    for row in rows:
        extra = f"{row['questions']} questions" if row["questions"] else ""
        click.echo(f"{row['id']:<{width}}  {clock(row['seconds']):>6}  {row['kind']:<12} {row['title']}"
                   + (f"  ({extra})" if extra else "") + _origin_label(row))


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
@click.argument("session_id", metavar="[ID|PATH|SERIES]", required=False)
@click.option("-o", "--output", metavar="FILE",
              help="Where to write: the extension picks the format (mp3, m4a, m4b, ogg, opus, flac, wav); - for stdout (with --format).")
@click.option("--all", "all_dir", metavar="DIR",
              help="Export every session of the library (or of the series ID) into DIR, with a playlist and an index; "
                   "unchanged files are skipped.")
@click.option("--format", "fmt", type=click.Choice(["mp3", "m4a", "m4b", "ogg", "opus", "flac", "wav"]),
              help="Format, when the name has no extension (needed with -o -).  [default with --all: mp3]")
@click.option("--bitrate", metavar="RATE",
              help="For lossy formats, e.g. 128k.  [default: 160k mp3, 128k m4a/m4b/ogg, 96k opus]")
@click.option("--cover", metavar="FILE|none", help="Cover image (PNG or JPEG), or none.  [default: a picture made with the title]")
@click.option("--captions", type=click.Choice(["srt", "vtt", "lrc"]), help="Also write captions beside the audio, one cue per spoken phrase.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N", help="With --all: sessions exported at once.  [default: the number of cores]")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@sound_options
def export(session_id: str | None, output: str | None, all_dir: str | None, fmt: str | None, bitrate: str | None,
           cover: str | None, captions: str | None, jobs: int | None, as_json: bool, quiet: bool, **kwargs):
    """Render a session to an audio file for offline listening.

    Tags, a cover and chapters (one per section and per question) go into the
    file. The file appears only when it is complete: an interrupted export
    leaves nothing behind. Speech is cached, so exporting again is quick.
    """
    from .export import check_output, ffmpeg, format_for, resolve_cover
    from .export import export as run_export

    if output is None and all_dir is None:
        raise click.UsageError("say where to write: -o FILE, or --all DIR to export many sessions")
    if output is not None and all_dir is not None:
        raise click.UsageError("-o and --all do not go together: -o writes one file, --all a folder")
    if all_dir is not None:
        _export_all(session_id, all_dir, fmt, bitrate, cover, captions, jobs, as_json, quiet, kwargs)
        return
    if jobs is not None:
        raise click.UsageError("--jobs goes with --all")
    if output == "-" and as_json:
        raise click.UsageError("-o - and --json both want stdout; choose one")
    session_id = session_id or DEFAULT_SESSION
    format_for(output, fmt)
    check_output(output, captions)
    if output == "-" and sys.stdout.isatty():
        raise GuidedError("not writing audio to a terminal: redirect it (> file.mp3) or pipe it to a player")
    picture = resolve_cover(cover)  # a bad cover file is said before any rendering (None: no cover)
    ffmpeg()  # before any rendering: a missing encoder is said at once
    _refuse_series_as_session(session_id)
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
        result = run_export(session, output, fmt, bitrate, progress, cover=picture or "none", captions=captions)
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
        extra = f", captions in {result.captions}" if result.captions else ""
        click.echo(f"wrote {output} ({clock(result.seconds)}, {session.script.title}, {result.chapters} chapters{extra})",
                   err=True)


def _refuse_series_as_session(session_id: str) -> None:
    """A series id names many sessions: say how to export them, rather than 'no session called'."""
    from pathlib import Path

    from . import library

    if Path(session_id).expanduser().is_file():
        return
    if Path(session_id).expanduser().is_dir():
        raise GuidedError(f"{session_id} is a folder; export the scripts in it with 'guided export {session_id} --all DIR'")
    members = [e.id for e in library.entries() if e.id.startswith(session_id.strip("/") + "/")]
    if members:
        raise GuidedError(f"{session_id} is a series of {len(members)} sessions; export them all with "
                          f"'guided export {session_id} --all DIR', or one with e.g. {members[0]}")


def _export_all(target, folder, fmt, bitrate, cover, captions, jobs, as_json, quiet, kwargs) -> None:
    """`export --all DIR`: the library (or a series) into a folder, in parallel, with one progress bar."""
    from .batch import export_all

    options = session_options(kwargs)
    show_bar = sys.stderr.isatty() and not quiet
    bar = click.progressbar(length=1000, label="exporting", file=sys.stderr, show_eta=True) if show_bar else None

    def progress(p) -> None:
        if bar is not None:
            bar.label = f"exporting {p.finished}/{p.count}"
            bar.update(min(1000, int(1000 * p.done / p.total)) - bar.pos if p.total else 0)

    try:
        if bar is not None:
            bar.__enter__()
        result = export_all(folder, target, options, fmt or "mp3", bitrate, captions=captions, cover=cover,
                            jobs=jobs, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps({
            "folder": result.folder, "playlist": result.playlist, "index": result.index,
            "exported": result.exported, "up_to_date": result.up_to_date, "failed": len(result.failed),
            "wall_seconds": result.wall_seconds, "sessions": [asdict(i) for i in result.items],
        }, indent=2, ensure_ascii=False))
    elif not quiet:
        click.echo(f"exported {result.exported}, {result.up_to_date} already up to date, into {result.folder} "
                   f"in {clock(result.wall_seconds)}; playlist {result.playlist}", err=True)
    if result.failed:
        details = "; ".join(f"{i.id}: {i.error}" for i in result.failed)
        raise GuidedError(f"{len(result.failed)} of {len(result.items)} sessions could not be exported: {details}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--engine", type=click.Choice(["all", "pyttsx3", "piper"]), default="all", show_default=True)
@click.option("--add", "add", metavar="VOICE.onnx", help="Copy a Piper voice (with its .onnx.json) into your voices folder.")
def voices(as_json: bool, engine: str, add: str | None):
    """List the voices of every speech engine (use one with --engine and --voice ID).

    Piper voices come from your voices folder (guided voices --add) and from
    installed voice packages.
    """
    from .tts import make_engine
    from .tts.piper_engine import add_voice, installed_voices

    if add:
        voice = add_voice(add)
        click.echo(f"added Piper voice {voice.name} ({voice.model})", err=True)
        return
    found = []
    if engine in ("all", "pyttsx3"):
        try:
            found += make_engine("pyttsx3").voices()
        except GuidedError:
            if engine == "pyttsx3":
                raise
    if engine in ("all", "piper"):
        from .tts import VoiceInfo

        found += [VoiceInfo(engine="piper", id=v.name, name=f"{v.name} ({v.origin})") for v in installed_voices()]
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


class Duration(click.ParamType):
    """A duration as scripts write it: 90s, 2m, 1m30s."""

    name = "duration"

    def convert(self, value, param, ctx):
        from .script import parse_duration_ms

        if isinstance(value, (int, float)):
            return float(value)
        ms = parse_duration_ms(str(value))
        if ms is None or ms <= 0:
            self.fail(f"expected a duration such as 8s, 90s or 2m, not {value!r}", param, ctx)
        return ms / 1000


@cli.command()
@click.argument("deck", metavar="DECK", default="trust-questions")
@click.option("--reflect", "reflect", metavar="TIME", default=None,
              help="Timed silence after each question, ending with a soft chime (the default mode).  [default: 90s]")
@click.option("--wait", "mode", flag_value="wait", help="Continue on a key press; r repeats the question.")
@click.option("--record", "mode", flag_value="record", help="Record your spoken answer from the microphone.")
@click.option("--type", "mode", flag_value="type", help="Type your answer in the terminal.")
@click.option("--silence", type=Duration(), default="8s", show_default=True,
              help="With --record: this much quiet after you speak ends the answer.")
@click.option("--max-answer", type=Duration(), default="5m", show_default=True, help="With --record: the longest answer.")
@click.option("--questions", "count", type=click.IntRange(min=1), metavar="N",
              help="Take the next N questions not yet answered (so a deck can be worked through over days).")
@click.option("--only", metavar="7,12", help="Just these questions, by number.")
@click.option("--shuffle", is_flag=True, help="Ask the questions in a random order.")
@click.option("--status", "show_status", is_flag=True, help="Show progress per deck and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --status: print JSON.")
@click.option("--device", "-d", metavar="NAME|INDEX", help="Output device.")
@click.option("--input-device", metavar="NAME|INDEX", help="Microphone, with --record.")
@click.option("-q", "--quiet", is_flag=True, help="No display.")
@sound_options
def journal(deck, reflect, mode, silence, max_answer, count, only, shuffle, show_status, as_json, device,
            input_device, quiet, **kwargs):
    """Hands-free journaling: hear one question at a time, reflect, answer.

    \b
    Ways to answer:
      (default)   a timed silence after each question, ending with a soft chime
      --wait      take as long as you need, press space to go on, r to hear it again
      --record    speak your answer; a pause of --silence ends it
      --type      type your answer
    \b
    Your journal is plain Markdown (and your recorded answers, WAV files), kept
    privately in the journal folder of your user data (GUIDED_HOME/journal).
    --questions 3 takes the next three you have not answered yet; --status
    shows how far you are in each deck.
    """
    from . import journal as journaling
    from . import library

    if show_status:
        journaling.recover()
        decks = []
        for entry in library.entries():
            script = library.load(entry.id)[1]
            if script.questions:
                decks.append((entry.id, script.title, len(script.questions)))
        rows = journaling.status(decks)
        if as_json:
            click.echo(json.dumps([asdict(r) for r in rows], indent=2))
            return
        for r in rows:
            last = f", last {r.last[:10]}" if r.last else ""
            click.echo(f"{r.deck:<22} answered {r.answered:>2} of {r.questions:<2}{last}")
        return
    _run_journal(deck, reflect, mode or "reflect", silence, max_answer, count, only, shuffle, device, input_device,
                 quiet, kwargs)


def _run_journal(deck, reflect, mode, silence, max_answer, count, only, shuffle, device, input_device, quiet, kwargs):
    import queue as queues
    import threading

    from . import journal as journaling
    from . import library
    from .display import Display
    from .errors import UsageError
    from .keys import apply, key_reader
    from .player import Controls, Player, choose_device
    from .script import Say, Script, parse_span
    from .session import prepare as prepare_session

    if mode == "wait" and not sys.stdin.isatty():
        raise UsageError("--wait needs a terminal to press keys in; use --reflect or --type instead")
    if reflect is not None and mode != "reflect":
        raise UsageError("--reflect sets the timed silence; it does not go with --wait, --record or --type")
    span = parse_span(reflect or "90s")
    if isinstance(span, str):
        raise UsageError(f"--reflect: {span}")
    only_numbers = None
    if only:
        try:
            only_numbers = [int(x) for x in only.replace(" ", "").split(",") if x]
        except ValueError:
            raise UsageError(f"--only takes question numbers such as 7,12, not {only!r}") from None
    repaired = journaling.recover()
    if repaired:
        click.echo(f"guided: recovered {len(repaired)} recording(s) from an interrupted sitting", err=True)
    entry, script = library.load(deck)
    if not script.questions:
        from .errors import GuidedError as Problem

        raise Problem(f"{deck} has no questions to journal with; try trust-questions")
    done = journaling.answered_in(entry.id)
    chosen = journaling.choose([q.number for q in script.questions], done, count, only_numbers, shuffle)
    options = session_options(kwargs)
    output_index = choose_device(device)
    input_index = choose_device(input_device, "input") if mode == "record" else None
    sitting_script = journaling.sitting_script(script, chosen, span if mode == "reflect" else None, mode == "reflect")
    session = prepare_session(entry.id, options, script=(entry, sitting_script))
    display = Display(session.timeline, enabled=not quiet and sys.stderr.isatty())
    state = {"controls": None, "phase": "playing"}
    keys_waiting: queues.Queue = queues.Queue()

    def on_key(key: str) -> None:
        if state["phase"] == "playing" and state["controls"] is not None:
            apply(state["controls"], key)
        elif state["phase"] == "waiting":
            keys_waiting.put(key)
        elif state["phase"] == "recording":
            key_stop.set()

    def play(sess, start, end, actions):
        timeline = sess.timeline
        controls = Controls([c.start for c in timeline.sections], timeline.total, timeline.rate)
        for position, action in actions.items():
            controls.at(position, action)
        state["controls"], state["phase"] = controls, "playing"
        player = Player(sess.mixer, controls, device=output_index, start=start, end=end)
        ended = player.play(on_tick=display.update if sess is session else None)
        return "finished" if ended == "finished" else ended

    def wait_key() -> str:
        state["phase"] = "waiting"
        say("press space to go on, r to hear the question again, q to stop")
        key = keys_waiting.get()
        return {"r": "repeat", "R": "repeat", "q": "quit", "Q": "quit", "escape": "quit"}.get(key, "continue")

    def read_text(question: str) -> str | None:
        state["phase"] = "typing"
        click.echo(f"\n{question}\n(type your answer; an empty line ends it)", err=True)
        lines = []
        while True:
            try:
                line = input()
            except EOFError:
                break
            if not line.strip():
                break
            lines.append(line)
        return "\n".join(lines) or None

    def say(text: str) -> None:
        if not quiet:
            click.echo(f"  {text}", err=True)

    def ask_again():
        prompt = Script(path="<prompt>", title=session.script.title, kind="talk", cues=(Say(journaling.ASK_AGAIN, 1),))
        prompt_session = prepare_session(entry.id, options, script=(entry, prompt))
        play(prompt_session, 0, prompt_session.total, {})

    def listening() -> None:
        state["phase"] = "recording"  # from now on a key ends the answer

    key_stop = threading.Event()
    hooks = journaling.Hooks(play=play, say=say, wait_key=wait_key, read_text=read_text, key_stop=key_stop,
                             listening=listening)
    if not quiet:
        click.echo(f"{session.script.title}: questions {', '.join(map(str, chosen))}", err=True)
    with key_reader(on_key) if mode != "type" else _no_keys():
        sitting = journaling.run(session, entry.id, mode, hooks, silence_seconds=silence, max_answer_seconds=max_answer,
                                 input_device=input_index, ask_again=ask_again if mode == "record" else None)
    if not quiet:
        click.echo(f"saved to your journal: {sitting.path}", err=True)


class _no_keys:
    def __enter__(self):
        return False

    def __exit__(self, *exc):
        return False


def _origin_label(row: dict) -> str:
    """Where a listed script comes from, when it is not the built-in library."""
    if row["origin"] == "built-in":
        return ""
    where = "yours" if row["origin"] == "user" else row["origin"]
    replaces = ", replaces the built-in" if "built-in" in row.get("overrides", ()) else ""
    return f"  [{where}{replaces}]"


EPILOG_NEW = """\b
Examples:
  guided new evening-calm                    a meditation, in your script folder
  guided new my-questions --kind journal
  guided new heart-breathing --force         your own version of a built-in session
"""


@cli.command(epilog=EPILOG_NEW)
@click.argument("script_id", metavar="ID")
@click.option("--kind", type=click.Choice(["meditation", "talk", "journal", "affirmations", "series", "sit"]),
              default="meditation", show_default=True, help="What sort of session to start from.")
@click.option("--title", metavar="TEXT", help="Its title.  [default: made from the id]")
@click.option("--force", is_flag=True, help="Replace a script of yours that already has this id.")
def new(script_id: str, kind: str, title: str | None, force: bool):
    """Start a script of your own from a commented template.

    The template is written to your script folder (GUIDED_HOME/scripts when
    GUIDED_HOME is set) as ID.md; it already works, and its comments show how
    to write pauses, bells, breathing, sittings and questions. Its path is
    printed on stdout. A script of yours with a built-in's id is used instead
    of the built-in one.
    """
    from . import library
    from .templates import new_script

    path = new_script(script_id, kind, title=title, force=force)
    click.echo(str(path))
    replaced = library.exists(script_id)
    also = " (it replaces the built-in one of that name)" if replaced and replaced.overrides else ""
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
    from .errors import NotFoundError
    from .importer import REASONS, decode, import_questions

    if source == "-":
        data = sys.stdin.buffer.read()
        name = None
    else:
        try:
            with open(os.path.expanduser(source), "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise NotFoundError(f"no such file: {source}") from None
        except OSError as exc:
            raise NotFoundError(f"cannot read {source}: {exc.strerror or exc}") from None
        name = source
    result = import_questions(decode(data), name=name, script_id=script_id, title=title, dry_run=dry_run, force=force)
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
    click.echo(f"guided: {verb} {result.path}; try: guided show {result.id}", err=True)
    if not as_json:
        click.echo(str(result.path))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def doctor(as_json: bool):
    """Check that everything guided needs is installed and works, and say how to fix what is not.

    Speech is tried for real (a phrase through espeak-ng or the system voices),
    and so is ffmpeg (a short encode); then PortAudio and the sound devices,
    Piper voices, your folders, config.toml and the speech cache. Exits 1 when
    a required part is missing; warnings (no sound device, say) only limit some
    commands.
    """
    from .doctor import FAIL, OK, describe_platform, healthy, run_checks

    results = run_checks()
    fine = healthy(results)
    if as_json:
        click.echo(json.dumps({"ok": fine, "version": __version__, "platform": describe_platform(),
                               "checks": [r.as_dict() for r in results]}, indent=2, ensure_ascii=False))
    else:
        click.echo(f"guided {__version__} on {describe_platform()}")
        width = max(len(r.name) for r in results)
        for r in results:
            click.echo(f"  {r.status.upper() if r.status == FAIL else r.status:<5} {r.name:<{width}}  {r.detail}")
            if r.fix and r.status != OK:
                click.echo(f"  {'':<5} {'':<{width}}  fix: {r.fix}")
        failed = [r.name for r in results if r.status == FAIL]
        click.echo("everything guided needs is here" if fine else f"missing or broken: {', '.join(failed)}")
    if not fine:
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="guided")
