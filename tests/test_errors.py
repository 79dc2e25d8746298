"""Trustworthy under bad input and faults: every mistake or fault is one line, exit 1 or 2, no
traceback and no output file; a damaged speech clip is rendered again, never played; scripts are
data; ids and names never lead out of their folders; a fixed fuzzing budget finds nothing."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guided.errors import ScriptError
from guided.scripts.language import load_script

from .conftest import needs
from .helpers import decode, rms_db, run, run_json

HEAD = "---\ntitle: T\nkind: talk\n---\n"
SHORT = HEAD + "Hello.\n"


@dataclass
class Case:
    """One bad input: the command to run, what the one line must say, and the exit status."""

    args: list[str]
    says: str
    code: int = 1
    files: dict[str, bytes | str] = field(default_factory=dict)  # written in the working folder first
    config: str | None = None  # config.toml in GUIDED_HOME
    env: dict[str, str] = field(default_factory=dict)
    output: str | None = "out.wav"  # must not exist afterwards (nor any .partial beside it)
    file_size_limit: int | None = None  # RLIMIT_FSIZE: a disk that fills up
    needs_speech: bool = False


def garbage(n: int, seed: int) -> bytes:
    """Bytes that look like nothing: deterministic, with NULs and invalid UTF-8 among them."""
    out = b""
    block = str(seed).encode()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return b"\x00\xff" + out[: n - 2]


def export(script: str = "s.md", *more: str) -> list[str]:
    return ["export", script, "-o", "out.wav", *more]


ALIAS_BOMB = "---\n" + "\n".join(
    [f"l0: &l0 [{', '.join(['lol'] * 9)}]"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
) + "\ntitle: T\nkind: talk\n---\nHi.\n"

CASES: dict[str, Case] = {
    # --- the script: front matter --------------------------------------------------------------
    "malformed front matter": Case(export(), "s.md:3:", files={"s.md": "---\ntitle: T\nkind: [talk\n---\nHi.\n"}),
    "front matter that is a list": Case(export(), "expected front matter of 'key: value' lines",
                                        files={"s.md": "---\n- a\n- b\n---\nHi.\n"}),
    "unclosed front matter": Case(export(), "never closed by '---'", files={"s.md": "---\ntitle: T\nkind: talk\nHi.\n"}),
    "no front matter": Case(["validate", "s.md"], "expected front matter starting with '---'",
                            files={"s.md": "Just some words.\n"}, output=None),
    "unsafe YAML tag": Case(export(), "not valid YAML", files={
        "s.md": "---\ntitle: !!python/object/apply:os.system ['touch PWNED']\nkind: talk\n---\nHi.\n"}),
    "YAML alias bomb": Case(export(), "unknown front matter key 'l0'", files={"s.md": ALIAS_BOMB}),
    "unknown kind": Case(export(), "unknown kind 'podcast'", files={"s.md": "---\ntitle: T\nkind: podcast\n---\nHi.\n"}),
    "missing title": Case(export(), "needs a 'title:' line", files={"s.md": "---\nkind: talk\n---\nHi.\n"}),
    "unknown front matter key": Case(export(), "unknown front matter key 'colour'",
                                     files={"s.md": "---\ntitle: T\nkind: talk\ncolour: red\n---\nHi.\n"}),
    # --- the script: body ----------------------------------------------------------------------
    "unknown directive": Case(export(), "s.md:5:2: unknown directive 'chant'", files={"s.md": HEAD + "[chant om]\n"}),
    "negative pause": Case(export(), "s.md:5:8: expected a duration", files={"s.md": HEAD + "[pause -3s]\n"}),
    "endless pause": Case(export(), "a pause lasts at most 1h", files={"s.md": HEAD + "[pause 400h]\n"}),
    "backwards range": Case(export(), "must not exceed its end", files={"s.md": HEAD + "[pause 3s..1s]\n"}),
    "zero pause": Case(export(), "longer than zero", files={"s.md": HEAD + "Hi. [pause 0s]\n"}),
    "unclosed directive": Case(export(), "expected ']'", files={"s.md": HEAD + "Hello [pause 3s\n"}),
    "breath without out": Case(export(), "needs at least 'in' and 'out'", files={"s.md": HEAD + "[breathe in 4s, x5]\n"}),
    "questions out of order": Case(export(), "expected question number 2, found 3",
                                   files={"s.md": HEAD + "1. One?\n3. Three?\n"}),
    "empty file": Case(export(), "s.md:1:1: expected front matter starting with '---', found an empty file",
                       files={"s.md": ""}),
    "nothing to say": Case(export(), "expected something to say", files={"s.md": HEAD}),
    "binary garbage": Case(export(), "s.md:1:1: expected text, found binary data", files={"s.md": garbage(4000, 1)}),
    "UTF-16 text": Case(export(), "found UTF-16; save the file as UTF-8", files={"s.md": SHORT.encode("utf-16")}),
    "non-UTF-8 text": Case(export(), "s.md:5:4: expected UTF-8 text",
                           files={"s.md": (HEAD + "Caf\u00e9 au lait.\n").encode("latin-1")}),
    "journal deck without questions": Case(export(), "needs at least one numbered question",
                                           files={"s.md": "---\ntitle: T\nkind: journal\n---\nNo questions.\n"}),
    "journaling with a session that has no questions": Case(["journal", "heart-breathing", "--type"],
                                                           "has no questions to journal with", output=None),
    "a front-matter key set twice": Case(export(), "s.md:4:1: 'title' is set twice (lines 2 and 4)",
                                         files={"s.md": "---\ntitle: T\nkind: talk\ntitle: U\n---\nHi.\n"}),
    "a line with nothing to say": Case(["validate", "s.md"], "s.md:5:1: nothing here can be spoken: '...'",
                                       files={"s.md": HEAD + "...\n"}, output=None),
    "an invisible line": Case(export(), "s.md:5:1: nothing here can be spoken", files={"s.md": HEAD + "\u200b\n"}),
    # --- ids and files -------------------------------------------------------------------------
    "unknown id": Case(["export", "heart-breathin", "-o", "out.wav"], "did you mean heart-breathing"),
    "an id that climbs out with ../": Case(["export", "../../etc/passwd", "-o", "out.wav"], "no session called"),
    "an id with ../ inside": Case(["show", "rebuilding-trust/../../x"], "no session called 'rebuilding-trust/../../x'",
                                  output=None),
    "missing script file": Case(export("nope.md"), "no such script file: nope.md"),
    "a folder as script": Case(["validate", "d.md"], "d.md is a folder, not a script file", files={"d.md/.keep": ""},
                               output=None),
    "a built-in's name as a file": Case(["validate", "heart-breathing.md"],
                                        "the script 'heart-breathing' is in your library: use its name", output=None),
    # --- voices and sounds ---------------------------------------------------------------------
    "unknown voice": Case(export("s.md", "--voice", "no-such-voice"), "unknown voice 'no-such-voice'",
                          files={"s.md": SHORT}, needs_speech=True),
    "unknown engine": Case(export("s.md"), "unknown speech engine 'nonsense'", files={"s.md": SHORT},
                           env={"GUIDED_ENGINE": "nonsense"}),
    "unknown bell": Case(export(), "unknown bell 'klaxon'", files={"s.md": HEAD + "Hi. [bell klaxon]\n"},
                         needs_speech=True),
    "unknown background": Case(export("s.md", "--background", "thunder"), "unknown background 'thunder'",
                               files={"s.md": SHORT}, needs_speech=True),
    "missing background file": Case(export("s.md", "--background", "gone/rain.ogg"), "'gone/rain.ogg' not found",
                                    files={"s.md": SHORT}, needs_speech=True),
    "missing background file named by the script": Case(
        export(), "'nowhere.flac' not found",
        files={"s.md": "---\ntitle: T\nkind: talk\nbackground: nowhere.flac\n---\nHi.\n"}, needs_speech=True),
    "corrupt audio file as bed": Case(export("s.md", "--background", "bed.ogg"), "cannot decode 'bed.ogg' as audio",
                                      files={"s.md": SHORT, "bed.ogg": b"OggS" + garbage(3000, 2)}, needs_speech=True),
    "corrupt audio file as bell": Case(export(), "cannot decode 'bell.wav' as audio",
                                       files={"s.md": HEAD + "Hi. [bell ./bell.wav]\n", "bell.wav": b"RIFF" + garbage(500, 3)},
                                       needs_speech=True),
    "captions into a folder": Case(export("s.md", "--captions", "srt"), "the captions go to",
                                   files={"s.md": SHORT, "out.srt/.keep": ""}),
    "a folder as background": Case(export("s.md", "--background", "beds"), "'beds' is a folder",
                                   files={"s.md": SHORT, "beds/.keep": ""}, needs_speech=True),
    # --- where the output goes -----------------------------------------------------------------
    "missing output folder": Case(["export", "s.md", "-o", "missing/out.wav"], "does not exist",
                                  files={"s.md": SHORT}, output="missing/out.wav"),
    "unwritable output folder (/proc)": Case(["export", "s.md", "-o", "/proc/out.wav"], "cannot write /proc/out.wav",
                                             files={"s.md": SHORT}, output="/proc/out.wav"),
    "unwritable output folder (/sys)": Case(["export", "s.md", "-o", "/sys/out.wav"], "cannot write /sys/out.wav",
                                            files={"s.md": SHORT}, output="/sys/out.wav"),
    "output is a folder": Case(["export", "s.md", "-o", "here.wav"], "here.wav is a folder",
                               files={"s.md": SHORT, "here.wav/.keep": ""}, output=None),
    "unknown audio format": Case(["export", "s.md", "-o", "out.xyz"], "unknown audio format 'xyz'",
                                 files={"s.md": SHORT}, output="out.xyz"),
    "a full disk": Case(export("s.md", "--background", "none"), "the disk is full or the file is too large",
                        files={"s.md": HEAD + "Hello.\n[pause 20s]\n"}, file_size_limit=200_000, needs_speech=True),
    "a length the session cannot reach": Case(export("s.md", "--minutes", "0.01"), "cannot change length",
                                              files={"s.md": SHORT}, needs_speech=True),
    "a speech cache that is not a folder": Case(export("s.md"), "cannot write to the clip cache",
                                                files={"s.md": SHORT, "home/cache": "not a folder"},
                                                env={"GUIDED_HOME": "home"}, needs_speech=True),
    # --- the config file -----------------------------------------------------------------------
    "corrupt config file": Case(export("s.md"), "config.toml:2:", files={"s.md": SHORT},
                                config='loudness = -18\nrate = = 3\n'),
    "config file that is binary": Case(export("s.md"), "config.toml:1: expected UTF-8", files={"s.md": SHORT},
                                       config=garbage(200, 4)),
    "unknown config setting": Case(export("s.md"), "unknown setting 'loudnes'", files={"s.md": SHORT},
                                   config='loudnes = -18\n'),
    "config file nested too deeply": Case(export("s.md"), "nests values too deeply", files={"s.md": SHORT},
                                          config="x = " + "[" * 5000 + "]" * 5000 + "\n"),
    "config file far too large": Case(export("s.md"), "larger than a config file can be", files={"s.md": SHORT},
                                      config="# " + "a" * 100_000 + "\n"),
    "config value of the wrong kind": Case(export("s.md"), "'rate' must be a whole number", files={"s.md": SHORT},
                                           config='rate = "fast"\n'),
    # --- usage mistakes: exit 2 ----------------------------------------------------------------
    "no output named": Case(["export", "s.md"], "-o", code=2, files={"s.md": SHORT}, output=None),
    "bad volume": Case(export("s.md", "--voice-volume", "loud"), "expected a percentage", code=2, files={"s.md": SHORT}),
    "loudness out of range": Case(export("s.md", "--loudness", "-100"), "--loudness", code=2, files={"s.md": SHORT}),
    "unknown engine option": Case(export("s.md", "--engine", "espeak"), "--engine", code=2, files={"s.md": SHORT}),
    "bad reflect time": Case(["journal", "--reflect", "banana"], "--reflect", code=2, output=None),
    "bad question list": Case(["journal", "--only", "x"], "--only takes question numbers", code=2, output=None),
    "journaling a question the deck lacks": Case(["journal", "--only", "99", "--type"], "there is no question 99",
                                                code=2, output=None),
    "a bitrate below any codec's": Case(["export", "s.md", "-o", "out.mp3", "--bitrate", "1k"], "8k to 512k",
                                        code=2, files={"s.md": SHORT}, output="out.mp3"),
    "an ogg bitrate Vorbis cannot take": Case(["export", "s.md", "-o", "out.ogg", "--bitrate", "8k"],
                                              "takes a bitrate from 45k to 500k", code=2, files={"s.md": SHORT},
                                              output="out.ogg", needs_speech=True),
}


def _message_lines(stderr: str, code: int) -> list[str]:
    """What the user is told. Click's usage errors (exit 2) put their usual 'Usage:' and 'Try' lines
    before the one line that says what is wrong; those are left out here."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if code == 2:
        lines = [line for line in lines if not line.startswith(("Usage:", "Try '"))]
    return lines


