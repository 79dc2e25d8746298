"""Export for offline listening: every format, tags and a cover, chapters, captions, stdout.
(Many sessions at once, `--all FOLDER`: tests/batch/test_batch_export.py.)

Fast tests build timelines with the fake engine; the end-to-end ones use real espeak-ng, ffmpeg and
ffprobe, and read every file back with ffprobe (or mutagen, an independent reader of tags).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from guided.errors import GuidedError
from guided.export import captions, chapters
from guided.export.encoding import bitrate_for, ffmetadata, format_for
from guided.scripts.language import parse_script
from guided.timing.fitting import LEAD_IN_MS
from guided.timing.timeline import assemble
from guided.tts.cache import ClipCache

from ..conftest import needs
from ..helpers import interrupt_when_writing, probe, run, run_json

RATE = 44100


def env(home) -> dict:
    """A private user state, and espeak-ng (pyttsx3) whatever other engines this machine has."""
    return {"GUIDED_HOME": str(home), "GUIDED_ENGINE": "pyttsx3"}


DECK = """---
title: A small deck
kind: journal
reflect: 20s
---
## Arriving
[bell]
Settle in.
[pause 2s]
## Questions
Here they come.
1. What do you trust?
2. Who taught you that?
## Straight in
3. What would you change?
## Closing
Thank you.
"""


def build(text: str, engine, tmp_path):
    cache = ClipCache(tmp_path / "clips")
    script = parse_script(text, "deck.md")
    return assemble(script, lambda t: cache.get(engine, t, RATE), lambda name: 10 * RATE, rate=RATE)


# --- chapters and captions from the timeline (fast) --------------------------------------------


def test_chapters_interleave_sections_and_questions_in_time_order(fake_engine, tmp_path):
    timeline = build(DECK, fake_engine, tmp_path)
    marks = chapters.chapter_marks(timeline)
    # "Straight in" starts with question 3 itself: one chapter there, the section's.
    assert [m.title for m in marks] == ["Arriving", "Questions", "What do you trust?", "Who taught you that?",
                                        "Straight in", "Closing"]
    assert [m.kind for m in marks] == ["section", "section", "question", "question", "section", "section"]
    first_said = {}
    for event in timeline.speech:  # a question's place ("The first question.") is said first
        first_said.setdefault(event.question or event.leads, event.start)
    assert marks[2].anchor == first_said[1]  # the first spoken sample of the question
    assert marks[4].anchor == first_said[3]
    for mark, section in zip([m for m in marks if m.kind == "section"], timeline.sections, strict=True):
        assert mark.anchor == section.start  # a section's chapter starts at its first event
    assert marks[0].start == 0 and marks[0].anchor == round(LEAD_IN_MS * RATE / 1000)
    for before, after in zip(marks, marks[1:], strict=False):
        assert after.start == after.anchor > before.start
        assert before.end == after.start  # a chapter ends where the next one starts
    assert marks[-1].end == timeline.total


def test_captions_have_one_cue_per_spoken_phrase_in_every_format(fake_engine, tmp_path):
    timeline = build(DECK, fake_engine, tmp_path)
    speech = timeline.speech
    srt = captions.caption_file(timeline, "srt")
    cues = parse_srt(srt)
    assert [c[2] for c in cues] == [e.text for e in speech]
    assert cues[0][0] == round(speech[0].start * 1000 / RATE) and cues[0][1] == round(speech[0].end * 1000 / RATE)
    vtt = captions.caption_file(timeline, "vtt")
    assert vtt.startswith("WEBVTT")
    assert len(re.findall(r"^\d\d:\d\d:\d\d\.\d\d\d --> \d\d:\d\d:\d\d\.\d\d\d$", vtt, re.M)) == len(speech)
    lrc = captions.caption_file(timeline, "lrc")
    timed = re.findall(r"^\[(\d\d):(\d\d)\.(\d\d)\](.+)$", lrc, re.M)
    assert [t[3] for t in timed] == [e.text for e in speech]
    assert "[ti:A small deck]" in lrc


def test_ffmetadata_escapes_what_ffmpeg_would_misread():
    mark = chapters.Mark("a=b; #c\\d", 0, RATE, 0, "section")
    text = ffmetadata({"title": "x=y"}, [mark], RATE)
    assert text.startswith(";FFMETADATA1\n") and "title=x\\=y\n" in text
    assert "title=a\\=b\\; \\#c\\\\d\n" in text and "START=0\nEND=1000\n" in text


def test_format_and_bitrate_are_checked_before_any_work():
    assert format_for("x.M4B", None) == "m4b" and format_for("-", "opus") == "opus"
    with pytest.raises(GuidedError, match="needs --format"):
        format_for("-", None)
    assert bitrate_for("mp3", None) == "160k" and bitrate_for("opus", "64K") == "64k"
    assert bitrate_for("flac", None) is None
    for bad in ("loud", "0k", "9000k"):
        with pytest.raises(GuidedError, match="bitrate"):
            bitrate_for("mp3", bad)
    with pytest.raises(GuidedError, match="lossless"):
        bitrate_for("wav", "128k")


def parse_srt(text: str) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text) of each cue; fails on anything that is not well-formed SRT."""
    cues = []
    stamp = r"(\d\d):(\d\d):(\d\d),(\d\d\d)"
    for number, block in enumerate(text.strip().split("\n\n"), 1):
        lines = block.split("\n")
        assert lines[0] == str(number), block
        match = re.fullmatch(f"{stamp} --> {stamp}", lines[1])
        assert match, block
        g = [int(x) for x in match.groups()]
        start = ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]
        end = ((g[4] * 60 + g[5]) * 60 + g[6]) * 1000 + g[7]
        assert lines[2:], block
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


