"""What keeps the server safe by default: the secret token on the local network, the gate every
request passes, the security headers on every response, and an access log that never shows the
token.

The gate (a plain ASGI middleware in front of the app) turns away, before any route is looked at:
- with a token (`--lan`), every request whose path does not start with /TOKEN/ (403);
- without one (loopback), a Host header that is not this machine's (a web page that rebinds its
  own name to 127.0.0.1 cannot read the library through the visitor's browser);
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
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


def new_token() -> str:
    """A fresh secret for the addresses: URL-safe, TOKEN_BYTES random bytes."""
    return secrets.token_urlsafe(TOKEN_BYTES)


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
        if self.token is None:
            host = _host_name(headers.get(b"host", b"").decode("latin-1").strip().lower())
            if host not in self.hosts:
                await _plain(send, 403, "forbidden")
                return
        else:
            prefix = "/" + self.token
            given = path.split("/", 2)[1] if path.startswith("/") else ""
            if not secrets.compare_digest(given.encode("utf-8", "replace"), self.token.encode()):
                await _plain(send, 403, "forbidden")
                return
            if path == prefix:  # the page's own relative addresses need the slash
                await _plain(send, 308, "moved", [(b"location", (prefix + "/").encode())])
                return
            scope = {**scope, "root_path": scope.get("root_path", "") + prefix}
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

    def _shown(self, path: str) -> str:
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
            self.write(f"{scope['method']} {self._shown(scope['path'])} {status['code'] or '-'}")


def stderr_line(text: str) -> None:
    print(f"guided serve: {text}", file=sys.stderr, flush=True)