@pytest.mark.parametrize("name", list(CASES))
def test_every_bad_input_is_one_line_and_leaves_nothing_behind(name, tmp_path, guided_home):
    case = CASES[name]
    if case.needs_speech and shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    if case.output and case.output.startswith(("/proc", "/sys")) and not Path(case.output).parent.is_dir():
        pytest.skip(f"no {Path(case.output).parent} here")
    for relative, content in case.files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.config is not None:
        config = guided_home / "config.toml"
        config.write_bytes(case.config if isinstance(case.config, bytes) else case.config.encode())
    limit = case.file_size_limit

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = run(*case.args, env=case.env, cwd=tmp_path, timeout=120, preexec_fn=limited if limit else None)
    lines = _message_lines(result.stderr, case.code)
    assert result.returncode == case.code, result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    assert case.says in lines[0], lines[0]
    if case.output:
        output = tmp_path / case.output
        assert not output.exists()
        if output.parent.is_dir() and output.parent != Path("/proc") and output.parent != Path("/sys"):
            assert not list(output.parent.glob(".*partial")), "no temporary file left behind"
    assert not (tmp_path / "PWNED").exists(), "front matter is data: nothing in it is ever run"


def test_the_table_holds_at_least_thirty_bad_inputs():
    assert len(CASES) >= 30
    assert sum(1 for c in CASES.values() if c.code == 1) >= 30