# --- the long session: chapters in MP3 and M4B (real audio) ------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One user state for the module, so speech is rendered once and shared as it is for a user."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def questions(home, tmp_path_factory):
    """trust-questions exported once as MP3 (with SRT captions) and once as M4B, and its timeline."""
    folder = tmp_path_factory.mktemp("questions")
    mp3 = run_json("export", "trust-questions", "-o", str(folder / "t.mp3"), "--captions", "srt", env=env(home))
    m4b = run_json("export", "trust-questions", "-o", str(folder / "t.m4b"), env=env(home))
    shown = run_json("show", "trust-questions", env=env(home))
    return {"mp3": folder / "t.mp3", "m4b": folder / "t.m4b", "srt": folder / "t.srt", "summaries": (mp3, m4b),
            "shown": shown}


def expected_chapters(shown: dict) -> list[tuple[str, float]]:
    """(title, anchor seconds) for each section (its first event) and question (its first spoken sample,
    its place when one is said; titled with the question's own words, said last)."""
    points = [(s["start"], 0, s["title"]) for s in shown["sections"]]
    first, words = {}, {}
    for e in shown["events"]:
        if e["kind"] == "speech" and (e["question"] or e["leads"]):
            first.setdefault(e["question"] or e["leads"], e["start"])
        if e["kind"] == "speech" and e["question"]:
            words[e["question"]] = e["text"]
    points += [(start, 1, words[number]) for number, start in first.items()]
    points.sort()
    kept = []
    for point in points:
        if not kept or kept[-1][0] != point[0]:
            kept.append(point)
    return [(title, start) for start, _, title in kept]


