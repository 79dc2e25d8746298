"""What several commands share: parameter types, the sound options, turning them into
`SessionOptions` (through the library's one resolver), and preparing a session with a counter."""

from __future__ import annotations

import click

from ..options import DEFAULT_RATE_WPM, ENGINES, LOUDNESS_RANGE, SAMPLE_RATES
from ..timing.timefmt import clock
from . import catalog

__all__ = ["Duration", "Volume", "catalog", "clock", "complete", "prepare_with_progress", "session_options",
           "sound_options"]


def complete(names: str, files: bool = False):
    """A Click shell_complete callback offering guided.completion's ``names`` (session_ids,
    deck_ids, backgrounds, voices); with ``files``, the shell's file names when no name fits."""

    def callback(ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        from . import completion

        found = [CompletionItem(name) for name in getattr(completion, names)(incomplete)]
        return found or ([CompletionItem(incomplete, type="file")] if files else [])

    return callback


class Volume(click.ParamType):
    """A level as a percentage (`50%`, `150`) or in decibels (`-6dB`); stored as decibels."""

    name = "volume"

    def convert(self, value, param, ctx):
        from ..options import parse_volume

        if isinstance(value, float):
            return value
        db = parse_volume(value)
        if isinstance(db, str):
            self.fail(db, param, ctx)
        return db


class Duration(click.ParamType):
    """A duration as scripts write it: 90s, 2m, 1m30s."""

    name = "duration"

    def convert(self, value, param, ctx):
        from ..scripts.language import parse_duration_ms

        if isinstance(value, (int, float)):
            return float(value)
        ms = parse_duration_ms(str(value))
        if ms is None or ms <= 0:
            self.fail(f"expected a duration such as 8s, 90s or 2m, not {value!r}", param, ctx)
        return ms / 1000


def sound_options(function):
    """The options that shape how a session sounds; shared by every command that renders one."""
    options = [
        click.option("--background", "-b", metavar="NAME|FILE|none", shell_complete=complete("backgrounds", files=True),
                     help="Ambient bed under the voice: a built-in name (guided sounds), any audio file, or none. Default: the script's own."),
        click.option("--voice", metavar="ID", shell_complete=complete("voices", files=True), help="Voice of the speech engine (guided voices lists them)."),
        click.option("--rate", "rate_wpm", type=click.IntRange(60, 300), default=None, metavar="WPM",
                     help=f"Speaking pace in words a minute of speech (pauses not counted).  [default: {DEFAULT_RATE_WPM}]"),
        click.option("--engine", type=click.Choice(ENGINES), default=None,
                     help="Speech engine: piper (natural, when a voice is installed), pyttsx3 (the system voices), "
                          "or auto (piper when it can).  [default: auto, or GUIDED_ENGINE]"),
        click.option("--voice-volume", type=Volume(), default=None, help="Voice level against the rest (80%, -3dB).  [default: 100%]"),
        click.option("--background-volume", type=Volume(), default=None, help="Bed level.  [default: 100%]"),
        click.option("--bell-volume", type=Volume(), default=None, help="Bell level.  [default: 100%]"),
        click.option("--duck", metavar="DB", default=None,
                     help="How far the bed dips under a spoken passage (0dB: not at all).  [default: 10dB]"),
        click.option("--duck-hold", metavar="SECONDS", default=None,
                     help="Pauses shorter than this keep the bed down; it rises slowly into longer ones.  [default: 7s]"),
        click.option("--loudness", type=click.FloatRange(*LOUDNESS_RANGE), default=None, metavar="LUFS",
                     help="Loudness of the whole session, integrated, from -40 to -14 (louder would push the "
                          "voice's true peaks past -1 dBTP).  [default: -16]"),
        click.option("--mono", is_flag=True, help="One channel instead of two."),
        click.option("--sample-rate", type=click.Choice([str(r) for r in SAMPLE_RATES]), default="44100",
                     show_default=True, help="Samples a second."),
        click.option("--minutes", type=click.FloatRange(min=0, min_open=True), metavar="N",
                     help="Stretch or shrink the pauses so the session lasts N minutes."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def session_options(kwargs: dict):
    """The sound options taken out of a command's keyword arguments, resolved by the library
    (command line, then environment, then config.toml, then defaults)."""
    from ..options import resolve

    return resolve(
        engine=kwargs.pop("engine"),
        voice=kwargs.pop("voice"),
        rate=kwargs.pop("rate_wpm"),
        background=kwargs.pop("background"),
        loudness=kwargs.pop("loudness"),
        voice_volume=kwargs.pop("voice_volume"),
        background_volume=kwargs.pop("background_volume"),
        bell_volume=kwargs.pop("bell_volume"),
        duck=kwargs.pop("duck"),
        duck_hold=kwargs.pop("duck_hold"),
        minutes=kwargs.pop("minutes"),
        sample_rate=int(kwargs.pop("sample_rate")),
        mono=kwargs.pop("mono"),
    )


def prepare_with_progress(source: str, options, quiet: bool = False, terminal=None, progressive: bool = False):
    """Render speech with a counter on stderr (only on a terminal), then return the prepared session.
    With a `terminal` (guided.terminal.Terminal) the counter is its live line, and `q` pressed while
    preparing raises KeyboardInterrupt with `terminal.quit_requested` set. `progressive`: what is not
    cached renders while the session plays (no counter then)."""
    from ..session.prepared import prepare
    from .terminal import Terminal

    terminal = terminal or Terminal(quiet=quiet, keys=False)
    # Before the first count there can be a moment to wait (a speech model loading): say so rather
    # than leave the screen blank.
    terminal.live(["preparing speech…" + ("  (q to stop)" if terminal.keys_active else "")])
    try:
        session = prepare(source, options=options, progress=terminal.progress, progressive=progressive,
                          catalog=catalog())
    except KeyboardInterrupt:
        terminal.settle()  # the counter goes, and with it the ^C a terminal without our keys echoed below it
        raise
    terminal.settle()
    return session
