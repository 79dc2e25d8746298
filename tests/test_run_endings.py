"""Every way a run can end, and two runs at once: real processes, real signals, bounded waits.

Each case says the exit status, the last line on stderr, and the files left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guided import files

from .conftest import needs
from .helpers import decode, run

ENV = {"GUIDED_ENGINE": "pyttsx3"}
LONG = "---\ntitle: Long\nkind: sit\n---\nSettle.\n[sit 3h]\n"


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "guided", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **ENV})


def wait_for_partial(process: subprocess.Popen, folder: Path, timeout: float = 60) -> None:
    """Wait until the export writes sound into its temporary file. The empty file that checks the
    folder can be written comes and goes before that, and does not count."""
    deadline = time.monotonic() + timeout
    while not any(p.name.endswith(".partial") and size(p) > 0 for p in folder.iterdir()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.02)
    time.sleep(0.3)


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def finish(process: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, err


def dead_pid() -> int:
    """The id of a process that has just ended (and so runs no more)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_scripts(folder: Path, count: int, pause: str = "2s") -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        (folder / f"s{n}.md").write_text(
            f"---\ntitle: Session {n}\nkind: meditation\n---\n## Start\nHello {n}.\n[pause {pause}]\n")
    return [f"s{n}" for n in range(1, count + 1)]


# --- 1. Signals ----------------------------------------------------------------------------------

STOPS = [(signal.SIGINT, 130, "guided: interrupted"),
         (signal.SIGTERM, 143, "guided: stopped by SIGTERM"),
         (signal.SIGHUP, 129, "guided: stopped by SIGHUP")]


@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
@pytest.mark.parametrize(("signum", "status", "line"), STOPS)
def test_a_stopped_export_leaves_the_folder_as_it_was(tmp_path, signum, status, line):
    (tmp_path / "long.md").write_text(LONG)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    process = start("export", str(tmp_path / "long.md"), "-o", str(out / "long.flac"), "--captions", "srt")
    wait_for_partial(process, out)
    process.send_signal(signum)
    code, err = finish(process)
    assert code == status, err
    assert err.strip().splitlines()[-1] == line
    assert sorted(os.listdir(out)) == ["keep.txt"]


@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng", "timeout")
def test_timeout_s_term_leaves_no_file_in_the_output_folder(tmp_path):
    (tmp_path / "long.md").write_text(LONG)
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(["timeout", "--preserve-status", "-s", "TERM", "3", sys.executable, "-m", "guided", "export",
                             str(tmp_path / "long.md"), "-o", str(out / "out.flac")],
                            capture_output=True, text=True, env={**os.environ, **ENV}, timeout=60)
    assert result.returncode == 143, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "guided: stopped by SIGTERM"
    assert os.listdir(out) == []


@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
@pytest.mark.parametrize(("signum", "status", "line"), STOPS[1:])
def test_a_stopped_batch_keeps_what_finished_and_leaves_nothing_partial(tmp_path, signum, status, line):
    scripts, out = tmp_path / "scripts", tmp_path / "out"
    write_scripts(scripts, 1)
    (scripts / "long.md").write_text(LONG)
    out.mkdir()
    process = start("export", str(scripts), "--all", str(out), "--jobs", "2", "--format", "flac")
    wait_for_partial(process, out)
    deadline = time.monotonic() + 60
    while not (out / "s1.flac").exists():  # the short one finishes while the long one is encoded
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signum)
    code, err = finish(process)
    assert code == status, err
    assert err.strip().splitlines()[-1] == line
    assert sorted(os.listdir(out)) == ["index.json", "s1.flac"]
    assert [row["id"] for row in json.loads((out / "index.json").read_text())["sessions"]] == ["s1"]


# --- 2. Leftovers after SIGKILL -----------------------------------------------------------------

