"""`guided serve`: the library as a web page and a podcast feed, for a phone on the same network."""

from __future__ import annotations

import sys

import click

from . import cli
from .params import session_options, sound_options

EPILOG_SERVE = """\b
Examples:
  guided serve                         the library on http://127.0.0.1:8765/
  guided serve --lan                   on your local network, with a secret address and a QR code
  guided serve --lan --new-token       the same, at a new secret address (the old one stops working)
  guided serve rebuilding-trust --lan  one series only
  guided serve ~/my-scripts --port 9000
  guided serve --library ~/my-scripts  the library and your folder of scripts
  guided serve --lan --series rebuilding-trust --format m4b
  guided serve --engine piper --voice en_US-joe-medium --background rain

\b
Open the address on your phone: each session has a player with chapters and
captions, and a download link. Subscribe to the feed address in a podcast app
to download sessions for offline listening. A session not exported yet is
exported on first request (or copied from a folder 'guided export --all'
filled with the same options); the feed lists every session at once, and
prepares the rest in the background. With --lan the secret address is kept
from one run to the next: subscriptions survive a restart.
"""


@cli.command(epilog=EPILOG_SERVE)
@click.argument("target", metavar="[SERIES|FOLDER]", required=False)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--lan", is_flag=True,
              help="Listen on the local network, not just this computer; every address then carries a secret token.")
@click.option("--host", metavar="ADDRESS", help="Listen on this address.  [default: 127.0.0.1, or the local network's with --lan]")
@click.option("--library", "library_dirs", multiple=True, metavar="DIR", type=click.Path(exists=True, file_okay=False),
              help="Also serve the scripts in DIR (may be repeated).")
@click.option("--series", metavar="ID", help="What the podcast feed offers: one series.  [default: everything served]")
@click.option("--format", "fmt", type=click.Choice(["mp3", "m4b"]), default="mp3", show_default=True,
              help="Audio format of the page and the feed.")
@click.option("--exports", "folder", metavar="DIR",
              help="Export folder, shared with 'guided export --all DIR --captions vtt'.  [default: exports/FORMAT in guided's data folder]")
@click.option("--new-token", is_flag=True,
              help="With --lan: a new secret address; the old one stops working, and podcast apps must subscribe again.")
@click.option("-q", "--quiet", is_flag=True, help="No line per request on stderr.")
@sound_options
@click.pass_context
def serve(ctx: click.Context, target: str | None, port: int, lan: bool, host: str | None, library_dirs: tuple[str, ...],
          series: str | None, fmt: str, folder: str | None, new_token: bool, quiet: bool, **kwargs):
    """Listen on your phone: the library as a web page and a podcast feed.

    Starts a small web server on this computer (127.0.0.1 unless --lan)
    with a page that plays every session, and a podcast feed at feed.xml.
    Read-only: it serves the audio, captions and covers of its export folder
    and nothing else.
    Ctrl-C stops it.
    """
    from ..scripts.catalog import Catalog
    from ..serve import server
    from ..serve.exports import Exports, default_folder
    from ..serve.security import stderr_line

    server.check_installed()
    if new_token and not lan:
        raise click.UsageError("--new-token goes with --lan: on this computer alone, the address has no token")
    catalog = Catalog([*(ctx.parent.params.get("library_dirs") or ()), *library_dirs])
    options = session_options(kwargs)
    exports = Exports(folder or default_folder(fmt), target, options, fmt, feed=series, log=stderr_line,
                      catalog=catalog)

    def ready(address) -> None:
        count = len(exports.items())
        click.echo(f"guided serve: {count} session{'s' if count != 1 else ''} of {exports.title}; export folder "
                   f"{exports.folder}", err=True)
        where = "on your phone (same network)" if lan else "in a browser on this computer"
        click.echo(f"Open {where}: {address.url}")
        click.echo(f"Podcast feed: {address.url}feed.xml")
        if lan:
            click.echo(server.qr_text(address.url), nl=False)
            if new_token:
                click.echo("This is a new address: the old one no longer works, so podcast apps subscribed to it "
                           "must subscribe again.", err=True)
            elif not address.new_token:
                click.echo("The same address as last time (--new-token makes a new one).", err=True)
        click.echo("Ctrl-C stops the server.", err=True)
        sys.stdout.flush()

    signum = server.serve(exports, host=host, port=port, lan=lan, renew_token=new_token, on_ready=ready, log=None if quiet else stderr_line)
    click.echo("guided serve: stopped", err=True)
    ctx.exit(128 + int(signum))
