"""Pictures, drawn with matplotlib on its Agg canvas (no display, no pyplot, no global state):

- the session map: a session's shape in time, read from its Timeline (spoken phrases as blocks,
  silences, bells as marks, chapters labelled) and from its mixer (the bed's level, dipping under
  the voice);
- the practice calendar: one square a day over the last weeks, shaded by the minutes heard.

Each drawing returns what it actually drew, read back from the drawn shapes, so a program (or a
test) can check a picture against the timeline without looking at pixels. matplotlib is an
optional extra (`pictures`), imported only here and only when a picture is asked for.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ..errors import MissingDependencyError, OutputError
from ..files import write_atomic
from ..paths import libraries_kept_home
from ..timing.timefmt import clock

WIDTH, HEIGHT = 1200, 400
DPI = 100
BED_FLOOR_DB = -30.0  # the lowest bed level the map shows; the fades start below it

# Calm colours: paper, sage, slate and a muted gold for the bells.
PAPER = "#fbfaf7"
BAND = "#f1efe8"
INK = "#3d4a52"
FAINT = "#8a969c"
VOICE = "#5b7f95"
SILENCE = "#dfe7e2"
REFLECT = "#c6d6cc"
BELL = "#b98f3e"
BED = "#7a9e8e"
EMPTY_DAY = "#ebe9e2"
DAY_SHADES = ("#d6e6dc", "#3f6f73")  # a few minutes … an hour or more


@dataclass(frozen=True)
class SessionMap:
    """What the session map shows, in seconds, as drawn."""

    path: str
    width: int
    height: int
    seconds: float
    phrases: tuple[tuple[float, float], ...]  # (start, end) of each phrase block
    silences: tuple[tuple[float, float, str], ...]  # (start, end, kind): pause, reflect or sit
    bells: tuple[float, ...]
    chapters: tuple[tuple[str, float, float], ...]
    bed_times: tuple[float, ...] = ()  # the bed's level curve (empty without a bed)
    bed_db: tuple[float, ...] = ()


@dataclass(frozen=True)
class Calendar:
    """What the calendar shows: each day's minutes and the colour its square was given."""

    path: str
    width: int
    height: int
    first: date
    last: date
    minutes: dict[date, float]
    colours: dict[date, tuple[float, float, float, float]]


def _matplotlib():
    """matplotlib's Figure and Agg canvas, or one clear line on how to add them."""
    try:
        with libraries_kept_home():
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "pictures need matplotlib, which is not installed: pip install 'guided[pictures]' (or pip install matplotlib)"
        ) from None
    return Figure, FigureCanvasAgg


def preflight(path: str | os.PathLike) -> None:
    """What can be wrong with a picture before any work: matplotlib missing, or no such folder."""
    _matplotlib()
    _folder(Path(path).expanduser())


def _folder(target: Path) -> None:
    if not target.parent.is_dir():
        raise OutputError(f"the folder {target.parent.absolute()} does not exist; create it first or choose another file")
    if target.is_dir():
        raise OutputError(f"{target} is a folder; choose another name, such as {target / 'map.png'}")


def _figure(width: int, height: int):
    if width < 200 or height < 100:
        raise OutputError(f"a picture of {width}×{height} is too small to read; ask for at least 200×100")
    Figure, Canvas = _matplotlib()
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=PAPER)
    Canvas(figure)
    return figure


def _save(figure, path: str | os.PathLike) -> str:
    """Write the PNG whole or not at all, at exactly the figure's size in pixels."""
    target = Path(path).expanduser()
    _folder(target)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=figure.get_facecolor())
    try:
        write_atomic(target, buffer.getvalue())
    except OSError as exc:
        raise OutputError(f"cannot write the picture {target}: {exc.strerror or exc}") from None
    return str(target)


def _extents(collection) -> list[tuple[float, float]]:
    """The (left, right) of each bar a broken_barh collection really holds, in data units."""
    spans = []
    for drawn in collection.get_paths():
        xs = drawn.vertices[:, 0]
        spans.append((float(xs.min()), float(xs.max())))
    return sorted(spans)


def _fit_label(text: str, pixels: float, size: float) -> str:
    """The label cut to what fits in `pixels` at font `size` (a character is about 0.55 em wide)."""
    fits = int(pixels / (size * 0.55 * DPI / 72))
    if fits >= len(text):
        return text
    return text[: max(0, fits - 1)].rstrip() + "…" if fits > 3 else ""


# --- the session map ----------------------------------------------------------------------------

LANES = {"bed": (0.06, 0.30), "bells": (0.40, 0.08), "silence": (0.50, 0.08), "voice": (0.60, 0.16)}