def onset(path: Path, around: float) -> float:
    """When sound starts near `around` seconds, as ffmpeg decodes the file (independently of us)."""
    lead = 0.6
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{max(0.0, around - lead):.3f}", "-t", "1.6", "-i", str(path),
         "-f", "f32le", "-ac", "1", "-ar", str(RATE), "-"],
        capture_output=True, check=True,
    ).stdout
    samples = np.abs(np.frombuffer(out, dtype="<f4"))
    loud = np.flatnonzero(samples > 10 ** (-40 / 20))
    assert loud.size, f"no sound near {around:.3f} s"
    return max(0.0, around - lead) + loud[0] / RATE


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
@pytest.mark.parametrize("fmt", ["mp3", "m4b"])
def test_long_session_has_a_chapter_per_section_and_question_at_its_first_sound(questions, fmt):
    path, shown = questions[fmt], questions["shown"]
    found = sorted(probe(path)["chapters"], key=lambda c: float(c["start_time"]))
    wanted = expected_chapters(shown)
    assert len(found) == len(wanted) >= 22
    assert len(wanted) == len(shown["sections"]) + shown["stats"]["questions"]  # no question opens a section here
    assert [c["tags"]["title"] for c in found] == [title for title, _ in wanted]
    asked = {e["text"] for e in shown["events"] if e["kind"] == "speech" and e["question"]}
    worst = 0.0
    for index, (chapter, (title, anchor)) in enumerate(zip(found, wanted, strict=True)):
        start = float(chapter["start_time"])
        if index == 0:
            assert start == 0.0 and anchor <= LEAD_IN_MS / 1000 + 0.001  # the first one holds the lead-in too
            continue
        worst = max(worst, abs(start - anchor))
        if title in asked:
            # A question: the file itself is quiet just before the chapter and speaks at it.
            heard = onset(path, start)
            assert abs(heard - start) <= 0.050, f"{title!r}: chapter at {start:.3f} s, speech heard at {heard:.3f} s"
        if index + 1 < len(found):
            assert abs(float(chapter["end_time"]) - float(found[index + 1]["start_time"])) < 0.002
    assert worst <= 0.050
    assert abs(float(found[-1]["end_time"]) - shown["stats"]["seconds"]) <= 0.05
    print(f"{fmt}: {len(found)} chapters, worst chapter-vs-timeline offset {worst * 1000:.1f} ms")


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_long_session_captions_parse_run_in_order_within_the_audio_and_carry_the_text(questions):
    shown = questions["shown"]
    cues = parse_srt(questions["srt"].read_text(encoding="utf-8"))
    speech = [e for e in shown["events"] if e["kind"] == "speech"]
    assert [text for _, _, text in cues] == [e["text"] for e in speech]
    duration = float(probe(questions["mp3"])["format"]["duration"])
    previous_end = 0
    for (start, end, _), event in zip(cues, speech, strict=True):
        assert previous_end <= start < end <= duration * 1000
        assert abs(start / 1000 - event["start"]) <= 0.002
        previous_end = end
    spoken = " ".join(text for _, _, text in cues)
    for question in ("what memories or experiences shaped how easily you trust?",
                     "What boundaries would protect you, without shutting everyone out?"):
        assert question in spoken


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_long_session_tags_and_cover(questions):
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4

    for fmt in ("mp3", "m4b"):
        info = probe(questions[fmt])
        tags = {k.lower(): v for k, v in info["format"]["tags"].items()}
        assert tags["title"] == "Twenty questions on trust" and tags["artist"] == "guided"
        assert tags["album"] == "guided" and tags["genre"] == "Meditation" and "self-reflection" in tags["comment"]
        covers = [s for s in info["streams"] if s.get("disposition", {}).get("attached_pic")]
        assert len(covers) == 1 and covers[0]["codec_name"] == "png"
    id3 = ID3(questions["mp3"])
    assert id3.getall("APIC")[0].data.startswith(b"\x89PNG") and len(id3.getall("CTOC")[0].child_element_ids) >= 22
    mp4 = MP4(questions["m4b"])
    assert mp4.tags["stik"] == [2] and bytes(mp4.tags["covr"][0]).startswith(b"\x89PNG")
    mp3_summary, m4b_summary = questions["summaries"]
    assert mp3_summary["chapters"] == m4b_summary["chapters"] >= 22 and mp3_summary["captions"].endswith("t.srt")


# --- every format, on a short script -----------------------------------------------------------

SHORT = """---
title: "Short: a test"
kind: series
series: Rebuilding trust
part: 2
---
## Arriving
[bell chime]
Breathe, and rest.
## Asking
Listen.
1. What do you notice right now?
[pause 2s]
## Closing
Thank you.
"""

CODECS = {"mp3": "mp3", "m4a": "aac", "m4b": "aac", "ogg": "vorbis", "opus": "opus", "flac": "flac", "wav": "pcm_s16le"}


