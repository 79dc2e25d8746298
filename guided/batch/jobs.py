"""Exporting many sessions at once, in parallel: the whole library or a series, into one folder.

Sessions are exported in parallel worker processes. `selection` says which sessions and which of
them are already up to date (a content hash per file, kept in the folder's `index.json`), so
running the same batch again exports only what changed; `playlist` writes that index and an M3U8
playlist beside the audio. Every file is written through a temporary file and renamed into place,
so an interrupted batch leaves no partial files. `plan` says what a batch would do without doing it
(the server uses it to know which files are ready).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .. import errors, files
from ..errors import GuidedError, OutputError
from ..export import encoding
from ..options import SessionOptions
from ..scripts.catalog import ScriptFile
from ..scripts.language import Script
from ..tts.workers import cores, make_shared_slots, share_slots
from .index import INDEX, BatchItem, index_text, locked, playlist_text, read_index, write_files, write_index
from .progress import BatchProgress, Progress
from .selection import Selection, content_hash, file_name, load, select, up_to_date


@dataclass(frozen=True)
class Planned:
    """One session of a batch: the file it becomes in the folder, the content hash that file must
    have been made from, and whether the folder's index says it was (`current`)."""

    entry: ScriptFile
    script: Script
    file: str  # relative to the folder
    hash: str
    captions: str | None  # the caption file's name, when captions are asked for
    current: bool
    seconds: float  # the exported length, from the index, when current; else 0


@dataclass
class BatchResult:
    folder: str
    playlist: str | None
    index: str
    items: list[BatchItem] = field(default_factory=list)
    wall_seconds: float = 0.0
    format: str = "mp3"
    engine: str = ""  # the speech engine's identity: what the practice log notes for each export

    @property
    def exported(self) -> int:
        return sum(1 for i in self.items if i.status == "exported")

    @property
    def up_to_date(self) -> int:
        return sum(1 for i in self.items if i.status == "up to date")

    @property
    def failed(self) -> list[BatchItem]:
        return [i for i in self.items if i.status == "failed"]


@dataclass(frozen=True)
class _Job:
    number: int
    id: str
    source: str  # what `prepare` is given: the script's path
    output: str
    options: SessionOptions
    fmt: str
    bitrate: str | None
    captions: str | None
    cover: str | None


class _Cancelled(Exception):
    """The batch was interrupted; a worker stops at its next block."""


_worker: dict = {}


def _init_worker(queue, cancel, slots) -> None:
    # Ctrl-C at a terminal (or `timeout`'s SIGTERM) reaches every process in the group: only the parent acts on it, and tells
    # the workers through `cancel`, so each one stops between two blocks and removes its own files.
    errors.ignore_stops_in_worker()
    _worker.update(queue=queue, cancel=cancel)
    # The batch's sessions share one slot per core for their speech (tts/workers.py): each job may render
    # its phrases on every core, and two jobs together never on more.
    share_slots(slots)


def _run_job(job: _Job) -> dict:
    from ..session.prepared import prepare

    queue, cancel = _worker.get("queue"), _worker.get("cancel")
    sent = {"at": 0.0}

    def check(*_args) -> None:
        if cancel is not None and cancel.is_set():
            raise _Cancelled

    def tell(kind: str, done: int, total: int) -> None:
        now = time.monotonic()
        if queue is not None and (done >= total or now - sent["at"] >= 0.25):
            sent["at"] = now
            queue.put((kind, job.number, done, total))

    def speech(done: int, total: int) -> None:
        check()
        tell("speech", done, total)

    def progress(done: int, total: int) -> None:
        check()
        tell("audio", done, total)

    try:
        if queue is not None:
            queue.put(("speech", job.number, 0, 0))  # started: named at once, before any phrase
        session = prepare(job.source, options=job.options, progress=speech)
        result = encoding.export(session, job.output, job.fmt, job.bitrate, progress,
                                  cover=job.cover, captions=job.captions)
        if queue is not None:
            queue.put(("written", job.number, result.frames, result.frames))
    except _Cancelled:
        return {"number": job.number, "cancelled": True}
    except GuidedError as exc:  # sent back as text: not every error class survives pickling
        return {"number": job.number, "error": str(exc)}
    return {"number": job.number, "seconds": result.seconds, "frames": result.frames, "rate": result.rate,
            "title": session.script.title, "captions": result.captions}