@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
def test_an_export_after_a_sigkill_removes_only_the_dead_writers_temporary_files(tmp_path):
    (tmp_path / "long.md").write_text(LONG)
    (tmp_path / "short.md").write_text("---\ntitle: Short\nkind: sit\n---\nHello.\n")
    out = tmp_path / "out"
    out.mkdir()
    process = start("export", str(tmp_path / "long.md"), "-o", str(out / "long.flac"))
    wait_for_partial(process, out)
    process.kill()
    finish(process)
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and files.writer(out / left[0]) == process.pid  # SIGKILL cleans nothing

    running = out / f".other.flac.guided-{os.getpid()}-abcd1234.partial"  # a writer that still runs
    users = [out / ".notes.partial", out / f".x.guided-{dead_pid()}.txt", out / "keep.tmp"]
    for path in (running, *users):
        path.write_text("mine")
    result = run("export", str(tmp_path / "short.md"), "-o", str(out / "short.flac"), env=ENV, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(out)) == sorted([running.name, *(p.name for p in users), "short.flac"])


def test_the_doctor_reports_temporary_files_left_by_a_killed_run(guided_home):
    from guided.checks import doctor
    from guided.paths import paths

    folder = paths().clips / "ab"
    folder.mkdir(parents=True)
    (folder / f".abcdef.clip.guided-{dead_pid()}-k3j_x9s2.tmp").write_bytes(b"GUIDEDCLIP1 {")
    (paths().journal).mkdir(parents=True, exist_ok=True)
    (paths().journal / f".2024-01-01.md.guided-{dead_pid()}-k3j_x9s2.tmp").write_text("half")
    check = doctor.check_leftovers()
    assert check.status == "warn" and "2 temporary file(s)" in check.detail
    assert "guided doctor --fix" not in check.fix and "removed by the next run" in check.fix


def test_a_write_removes_what_a_dead_writer_left_in_its_folder_once(tmp_path):
    from guided.files import write_atomic

    stale = tmp_path / f".a.json.guided-{dead_pid()}-zzzz1111.tmp"
    stale.write_text("{")
    mine = tmp_path / ".a.json.zzzz1111.tmp"  # an older or foreign name: never touched
    mine.write_text("{")
    write_atomic(tmp_path / "a.json", b"{}")
    assert sorted(os.listdir(tmp_path)) == [".a.json.zzzz1111.tmp", "a.json"]


# --- 3. Races ------------------------------------------------------------------------------------

@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
def test_two_exports_to_one_path_at_once_leave_one_whole_file(tmp_path):
    (tmp_path / "s.md").write_text("---\ntitle: S\nkind: sit\n---\nHello there.\n[pause 20s]\nGoodbye.\n")
    target = tmp_path / "out" / "s.flac"
    target.parent.mkdir()
    processes = [start("export", str(tmp_path / "s.md"), "-o", str(target)) for _ in range(2)]
    for process in processes:
        code, err = finish(process, timeout=120)
        assert code == 0, err
    assert os.listdir(target.parent) == ["s.flac"]
    alone = tmp_path / "alone.flac"
    assert run("export", str(tmp_path / "s.md"), "-o", str(alone), env=ENV, timeout=120).returncode == 0
    assert len(decode(target)) == len(decode(alone))  # whole: every sample, decodable to the end


@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
def test_two_renders_of_one_new_phrase_both_succeed_with_one_clip_in_the_cache(tmp_path, guided_home):
    phrase = f"A phrase never rendered before, number {time.time_ns()}."
    (tmp_path / "s.md").write_text(f"---\ntitle: S\nkind: sit\n---\n{phrase}\n")
    processes = [start("export", str(tmp_path / "s.md"), "-o", str(tmp_path / f"s{n}.wav")) for n in (1, 2)]
    for process in processes:
        code, err = finish(process, timeout=120)
        assert code == 0, err
    clips = sorted((guided_home / "cache" / "clips").glob("*/*.clip"))
    temporary = [p for p in (guided_home / "cache" / "clips").glob("*/.*")]
    assert temporary == []
    one = run("export", str(tmp_path / "s.md"), "-o", str(tmp_path / "s3.wav"), env=ENV, timeout=120)
    assert one.returncode == 0 and sorted((guided_home / "cache" / "clips").glob("*/*.clip")) == clips
    assert len(clips) == 1