@pytest.fixture(scope="module")
def short(tmp_path_factory, home):
    folder = tmp_path_factory.mktemp("short")
    script = folder / "short.md"
    script.write_text(SHORT)
    shown = run_json("show", str(script), env=env(home))
    return script, shown


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
@pytest.mark.parametrize("fmt", list(CODECS))
def test_every_format_exports_with_tags_chapters_and_cover_and_reads_back(short, home, tmp_path, fmt):
    script, shown = short
    out = tmp_path / f"short.{fmt}"
    summary = run_json("export", str(script), "-o", str(out), env=env(home))
    info = probe(out)
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert len(audio) == 1 and audio[0]["codec_name"] == CODECS[fmt]
    assert abs(float(info["format"]["duration"]) - summary["seconds"]) <= 0.05 + (0.04 if fmt == "mp3" else 0)
    assert summary["seconds"] == shown["stats"]["seconds"]
    tags = {k.lower(): v for k, v in {**info["format"].get("tags", {}), **audio[0].get("tags", {})}.items()}
    assert tags["title"] == "Short: a test" and tags["album"] == "Rebuilding trust" and tags["artist"] == "guided"
    assert tags.get("track", tags.get("tracknumber", "")).startswith("2")
    subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", str(out), "-f", "null", "-"], check=True)
    covers = [s for s in info["streams"] if s.get("disposition", {}).get("attached_pic")]
    if fmt == "wav":
        assert not info.get("chapters") and not covers and summary["chapters"] == 0
        return
    assert len(covers) == 1
    titles = [c["tags"]["title"] for c in sorted(info["chapters"], key=lambda c: float(c["start_time"]))]
    assert titles == ["Arriving", "Asking", "What do you notice right now?", "Closing"] and summary["chapters"] == 4


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_mono_sample_rate_and_bitrate_reach_the_file(short, home, tmp_path):
    script, _ = short
    for fmt, rate in (("mp3", "22050"), ("opus", "44100")):
        out = tmp_path / f"m.{fmt}"
        run("export", str(script), "-o", str(out), "--mono", "--sample-rate", rate, "--bitrate", "48k",
            "--cover", "none", env=env(home), check=True)
        info = probe(out)
        stream = info["streams"][0]
        assert stream["channels"] == 1 and len(info["streams"]) == 1  # no cover
        assert stream["sample_rate"] == (rate if fmt == "mp3" else "48000")  # Opus always plays at 48 kHz
        if fmt == "mp3":
            assert stream["bit_rate"] == "48000"
        else:  # Opus is VBR, and this session is mostly quiet
            assert int(info["format"]["bit_rate"]) <= 56_000


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_a_cover_file_is_embedded_as_given_and_a_bad_one_refused(short, home, tmp_path):
    from mutagen.flac import FLAC

    from guided.export.tags import generated_cover

    script, _ = short
    image = tmp_path / "mine.png"
    image.write_bytes(generated_cover("Mine", size=120).data)
    out = tmp_path / "c.flac"
    run("export", str(script), "-o", str(out), "--cover", str(image), env=env(home), check=True)
    pictures = FLAC(out).pictures
    assert len(pictures) == 1 and pictures[0].data == image.read_bytes() and pictures[0].width == 120
    (tmp_path / "bad.png").write_text("not an image")
    result = run("export", str(script), "-o", str(tmp_path / "d.mp3"), "--cover", str(tmp_path / "bad.png"))
    assert result.returncode == 1 and "PNG or a JPEG" in result.stderr and not (tmp_path / "d.mp3").exists()


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
@pytest.mark.parametrize("fmt", ["mp3", "m4a", "opus"])
def test_stdout_gets_only_the_audio(short, home, tmp_path, fmt):
    script, shown = short
    result = subprocess.run([sys.executable, "-m", "guided", "export", str(script), "--format", fmt, "-o", "-"],
                            capture_output=True, env={**os.environ, **env(home)}, timeout=300)
    assert result.returncode == 0, result.stderr
    out = tmp_path / f"piped.{fmt}"
    out.write_bytes(result.stdout)
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", str(out), "-f", "f32le", "-ac", "1", "-"],
                             capture_output=True, check=True)
    assert decoded.stderr == b""
    seconds = len(decoded.stdout) / 4 / (48000 if fmt == "opus" else RATE)
    assert abs(seconds - shown["stats"]["seconds"]) <= 0.1
    if fmt != "opus":  # ffmpeg writes chapters on a stream for MP3 (ID3) and MP4 (Nero chapters)
        assert len(probe(out)["chapters"]) == 4


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_stdout_needs_a_format_and_captions_need_a_file(tmp_path):
    result = run("export", "heart-breathing", "-o", "-")
    assert result.returncode == 1 and "--format" in result.stderr and result.stdout == ""
    result = run("export", "heart-breathing", "-o", "-", "--format", "mp3", "--captions", "srt")
    assert result.returncode == 1 and "needs -o FILE" in result.stderr and result.stdout == ""
    assert run("export", "heart-breathing").returncode == 2  # neither -o nor --all
    assert run("export", "heart-breathing", "-o", "x.mp3", "--all", str(tmp_path)).returncode == 2
    result = run("export", "rebuilding-trust", "-o", str(tmp_path / "x.mp3"))
    assert result.returncode == 1 and "--all" in result.stderr