def plan(
    folder: str | os.PathLike,
    selection: Selection,
    options: SessionOptions = SessionOptions(),
    fmt: str = "mp3",
    bitrate: str | None = None,
    *,
    captions: str | None = None,
    cover: str | None = None,
    engine: str | None = None,
) -> list[Planned]:
    """What a batch of `selection` into `folder` would do with each session, without doing it: the
    file name, the content hash, and whether the file there is already up to date. `engine` is the
    speech engine's identity, worked out from `options` when not given."""
    if engine is None:
        from ..tts import make_engine

        engine = make_engine(options.engine, options.voice, options.rate_wpm).identity()
    out = Path(folder).expanduser().absolute()
    previous = read_index(out / INDEX)
    found = []
    for entry in selection.files:
        script = load(entry)
        name = file_name(entry.id, fmt)
        digest = content_hash(entry.path, options, script, fmt, bitrate, captions, cover, engine)
        caption_name = str(Path(name).with_suffix(f".{captions}")) if captions else None
        old = previous.get(entry.id)
        current = up_to_date(old, digest, out, name, caption_name)
        seconds = float(old.get("seconds", 0.0)) if current else 0.0
        found.append(Planned(entry, script, name, digest, caption_name, current, seconds))
    return found


def export_all(
    folder: str,
    target: str | Selection | None = None,
    options: SessionOptions = SessionOptions(),
    fmt: str = "mp3",
    bitrate: str | None = None,
    *,
    captions: str | None = None,
    cover: str | None = None,
    jobs: int | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    playlist: bool = True,
    engine: str | None = None,
) -> BatchResult:
    """Export every session of `target` (None: the whole library; or a `Selection` made already)
    into `folder`, skipping the ones whose file is already up to date; write the index, and the
    playlist unless `playlist` is False. `engine`: the speech engine's identity, when known already.
    Ctrl-C: nothing partial stays."""
    started = time.monotonic()
    if fmt not in encoding.FORMATS:
        raise GuidedError(f"unknown audio format {fmt!r}; expected one of {', '.join(encoding.FORMATS)}")
    encoding.bitrate_for(fmt, bitrate)
    if cover is not None:
        encoding.resolve_cover(cover)  # a bad cover file is said before any work
    selection = target if isinstance(target, Selection) else select(target)
    out = Path(folder).expanduser().absolute()
    created = _make_folder(out)
    files.sweep(out)  # what a killed batch left here
    encoding.ffmpeg()
    if engine is None:
        from ..tts import make_engine

        engine = make_engine(options.engine, options.voice, options.rate_wpm).identity()

    index_path = out / INDEX
    items: list[BatchItem | None] = []
    jobs_to_run: list[_Job] = []
    waiting: dict[int, Script] = {}
    planned = plan(out, selection, options, fmt, bitrate, captions=captions, cover=cover, engine=engine)
    _refuse_overwriting(planned, out, selection, options, cover, playlist)

    for number, p in enumerate(planned):
        if p.current:
            items.append(BatchItem(p.entry.id, p.script.title, p.file, p.seconds, p.hash, "up to date",
                                   captions=p.captions))
            continue
        items.append(BatchItem(p.entry.id, p.script.title, p.file, 0.0, p.hash, "pending", captions=p.captions))
        source = str(p.entry.path)  # a worker needs no library folders to find it
        jobs_to_run.append(_Job(number, p.entry.id, source, str(out / p.file), options, fmt, bitrate, captions, cover))
        waiting[number] = p.script
    # Each export's share of the progress bar: its length as `guided list` gives it.
    from ..session.library import session_lengths

    estimates = dict(zip(waiting, (s.seconds for s in session_lengths(list(waiting.values()), options)), strict=True))

    result = BatchResult(folder=str(out), playlist=None, index=str(index_path), format=fmt, engine=engine)
    try:
        if jobs_to_run:
            _run(jobs_to_run, items, estimates, jobs, progress)
    except KeyboardInterrupt:
        with errors.stops_held():
            finished = [i for i in items if i and i.status == "exported"]
            if finished:  # what did finish is kept, and known: the next run does not export it again
                with locked(out):
                    write_index(index_path, finished, read_index(index_path))
            elif created:
                _remove_if_empty(out)
        raise
    result.items = [i for i in items if i is not None]
    good = [i for i in result.items if i.status in ("exported", "up to date")]
    with errors.stops_held(), locked(out):
        # Read again: another batch into this folder may have written its rows since this one began.
        written = [(index_path, index_text(good, read_index(index_path)))]
        if playlist:
            result.playlist = str(out / f"{selection.name}.m3u8")
            written.insert(0, (Path(result.playlist), playlist_text(selection.title, good)))
        write_files(written)
    if playlist and good:  # a folder a person asked for (the server's own exports pass no playlist)
        from .folders import remember_filled

        remember_filled(out)
    result.wall_seconds = round(time.monotonic() - started, 3)
    return result


