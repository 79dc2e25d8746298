"""Connections: what keeps one client from locking the others out, and a request quick on a
connection kept alive.

uvicorn keeps a connection open for as long as the client likes before its first request, and
while its headers come a byte at a time; a neighbour on the network needs no token to open
hundreds of such sockets and leave a real listener with 503. Each connection here has:

- a deadline for its request's headers (HEADERS_SECONDS from the moment it opened or finished
  its last response), after which a connection with no request under way is closed;
- a place in a bounded room: at most PER_CLIENT connections from one address and TOTAL in all.
  A new connection beyond either cap closes the oldest connections that have had a second to ask
  and have no request under way (idle, or still sending headers), of that address first; a request
  being answered is never cut, nor a connection just opened. So a flood of idle sockets makes room
  for the next real request instead of refusing it, and a burst of real clients is let in.
- a quick end: when the server stops, a response under way is cut at once (see shutdown);
- TCP_NODELAY: the listening socket is bound by guided (server.bind), with protocol 0, so asyncio
  does not set it; without it a kept-alive connection waits ~40 ms on each reply (Nagle's
  algorithm against the client's delayed ACK).
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADERS_SECONDS = 10.0
PER_CLIENT = 32
TOTAL = 256  # below uvicorn's own limit_concurrency, which answers 503 rather than making room
SETTLE_SECONDS = 1.0  # a connection younger than this is never closed to make room


class GuardedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a header deadline, the caps above and TCP_NODELAY."""

    _deadline = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass  # a socket that refuses it still works, only slower
        super().connection_made(transport)
        self.opened = self.loop.time()
        self._arm()
        self._make_room()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.opened = self.loop.time()  # waiting again: oldest-idle order restarts from here
        self._arm()

    def shutdown(self) -> None:
        """The server stops: a response under way (a download, most often) is cut at once rather than
        waited for, and ends quietly; a player resumes it with a Range request from the next run."""
        if self.busy and not self.transport.is_closing():
            self.transport.abort()
        else:
            super().shutdown()

    @property
    def busy(self) -> bool:
        """A request is under way on this connection (its headers are in, its response is not done)."""
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self._deadline = self.loop.call_later(HEADERS_SECONDS, self._on_deadline)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _on_deadline(self) -> None:
        self._deadline = None
        if not self.busy:
            self.transport.close()

    def _make_room(self) -> None:
        now = self.loop.time()
        everyone = [c for c in self.connections if isinstance(c, GuardedProtocol) and not c.transport.is_closing()]
        mine = [c for c in everyone if c.client_address == self.client_address]
        for group, cap in ((mine, PER_CLIENT), (everyone, TOTAL)):
            while len(group) > cap:
                # Only a connection that has had time to ask and has not: one just opened is sending
                # its request (a burst of real clients is let in; uvicorn's own limit is behind).
                idle = [c for c in group if c is not self and not c.busy and now - c.opened >= SETTLE_SECONDS]
                if not idle:
                    break
                oldest = min(idle, key=lambda c: c.opened)
                oldest.transport.close()
                group.remove(oldest)
                if oldest in everyone:
                    everyone.remove(oldest)

    @property
    def client_address(self) -> str | None:
        return self.client[0] if self.client else None