# --- Ctrl-C ------------------------------------------------------------------------------------


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_ctrl_c_during_an_export_leaves_the_folder_as_it_was(home, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = sorted(os.listdir(out))
    result = interrupt_when_writing(["export", "trust-questions", "-o", str(out / "t.m4b"), "--captions", "srt"],
                                    out, env(home))
    assert result.returncode == 130, result.stderr
    assert result.stderr.decode().strip().splitlines()[-1] == "guided: interrupted"
    assert sorted(os.listdir(out)) == before
    assert (out / "keep.txt").read_text() == "mine"



@pytest.mark.e2e
@needs("ffmpeg", "espeak-ng")
def test_the_loudest_accepted_target_keeps_true_peaks_under_minus_one_dbtp_in_a_sparse_session(tmp_path):
    """Short words, long silences and a bed: the voice is raised the furthest here, and an
    independent meter (ffmpeg's ebur128) must still find the true peaks at or under -1 dBTP."""
    from ..helpers import ebur128

    script = tmp_path / "sparse.md"
    script.write_text("---\ntitle: Sparse\nkind: meditation\nbackground: rain\n---\n[pause 20s]\nHi.\n[pause 40s]\n"
                      "And again, slowly now.\n[pause 40s]\n[bell]\nRest.\n[pause 30s]\n")
    out = tmp_path / "sparse.wav"
    run("export", str(script), "-o", str(out), "--loudness", "-14", "-q", env=env(tmp_path / "home"), check=True)
    integrated, true_peak = ebur128(out)
    assert true_peak <= -1.0, true_peak
    assert abs(integrated - -14.0) < 0.5, integrated


def marks_of(kinds: str, total: int = 100_000) -> list[chapters.Mark]:
    step = total // len(kinds)
    return [chapters.Mark(f"{kind}{i}", i * step, (i + 1) * step if i + 1 < len(kinds) else total, i * step,
                          "section" if kind == "s" else "question") for i, kind in enumerate(kinds)]


def covers_the_file(marks, total: int = 100_000) -> bool:
    return marks[0].start == 0 and marks[-1].end == total and all(
        a.end == b.start for a, b in zip(marks, marks[1:], strict=False))


def test_chapters_beyond_a_formats_table_are_joined_questions_first():
    deck = marks_of("s" + "q" * 150 + "s" + "q" * 150 + "s")
    kept = chapters.within(deck, 255)
    assert [m.title for m in kept] == ["s0", "s151", "s302"] and covers_the_file(kept)  # sections hold their questions
    many = marks_of("s" * 1500)
    kept = chapters.within(many, 999)
    assert len(kept) == 999 and covers_the_file(kept)
    assert chapters.within(deck[:200], 255) == deck[:200]  # within the table: untouched


@needs("ffmpeg")
@pytest.mark.parametrize(("fmt", "most"), [("mp3", 255), ("ogg", 999)])
def test_an_export_with_more_chapters_than_its_format_holds_is_written_with_as_many_as_it_holds(
        tmp_path, guided_home, fake_voice, fmt, most):
    import mutagen

    import guided

    sections = "".join(f"## Part {i}\nBreathe.\n" for i in range(most + 20))
    session = guided.prepare(f"---\ntitle: Many\nkind: talk\nbackground: none\n---\n{sections}")
    result = session.export(tmp_path / f"many.{fmt}", format=fmt)
    assert result.chapters == most and result.chapters_joined == 20
    tags = mutagen.File(tmp_path / f"many.{fmt}").tags
    if fmt == "mp3":
        assert len(tags.getall("CTOC")[0].child_element_ids) == most == len(tags.getall("CHAP"))
    else:
        assert f"CHAPTER{most:03d}" in tags and f"CHAPTER{most + 1:03d}" not in tags


@needs("ffmpeg")
def test_ogg_takes_only_the_bitrates_vorbis_has_modes_for_and_says_which_before_any_work():
    from guided.errors import UsageError
    from guided.export.encoding import ffmpeg
    from guided.export.formats import vorbis_bitrate

    binary = ffmpeg()
    assert vorbis_bitrate(binary, "128k", False, 22050, 1) in ("64k", "80k")  # the default, lowered to fit
    assert vorbis_bitrate(binary, "128k", True, 44100, 2) == "128k"
    for given, rate, channels, says in (("8k", 44100, 2, "from 45k to 500k"), ("512k", 48000, 2, "to 500k"),
                                         ("128k", 22050, 1, "from 32k to")):
        with pytest.raises(UsageError, match=says) as caught:
            vorbis_bitrate(binary, given, True, rate, channels)
        assert f"not {given}" in str(caught.value)


@pytest.mark.e2e
@needs("ffmpeg", "ffprobe", "espeak-ng")
def test_a_mono_ogg_at_a_low_sample_rate_is_written_and_an_unfit_bitrate_is_one_usage_line(short, home, tmp_path):
    script, _ = short
    out = tmp_path / "m.ogg"
    run("export", str(script), "-o", str(out), "--mono", "--sample-rate", "22050", env=env(home), check=True)
    assert probe(out)["streams"][0]["channels"] == 1
    refused = run("export", str(script), "-o", str(tmp_path / "n.ogg"), "--bitrate", "8k", env=env(home))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "takes a bitrate from 45k to 500k" in refused.stderr and not (tmp_path / "n.ogg").exists()
