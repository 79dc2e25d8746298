"""Exporting many sessions at once: the whole library or a series, into one folder.

Sessions are exported in parallel worker processes. Each file's content hash (its script, every
setting that shapes the sound, the format, bitrate, captions, cover and this package's version) is
kept in the folder's `index.json`, so running the same batch again exports only what changed.
Beside the audio go an M3U8 playlist and that small JSON index. Every file is written through a
temporary file and renamed into place, so an interrupted batch leaves no partial files.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__, catalog
from . import export as exporting
from . import tags as tagging
from .catalog import Entry
from .errors import GuidedError, NotFoundError, OutputError
from .options import SessionOptions
from .script import Script, load_script

INDEX = "index.json"
LIBRARY_PLAYLIST = "playlist"


@dataclass(frozen=True)
class Selection:
    name: str  # the playlist's name, without .m3u8
    title: str
    entries: tuple[Entry, ...]


def select(target: str | None = None) -> Selection:
    """The sessions a batch exports: the whole library, a series (by id or name), a folder of
    scripts, or one session."""
    if target is not None and Path(target).expanduser().is_dir():
        folder = Path(target).expanduser()
        found = []
        for path in sorted(folder.rglob("*.md")):
            relative = path.relative_to(folder).with_suffix("").as_posix()
            if catalog.ID_PATTERN.fullmatch(relative) and path.is_file():
                found.append(Entry(relative, path, "file"))
        if not found:
            raise NotFoundError(f"the folder {target} holds no scripts (*.md files named like my-session.md)")
        name = folder.absolute().name
        return Selection(_slug(name), name, tuple(sorted(found, key=lambda e: catalog.sort_key(e))))
    everything = catalog.entries()
    if target is None:
        return Selection(LIBRARY_PLAYLIST, "guided", tuple(everything))
    wanted = target.strip().strip("/")
    members = [e for e in everything if e.id.startswith(wanted + "/")]
    if members:
        series = _series_of(members[0])
        return Selection(_slug(wanted), series or wanted, tuple(members))
    named = [e for e in everything if (s := _series_of(e)) and (s.lower() == wanted.lower() or _slug(s) == wanted.lower())]
    if named:
        return Selection(_slug(wanted), _series_of(named[0]) or wanted, tuple(named))
    try:
        entry = catalog.find(target)
    except NotFoundError:
        series = sorted({e.id.rsplit("/", 1)[0] for e in everything if "/" in e.id})
        raise NotFoundError(
            f"no session, series or folder called {target!r}; series: {', '.join(series) or 'none'} "
            "('guided list' shows every session)"
        ) from None
    return Selection(_slug(entry.id), entry.id, (entry,))


def load(entry: Entry) -> Script:
    return load_script(entry.path, catalog.display_name(entry))


def _series_of(entry: Entry) -> str | None:
    try:
        return load(entry).series
    except GuidedError:
        return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "playlist"


def file_name(entry_id: str, fmt: str) -> str:
    """rebuilding-trust/1 → rebuilding-trust-01.mp3: flat, and in order when sorted by name."""
    parts = [p.zfill(2) if p.isdigit() else p for p in entry_id.split("/")]
    return f"{'-'.join(parts)}.{fmt}"


def content_hash(script_path: Path, options: SessionOptions, script: Script, fmt: str, bitrate: str | None,
                 captions: str | None, cover: str | None, engine: str = "") -> str:
    """What decides the bytes of an exported file; equal hashes mean there is nothing to export again.

    `engine` is the speech engine's identity (its name, version, voice and pace)."""
    settings = asdict(options)
    background = options.background_for(script.background)
    settings["background"] = _file_digest(background) if background and Path(background).expanduser().is_file() else background
    if cover is None or cover == "auto":
        cover_key = "generated"
    elif cover.strip().lower() == "none":
        cover_key = "none"
    else:
        cover_key = _file_digest(cover)
    payload = {
        "guided": __version__,
        "engine": engine,
        "script": hashlib.sha256(script_path.read_bytes()).hexdigest(),
        "settings": settings,
        "format": fmt,
        "bitrate": exporting.bitrate_for(fmt, bitrate),
        "captions": captions,
        "cover": cover_key,
        "tags": tagging.for_script(script).as_dict(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(Path(path).expanduser(), "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


# --- the batch --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchProgress:
    done: float  # seconds of audio written so far
    total: float  # seconds of audio to write (estimated for the sessions not started yet)
    finished: int  # sessions exported so far
    count: int  # sessions to export (those already up to date are not counted)


@dataclass(frozen=True)
class BatchItem:
    id: str
    title: str
    file: str  # relative to the folder
    seconds: float
    hash: str
    status: str  # "exported", "up to date" or "failed"
    error: str | None = None
    captions: str | None = None


@dataclass
class BatchResult:
    folder: str
    playlist: str | None
    index: str
    items: list[BatchItem] = field(default_factory=list)
    wall_seconds: float = 0.0

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


def _init_worker(queue, cancel) -> None:
    # Ctrl-C at a terminal reaches every process in the group: only the parent acts on it, and tells
    # the workers through `cancel`, so each one stops between two blocks and removes its own files.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.update(queue=queue, cancel=cancel)


def _run_job(job: _Job) -> dict:
    from .session import prepare

    queue, cancel = _worker.get("queue"), _worker.get("cancel")
    sent = {"at": 0.0}

    def check(*_args) -> None:
        if cancel is not None and cancel.is_set():
            raise _Cancelled

    def progress(done: int, total: int) -> None:
        check()
        now = time.monotonic()
        if queue is not None and (done >= total or now - sent["at"] >= 0.25):
            sent["at"] = now
            queue.put((job.number, done, total))

    try:
        session = prepare(job.source, options=job.options, progress=check)
        result = exporting.export(session, job.output, job.fmt, job.bitrate, progress,
                                  cover=job.cover, captions=job.captions)
    except _Cancelled:
        return {"number": job.number, "cancelled": True}
    except GuidedError as exc:  # sent back as text: not every error class survives pickling
        return {"number": job.number, "error": str(exc)}
    return {"number": job.number, "seconds": result.seconds, "frames": result.frames, "rate": result.rate,
            "title": session.script.title, "captions": result.captions}


def export_all(
    folder: str,
    target: str | None = None,
    options: SessionOptions = SessionOptions(),
    fmt: str = "mp3",
    bitrate: str | None = None,
    *,
    captions: str | None = None,
    cover: str | None = None,
    jobs: int | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchResult:
    """Export every session of `target` (None: the whole library) into `folder`, skipping the ones
    whose file is already up to date; write the playlist and index. Ctrl-C: nothing partial stays."""
    started = time.monotonic()
    if fmt not in exporting.FORMATS:
        raise GuidedError(f"unknown audio format {fmt!r}; expected one of {', '.join(exporting.FORMATS)}")
    exporting.bitrate_for(fmt, bitrate)
    if cover is not None:
        exporting.resolve_cover(cover)  # a bad cover file is said before any work
    selection = select(target)
    out = Path(folder).expanduser().absolute()
    created = _make_folder(out)
    exporting.ffmpeg()
    from .tts import make_engine

    engine = make_engine(options.engine, options.voice, options.rate_wpm).identity()

    index_path = out / INDEX
    previous = _read_index(index_path)
    items: list[BatchItem | None] = []
    jobs_to_run: list[_Job] = []
    estimates: dict[int, float] = {}
    from .estimate import estimate_seconds

    for number, entry in enumerate(selection.entries):
        script = load(entry)
        name = file_name(entry.id, fmt)
        digest = content_hash(entry.path, options, script, fmt, bitrate, captions, cover, engine)
        caption_name = str(Path(name).with_suffix(f".{captions}")) if captions else None
        old = previous.get(entry.id)
        if (old and old.get("hash") == digest and old.get("file") == name and (out / name).is_file()
                and (not caption_name or (out / caption_name).is_file())):
            items.append(BatchItem(entry.id, script.title, name, float(old.get("seconds", 0.0)), digest, "up to date",
                                   captions=caption_name))
            continue
        items.append(BatchItem(entry.id, script.title, name, 0.0, digest, "pending", captions=caption_name))
        source = str(entry.path)  # a worker needs no library folders to find it
        jobs_to_run.append(_Job(number, entry.id, source, str(out / name), options, fmt, bitrate, captions, cover))
        estimates[number] = options.minutes * 60 if options.minutes else estimate_seconds(script, options.rate_wpm)

    result = BatchResult(folder=str(out), playlist=None, index=str(index_path))
    try:
        if jobs_to_run:
            _run(jobs_to_run, items, estimates, jobs, progress)
    except KeyboardInterrupt:
        with exporting.hold_interrupts():
            finished = [i for i in items if i and i.status == "exported"]
            if finished:  # what did finish is kept, and known: the next run does not export it again
                _write_index(index_path, finished, previous)
            elif created:
                _remove_if_empty(out)
        raise
    result.items = [i for i in items if i is not None]
    good = [i for i in result.items if i.status in ("exported", "up to date")]
    with exporting.hold_interrupts():
        playlist = out / f"{selection.name}.m3u8"
        _write_files([(playlist, playlist_text(selection.title, good)), (index_path, _index_text(good, previous))])
    result.playlist = str(playlist)
    result.wall_seconds = round(time.monotonic() - started, 3)
    return result


def _run(jobs_to_run: list[_Job], items: list, estimates: dict[int, float], jobs: int | None, progress) -> None:
    workers = max(1, min(jobs or os.cpu_count() or 1, len(jobs_to_run)))
    # The longest first: the last one to start is short, so no worker idles long at the end.
    ordered = sorted(jobs_to_run, key=lambda j: -estimates[j.number])
    # Fresh interpreters, not forks: a fork copies the parent's speech engine and the locks its threads
    # hold, and a worker that speaks through that copy can wait forever.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    cancel = context.Event()
    done_frames: dict[int, tuple[int, int, int]] = {}  # number → (done, total, rate)
    finished = 0

    def report() -> None:
        if progress is None:
            return
        done = sum(d / r for d, _, r in done_frames.values())
        total = sum(done_frames[n][1] / done_frames[n][2] if n in done_frames else estimates[n] for n in estimates)
        total += sum(d / r for n, (d, _, r) in done_frames.items() if n not in estimates)
        progress(BatchProgress(done=done, total=max(total, done), finished=finished, count=len(jobs_to_run)))

    rate = ordered[0].options.sample_rate
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(queue, cancel))
    try:
        pending = {pool.submit(_run_job, job) for job in ordered}
        report()
        while pending:
            completed, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(queue, done_frames, rate)
            for future in completed:
                outcome = future.result()
                number = outcome["number"]
                item = items[number]
                finished += 1
                if "error" in outcome or outcome.get("cancelled"):
                    estimates.pop(number, None)  # nothing more of it to wait for
                    done_frames.pop(number, None)
                if "error" in outcome:
                    items[number] = BatchItem(item.id, item.title, item.file, 0.0, item.hash, "failed", outcome["error"])
                elif not outcome.get("cancelled"):
                    items[number] = BatchItem(item.id, outcome["title"], item.file, outcome["seconds"], item.hash,
                                              "exported", captions=item.captions)
                    done_frames[number] = (outcome["frames"], outcome["frames"], outcome["rate"])
            report()
    except BaseException:
        cancel.set()
        with exporting.hold_interrupts():  # let every worker finish removing its temporary files
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        queue.close()


def _drain(queue, done_frames: dict, rate: int) -> None:
    import queue as queues

    while True:
        try:
            number, done, total = queue.get_nowait()
        except queues.Empty:
            return
        done_frames[number] = (done, total, rate)


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


def _read_index(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {row["id"]: row for row in data.get("sessions", []) if isinstance(row, dict) and "id" in row}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return {}  # no index, or a damaged one: everything is exported again


def _index_text(items: list[BatchItem], previous: dict[str, dict]) -> str:
    rows = [{"id": i.id, "title": i.title, "file": i.file, "seconds": i.seconds, "hash": i.hash,
             **({"captions": i.captions} if i.captions else {})} for i in items]
    # Sessions of other batches into the same folder stay listed while their files are there.
    ours = {i.id for i in items}
    folder_rows = [row for key, row in previous.items() if key not in ours]
    return json.dumps({"generator": f"guided {__version__}", "sessions": rows + folder_rows}, indent=2,
                      ensure_ascii=False) + "\n"


def _write_index(path: Path, items: list[BatchItem], previous: dict[str, dict]) -> None:
    _write_files([(path, _index_text(items, previous))])


def playlist_text(title: str, items: list[BatchItem]) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{title}"]
    for item in items:
        lines.append(f"#EXTINF:{round(item.seconds)},{tagging.ARTIST} - {' '.join(item.title.split())}")
        lines.append(item.file)
    return "\n".join(lines) + "\n"


def _write_files(files: list[tuple[Path, str]]) -> None:
    moves = []
    try:
        for path, text in files:
            temp = exporting.temp_in(path.parent, path.name)
            moves.append((temp, path))
            temp.write_text(text, encoding="utf-8")
        exporting.commit(moves)
    finally:
        for temp, _ in moves:
            temp.unlink(missing_ok=True)
