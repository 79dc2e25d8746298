"""What keeps the server safe by default: the secret token on the local network, the gate every
request passes, the security headers on every response, and an access log that never shows the
token (nor any part of a refused request's path, which may be a near miss of it).

The gate (a plain ASGI middleware in front of the app) turns away, before any route is looked at:
- a Host header that is not one of the addresses printed, or loopback (403): a web page that rebinds
  its own name to this machine's address cannot read the library through the visitor's browser;
- with a token (`--lan`), every request whose path does not start with /TOKEN/ (403);
- a request another site's page makes through the browser (Sec-Fetch-Site: cross-site), other than
  a link followed to the page (403), before anything is queued;
- any path with a `.` or `..` segment, a backslash or a NUL (404), after percent-decoding, which
  the server does before the app sees the path, so `%2e%2e` is `..` here;
- methods other than GET, HEAD and POST (405), and a POST from another site's page (403).
The routes themselves serve only names they know (see exports.Exports.path).
"""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import OutputError
from ..files import write_atomic

TOKEN_BYTES = 24  # 192 bits, more than the 128 asked of it
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
METHODS = ("GET", "HEAD", "POST")

HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
     b"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a page's address, token and all, is never sent on
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),  # no other site's page may embed a file
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


def new_token() -> str:
    """A fresh secret for the addresses: URL-safe, TOKEN_BYTES random bytes."""
    return secrets.token_urlsafe(TOKEN_BYTES)


TOKEN_FILE = "serve-token"
_TOKEN_SHAPE = re.compile("[A-Za-z0-9_-]{32,}")  # TOKEN_BYTES in base64: 32 characters


def kept_token(folder: Path, renew: bool = False) -> tuple[str, bool]:
    """The token kept in `folder` (guided's config folder) from an earlier run, so that a podcast
    app's subscription outlives a restart; a fresh one, kept there (0600), when there is none, when
    the one there is not a token, or when `renew`. Returns it and whether it is new."""
    path = folder / TOKEN_FILE
    if not renew:
        try:
            kept = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            kept = ""
        if _TOKEN_SHAPE.fullmatch(kept):
            try:
                if path.stat().st_mode & 0o077:
                    path.chmod(0o600)  # a copy made by hand may be readable by others: not any more
            except OSError:
                pass
            return kept, False
    token = new_token()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (token + "\n").encode(), private=True, durable=True)
    except OSError as exc:
        raise OutputError(f"cannot keep the server's address in {path}: {exc.strerror or exc}") from None
    return token, True


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def unsafe_path(path: str) -> bool:
    """A path no route could mean: a `.` or `..` segment, a backslash or a control character."""
    if "\\" in path or any(ord(c) < 32 or ord(c) == 127 for c in path):
        return True
    return any(segment in (".", "..") for segment in path.split("/"))


async def _plain(send, status: int, text: str, extra: list[tuple[bytes, bytes]] = ()) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store"), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Gate:
    """Checks every request before the app sees it; with a token, strips it from the path (as the
    app's root), so the app's own routes and relative addresses work under /TOKEN/."""

    def __init__(self, app, token: str | None = None, hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return  # no websockets
        headers = dict(scope.get("headers") or [])
        path: str = scope["path"]
        # The Host header names one of the addresses the server printed (or loopback), token or not:
        # the feed's addresses are built from it, and a page that rebinds its own name to this
        # machine's address sends its own name.
        host = _host_name(headers.get(b"host", b"").decode("latin-1").strip().lower())
        if host not in self.hosts:
            await _plain(send, 403, "forbidden")
            return
        if self.token is not None:
            prefix = "/" + self.token
            given = path.split("/", 2)[1] if path.startswith("/") else ""
            if not secrets.compare_digest(given.encode("utf-8", "replace"), self.token.encode()):
                await _plain(send, 403, "forbidden")
                return
            if path == prefix:  # the page's own relative addresses need the slash
                await _plain(send, 308, "moved", [(b"location", (prefix + "/").encode())])
                return
            scope = {**scope, "root_path": scope.get("root_path", "") + prefix}
        if cross_site(headers):
            await _plain(send, 403, "forbidden")
            return
        if unsafe_path(path):
            await _plain(send, 404, "not found")
            return
        method = scope["method"].upper()
        if method not in METHODS:
            await _plain(send, 405, "method not allowed", [(b"allow", b"GET, HEAD, POST")])
            return
        if method == "POST":
            origin = headers.get(b"origin")
            if origin is not None and _host_of_origin(origin.decode("latin-1")) != headers.get(b"host", b"").decode(
                    "latin-1").lower():
                await _plain(send, 403, "forbidden")
                return
        await self.app(scope, receive, send)


def cross_site(headers: dict[bytes, bytes]) -> bool:
    """A request another site's page made through the visitor's browser, other than following a link
    to the page: an <audio> or fetch() of the feed or a file would otherwise start exports (browsers
    say so in Sec-Fetch-Site; clients that do not send it, podcast apps, curl, are not browsers)."""
    if headers.get(b"sec-fetch-site", b"").strip().lower() != b"cross-site":
        return False
    navigating = headers.get(b"sec-fetch-mode", b"").strip().lower() == b"navigate"
    return not (navigating and headers.get(b"sec-fetch-dest", b"document").strip().lower() == b"document")


def _host_of_origin(origin: str) -> str:
    match = re.fullmatch(r"[a-z][a-z0-9+.-]*://([^/]+)", origin.strip().lower())
    return match.group(1) if match else ""


class SecurityHeaders:
    """Adds the security headers to every response, the gate's refusals included."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in HEADERS if h[0] not in present)]}
            await send(message)

        await self.app(scope, receive, with_headers)


class AccessLog:
    """One line per request (method, path, status) to `write`, with the token shown as `…`;
    `write` None logs nothing."""

    def __init__(self, app, token: str | None = None, write: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.token = token
        self.write = write

    def _shown(self, path: str, status: int) -> str:
        if status in (401, 403):
            # A refused request may carry a near miss of the token (or a guess at one): no part of it
            # is shown.
            return "/".join("…" if segment else "" for segment in path.split("/")) or "/"
        if self.token:
            path = path.replace(self.token, "…")
        # What a client sent is never printed raw: no control characters reach the terminal.
        return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in path)[:200]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self.write is None:
            await self.app(scope, receive, send)
            return
        status = {"code": 0}

        async def noting(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            self.write(f"{scope['method']} {self._shown(scope['path'], status['code'])} {status['code'] or '-'}")


def stderr_line(text: str) -> None:
    print(f"guided serve: {text}", file=sys.stderr, flush=True)
