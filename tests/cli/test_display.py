"""How the playing display ends: q while paused leaves it saying stopped, a finished display shows the
whole length and no stale caption, and the last line says how the run ended."""

from __future__ import annotations

from ..helpers import run

SHORT = "---\ntitle: Short\nkind: talk\n---\n## Only\nHello there.\n[pause 2s]\nGoodbye.\n"


class _Controls:
    def __init__(self, position, paused=False, stopping=False):
        self.position, self.paused, self.stopping, self.volume_db = position, paused, stopping, 0.0


class _Player:
    def __init__(self, controls):
        self.controls, self.preparing = controls, False


def drawn(monkeypatch, steps):
    """What the display writes for these (method, argument) steps, with its escape codes."""
    import io
    import sys

    import guided
    from guided.cli.display import Display

    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    timeline = guided.prepare(SHORT, id="short").timeline
    display = Display(timeline, enabled=True)
    display.start(keys=True)
    for method, argument in steps:
        getattr(display, method)(argument)
    return screen.getvalue(), timeline


def test_q_while_paused_leaves_the_display_saying_stopped(monkeypatch):
    out, _ = drawn(monkeypatch, [("update", _Player(_Controls(44_100, paused=True))), ("finish", "stopped")])
    assert "] paused" in out
    assert "] stopped" in out.split("] paused")[-1]  # drawn after the paused frame, replacing it
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_a_finished_display_shows_the_whole_length_and_no_stale_caption(monkeypatch):
    from guided.timing.timefmt import clock

    out, timeline = drawn(monkeypatch, [("update", _Player(_Controls(1000))), ("finish", "finished")])
    final = out.split("\x1b[3F")[-1]  # the redraw moves up over the three lines it replaces
    total = clock(timeline.total // timeline.rate)
    assert f"{total} / {total} [" in final and "] finished" in final and "Hello" not in final


def test_the_ending_line_says_how_it_ended():
    import guided
    from guided.cli.display import ending
    from guided.timing.timefmt import clock

    timeline = guided.prepare(SHORT, id="short").timeline
    total = clock(timeline.total // timeline.rate)
    assert ending("short", "finished", timeline.total, timeline) == f"finished short ({total})"
    assert ending("short", "stopped", timeline.rate * 2, timeline) == f"stopped short at 0:02 of {total}"


def test_a_finished_play_says_so_on_its_own_line(tmp_path, sound_home):
    script = tmp_path / "short.md"
    script.write_text(SHORT)
    result = run("play", str(script), env={"HOME": str(sound_home)})
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("finished short (0:")
