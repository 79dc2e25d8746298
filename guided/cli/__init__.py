"""The `guided` command: Click commands that parse, call the library, and print.

Each module here holds the commands of one area; none holds logic of its own. Every GuidedError
becomes one line on stderr and its exit code. Messages and progress go to stderr; stdout stays
clean for --json and `-o -`. The terminal is the CLI's too: `terminal` (the one owner of the screen
while a session plays), `keys`, `display` and Tab `completion`.

May import every room: it is the top of the layers. Nothing imports it but `guided.__main__`.
"""

from __future__ import annotations

import os
import sys

import click

from .. import errors
from ..errors import GuidedError
from ..paths import VERSION


class GuidedGroup(click.Group):
    """Turns every GuidedError into one line on stderr and its exit code; never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GuidedError as exc:
            click.echo(f"guided: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP (errors.Terminated)
            try:
                click.echo(f"guided: {errors.describe_stop(stop)}", err=True)
            except OSError:  # a hung-up terminal: nobody is left to read it
                pass
            ctx.exit(errors.exit_status(stop))
        except BrokenPipeError:
            # The reader of our stdout went away (e.g. `| head`); nothing more to say.
            sys.stderr.close()
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug, not the user's mistake: still one line, with a way to see more
            if os.environ.get("GUIDED_DEBUG"):
                raise
            click.echo(
                f"guided: unexpected error: {type(exc).__name__}: {exc} (set GUIDED_DEBUG=1 for details, and please report it)",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=GuidedGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(VERSION, "--version", "-V", prog_name="guided")
@click.option("--library", "library_dirs", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False),
              help="Also find scripts in DIR (may be repeated, or DIR1:DIR2); searched before GUIDED_LIBRARY, "
                   "your own script folder and the built-in library.")
@click.pass_context
def cli(ctx: click.Context, library_dirs: tuple[str, ...] = ()):
    """Voice-guided meditation and reflection, offline.

    \b
    Start here:
      guided play                          hear heart-breathing now
      guided list                          the sessions in the library
      guided journal --questions 3         three reflection questions, hands-free
      guided export heart-breathing -o heart.mp3
      guided show trust-questions          the outline, with times
      guided validate my-script.md         check a script you wrote
      guided doctor                        check that everything works

    Sessions are plain text scripts (guided help script). Speech is
    rendered offline and cached, so a session you have heard before starts at once.
    All user state lives under GUIDED_HOME when it is set.

    This is a tool for self-reflection, not a substitute for therapy.
    """
    from ..scripts.catalog import Catalog

    ctx.obj = Catalog(library_dirs)  # every command of this run finds scripts through it (params.catalog)


def catalog():
    """The scripts this run finds: --library's folders first (the command group keeps the catalogue
    in the context; without one, as during Tab completion, the usual folders)."""
    from ..scripts.catalog import Catalog

    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Catalog) if ctx is not None else None
    return found if found is not None else Catalog()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="guided")


# The commands register themselves on `cli` when their modules are imported.
from . import exporting, help, journal, listing, log, playing, scripts, serving, system, transcribe  # noqa: E402, F401
