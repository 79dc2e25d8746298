"""Running the server: the address it listens on, the addresses it prints (with a QR code for the
phone), and uvicorn, stopped cleanly by Ctrl-C or SIGTERM.

By default it listens on 127.0.0.1 only, without a token. On the local network (`lan=True`) it
listens on this machine's address on that network and every address carries a secret token, kept
in guided's config folder so that the address (and every podcast subscription to it) outlives a
restart until it is renewed.
The listening socket is bound here, before uvicorn starts, so a port already in use is one plain
line, and port 0 picks a free port (the printed address says which).
"""

from __future__ import annotations

import errno
import io
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import GuidedError, MissingDependencyError, Terminated, UsageError
from ..paths import paths
from .exports import Exports
from .security import LOOPBACK_HOSTS, kept_token

DEFAULT_PORT = 8765
LOOPBACK = "127.0.0.1"
INSTALL_HINT = "guided serve needs its extra packages: pip install 'guided[serve]'"
# Requests still under way when the server stops get this long to finish: a download cannot finish in
# time anyway, and a player resumes it with a Range request; a stop must feel immediate.
GRACE_SECONDS = 0.2


@dataclass(frozen=True)
class Address:
    host: str
    port: int
    token: str | None
    new_token: bool = False  # made on this run: addresses given out before no longer work

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/" + (f"{self.token}/" if self.token else "")


def check_installed() -> None:
    """Raise MissingDependencyError, with the install command, when the serve extra is missing."""
    try:
        import segno  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise MissingDependencyError(INSTALL_HINT) from None


def lan_address() -> str:
    """This machine's address on its local network: the one its default route leaves from.
    Connecting a UDP socket sends nothing; it only asks the system which address it would use."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1, a documentation address: never reached
            address = probe.getsockname()[0]
        except OSError:
            address = ""
    if not address or address.startswith("127.") or address == "0.0.0.0":
        raise GuidedError("no local network found to listen on; connect to one, or give --host ADDRESS")
    return address


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or one plain line saying why not."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror:
        raise UsageError(f"cannot listen on {host!r}: not an address of this machine") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise GuidedError(f"port {port} is already in use; choose another with --port N (0: any free port)") from None
        raise GuidedError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def qr_text(url: str) -> str:
    """The address as a QR code drawn with text, for a phone's camera."""
    import segno

    out = io.StringIO()
    segno.make(url, error="m", micro=False).terminal(out=out, compact=True, border=2)
    return out.getvalue()


def serve(exports: Exports, *, host: str | None = None, port: int = DEFAULT_PORT, lan: bool = False,
          token: str | None = None, renew_token: bool = False, on_ready: Callable[[Address], None] | None = None,
          log: Callable[[str], None] | None = None) -> int:
    """Serve `exports` until Ctrl-C or SIGTERM; returns the number of the signal that stopped it.

    `host`: the address to listen on (default 127.0.0.1, or the local network's with `lan`).
    `lan`: every address carries a secret token (`token`, or the one kept from the last run, a new
    one with `renew_token`); without it, 403. `on_ready(address)` is called once the socket
    listens; `log` hears one line per request.
    """
    check_installed()
    import uvicorn

    from . import connections
    from .app import make_app
    from .connections import GuardedProtocol

    made = False
    if lan:
        host = host or lan_address()
        if token is None:
            token, made = kept_token(paths().config, renew=renew_token)
    else:
        host = host or LOOPBACK
        token = None
    sock = bind(host, port)
    address = Address(host, sock.getsockname()[1], token, made)
    hosts = tuple(dict.fromkeys((*LOOPBACK_HOSTS, host, f"[{host}]")))
    app = make_app(exports, token=token, hosts=hosts, log=log)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http=GuardedProtocol, ws="none",
                            loop="asyncio", server_header=False, timeout_graceful_shutdown=GRACE_SECONDS,
                            limit_concurrency=connections.TOTAL * 2)
    stopped: list[int] = []

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            stopped.append(sig)
            # Exports stop at once (a render in progress is cancelled and cleaned up), so that no
            # request waits on one through the whole grace period.
            threading.Thread(target=exports.close, name="guided-serve-stop", daemon=True).start()
            super().handle_exit(sig, frame)

    server = Server(config)
    in_main = threading.current_thread() is threading.main_thread()
    # uvicorn raises the signal that stopped it again once it is done; SIGTERM then ends the run
    # the way Ctrl-C does, here, rather than killing the process before it has tidied up.
    previous = signal.signal(signal.SIGTERM, _as_interrupt) if in_main else None
    # SIGHUP (a closed terminal) is not one uvicorn listens to: taken as its own signals are, so
    # exports stop at once too. Raised as an exception instead, it would leave the server waiting
    # for an export under way to finish before the process could end.
    hangup = getattr(signal, "SIGHUP", None)
    previous_hangup = signal.signal(hangup, lambda sig, frame: None if server.should_exit else
                                    server.handle_exit(sig, frame)) if in_main and hangup else None
    try:
        if on_ready is not None:
            on_ready(address)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt as stop:  # one that came before uvicorn listened, or after
            if not stopped and isinstance(stop, Terminated):
                stopped.append(stop.signum)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
            if previous_hangup is not None:
                signal.signal(hangup, previous_hangup)
        sock.close()
        exports.close()
    return stopped[0] if stopped else signal.SIGINT


def _as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
