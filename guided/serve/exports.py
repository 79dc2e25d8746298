"""The export folder the server reads from, and the exports it makes there on demand.

What is served is a batch selection (the library, a series or a folder of scripts). Each session's
file in the folder, and whether it is up to date, are the batch exporter's own: `jobs.plan` names
the file and computes the content hash, and the folder's index.json says what each file was made
from; so a folder made by `guided export --all DIR --captions vtt` with the same options is served
as it is, and a session the server exports is one that `export --all` would find up to date. A
session that `export --all` made with the same options in another folder (with captions or
without) is copied from there rather than exported again.

A missing session is exported by the batch exporter, one session at a time, in a background thread
(the render itself runs in a worker process, so requests keep being answered), and at most once
however many requests ask for it at once: every request for it waits on the same future. Sessions
wanted now (a listener opened or downloads one) go before those the podcast feed fills in behind
them, whatever their state: one the feed queued moves to the front, and an export the feed started
gives way at once (it is stopped, its partial files removed, and queued again behind; the speech it
rendered stays in the cache, so it costs little when it starts over).
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from ..batch import jobs
from ..batch.index import INDEX, read_index
from ..batch.selection import Selection, select, up_to_date
from ..errors import GuidedError, OutputError
from ..options import SessionOptions
from ..paths import paths
from ..scripts.catalog import Catalog
from ..session.library import session_lengths

CAPTIONS = "vtt"  # the page's caption track; part of every export the server makes
NOW, LATER = 0, 1  # priorities: a listener waiting, a feed filling in
STOPPING = "the server stopped before this session was exported"


@dataclass(frozen=True)
class Item:
    """A session on offer: what the page lists and the file it is served from."""

    key: str  # the file's name without its extension: what URLs name it by
    id: str
    title: str
    kind: str
    series: str | None
    part: int | None
    description: str
    estimate: float  # seconds, estimated from the script
    file: str  # names in the export folder
    captions: str
    hash: str


@dataclass(frozen=True)
class Status:
    state: str  # "ready", "missing", "queued", "exporting" or "failed"
    progress: float = 0.0  # 0 to 1 while exporting
    seconds: float = 0.0  # the exported length, when ready
    error: str | None = None


@dataclass
class _Job:
    future: Future
    priority: int
    state: str = "queued"
    progress: float = 0.0
    yielding: bool = False  # a listener wants another session now: this export gives way


class _GiveWay(Exception):
    """Raised inside a background export that a listener's session overtakes."""


def default_folder(fmt: str) -> Path:
    """Where the server exports to when not told: a folder per format in the user's data folder
    (beside, never inside, the journal; only this folder is ever served)."""
    return paths().data / "exports" / fmt


