"""`guided play` and `guided journal` in a real pseudo-terminal, as a person meets them: keys are
sent to the terminal, the screen is what a terminal emulator (pyte) shows, sound goes to ALSA's
file plugin. What is on the screen is the specification: typed answers stay, prompts are not
erased, each question is shown once, q stops at any moment, a finished session says so."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from ..conftest import needs
from ..helpers import has_portaudio

pytestmark = [pytest.mark.e2e, needs("espeak-ng"),
              pytest.mark.skipif(not has_portaudio(), reason="needs PortAudio (libportaudio2)")]

COLUMNS, ROWS = 200, 50  # wide enough for a journal entry's path on one line

SHORT = "---\ntitle: Short\nkind: talk\nbackground: none\n---\n## Only\nHello there.\n[pause 2s]\nGoodbye.\n"

# Two questions, and a closing long enough for its status to be drawn after the last answer.
DECK = """---
title: Tiny deck
kind: journal
background: none
---
## Arriving
Settle in.
## Questions
1. What made you smile today?
2. What will you let go of?
## Closing
Thank you. [pause 20s]
Goodbye.
"""


def long_text(kind: str) -> str:
    """Sixty phrases to render: preparing them takes far longer than the moment q needs."""
    body = "\n".join(f"This is sentence number {i} of a long talk, here to be prepared." for i in range(60))
    questions = "\n## Questions\n1. What is on your mind?\n" if kind == "journal" else ""
    return f"---\ntitle: Long\nkind: {kind}\nbackground: none\n---\n## Opening\n{body}\n{questions}"


class Session:
    """`python -m guided ARGS` on a pseudo-terminal, its output fed to a terminal emulator."""

    def __init__(self, sound_home: Path, *args: str) -> None:
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        env = {**os.environ, "HOME": str(sound_home), "TERM": "xterm"}
        self.child = pexpect.spawn(sys.executable, ["-m", "guided", *args], env=env, dimensions=(ROWS, COLUMNS))
        self.ended_at: float | None = None
        self.output = b""  # everything written, escape codes and all

    def _pump(self, seconds: float) -> None:
        try:
            data = self.child.read_nonblocking(65536, timeout=seconds)
            self.output += data
            self.stream.feed(data)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            if self.ended_at is None:
                self.ended_at = time.monotonic()

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def wait_for(self, condition, timeout: float = 120) -> None:
        """Read output until `condition(screen text)` holds."""
        deadline = time.monotonic() + timeout
        while not condition(self.text()):
            if self.ended_at is not None or time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed what was awaited:\n{self.text()}")
            self._pump(0.05)

    def wait_text(self, text: str, count: int = 1, timeout: float = 120) -> None:
        self.wait_for(lambda screen: screen.count(text) >= count, timeout)

    def wait_output(self, text: str, timeout: float = 120) -> None:
        """Read until `text` has been written, even if it has been drawn over since."""
        self.wait_for(lambda screen: text.encode() in self.output, timeout)

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def finish(self, timeout: float = 120) -> int:
        """Read to the end; the exit status."""
        deadline = time.monotonic() + timeout
        while self.ended_at is None:
            if time.monotonic() > deadline:
                self.child.kill(9)
                raise AssertionError(f"still running after {timeout} s:\n{self.text()}")
            self._pump(0.1)
        self.child.close()
        return self.child.exitstatus



def script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def status_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if " / " in line and "[" in line and "]" in line]


def test_q_while_a_journal_still_renders_its_speech_stops_at_once(sound_home, tmp_path):
    # The sitting starts before its speech is rendered: q in those first moments ends it like any other q.
    session = Session(sound_home, "journal", script(tmp_path, "long.md", long_text("journal")))
    session.wait_for(lambda screen: bool(status_lines(screen.splitlines())), timeout=60)
    session.send("q")
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    assert lines[-1] == "stopped before any question was answered; nothing saved", session.text()
    assert not any(re.search(r"preparing speech \d", line) for line in lines), session.text()  # no counter
    assert not any(line.endswith("q") for line in lines)  # the key was not echoed
    assert (sound_home / "played.raw").stat().st_size > 0  # it was heard from the first moments


def test_q_while_play_still_renders_its_speech_stops_at_once(sound_home, tmp_path):
    # play starts before its speech is rendered: q in those first moments ends it like any other q.
    # The sit at its end keeps it playing well past the q, on a sound card that is not paced.
    session = Session(sound_home, "play", script(tmp_path, "long.md", long_text("talk") + "[sit 3h]\n"))
    session.wait_for(lambda screen: bool(status_lines(screen.splitlines())), timeout=60)
    session.send("q")
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    assert lines[-1].startswith("stopped long at "), session.text()
    (final,) = status_lines(lines)
    assert final.endswith("] stopped"), final
    assert not any(line.endswith("q") for line in lines)  # the key was not echoed


def test_keys_typed_before_the_command_started_do_not_reach_the_player(sound_home, tmp_path):
    text = "---\ntitle: Words\nkind: talk\nbackground: none\n---\n## Only\n" + "\n".join(
        f"Sentence {i}, to be prepared before anything plays." for i in range(12)) + "\n"
    session = Session(sound_home, "play", script(tmp_path, "words.md", text))
    session.send(" ++")  # typed before the command started: meant for nobody
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    assert lines[-1].startswith("finished words ("), session.text()
    (final,) = status_lines(lines)  # one status block, the last frame, not a pile of them
    assert final.endswith("] finished"), final  # never paused, and no "vol +2 dB"
    assert not any(line.endswith(("+", " ")) for line in lines)  # nor echoed
    assert lines[0].startswith("Words  ("), session.text()  # nor left before the title by the terminal's echo


def test_a_finished_play_says_it_finished_under_its_last_frame(sound_home, tmp_path):
    session = Session(sound_home, "play", script(tmp_path, "short.md", SHORT))
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    assert re.fullmatch(r"Short  \(~0:\d\d\)", lines[0]), session.text()  # first heard: its length estimated
    assert lines[1].startswith("space pause")
    assert lines[-2].endswith("] finished") and lines[-1].startswith("finished short (0:"), session.text()


def test_typed_answers_stay_on_screen_and_each_question_is_shown_once(sound_home, tmp_path, guided_home):
    session = Session(sound_home, "journal", "--type", script(tmp_path, "deck.md", DECK))
    hint = "(type your answer; an empty line ends it)"
    session.wait_text(hint)
    # While a person types, no status is drawn: the prompt is the last thing on the screen.
    lines = [line for line in session.lines() if line]
    assert lines[-1] == hint and not status_lines(lines), session.text()
    session.send("I smiled at a dog.\r")
    session.send("\r")
    session.wait_text(hint, count=2)
    lines = [line for line in session.lines() if line]
    assert lines[-1] == hint and not status_lines(lines), session.text()
    session.send("Old worries.\r\r")
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    text = "\n".join(lines)
    for question in ("What made you smile today?", "What will you let go of?"):
        assert lines.count(question) == 1, text
    # In order, nothing erased: question, prompt, answer, for each; then the closing line.
    order = ["What made you smile today?", hint, "I smiled at a dog.", "What will you let go of?", hint,
             "Old worries."]
    at = [lines.index(order[0])]
    for line in order[1:]:
        at.append(lines.index(line, at[-1] + 1))
    assert not status_lines(lines), text  # the closing's status went away when it ended
    assert lines[-1].startswith("finished Tiny deck; saved to your journal: "), text
    (entry,) = (guided_home / "journal").glob("*.md")
    assert "I smiled at a dog." in entry.read_text() and "Old worries." in entry.read_text()


def test_wait_r_repeats_the_question_without_repeating_the_hint_and_q_saves(sound_home, tmp_path, guided_home):
    session = Session(sound_home, "journal", "--wait", script(tmp_path, "deck.md", DECK))
    hint = "press space to go on, r to hear the question again, q to stop"
    session.wait_text(hint)
    session.send(" ")  # the first question reflected on
    session.wait_text(hint, count=2)
    def played():  # each stretch of narration opens the device anew, writing the file afresh
        found = (sound_home / "played.raw").stat()
        return found.st_size, found.st_mtime_ns

    before = played()
    session.send("r")
    deadline = time.monotonic() + 30
    while played() == before and time.monotonic() < deadline:
        session._pump(0.1)
    assert played() != before  # the question is heard again
    session._pump(2.0)
    session.send("q")
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    text = "\n".join(lines)
    assert [line.strip() for line in lines].count(hint) == 2, text  # once per question, not per repeat
    assert lines.count("What made you smile today?") == 1 and lines.count("What will you let go of?") == 1, text
    assert not status_lines(lines), text
    assert lines[-1].startswith("stopped; saved to your journal: "), text
    path = Path(lines[-1].split(": ", 1)[1])
    assert path.is_file() and "What made you smile today?" in path.read_text()


def test_ctrl_c_while_a_journal_still_renders_its_speech_is_an_interruption(sound_home, tmp_path):
    session = Session(sound_home, "journal", script(tmp_path, "long.md", long_text("journal")))
    session.wait_for(lambda screen: bool(status_lines(screen.splitlines())), timeout=60)
    session.send("\x03")
    assert session.finish() == 130
    lines = [line for line in session.lines() if line]
    assert lines[-1] == "guided: interrupted", session.text()
    assert not any(re.search(r"preparing speech \d", line) for line in lines), session.text()


def test_q_while_playing_stops_and_the_last_frame_says_so(sound_home, tmp_path):
    text = "---\ntitle: Sit\nkind: sit\nbackground: none\n---\nSettle.\n[sit 10m]\nDone.\n"
    session = Session(sound_home, "play", script(tmp_path, "sit.md", text))
    session.wait_text("] playing")
    session.send("q")
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    (final,) = status_lines(lines)
    assert final.endswith("] stopped"), session.text()
    assert re.fullmatch(r"stopped sit at \d+:\d\d of 10:\d\d", lines[-1]), session.text()


def test_ctrl_c_while_typing_an_answer_says_interrupted_on_a_line_of_its_own(sound_home, tmp_path):
    # The terminal echoes ^C where the cursor is, after the half-typed answer; the message starts below.
    session = Session(sound_home, "journal", "--type", script(tmp_path, "deck.md", DECK))
    session.wait_text("(type your answer; an empty line ends it)")
    session.send("half an answ")
    session._pump(0.5)
    session.send("\x03")
    assert session.finish() == 130
    lines = [line for line in session.lines() if line]
    assert lines[-1] == "guided: interrupted", session.text()


def test_keys_typed_before_a_journal_started_leave_no_echo_before_its_first_line(sound_home, tmp_path):
    session = Session(sound_home, "journal", "--reflect", "2s", script(tmp_path, "deck.md", DECK))
    session.send("++")  # typed before the command started: the terminal echoed them where the cursor was
    assert session.finish() == 0
    lines = [line for line in session.lines() if line]
    assert lines[0] == "Tiny deck: questions 1, 2", session.text()


def test_ctrl_c_while_show_prepares_speech_leaves_one_clean_line(sound_home, tmp_path):
    # show has no keys of its own: the terminal echoes ^C below the counter, and both must go.
    session = Session(sound_home, "show", script(tmp_path, "long.md", long_text("talk")))
    session.wait_for(lambda screen: bool(re.search(r"preparing speech \d", screen)), timeout=60)
    session.send("\x03")
    assert session.finish() == 130
    lines = [line for line in session.lines() if line]
    assert lines == ["guided: interrupted"], session.text()


# --- typing, keys and signals in a sitting ----------------------------------------------------------

LEFT = "\x1b[D"


def test_a_typed_answer_is_edited_with_the_arrows_and_stored_as_the_person_sees_it(sound_home, tmp_path,
                                                                                    guided_home):
    session = Session(sound_home, "journal", "--type", script(tmp_path, "deck.md", DECK))
    hint = "(type your answer; an empty line ends it)"
    session.wait_text(hint)
    session.send("I trst them" + LEFT * 7 + "u" + "\r")  # back to after "tr", the missing "u" put in
    session.send("Slowly.\r\r")
    session.wait_text(hint, count=2)
    session.send("\r")
    assert session.finish() == 0
    (entry,) = (guided_home / "journal").glob("*.md")
    text = entry.read_text()
    assert "\nI trust them\n\nSlowly.\n" in text  # each typed line a paragraph of its own, as typed
    assert "\x1b" not in text and "[D" not in text


@pytest.mark.parametrize("signal_name, status", [("SIGINT", 130), ("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_while_typing_keeps_what_was_typed_marked_interrupted(sound_home, tmp_path, guided_home,
                                                                       signal_name, status):
    import signal as signals

    session = Session(sound_home, "journal", "--type", script(tmp_path, "deck.md", DECK))
    hint = "(type your answer; an empty line ends it)"
    session.wait_text(hint)
    session.send("A dog in the park.\r\r")
    session.wait_text(hint, count=2)
    session.send("Old worries, and")
    session._pump(0.5)
    session.child.kill(getattr(signals, signal_name))
    assert session.finish() == status
    (entry,) = (guided_home / "journal").glob("*.md")
    text = entry.read_text()
    assert "A dog in the park." in text
    assert "## 2. What will you let go of?" in text
    assert "the sitting was interrupted, what was typed is kept" in text and "Old worries, and" in text


def test_each_way_of_answering_shows_only_the_keys_that_work_at_that_moment(sound_home, tmp_path):
    from guided.play.controls import KEYS_HELP

    # Sixty phrases to prepare keep narration going long enough to be drawn: the file plugin's
    # device takes sound faster than a speaker would.
    wait = Session(sound_home, "journal", "--wait", script(tmp_path, "long.md", long_text("journal")))
    wait.wait_output(KEYS_HELP)  # while narration plays, the keys that steer it
    hint = "press space to go on, r to hear the question again, q to stop"
    wait.wait_text(hint)
    assert KEYS_HELP not in wait.text(), wait.text()  # while waiting, only its own keys
    wait.send("q")
    assert wait.finish() == 0
    typing = Session(sound_home, "journal", "--type", script(tmp_path, "deck.md", DECK))
    typing.wait_text("(type your answer; an empty line ends it)")
    assert KEYS_HELP not in typing.text(), typing.text()  # keys are letters while typing
    typing.send("\x03")
    assert typing.finish() == 130


def test_a_batch_names_what_it_works_on_counts_each_file_as_written_and_says_what_ctrl_c_kept(sound_home, tmp_path):
    library = tmp_path / "lib"
    library.mkdir()
    for name in ("alpha", "beta", "gamma", "delta"):  # each with sixty phrases to render, and an hour of quiet to write
        (library / f"{name}.md").write_text(long_text("talk").replace("title: Long", f"title: {name}") + "[pause 1h]\n")
    out = tmp_path / "out"
    batch = Session(sound_home, "export", str(library), "--all", str(out), "--format", "wav", "--jobs", "1",
                    "--engine", "pyttsx3")
    batch.wait_for(lambda screen: re.search(r"exporting 0/4.*(alpha|beta|gamma|delta): speech \d+/\d+", screen)
                   is not None, timeout=120)  # the session being prepared is named before any audio is written
    batch.wait_for(lambda screen: "exporting 1/4" in screen, timeout=300)
    assert len(list(out.glob("*.wav"))) >= 1  # counted as it was written
    batch.send("\x03")
    assert batch.finish() == 130
    kept = len(list(out.glob("*.wav")))
    lines = [line for line in batch.lines() if line.strip()]
    assert lines[-1] == "guided: interrupted", batch.text()
    assert lines[-2] == f"guided: {kept} exported and kept in {out}; run the same command to finish the other {4 - kept}"


@pytest.mark.parametrize(("command", "header"), [
    ("list", r"^ID +LENGTH +KIND +TITLE$"),
    ("devices", r"^ +# +NAME +CHANNELS +API +DEFAULT$"),
    ("sounds", r"^KIND +NAME +LENGTH +DESCRIPTION$"),
])
def test_tables_have_a_header_row_in_a_terminal_of_80_columns_and_none_in_a_pipe(sound_home, command, header):
    shown = pexpect.spawn(sys.executable, ["-m", "guided", command], env={**os.environ, "HOME": str(sound_home)},
                          dimensions=(50, 80), encoding="utf-8")
    shown.expect(pexpect.EOF, timeout=60)
    lines = [line.rstrip() for line in shown.before.replace("\r", "").splitlines() if line.strip()]
    assert re.match(header, lines[0]), lines[:3]
    from ..helpers import run

    piped = run(command, env={"HOME": str(sound_home)}).stdout.splitlines()
    assert piped and not re.match(header, piped[0])  # a pipe gets the rows alone