@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
def test_three_batches_into_one_folder_at_once_leave_whole_files_and_one_index_row_each(tmp_path):
    scripts, out = tmp_path / "scripts", tmp_path / "out"
    ids = write_scripts(scripts, 3, pause="1s")  # three batches of three: every pair of them races
    batches = [start("export", str(scripts), "--all", str(out), "--jobs", "2", "--format", "flac")
               for _ in range(3)]
    for process in batches:
        code, err = finish(process, timeout=150)
        assert code == 0, err
    rows = json.loads((out / "index.json").read_text())["sessions"]
    assert sorted(row["id"] for row in rows) == ids
    assert sorted(os.listdir(out)) == sorted([*(f"{i}.flac" for i in ids), "index.json", "scripts.m3u8"])
    playlist = (out / "scripts.m3u8").read_text().splitlines()
    assert sorted(line for line in playlist if not line.startswith("#")) == [f"{i}.flac" for i in ids]
    for i in ids:
        assert len(decode(out / f"{i}.flac")) > 44100  # each decodes whole, past its first second


# --- 5. Hostile and odd inputs --------------------------------------------------------------------

def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.wav"
    with open(path, "wb") as f:
        f.truncate(2 * 1024**3)  # sparse: 2 GB without using the disk
    return path


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.wav"
    os.mkfifo(path)
    return path


BACKGROUNDS = {
    "a directory": lambda tmp_path: tmp_path,
    "a FIFO": fifo,
    "/dev/zero": lambda tmp_path: Path("/dev/zero"),
    "a 2 GB file": big_file,
}


@pytest.mark.e2e
@needs("ffmpeg")
@pytest.mark.parametrize("kind", sorted(BACKGROUNDS))
def test_an_odd_background_file_is_one_line_and_a_failure_in_bounded_time(tmp_path, kind):
    (tmp_path / "s.md").write_text("---\ntitle: S\nkind: sit\n---\nHello.\n")
    background = BACKGROUNDS[kind](tmp_path)
    result = run("show", str(tmp_path / "s.md"), "--background", str(background), env=ENV, timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(background) in lines[0], result.stderr


def test_a_script_of_50000_lines_is_parsed_in_bounded_time(tmp_path):
    body = "\n".join(f"Line {n} of the long script." if n % 2 else "[pause 1s]" for n in range(50_000))
    (tmp_path / "huge.md").write_text(f"---\ntitle: Huge\nkind: sit\n---\n{body}\n")
    result = run("validate", str(tmp_path / "huge.md"), env=ENV, timeout=120)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 1 or result.returncode == 0


def test_a_hundred_thousand_minutes_is_refused_in_one_line(tmp_path):
    result = run("show", "heart-breathing", "--minutes", "100000", env=ENV, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 3 and "100000" in result.stderr and "Traceback" not in result.stderr


def test_import_of_random_html_and_markdown_fails_in_one_line_or_succeeds(tmp_path):
    import random

    from click.testing import CliRunner

    from guided.cli import cli

    rng = random.Random(18)
    pieces = ["<p>", "</p>", "<h2>", "</h2>", "<script>", "<!--", "-->", "# ", "## ", "1. ", "- ", "?", "\n",
              "Why", "what do you", "trust", "&amp;", "&#x0;", "\x00", "<ol><li>", "</li>", "```", "|", "> ",
              "é", "\u202e", "[pause 3s]", "{minutes}", "---\n", "<![CDATA[", "<table><tr><td>"]
    for n in range(12):  # in this process: the command's own edge (one line, its exit code), without 12 starts
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 400)))
        source = tmp_path / f"fuzz{n}.{'html' if n % 2 else 'md'}"
        source.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = CliRunner().invoke(cli, ["import", str(source), "--id", f"fuzz{n}"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (text, repr(result.exception))
        assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr, (text, result.stderr)
        if result.exit_code != 0:
            assert result.exit_code in (1, 2) and len(result.stderr.strip().splitlines()) == 1, result.stderr
