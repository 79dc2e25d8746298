"""The console entry point (`guided`, `python -m guided`): guards Ctrl-C, SIGTERM and SIGHUP from the
very first import, so even an early stop ends with one line and exit status 128 + the signal
(130, 143, 129). Nothing heavy is imported before the guard is in place."""

import os
import signal
import sys

# numpy's OpenBLAS starts a thread per core when it loads, CPU at every start that a small machine
# takes from the bed's synthesis; guided does no linear algebra big enough to share out.
# Set before numpy loads (the package itself imports nothing heavy); a user's own setting stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# What GuidedGroup exits with after a stop by a signal: 128 + SIGHUP, SIGINT, SIGTERM.
STOP_STATUSES = (129, 130, 143)


def main() -> None:
    try:
        from .errors import install_stop_signals

        # A service manager's or `timeout`'s SIGTERM, or a closed terminal's SIGHUP, stops the work
        # the way Ctrl-C does (cleaning up, one line), from the first moment.
        install_stop_signals()
        from . import cli

        cli.main()
    except KeyboardInterrupt as stop:
        # `errors` itself may not have loaded yet: a Terminated carries its signal, Ctrl-C is 2.
        signum = getattr(stop, "signum", signal.SIGINT)
        _say("guided: interrupted\n" if signum == signal.SIGINT else f"guided: stopped by {signal.Signals(signum).name}\n")
        _exit_stopped(128 + signum)
    except SystemExit as done:
        if done.code in STOP_STATUSES:
            _exit_stopped(done.code)
        raise


def _say(line: str) -> None:
    try:
        sys.stderr.write(line)
    except Exception:  # a hung-up terminal: nobody is left to read it
        pass


def _exit_stopped(status: int) -> None:
    """Leave at once with `status`. A stop that is still pending when the interpreter shuts down
    would otherwise turn it into death by the signal; everything worth keeping is already closed."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or broken stream has nothing left to lose
            pass
    os._exit(status)


if __name__ == "__main__":  # not when a worker process imports this module again (spawn)
    main()
