"""The console entry point: guards Ctrl-C from the very first import, so even an early interrupt
ends with one line and exit status 130."""

import os
import sys


def _stop_like_ctrl_c(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    import signal

    # A service manager's or `timeout`'s SIGTERM stops the work the way Ctrl-C does (cleaning up,
    # one line), from the first moment; `play` later turns it into a gentle fade.
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    try:
        from .cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:
        sys.stderr.write("guided: interrupted\n")
        _exit_interrupted()
    except SystemExit as done:
        if done.code == 130:
            _exit_interrupted()
        raise


def _exit_interrupted() -> None:
    """Leave at once with status 130. An interrupt that is still pending when the interpreter shuts
    down would otherwise turn it into death by SIGINT; everything worth keeping is already closed."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or broken stream has nothing left to lose
            pass
    os._exit(130)