def _refuse_overwriting(planned: list[Planned], out: Path, selection: Selection, options: SessionOptions,
                        cover: str | None, playlist: bool) -> None:
    """Refuse, before any work, a batch that would write over a file one of its sessions is made
    from (a script, a bed or a bell in the export folder, the cover), or write one file twice."""
    from ..session.prepared import files_read

    reads: dict[Path, str] = {}
    for p in planned:
        for path, what in files_read(p.entry.path, p.script, options.background_for(p.script.background)).items():
            reads[path] = f"{what} of {p.entry.id}"
    if cover is not None and cover.strip().lower() not in ("auto", "none"):
        reads[Path(cover).expanduser()] = "the cover"
    writes = [(out / INDEX, "the folder's index")]
    if playlist:
        writes.append((out / f"{selection.name}.m3u8", "the playlist"))
    for p in planned:
        writes.append((out / p.file, f"the audio of {p.entry.id}"))
        if p.captions:
            writes.append((out / p.captions, f"the captions of {p.entry.id}"))
    encoding.refuse_overwriting(writes, reads)


def _run(jobs_to_run: list[_Job], items: list, estimates: dict[int, float], jobs: int | None, progress) -> None:
    workers = max(1, min(jobs or cores(), len(jobs_to_run)))
    # The longest first: the last one to start is short, so no worker idles long at the end.
    ordered = sorted(jobs_to_run, key=lambda j: -estimates[j.number])
    # Fresh interpreters, not forks: a fork copies the parent's speech engine and the locks its threads
    # hold, and a worker that speaks through that copy can wait forever.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    cancel = context.Event()
    state = Progress({job.number: job.id for job in jobs_to_run}, estimates)

    def report(stopped: bool = False) -> None:
        if progress is not None:
            progress(state.now(len(jobs_to_run), stopped))

    submitted: list = []
    slots = make_shared_slots(context)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                               initargs=(queue, cancel, slots))
    try:
        submitted.extend(pool.submit(_run_job, job) for job in ordered)
        pending = set(submitted)
        report()
        while pending:
            completed, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            state.drain(queue)
            for future in completed:
                _settle(future.result(), items, state)
            report()
    except BaseException:
        cancel.set()
        with errors.stops_held():  # let every worker finish removing its temporary files
            pool.shutdown(wait=True, cancel_futures=True)
            state.drain(queue)
        # A session that was renamed into place while the batch stopped is whole: keep it known.
        for future in submitted:
            if future.done() and not future.cancelled() and future.exception() is None:
                outcome = future.result()
                if items[outcome["number"]].status == "pending":
                    _settle(outcome, items, state)
        report(stopped=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        queue.close()


def _settle(outcome: dict, items: list, state: Progress) -> None:
    """Record what a worker says of its session in `items`."""
    number = outcome["number"]
    item = items[number]
    if "error" in outcome or outcome.get("cancelled"):
        state.forget(number)
    if "error" in outcome:
        items[number] = BatchItem(item.id, item.title, item.file, 0.0, item.hash, "failed", outcome["error"])
    elif not outcome.get("cancelled"):
        items[number] = BatchItem(item.id, outcome["title"], item.file, outcome["seconds"], item.hash,
                                  "exported", captions=item.captions)
        state.finish(number)


def _make_folder(out: Path) -> bool:
    """The output folder, made if only its last part is missing; True when it was made here."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file; --all needs a folder")
    created = False
    if not out.exists():
        if not out.parent.is_dir():
            raise OutputError(f"the folder {out.parent} does not exist; create it first or choose another folder")
        try:
            out.mkdir()
            created = True
        except OSError as exc:
            raise OutputError(f"cannot create the folder {out}: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write to the folder {out}: permission denied")
    return created


def _remove_if_empty(out: Path) -> None:
    try:
        out.rmdir()
    except OSError:
        pass
