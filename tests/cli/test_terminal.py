"""The terminal's one owner, on a screen a terminal emulator (pyte) draws from what it writes: the
live block never piles up, permanent lines are never drawn over, questions appear once. (The same
in a real pseudo-terminal, with keys and sound: test_terminal_pty.py.)"""

from __future__ import annotations

import io
import sys

import pyte

from guided.cli.terminal import Terminal
from guided.play.controls import apply_key


def screen_after(monkeypatch, steps) -> list[str]:
    """The non-empty lines on an 80×24 screen after `steps(terminal)`."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    steps(Terminal(live=True, keys=False))
    screen = pyte.Screen(80, 24)
    pyte.Stream(screen).feed(out.getvalue().replace("\n", "\r\n"))  # a terminal's own newline
    return [line.rstrip() for line in screen.display if line.strip()]


def test_a_permanent_line_takes_the_place_of_the_status_and_the_status_comes_back_below(monkeypatch):
    def steps(terminal):
        terminal.live(["§ One", "0:01 / 0:09 playing", "  Hello."])
        terminal.say("a line to keep")
        terminal.live(["§ One", "0:02 / 0:09 playing", "  Hello again."])
        terminal.live(["§ One", "0:03 / 0:09 playing"])  # shorter: nothing of the longer one is left

    assert screen_after(monkeypatch, steps) == ["a line to keep", "§ One", "0:03 / 0:09 playing"]


def test_a_question_noted_again_and_asked_is_on_screen_once(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("An answer.\n\n"))

    def steps(terminal):
        terminal.live(["0:01 / 0:09 playing", "  Why?"], keep="Why?")
        terminal.settle()  # the narration ended: the question it asked stays
        terminal.note("Why?")  # heard again
        assert terminal.ask("Why?") == "An answer."

    assert screen_after(monkeypatch, steps) == ["Why?", "(type your answer; an empty line ends it)"]


def test_no_status_is_drawn_while_a_person_types(monkeypatch):
    class Typing(io.StringIO):
        def __init__(self, terminal):
            super().__init__("words\n\n")
            self.terminal = terminal

        def readline(self, *args):
            self.terminal.live(["0:05 / 0:09 playing"])  # a tick arriving mid-answer
            return super().readline(*args)

    def steps(terminal):
        monkeypatch.setattr(sys, "stdin", Typing(terminal))
        terminal.ask("What now?")

    assert not any("playing" in line for line in screen_after(monkeypatch, steps))


def test_the_preparing_counter_goes_away_when_speech_is_ready(monkeypatch):
    def steps(terminal):
        terminal.say("Title")
        for done in range(1, 4):
            terminal.progress(done, 3)

    assert screen_after(monkeypatch, steps) == ["Title"]


def test_keys_of_other_sequences_are_not_taken_for_escape():
    from guided.cli.keys import Keyboard

    class Controls:
        stopped, sections = False, 0

        def stop(self):
            self.stopped = True

        def next_section(self):
            self.sections += 1

    controls = Controls()
    keyboard = Keyboard(lambda name: apply_key(controls, name))
    # Page Up, F5 and Home arrive as escape sequences; Escape alone would quit.
    for sequence in (b"\x1b[5~", b"\x1b[15~", b"\x1b[H"):
        keyboard.feed(sequence)
    assert not controls.stopped
    keyboard.feed(b"\x1b[C")  # an arrow is still an arrow
    assert controls.sections == 1 and not controls.stopped
    keyboard.feed(b"q")
    assert controls.stopped


def test_a_job_started_in_the_background_with_and_is_not_stopped_by_taking_the_keys():
    """`guided play -q &` must play on: a process outside the terminal's foreground group that sets
    the terminal's modes is stopped by SIGTTOU, so it leaves the keys to the shell."""
    import os
    import subprocess
    import textwrap

    primary, secondary = os.openpty()
    child = textwrap.dedent(f"""
        import os, signal, sys
        os.setsid()
        os.close(os.open({os.ttyname(secondary)!r}, os.O_RDWR))  # the pseudo-terminal becomes ours
        tty = os.open({os.ttyname(secondary)!r}, os.O_RDWR)
        os.dup2(tty, 0)
        job = os.fork()
        if job == 0:
            os.setpgid(0, 0)  # as a shell starts `cmd &`: its own group, not the foreground one
            from guided.cli.keys import Keyboard
            with Keyboard(lambda key: None) as keyboard:
                print("keys" if keyboard.active else "no keys", flush=True)
            os._exit(0)
        _, status = os.waitpid(job, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            os.kill(job, signal.SIGKILL)
            print("stopped by", signal.Signals(os.WSTOPSIG(status)).name)
    """)
    try:
        done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=30)
    finally:
        os.close(primary)
        os.close(secondary)
    assert done.stdout.strip() == "no keys", done.stdout + done.stderr


def test_something_is_on_the_screen_while_the_engine_gets_ready_before_its_first_count(monkeypatch):
    """A first run with a voice measures its pace before a single phrase is counted (Piper: seconds);
    a newcomer must not face a blank terminal meanwhile."""
    from guided.cli.params import prepare_with_progress
    from guided.session import prepared as session

    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    seen = []

    def slow_start(source, **kwargs):
        screen = pyte.Screen(80, 24)
        pyte.Stream(screen).feed(out.getvalue().replace("\n", "\r\n"))
        seen.append([line.rstrip() for line in screen.display if line.strip()])
        return "a session"

    monkeypatch.setattr(session, "prepare", slow_start)
    assert prepare_with_progress("heart-breathing", None, terminal=Terminal(live=True, keys=False)) == "a session"
    assert seen == [["preparing speech…"]]
    assert "preparing" not in out.getvalue().rsplit("\x1b[J", 1)[-1]  # and it is gone once prepared


def test_the_title_marks_a_length_still_estimated_as_list_does(monkeypatch):
    """Speech still rendering as play starts: the title's length is an estimate (the end may say 12:43
    where it said 12:34), so it carries list's "~"; a session rendered before shows its exact length."""
    from types import SimpleNamespace

    from guided.cli.display import Display

    timeline = SimpleNamespace(title="Grounding", total=754 * 100, rate=100)

    def start(estimated):
        return lambda terminal: Display(timeline, terminal=terminal, estimated=estimated).start(keys=False)

    assert screen_after(monkeypatch, start(True)) == ["Grounding  (~12:34)"]
    assert screen_after(monkeypatch, start(False)) == ["Grounding  (12:34)"]