def session_map(session, path: str | os.PathLike, *, width: int = WIDTH, height: int = HEIGHT,
                minutes: float | None = None) -> SessionMap:
    """Draw `session`'s map to the PNG `path`: a time axis, the spoken phrases as blocks, silences,
    bells as marks, the bed's level with its ducking, chapters labelled. `minutes` says in the
    title that the session was fitted to that length."""
    timeline = session.timeline
    rate = timeline.rate
    total = timeline.total / rate
    figure = _figure(width, height)
    ax = figure.add_axes((0.085, 0.13, 0.895, 0.70))
    ax.set_facecolor(PAPER)
    ax.set_xlim(0, total)
    ax.set_ylim(0, 1)

    chapters = []
    pixels_per_second = width * 0.895 / max(total, 1e-9)
    for index, chapter in enumerate(timeline.sections):
        start, end = chapter.start / rate, chapter.end / rate
        if index % 2:
            ax.axvspan(start, end, color=BAND, zorder=0, linewidth=0)
        ax.axvline(start, color=FAINT, linewidth=0.6, alpha=0.5, zorder=1)
        label = _fit_label(chapter.title, (end - start) * pixels_per_second - 6, 9)
        ax.text(start + 3 / pixels_per_second, 0.97 - 0.07 * (index % 2), label, fontsize=9, color=INK,
                va="top", ha="left", zorder=5)
        chapters.append((chapter.title, start, end))

    speech = [(e.start / rate, e.length / rate) for e in timeline.speech]
    voice_y, voice_h = LANES["voice"]
    phrases = _extents(ax.broken_barh(speech, (voice_y, voice_h), facecolors=VOICE, linewidth=0, zorder=3))
    for event in timeline.speech:
        if event.question:
            ax.text(event.start / rate, voice_y + voice_h + 0.01, f"Q{event.question}", fontsize=7, color=INK,
                    va="bottom", ha="left", zorder=5)

    silence_y, silence_h = LANES["silence"]
    silences = []
    for kind, colour in (("pause", SILENCE), ("breath", SILENCE), ("sit", REFLECT), ("reflect", REFLECT)):
        quiet = [(e.start / rate, e.length / rate) for e in timeline.events if e.kind == kind]
        if quiet:
            drawn = ax.broken_barh(quiet, (silence_y, silence_h), facecolors=colour, linewidth=0, zorder=2)
            silences += [(a, b, kind) for a, b in _extents(drawn)]

    bells_y, bells_h = LANES["bells"]
    bell_times = [e.start / rate for e in timeline.bells]
    if bell_times:
        ax.vlines(bell_times, LANES["bed"][0], voice_y + voice_h, colors=BELL, linewidth=0.8, alpha=0.45, zorder=2)
        marks = ax.plot(bell_times, [bells_y + bells_h / 2] * len(bell_times), "o", color=BELL, markersize=6,
                        zorder=4)[0]
        bell_times = [float(x) for x in marks.get_xdata()]

    bed_times: tuple[float, ...] = ()
    bed_db: tuple[float, ...] = ()
    bed_y, bed_h = LANES["bed"]
    if session.mixer.bed is not None:
        # One point every ~2 pixels is as fine as the picture can show.
        positions = np.unique(np.linspace(0, timeline.total - 1, max(2, width * 2)).astype(np.int64))
        level = session.mixer.bed_envelope(positions)
        db = np.maximum(20 * np.log10(np.maximum(level, 1e-9)), BED_FLOOR_DB)
        y = bed_y + bed_h * (db - BED_FLOOR_DB) / -BED_FLOOR_DB
        times = positions / rate
        ax.fill_between(times, bed_y, y, color=BED, alpha=0.25, linewidth=0, zorder=2)
        line = ax.plot(times, y, color=BED, linewidth=1.4, zorder=3)[0]
        bed_times = tuple(float(t) for t in line.get_xdata())
        bed_db = tuple(float(d) for d in db)
        name = session.background
        ax.text(total * 0.995, bed_y + bed_h + 0.01, f"{Path(str(name)).stem} bed, dipping under the voice",
                fontsize=8, color=FAINT, ha="right", va="bottom", zorder=5)
    else:
        ax.text(3 / pixels_per_second, bed_y + bed_h / 2, "no background under the voice", fontsize=8, color=FAINT,
                va="center", ha="left")

    ax.set_yticks([y + h / 2 for y, h in LANES.values()], ["background", "bells", "silence", "voice"])
    ax.tick_params(axis="y", length=0, labelsize=9, labelcolor=INK)
    ax.tick_params(axis="x", labelsize=9, labelcolor=INK, color=FAINT)
    step = _tick_step(total)
    ax.set_xticks(np.arange(0, total + 1e-9, step), [clock(t) for t in np.arange(0, total + 1e-9, step)])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(FAINT)

    fitted = f", fitted to {minutes:g} minutes" if minutes else ""
    stats = timeline.stats()
    figure.text(0.085, 0.93, f"{timeline.title}", fontsize=13, color=INK, ha="left", va="center")
    figure.text(0.98, 0.93, f"{clock(total)}{fitted} · {clock(stats['speech_seconds'])} spoken · "
                f"{len(timeline.bells)} bells · {len(timeline.sections)} chapters",
                fontsize=9, color=FAINT, ha="right", va="center")
    written = _save(figure, path)
    return SessionMap(written, width, height, total, tuple(phrases), tuple(sorted(silences)), tuple(bell_times),
                      tuple(chapters), bed_times, bed_db)


