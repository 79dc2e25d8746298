"""Makes the network unreachable for a child process, for tests that must work offline.

Put this folder on PYTHONPATH: every socket connection and every name lookup fails as on a
machine without a network, and each attempt is noted (one line) in the file named by
GUIDED_TEST_NETWORK_LOG, so a test can tell that nothing even tried. Nothing in the package knows
about this: it is the machine that changes, not the code.
"""

import os
import socket

_log = os.environ.get("GUIDED_TEST_NETWORK_LOG")


def _refuse(what: str, target) -> None:
    if _log:
        with open(_log, "a", encoding="utf-8") as f:
            f.write(f"{what} {target!r}\n")
    raise OSError(101, f"Network is unreachable ({what} {target!r})")


def _connect(self, address):
    if self.family == getattr(socket, "AF_UNIX", None):
        return _real_connect(self, address)  # local sockets are not the network
    _refuse("connect", address)


def _connect_ex(self, address):
    if self.family == getattr(socket, "AF_UNIX", None):
        return _real_connect_ex(self, address)
    _refuse("connect", address)


def _getaddrinfo(host, *args, **kwargs):
    _refuse("lookup", host)


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
socket.getaddrinfo = _getaddrinfo