# --- the clip cache: a damaged clip is rendered again, never played --------------------------


@pytest.mark.e2e
@needs("espeak-ng", "ffmpeg")
def test_a_truncated_or_corrupt_clip_is_rendered_again_and_sounds_the_same(tmp_path, guided_home):
    script = tmp_path / "s.md"
    script.write_text(HEAD + "One small sentence.\nAnother small sentence.\nAnd a third one.\n")
    first = run_json("export", str(script), "-o", str(tmp_path / "a.wav"), "--background", "none")
    assert first["speech_rendered"] == 3
    clips = sorted((guided_home / "cache" / "clips").glob("*/*.clip"))
    assert len(clips) == 3
    truncated, flipped, kept = clips
    truncated.write_bytes(truncated.read_bytes()[:-1000])  # a write cut short
    data = bytearray(flipped.read_bytes())
    data[-500:-400] = bytes(b ^ 0xFF for b in data[-500:-400])  # samples silently changed; the header reads fine
    flipped.write_bytes(bytes(data))

    doctor = run_json("doctor")
    (cache_check,) = [c for c in doctor["checks"] if c["name"] == "speech cache"]
    assert cache_check["status"] == "warn" and "2 fail their checksum" in cache_check["detail"]

    second = run_json("export", str(script), "-o", str(tmp_path / "b.wav"), "--background", "none")
    assert second["speech_rendered"] == 2 and second["speech_cached"] == 1
    # espeak-ng is not sample-exact from one rendering to the next (a few samples either way), so
    # "the same" is: as long, and the same loudness contour, 20 ms at a time, with no noise in it.
    a, b = decode(tmp_path / "a.wav")[:, 0], decode(tmp_path / "b.wav")[:, 0]
    assert abs(len(a) - len(b)) <= 0.05 * 44100
    frame = 882
    n = min(len(a), len(b)) // frame
    contour_a = np.sqrt((a[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
    contour_b = np.sqrt((b[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
    assert np.corrcoef(contour_a, contour_b)[0, 1] > 0.9
    assert abs(rms_db(a) - rms_db(b)) < 1.0
    assert np.count_nonzero(contour_b > 0.001) <= np.count_nonzero(contour_a > 0.001) * 1.1, "no noise where it was quiet"
    doctor = run_json("doctor")
    (cache_check,) = [c for c in doctor["checks"] if c["name"] == "speech cache"]
    assert cache_check["status"] == "ok" and "3 clips" in cache_check["detail"]


def test_the_cache_never_hands_out_a_damaged_clip(tmp_path, fake_engine):
    from guided.tts.cache import ClipCache

    cache = ClipCache(tmp_path / "clips")
    clip = cache.get(fake_engine, "two words", 44100)
    good = clip.path.read_bytes()
    for damaged in (good[:-1], good[: len(good) // 2], good[:20], b"", b"GUIDEDCLIP1 {}\n" + good[-100:],
                    good[:-2] + bytes([good[-2] ^ 1, good[-1]])):
        clip.path.write_bytes(damaged)
        assert cache.read_header(clip.path) is None
        before = cache.rendered
        again = cache.get(fake_engine, "two words", 44100)
        assert cache.rendered == before + 1, "rendered again"
        assert again.path.read_bytes() == good


# --- safety: scripts are data, and nothing escapes its folder --------------------------------


def test_front_matter_never_builds_objects_or_runs_anything(tmp_path):
    marker = tmp_path / "PWNED"
    for tag in (f"!!python/object/apply:os.system ['touch {marker}']", "!!python/name:os.system",
                f"!!python/object/new:subprocess.Popen [['touch', '{marker}']]"):
        path = tmp_path / "s.md"
        path.write_text(f"---\ntitle: {tag}\nkind: talk\n---\nHi.\n")
        with pytest.raises(ScriptError, match="not valid YAML"):
            load_script(path)
    assert not marker.exists()


@pytest.mark.parametrize("script_id", ["../evil", "../../tmp/evil", "/tmp/evil", "a/../../evil", "..", "evil/..",
                                       "./evil", "Evil", "evil.md", "evil\\..\\x"])
def test_new_and_import_refuse_ids_that_could_leave_the_script_folder(script_id, tmp_path, guided_home):
    notes = tmp_path / "notes.md"
    notes.write_text("1. What helps you feel safe?\n")
    before = _tree(tmp_path.parent)
    for args in (["new", script_id], ["import", str(notes), "--id", script_id]):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "not a valid id" in result.stderr and "Traceback" not in result.stderr
    assert _tree(tmp_path.parent) == before, "nothing written anywhere"


def test_new_and_import_write_inside_the_script_folder_only(tmp_path, guided_home):
    notes = tmp_path / "notes.md"
    notes.write_text("1. What helps you feel safe?\n")
    made = Path(run("new", "evenings/calm", check=True).stdout.strip())
    imported = Path(run("import", str(notes), "--id", "decks/safe", check=True).stdout.strip())
    scripts = (guided_home / "scripts").resolve()
    for path in (made, imported):
        assert path.resolve().is_relative_to(scripts), path


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=40), st.from_regex(r"[a-z0-9./\\-]{1,30}", fullmatch=True)))
def test_no_id_the_library_accepts_can_name_a_place_outside_its_folder(text):
    from guided.batch import jobs as batch
    from guided.scripts.catalog import ID_PATTERN

    if not ID_PATTERN.fullmatch(text):
        return
    assert ".." not in text.split("/") and not text.startswith("/") and "\\" not in text
    root = Path("/library")
    assert os.path.normpath(root / f"{text}.md").startswith("/library/")
    name = batch.file_name(text, "mp3")  # `export --all` writes one flat file per id
    assert "/" not in name and not name.startswith(".")


@settings(max_examples=200, deadline=None)
@given(deck=st.text(max_size=60))
def test_a_journal_entry_for_any_deck_name_stays_in_the_journal_folder(deck):
    import tempfile

    from guided.journal import entry as journal

    with tempfile.TemporaryDirectory(prefix="journal-") as made:  # a sitting claims its entry's name on disk
        folder = Path(made)
        sitting = journal.Entry(folder, deck, "T", "type")
        for path in (sitting.path, sitting.audio_path(1)):
            assert path.parent == folder and os.sep not in path.name and not path.name.startswith(".")


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("deck", ["../../../etc/passwd", "/etc/cron.d/x", "..", "a/../../b", "évasion\x00/..\\x"])
def test_journal_entries_always_land_in_the_journal_folder(deck, guided_home):
    from guided.journal import entry as journal

    folder = journal.journal_dir()
    sitting = journal.Entry(folder, deck, "T", "type")
    for path in (sitting.path, sitting.audio_path(1)):
        assert path.parent == folder and path.resolve().parent == folder.resolve()
        assert os.sep not in path.name and "/" not in path.name and not path.name.startswith(".")


def test_journal_files_are_private_whatever_the_umask(tmp_path, guided_home):
    """Entries 0600 and the folder 0700 even when the umask would let everyone read (umask 0)."""
    (guided_home / "journal").mkdir(mode=0o755)
    os.chmod(guided_home / "journal", 0o755)
    code = (
        "import os; os.umask(0)\n"
        "from guided.journal import entry as journal, wav\n"
        "folder = journal.journal_dir()\n"
        "s = journal.Entry(folder, 'trust-questions', 'T', 'type')\n"
        "s.set(journal.Answer(1, 'Why?', 'answered', text='Because.'))\n"
        "w = wav.WavAppender(s.audio_path(1), 16000); w.close()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())
    folder = guided_home / "journal"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert {p.suffix for p in files} == {".md", ".wav"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# --- fuzzing, with a fixed budget (the profile in conftest.py makes it repeatable) -----------

script_like = st.lists(
    st.one_of(
        st.sampled_from(["---", "title: T", "kind: talk", "kind: journal", "## Part", "1. Why?", "[pause 3s]",
                         "[bell]", "[breathe in 4s, out 6s, x2]", "[sit 1m, bell every 10s]", "<!--", "-->", "",
                         "reflect: 10s", "background: rain", "Hello.", "[", "]", "!!python/name:os.system", "&a [*a]"]),
        st.text(max_size=40),
    ),
    max_size=30,
).map(lambda lines: "\n".join(lines))

any_file = st.one_of(
    st.binary(max_size=600),
    script_like.map(lambda text: text.encode("utf-8")),
    script_like.map(lambda text: ("---\ntitle: T\nkind: talk\n---\n" + text).encode("utf-8")),
    st.tuples(script_like, st.sampled_from(["latin-1", "utf-16", "utf-8-sig", "cp1252"])).map(
        lambda pair: pair[0].encode(pair[1], errors="replace")),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=any_file)
def test_validate_on_any_file_is_ok_or_one_line_a_mistake(tmp_path, data):
    from guided.cli import cli

    path = tmp_path / "fuzz.md"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        assert result.stdout.strip() == f"ok  {path}" and not result.stderr
    else:
        lines = result.stderr.strip().splitlines()
        assert lines and all(line.startswith(f"{path}:") for line in lines), result.stderr
        assert len(lines) == len(set(lines)), result.stderr  # each mistake once
        assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=any_file)
def test_loading_any_bytes_gives_a_script_or_one_script_error(tmp_path, data):
    path = tmp_path / "fuzz.md"
    path.write_bytes(data)
    try:
        script = load_script(path, "fuzz.md")
    except ScriptError as error:
        assert str(error).startswith("fuzz.md:") and "\n" not in str(error)
    else:
        assert script.title and script.cues


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_the_config_file_gives_settings_or_one_config_error(tmp_path_factory, text):
    from guided.errors import ConfigError
    from guided.options import read_config

    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_text(text, encoding="utf-8")
    try:
        read_config(path)
    except ConfigError as error:
        assert str(error).startswith(str(path)) and "\n" not in str(error)
