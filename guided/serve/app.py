"""The web app: the page, its small JSON API, the audio and caption files, chapters, artwork and
the podcast feed, as Starlette routes behind the gate of security.py.

Addresses (relative to the server's root, which is /TOKEN/ on the local network):
  /                       the page (static/index.html, app.js, style.css: no build step, no CDN)
  api/library             the sessions served, with their state (ready, exporting, ...)
  api/sessions/KEY        one session: state and progress, then its files and chapters
  api/sessions/KEY/export (POST) export it now, if it is not ready
  audio/FILE              the exported audio: Range, HEAD, ETag and Last-Modified, exported on first request
  captions/FILE           its WebVTT captions
  chapters/KEY.json       its chapters in the podcast namespace's JSON format
  art/KEY.png|jpg         the cover inside its file; art/library.png the feed's own
  map/KEY.png             the session's map (when matplotlib is installed), drawn once per content hash
  feed.xml                the podcast feed
Every name in an address is looked up among the names the server made; nothing from an address
is ever joined to a folder unchecked.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import GuidedError
from . import media
from .exports import NOW, Exports, Item, Status
from .feed import CHAPTERS_TYPE, Channel, Episode, feed_xml
from .security import LOOPBACK_HOSTS, AccessLog, Gate, SecurityHeaders

STATIC = Path(__file__).parent / "static"
LIBRARY_ART = "library.png"
FEED_ART_SIZE = 1400  # pixels a side: podcast directories and apps ask for 1400 to 3000
MAPS = ".maps"  # session maps, inside the export folder (never served but through map/KEY.png)
NO_STORE = {"cache-control": "no-store"}
ART_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


def make_app(exports: Exports, *, token: str | None = None, hosts: tuple[str, ...] = LOOPBACK_HOSTS,
             log=None):
    """The whole ASGI app for `exports`: routes, gate, security headers and access log (to `log`)."""
    app = Starlette(routes=[
        Route("/", page),
        Route("/api/library", library),
        Route("/api/sessions/{key}", session),
        Route("/api/sessions/{key}/export", export, methods=["POST"]),
        Route("/audio/{name}", audio),
        Route("/captions/{name}", captions),
        Route("/chapters/{name}", chapters),
        Route("/art/{name}", art),
        Route("/map/{name}", session_map),
        Route("/feed.xml", feed),
        Mount("/static", StaticFiles(directory=STATIC, follow_symlink=False)),
    ])
    app.state.exports = exports
    app.state.library_art = None
    return AccessLog(SecurityHeaders(Gate(app, token, hosts)), token, log)


def _exports(request: Request) -> Exports:
    return request.app.state.exports


def _missing() -> Response:
    return PlainTextResponse("not found", status_code=404, headers=NO_STORE)


def _row(item: Item, status: Status) -> dict:
    ready = status.state == "ready"
    return {
        "key": item.key, "id": item.id, "title": item.title, "kind": item.kind, "series": item.series,
        "part": item.part, "description": item.description,
        "seconds": round(status.seconds if ready else item.estimate, 1), "estimated": not ready,
        "state": status.state, "progress": status.progress, "error": status.error,
    }


async def page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers={"cache-control": "no-cache"})


async def library(request: Request) -> Response:
    exports = _exports(request)

    def rows() -> list[dict]:
        return [_row(item, exports.status(item.key)) for item in exports.items()]

    return JSONResponse({"title": exports.title, "format": exports.fmt, "feed": "feed.xml",
                         "sessions": await run_in_threadpool(rows)}, headers=NO_STORE)


async def session(request: Request) -> Response:
    exports = _exports(request)
    item = exports.item(request.path_params["key"])
    if item is None:
        return _missing()
    status = await run_in_threadpool(exports.status, item.key)
    row = _row(item, status)
    if status.state == "ready":
        path = await run_in_threadpool(exports.path, item.file)
        if path is not None:
            found = await run_in_threadpool(media.chapters, path)
            row.update(audio=f"audio/{item.file}", captions=f"captions/{item.captions}", mime=media.mime_of(item.file),
                       bytes=path.stat().st_size, chapters_url=f"chapters/{item.key}.json",
                       chapters=[{"title": c.title, "start": c.start, "end": c.end} for c in found])
            if pictures_available():
                row["map"] = f"map/{item.key}.png"
            picture = await run_in_threadpool(media.cover, path)
            if picture is not None:
                row["art"] = f"art/{item.key}.{ART_EXTENSIONS.get(picture[1], 'jpg')}"
    return JSONResponse(row, headers=NO_STORE)


async def export(request: Request) -> Response:
    exports = _exports(request)
    item = exports.item(request.path_params["key"])
    if item is None:
        return _missing()
    exports.request(item.key, NOW)
    return JSONResponse(_row(item, await run_in_threadpool(exports.status, item.key)), status_code=202,
                        headers=NO_STORE)


async def _ready_path(exports: Exports, item: Item, name: str) -> Path | Response:
    """The file `name` of `item`, exported first when it is not ready (every request for the same
    session waits on the one export)."""
    try:
        await asyncio.wrap_future(exports.request(item.key, NOW))
    except GuidedError as exc:
        return PlainTextResponse(f"not available: {exc}", status_code=503, headers={**NO_STORE, "retry-after": "30"})
    path = await run_in_threadpool(exports.path, name)
    return path if path is not None else _missing()


async def audio(request: Request) -> Response:
    exports, name = _exports(request), request.path_params["name"]
    item = exports.find(name)
    if item is None or item.file != name:
        return _missing()
    found = await _ready_path(exports, item, name)
    return found if isinstance(found, Response) else _file(request, found, media.mime_of(name))


async def captions(request: Request) -> Response:
    exports, name = _exports(request), request.path_params["name"]
    item = exports.find(name)
    if item is None or item.captions != name:
        return _missing()
    found = await _ready_path(exports, item, name)
    return found if isinstance(found, Response) else _file(request, found, media.mime_of(name))


async def chapters(request: Request) -> Response:
    exports, name = _exports(request), request.path_params["name"]
    item = exports.item(name.removesuffix(".json")) if name.endswith(".json") else None
    if item is None:
        return _missing()
    found = await _ready_path(exports, item, item.file)
    if isinstance(found, Response):
        return found
    document = media.chapters_document(await run_in_threadpool(media.chapters, found), item.title)
    return JSONResponse(document, media_type=CHAPTERS_TYPE, headers={"cache-control": "no-cache"})


async def art(request: Request) -> Response:
    exports, name = _exports(request), request.path_params["name"]
    if name == LIBRARY_ART:
        if request.app.state.library_art is None:
            from ..export.tags import generated_cover

            request.app.state.library_art = (await run_in_threadpool(generated_cover, exports.feed_title,
                                                                     FEED_ART_SIZE)).data
        return Response(request.app.state.library_art, media_type="image/png", headers={"cache-control": "no-cache"})
    stem, _, extension = name.rpartition(".")
    item = exports.item(stem)
    path = await run_in_threadpool(exports.path, item.file) if item is not None else None
    picture = await run_in_threadpool(media.cover, path) if path is not None else None
    if picture is None or ART_EXTENSIONS.get(picture[1]) != extension:
        return _missing()
    return Response(picture[0], media_type=picture[1], headers={"cache-control": "no-cache"})


async def session_map(request: Request) -> Response:
    exports, name = _exports(request), request.path_params["name"]
    item = exports.item(name.removesuffix(".png")) if name.endswith(".png") else None
    if item is None or not pictures_available():
        return _missing()
    found = await _ready_path(exports, item, item.file)  # its speech is cached once it is exported
    if isinstance(found, Response):
        return found
    # Drawn once for each version of the session: the content hash names the picture.
    drawn = exports.folder / MAPS / f"{item.key}.{item.hash[:16]}.png"
    if not drawn.is_file():
        from ..practice.pictures import session_map

        def make() -> None:
            session = exports.session(item.key)
            if session is not None:
                drawn.parent.mkdir(exist_ok=True)
                session_map(session, drawn)

        try:
            await run_in_threadpool(make)
        except GuidedError as exc:
            return PlainTextResponse(f"not available: {exc}", status_code=503, headers=NO_STORE)
    return _file(request, drawn, "image/png") if drawn.is_file() else _missing()


def pictures_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


class _Served(FileResponse):
    """Starlette's FileResponse, but a Range header it cannot read is ignored (the whole file, 200),
    as RFC 9110 asks, rather than answered 400; one that asks beyond the file is still 416."""

    @classmethod
    def _parse_range_header(cls, http_range: str, file_size: int) -> list[tuple[int, int]]:
        from starlette.responses import MalformedRangeHeader

        try:
            return super()._parse_range_header(http_range, file_size)
        except MalformedRangeHeader:
            return []


def _file(request: Request, path: Path, mime: str) -> Response:
    """A file with Range, HEAD, ETag and Last-Modified, and 304 when the client's copy is current
    (If-None-Match first; If-Modified-Since compared as a date, to the second)."""
    stat = os.stat(path)
    response = _Served(path, media_type=mime, stat_result=stat, headers={"cache-control": "no-cache"})
    tag = response.headers["etag"]
    wanted = request.headers.get("if-none-match")
    if wanted is not None:
        current = tag in [t.strip().removeprefix("W/") for t in wanted.split(",")] or wanted.strip() == "*"
    else:
        current = _not_modified_since(request.headers.get("if-modified-since"), stat.st_mtime)
    if current and request.method in ("GET", "HEAD"):
        return Response(status_code=304, headers={"etag": tag, "last-modified": response.headers["last-modified"],
                                                  "cache-control": "no-cache"})
    return response


def _not_modified_since(since: str | None, modified: float) -> bool:
    """The file has not changed since the date `since` (an HTTP date, in any of its three forms);
    False for a date that cannot be read, so the file is sent."""
    if not since:
        return False
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(since.strip())
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        return False
    return int(modified) <= when.timestamp()


async def feed(request: Request) -> Response:
    exports = _exports(request)
    base = str(request.base_url)

    def build() -> bytes:
        items = exports.fed()
        # Every session is listed from the first fetch: those not exported yet with their expected
        # size and length, prepared in the background from now on, or at once when an app downloads
        # one (the download waits for it). Their guid already names the content, so an episode does
        # not change identity when its file is made.
        waiting = exports.fill(items)
        episodes = []
        for item in items:
            path = exports.path(item.file)
            picture = media.cover(path) if path is not None else None
            if path is not None:
                stat = path.stat()
                length, seconds, published = stat.st_size, exports.status(item.key).seconds, stat.st_mtime
            else:
                length, seconds, published = exports.expected_bytes(item), item.estimate, exports.written(item)
            episodes.append(Episode(
                guid=f"guided:{item.id}:{item.hash[:16]}", title=item.title,
                description=item.description or item.title, url=f"{base}audio/{item.file}", length=length,
                mime=media.mime_of(item.file), seconds=seconds, published=published,
                image=f"{base}art/{item.key}.{ART_EXTENSIONS[picture[1]]}" if picture and picture[1] in ART_EXTENSIONS
                else None,
                chapters=f"{base}chapters/{item.key}.json", transcript=f"{base}captions/{item.captions}",
                number=item.part,
            ))
        note = (f" {waiting} of them are being prepared; each downloads once it is ready." if waiting else "")
        channel = Channel(
            title=exports.feed_title if exports.feed_title != "guided" else "guided: your library",
            description=f"Voice-guided sessions from your own guided library, served from this computer.{note}",
            link=base, feed_url=f"{base}feed.xml", image=f"{base}art/{LIBRARY_ART}",
            serial=bool(items) and all(i.part is not None for i in items),
        )
        return feed_xml(channel, episodes, time.time())

    return Response(await run_in_threadpool(build), media_type="application/rss+xml",
                    headers={"cache-control": "no-cache"})
