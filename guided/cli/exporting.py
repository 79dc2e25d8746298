"""`guided export`: one session to a file, or many (--all) into a folder."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from ..errors import GuidedError
from ..export.formats import CAPTION_FORMATS, FORMATS
from ..scripts.catalog import DEFAULT_SESSION
from . import cli
from .params import catalog, clock, complete, prepare_with_progress, session_options, sound_options

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


@cli.command(epilog=EPILOG_EXPORT)
@click.argument("session_id", metavar="[ID|PATH|SERIES]", required=False, shell_complete=complete("session_ids", files=True))
@click.option("-o", "--output", metavar="FILE",
              help="Where to write: the extension picks the format (mp3, m4a, m4b, ogg, opus, flac, wav); - for stdout (with --format).")
@click.option("--all", "all_dir", metavar="DIR",
              help="Export every session of the library (or of the series ID) into DIR, with a playlist and an index; "
                   "unchanged files are skipped.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)),
              help="Format, when the name has no extension (needed with -o -).  [default with --all: mp3]")
@click.option("--bitrate", metavar="RATE",
              help="For lossy formats, e.g. 128k.  [default: 160k mp3, 128k m4a/m4b/ogg, 96k opus]")
@click.option("--cover", metavar="FILE|none", help="Cover image (PNG or JPEG), or none.  [default: a picture made with the title]")
@click.option("--captions", type=click.Choice(CAPTION_FORMATS), help="Also write captions beside the audio, one cue per spoken phrase.")
@click.option("--map", "map_png", metavar="FILE", help="Also draw the session's map to FILE (PNG), as guided show --png does.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N", help="With --all: sessions exported at once.  [default: the number of cores]")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@sound_options
def export(session_id: str | None, output: str | None, all_dir: str | None, fmt: str | None, bitrate: str | None,
           cover: str | None, captions: str | None, map_png: str | None, jobs: int | None, as_json: bool, quiet: bool,
           **kwargs):
    """Render a session to an audio file for offline listening.

    Tags, a cover and chapters (one per section and per question) go into the
    file. The file appears only when it is complete: an interrupted export
    leaves nothing behind. Speech is cached, so exporting again is quick.
    """
    if output is None and all_dir is None:
        raise click.UsageError("say where to write: -o FILE, or --all DIR to export many sessions")
    if output is not None and all_dir is not None:
        raise click.UsageError("-o and --all do not go together: -o writes one file, --all a folder")
    if all_dir is not None:
        if map_png is not None:
            raise click.UsageError("--map draws one session's map: it goes with -o, not --all")
        _export_all(session_id, all_dir, fmt, bitrate, cover, captions, jobs, as_json, quiet, kwargs)
        return
    if jobs is not None:
        raise click.UsageError("--jobs goes with --all")
    if output == "-" and as_json:
        raise click.UsageError("-o - and --json both want stdout; choose one")
    from ..export.encoding import preflight

    picture = preflight(output, fmt, captions, cover)  # said before any rendering
    if map_png is not None:
        from ..practice import pictures

        pictures.preflight(map_png)
    if output == "-" and sys.stdout.isatty():
        raise GuidedError("not writing audio to a terminal: redirect it (> file.mp3) or pipe it to a player")
    options = session_options(kwargs)
    from ..session.prepared import check_export_files, files_read_by

    # Nothing written may be a file the session is made from: refused before any speech renders.
    check_export_files(files_read_by(session_id or DEFAULT_SESSION, options, catalog()), output, captions=captions,
                       cover=cover, also={Path(map_png): "the map"} if map_png else None)
    session = prepare_with_progress(session_id or DEFAULT_SESSION, options, quiet)
    with _bar(session.total, quiet) as progress:
        result = session.export(output, format=fmt, bitrate=bitrate, progress=progress, cover=picture,
                                captions=captions)
    if map_png is not None:
        from ..practice.pictures import session_map

        drawn = session_map(session, map_png, minutes=options.minutes)
        if not quiet:
            click.echo(f"drew {drawn.path} ({drawn.width}×{drawn.height})", err=True)
    summary = {
        **asdict(result),
        "id": session.id,
        "title": session.title,
        "speech_rendered": session.cache.rendered,
        "speech_cached": session.cache.reused,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    elif not quiet and output != "-":
        if result.chapters_joined:
            click.echo(f"{result.format} holds at most {result.chapters} chapters: {result.chapters_joined} more "
                       "were joined into their neighbours", err=True)
        extra = f", captions in {result.captions}" if result.captions else ""
        click.echo(f"wrote {output} ({clock(result.seconds)}, {session.title}, {result.chapters} chapters{extra})",
                   err=True)


class _bar:
    """A progress bar on stderr (only on a terminal) fed by (done, total) calls."""

    def __init__(self, length: int, quiet: bool) -> None:
        self.bar = click.progressbar(length=length, label="exporting", file=sys.stderr, show_eta=True) \
            if sys.stderr.isatty() and not quiet else None
        self.last = 0

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.last)
            self.last = done

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        return False


def _export_all(target, folder, fmt, bitrate, cover, captions, jobs, as_json, quiet, kwargs) -> None:
    """`export --all DIR`: the library (or a series) into a folder, in parallel, with one progress bar."""
    from ..batch.jobs import export_all
    from ..batch.selection import select

    options = session_options(kwargs)
    show_bar = sys.stderr.isatty() and not quiet
    # The time left is guided's own, from the work done so far (speech and audio), not click's, which
    # reads only the bar's position and leaps by hours while the first sessions' speech renders.
    bar = click.progressbar(length=1000, label="exporting", file=sys.stderr, show_eta=False,
                            item_show_func=lambda _: last["said"]) if show_bar else None
    last: dict = {"said": "", "progress": None}

    def progress(p) -> None:
        last["progress"] = p
        if bar is not None:
            left = f", about {clock(p.left_seconds)} left" if p.left_seconds is not None else ""
            bar.label = f"exporting {p.finished}/{p.count}{left}"
            last["said"] = "; ".join(p.working)
            bar.update(min(1000, int(1000 * p.done / p.total)) - bar.pos if p.total else 0)

    try:
        if bar is not None:
            bar.__enter__()
        result = export_all(folder, select(target, catalog()), options, fmt or "mp3", bitrate, captions=captions, cover=cover,
                            jobs=jobs, progress=progress)
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP: say what is kept before the line that says how it ended
        if bar is not None:
            bar.__exit__(None, None, None)
            bar = None
        stopped = last["progress"]
        if stopped is not None and not quiet:
            left = stopped.count - stopped.finished
            click.echo(f"guided: {stopped.finished} exported and kept in {folder}; run the same command to finish "
                       f"the other {left}" if left else f"guided: all {stopped.count} exported and kept in {folder}",
                       err=True)
        raise
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    from ..practice.log import record_exported

    for item in result.items:  # what was written now (not what was up to date) goes in the practice log
        if item.status == "exported":
            record_exported(item.id, item.title, result.engine, item.seconds, result.format)
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