class Exports:
    """The sessions of `target` (None: the whole library) in `folder`, exported there when asked."""

    def __init__(self, folder: str | os.PathLike, target: str | None = None,
                 options: SessionOptions = SessionOptions(), fmt: str = "mp3", *,
                 feed: str | None = None, log: Callable[[str], None] | None = None,
                 catalog: Catalog | None = None) -> None:
        self.folder = Path(folder).expanduser().absolute()
        try:
            made = not self.folder.exists()
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if made or self.folder == default_folder(fmt):
                self.folder.chmod(0o700)  # what it holds is the user's own: no other account reads it
        except OSError as exc:
            raise OutputError(f"cannot create the export folder {self.folder}: {exc.strerror or exc}") from None
        self.target = target
        self.options = options
        self.fmt = fmt
        self.log = log or (lambda message: None)
        self.feed = feed
        self.catalog = catalog or Catalog()
        self.selection = select(target, self.catalog)
        self.feed_selection = select(feed, self.catalog) if feed else self.selection
        from ..tts import make_engine

        # Once: the engine's identity is part of every content hash and does not change while serving.
        self._engine = make_engine(options.engine, options.voice, options.rate_wpm).identity()
        self._lock = threading.Condition()
        self._signature: tuple = ()
        self._items: dict[str, Item] = {}
        self._planned: dict[str, jobs.Planned] = {}
        self._jobs: dict[str, _Job] = {}
        self._failed: dict[str, tuple[str, str]] = {}  # key → (hash, message)
        self._queue: list[tuple[int, int, str]] = []
        self._order = itertools.count()
        self._stopping = threading.Event()
        self._index_rows: dict[str, dict] = {}
        self._index_stamp: tuple = ()
        self.exported = 0  # sessions exported since the server started
        self._refresh(force=True)
        fed_ids = {e.id for e in self.feed_selection.files}
        if not fed_ids & {i.id for i in self._items.values()}:
            raise GuidedError(f"nothing of {feed!r} is among the sessions served; leave out the target, or feed "
                              "one of its series")
        self._worker = threading.Thread(target=self._work, name="guided-serve-export", daemon=True)
        self._worker.start()

    # --- what is on offer --------------------------------------------------------------------

    def items(self) -> list[Item]:
        """Every session served, in library order; a script that changed is planned again."""
        self._refresh()
        return list(self._items.values())

    def item(self, key: str) -> Item | None:
        return self._items.get(key)

    def session(self, key: str):
        """The prepared session behind `key` (speech from the cache once it is exported), or None."""
        from ..session.prepared import prepare

        planned = self._planned.get(key)
        return None if planned is None else prepare(str(planned.entry.path), id=planned.entry.id, options=self.options)

    def find(self, name: str) -> Item | None:
        """The session whose audio or caption file is called `name` (as last planned)."""
        return next((i for i in self._items.values() if name in (i.file, i.captions)), None)

    def fed(self) -> list[Item]:
        """The sessions the podcast feed offers: those of the feed's series (or all served)."""
        wanted = {e.id for e in self.feed_selection.files}
        return [i for i in self.items() if i.id in wanted]

    @property
    def title(self) -> str:
        return self.selection.title

    @property
    def feed_title(self) -> str:
        return self.feed_selection.title

    def status(self, key: str) -> Status:
        item = self._items[key]
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                return Status(job.state, round(job.progress, 3))
            failed = self._failed.get(key)
        row = self._index().get(item.id)
        if up_to_date(row, item.hash, self.folder, item.file, item.captions):
            return Status("ready", 1.0, float(row.get("seconds", 0.0)))
        if failed and failed[0] == item.hash:
            return Status("failed", error=failed[1])
        return Status("missing")

    def expected_bytes(self, item: Item) -> int:
        """About the size `item`'s file will have, before it is exported (the feed must name one): its
        estimated length at the format's bitrate."""
        from ..export.formats import FORMATS

        rate = FORMATS[self.fmt].bitrate or "1411k"
        return int(item.estimate * int(rate.rstrip("k")) * 1000 / 8)

    def written(self, item: Item) -> float:
        """When `item`'s script was last changed (a Unix time): the date of an episode not exported yet."""
        planned = self._planned.get(item.key)
        try:
            return planned.entry.path.stat().st_mtime if planned is not None else time.time()
        except OSError:
            return time.time()

    def path(self, name: str) -> Path | None:
        """The file called `name` in the export folder when it is one the server offers (an audio or
        caption file of a session served, made from the current hash), a regular file and not a
        link (nor a hard link); otherwise None. Names never reach the file system unless they are on that
        list."""
        item = self.find(name)
        if item is None or self.status(item.key).state != "ready":
            return None
        candidate = self.folder / name
        try:
            if candidate.is_symlink() or not candidate.is_file():
                return None
            if candidate.stat().st_nlink > 1:
                return None  # a hard link: the same file is somewhere else too, perhaps somewhere private
            real = candidate.resolve(strict=True)
        except OSError:
            return None
        return real if real.parent == self.folder.resolve() else None

    def _index(self) -> dict[str, dict]:
        """The folder's index, read again only when it has changed (every request asks)."""
        stamp = _stamp(self.folder / INDEX)
        with self._lock:
            if stamp != self._index_stamp:
                self._index_rows, self._index_stamp = read_index(self.folder / INDEX), stamp
            return self._index_rows

    # --- exporting ---------------------------------------------------------------------------

    def request(self, key: str, priority: int = NOW) -> Future:
        """A future that is done when the session's files are ready (at once when they are); its
        export is started when none is under way. Raises KeyError for a key not served."""
        item = self._items[key]
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                future: Future = Future()
                future.set_running_or_notify_cancel()  # a waiter that goes away cannot cancel it for others
                if self.status(key).state == "ready":
                    future.set_result(item)
                    return future
                if self._stopping.is_set():
                    future.set_exception(GuidedError(STOPPING))
                    return future
                job = self._jobs[key] = _Job(future, priority)
                self._failed.pop(key, None)
                heapq.heappush(self._queue, (priority, next(self._order), key))
                self._lock.notify_all()
            elif priority < job.priority and job.state == "queued":
                job.priority = priority  # sooner: the older place in the queue is skipped when reached
                heapq.heappush(self._queue, (priority, next(self._order), key))
            if priority == NOW:
                for other, running in self._jobs.items():
                    if other != key and running.state == "exporting" and running.priority > NOW:
                        running.yielding = True
            return job.future

    def fill(self, items: list[Item]) -> int:
        """Queue every one of `items` that is not ready, behind what listeners ask for; how many."""
        missing = [i for i in items if self.status(i.key).state in ("missing", "failed")]
        for item in missing:
            self.request(item.key, LATER)
        return len(missing)

    def close(self) -> None:
        """Stop: the export under way stops at its next block (its partial files removed) and every
        waiter is told; returns once the worker has finished."""
        self._stopping.set()
        with self._lock:
            self._lock.notify_all()
        self._worker.join(timeout=30)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._stopping.is_set():
                    self._lock.wait()
                if self._stopping.is_set():
                    for job in self._jobs.values():
                        job.future.set_exception(GuidedError(STOPPING))
                    self._jobs.clear()
                    return
                priority, _, key = heapq.heappop(self._queue)
                job = self._jobs.get(key)
                if job is None or job.state != "queued" or job.priority != priority:
                    continue  # already done, or moved forward in the queue
                job.state = "exporting"
            self._export(key, job)

    def _export(self, key: str, job: _Job) -> None:
        item = self._items[key]
        planned = self._planned[key]
        started = time.monotonic()

        def progress(p: jobs.BatchProgress) -> None:
            if self._stopping.is_set():
                raise GuidedError(STOPPING)  # the batch cancels its worker, which removes its partial files
            if job.yielding:
                raise _GiveWay
            job.progress = min(1.0, p.done / p.total) if p.total else 0.0

        try:
            adopted = self._adopt(item, planned)
        except (OSError, GuidedError) as exc:  # a folder elsewhere that cannot be read: export instead
            self.log(f"could not use {item.id} from another export folder: {exc}")
            adopted = None
        if adopted is not None:
            with self._lock:
                self._jobs.pop(key, None)
                self.exported += 1
            self.log(f"found {item.id} already exported in {adopted}")
            job.future.set_result(item)
            return

        error: BaseException | None = None
        try:
            result = jobs.export_all(str(self.folder), Selection(key, item.title, (planned.entry,)), self.options,
                                      self.fmt, captions=CAPTIONS, jobs=1, progress=progress, playlist=False,
                                      engine=self._engine)
            if result.failed:
                error = GuidedError(result.failed[0].error or "the export failed")
        except _GiveWay:
            with self._lock:
                job.state, job.progress, job.yielding = "queued", 0.0, False
                heapq.heappush(self._queue, (job.priority, next(self._order), key))
            self.log(f"{item.id} waits: a listener's session goes first")
            return
        except Exception as exc:  # told to the page and the log; the server goes on serving the rest
            # Kept without its traceback: the frames it holds hold the batch's queue and semaphores,
            # which would then outlive the export (and, at a stop, be reported leaked).
            error = (exc.with_traceback(None) if isinstance(exc, GuidedError)
                     else GuidedError(f"{type(exc).__name__}: {exc}"))
            error.__context__ = error.__cause__ = None
        stopped = self._stopping.is_set()
        with self._lock:
            self._jobs.pop(key, None)
            if error is None:
                self.exported += 1
            elif not stopped:
                self._failed[key] = (item.hash, str(error))
        if error is None:
            from ..practice.log import record_exported

            self.log(f"exported {item.id} in {time.monotonic() - started:.1f} s")
            record_exported(item.id, item.title, self._engine, result.items[0].seconds, self.fmt)
            job.future.set_result(item)
        else:
            if not stopped:
                self.log(f"could not export {item.id}: {error}")
            job.future.set_exception(GuidedError(STOPPING) if stopped else error)

    def _adopt(self, item: Item, planned: jobs.Planned) -> Path | None:
        """Copy `item`'s files from a folder `guided export --all` filled (batch/folders.py), when
        they are up to date there for the server's options; the folder they came from, or None."""
        from ..batch.folders import copy_exported
        from ..export.captions import caption_file

        def captions() -> str | None:  # written from the session, for a file exported without them
            session = self.session(item.key)
            return None if session is None else caption_file(session.timeline, CAPTIONS)

        return copy_exported(planned, self.folder, self.options, self.fmt, self._engine, captions)

    # --- planning ----------------------------------------------------------------------------

    def _refresh(self, force: bool = False) -> None:
        """Plan again (file names and content hashes) when the scripts served have changed."""
        selection = select(self.target, self.catalog) if not force else self.selection
        fed = (select(self.feed, self.catalog) if self.feed else selection) if not force else self.feed_selection
        signature = tuple(_stamp(e.path) + (e.id,) for e in selection.files)
        if not force and signature == self._signature:
            return
        planned = jobs.plan(self.folder, selection, self.options, self.fmt, captions=CAPTIONS,
                             engine=self._engine)
        items: dict[str, Item] = {}
        by_key: dict[str, jobs.Planned] = {}
        # The length `guided list` shows: cached phrases at their real length, the rest estimated.
        lengths = session_lengths([p.script for p in planned], self.options)
        for p, length in zip(planned, lengths, strict=True):
            key = Path(p.file).stem
            script = p.script
            items[key] = Item(key=key, id=p.entry.id, title=script.title, kind=script.kind, series=script.series,
                              part=script.part, description=script.description,
                              estimate=round(length.seconds),
                              file=p.file, captions=p.captions or "", hash=p.hash)
            by_key[key] = p
        with self._lock:
            self.selection, self.feed_selection = selection, fed
            self._items, self._planned, self._signature = items, by_key, signature


def _stamp(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), None, None)
    return (str(path), stat.st_mtime_ns, stat.st_size)
