"""An export never writes over what it is made from: the script, the background, a bell, the cover,
or another of its own files (audio, captions, map); the same file by another name (a symbolic or
a hard link) counts. Refused in one line, exit 1, before any speech is rendered, and the file
that would have been overwritten is left exactly as it was."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from ..conftest import needs
from ..helpers import run

SCRIPT = "---\ntitle: Small\nkind: talk\n---\nHello there. [pause 2s]\n"


def env(home) -> dict:
    return {"GUIDED_HOME": str(home), "GUIDED_ENGINE": "pyttsx3"}


def png(path: Path) -> Path:
    """A tiny real PNG (a cover must be a picture to be accepted)."""
    rows = b"".join(b"\x00" + b"\x80\x40\x20" * 4 for _ in range(4))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def refused(result, says: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert says in lines[0], lines[0]
    assert "choose another name" in lines[0]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "small.md").write_text(SCRIPT)
    (tmp_path / "bed.wav").write_bytes(b"RIFF-not-really-a-bed")  # never decoded: refused first
    return tmp_path


def unchanged(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before


@pytest.mark.parametrize("args, victim, says", [
    (["small.md", "-o", "small.md", "--format", "wav"], "small.md", "the audio would overwrite the script"),
    (["small.md", "--background", "bed.wav", "-o", "bed.wav"], "bed.wav", "the audio would overwrite the background"),
    (["small.md", "--captions", "srt", "-o", "out.mp3", "--map", "out.srt"], None, "would be the same file"),
    (["small.md", "--map", "m.png", "-o", "m.png", "--format", "mp3"], None, "would be the same file"),
])
def test_an_export_over_one_of_its_own_inputs_or_outputs_is_refused_before_any_work(folder, args, victim, says,
                                                                                      guided_home):
    before = (folder / victim).read_bytes() if victim else None
    result = run("export", *args, env=env(guided_home), cwd=folder)
    refused(result, says)
    if victim:
        unchanged(folder / victim, before)
    assert not (guided_home / "cache" / "clips").exists()  # refused before any speech was rendered
    assert sorted(p.name for p in folder.iterdir()) == sorted(["small.md", "bed.wav"])


def test_a_bell_file_named_in_the_script_is_never_overwritten(tmp_path, guided_home):
    bell = tmp_path / "bell.wav"
    bell.write_bytes(b"RIFF-a-bell")
    (tmp_path / "s.md").write_text(f"---\ntitle: S\nkind: talk\n---\nHello. [bell {bell}]\n")
    refused(run("export", "s.md", "-o", "bell.wav", env=env(guided_home), cwd=tmp_path), "overwrite a bell")
    assert bell.read_bytes() == b"RIFF-a-bell"


def test_the_cover_is_never_overwritten(folder, guided_home):
    cover = png(folder / "c.png")
    before = cover.read_bytes()
    result = run("export", "small.md", "--cover", "c.png", "-o", "c.png", "--format", "mp3", env=env(guided_home),
                 cwd=folder)
    refused(result, "the audio would overwrite the cover")
    unchanged(cover, before)


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_the_script_under_another_name_counts_as_the_script(folder, link, guided_home):
    other = folder / "other.mp3"
    if link == "symbolic":
        other.symlink_to(folder / "small.md")
    else:
        os.link(folder / "small.md", other)
    refused(run("export", "small.md", "-o", "other.mp3", env=env(guided_home), cwd=folder),
            "the audio would overwrite the script")
    assert (folder / "small.md").read_text() == SCRIPT


def test_the_python_api_refuses_too(folder, guided_home, fake_voice):
    import guided

    session = guided.prepare(str(folder / "small.md"), background="none")
    with pytest.raises(guided.OutputError, match="would overwrite the script"):
        session.export(folder / "small.md", format="wav")
    assert (folder / "small.md").read_text() == SCRIPT


@needs("ffmpeg")
def test_a_batch_never_writes_over_a_file_its_sessions_are_made_from(tmp_path, guided_home):
    library = tmp_path / "lib"
    library.mkdir()
    bed = library / "bg.mp3"
    bed.write_bytes(b"not decoded: refused first")
    (library / "bg.md").write_text(f"---\ntitle: Bed\nkind: talk\nbackground: {bed}\n---\nHello.\n")
    (library / "plain.md").write_text(SCRIPT)
    result = run("export", str(library), "--all", str(library), env=env(guided_home))
    refused(result, "the audio of bg would overwrite the background of bg")
    assert bed.read_bytes() == b"not decoded: refused first"
    assert sorted(p.name for p in library.iterdir()) == ["bg.md", "bg.mp3", "plain.md"]


@pytest.mark.parametrize(("extra", "folder_name", "says"), [
    (["--captions", "srt"], "out.srt", "the captions go to"),
    (["--map", "map.png"], "map.png", "map.png is a folder"),
])
def test_a_folder_where_a_file_beside_the_audio_goes_is_refused_before_any_work(folder, guided_home, extra,
                                                                                 folder_name, says):
    (folder / folder_name).mkdir()
    result = run("export", "small.md", "-o", "out.mp3", *extra, env=env(guided_home), cwd=folder)
    refused(result, says)
    assert not (folder / "out.mp3").exists()  # nothing half-done left behind