def _tick_step(seconds: float) -> float:
    """A round step for the time axis: about eight to fifteen ticks."""
    for step in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if seconds / step <= 15:
            return step
    return 7200


# --- the practice calendar ----------------------------------------------------------------------


def calendar(path: str | os.PathLike, *, weeks: int = 20, today: date | None = None, width: int = WIDTH,
             height: int = HEIGHT, log_path: Path | None = None) -> Calendar:
    """Draw the last `weeks` weeks of the practice log to the PNG `path`: a column a week (Monday at
    the top), a square a day, shaded by the minutes heard that day."""
    from .report import daily_minutes, duration_words

    if not 1 <= weeks <= 104:
        raise OutputError(f"the calendar shows from 1 to 104 weeks, not {weeks}")
    today = today or date.today()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    days = daily_minutes(first, today, log_path)
    figure = _figure(width, height)
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Rectangle

    shades = LinearSegmentedColormap.from_list("guided-days", DAY_SHADES)
    # The shade grows with the minutes up to an hour and stays there: one long day does not wash
    # out every ordinary one, and a short sitting is never invisible.
    top = 60.0

    def shade(minutes: float):
        # Any practice at all starts a step above the empty square, so a short sitting still shows.
        return shades(0.2 + 0.8 * min(1.0, minutes / top)) if minutes > 0 else _rgba(EMPTY_DAY)

    ax = figure.add_axes((0.07, 0.1, 0.80, 0.72))
    ax.set_facecolor(PAPER)
    colours: dict[date, tuple[float, float, float, float]] = {}
    for day, minutes in days.items():
        column, row = (day - first).days // 7, day.weekday()
        colour = shade(minutes)
        square = Rectangle((column + 0.06, 6 - row + 0.06), 0.88, 0.88, facecolor=colour, linewidth=0)
        ax.add_patch(square)
        colours[day] = tuple(float(c) for c in square.get_facecolor())
    ax.set_xlim(0, weeks)
    ax.set_ylim(0, 7)
    ax.set_aspect("equal", adjustable="box", anchor="W")
    ax.set_yticks([6.5, 4.5, 2.5, 0.5], ["Mon", "Wed", "Fri", "Sun"])
    months, seen = [], None
    for column in range(weeks):
        monday = first + timedelta(days=7 * column)
        if monday.month != seen:
            months.append((column + 0.5, f"{monday:%b}"))
            seen = monday.month
    ax.set_xticks([m[0] for m in months], [m[1] for m in months])
    ax.xaxis.tick_top()
    ax.tick_params(length=0, labelsize=9, labelcolor=INK)
    for spine in ax.spines.values():
        spine.set_visible(False)

    legend = figure.add_axes((0.885, 0.35, 0.09, 0.3))
    legend.set_axis_off()
    legend.set_xlim(0, 1)
    legend.set_ylim(0, 5)
    for i, minutes in enumerate((0, 10, 30, 60)):
        colour = shade(minutes)
        legend.add_patch(Rectangle((0, 3.9 - i * 1.2), 0.28, 0.9, facecolor=colour, linewidth=0))
        legend.text(0.38, 4.35 - i * 1.2, f"{minutes:g}{'+' if minutes == 60 else ''} min", fontsize=8,
                    color=INK, va="center")

    heard = sum(days.values())
    figure.text(0.07, 0.93, f"Your practice, the last {weeks} weeks", fontsize=13, color=INK, ha="left",
                va="center")
    figure.text(0.98, 0.93, f"{duration_words(round(heard * 60_000))} heard", fontsize=9, color=FAINT,
                ha="right", va="center")
    written = _save(figure, path)
    return Calendar(written, width, height, first, today, days, colours)


def _rgba(colour: str) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(colour)
