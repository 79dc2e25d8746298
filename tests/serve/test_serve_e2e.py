"""`guided serve` for real: uvicorn on a free loopback port, its page driven by Debian's headless
Chromium, its feed read by feedparser, its audio fetched with raw HTTP Range requests.

The server serves the built-in library plus a folder of short scripts (so an export takes seconds),
and feeds the short series `tiny`. Screenshots go to $GUIDED_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import feedparser
import pytest

import guided
from tests.conftest import needs
from tests.servers import CHROMIUM, CHROMIUM_ARGS, start, write_library

pytestmark = [pytest.mark.serve, needs("ffmpeg", "ffprobe", "espeak-ng")]

PODCAST = "{https://podcastindex.org/namespace/1.0}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    library = write_library(root / "scripts")
    server = start("--library", str(library), "--series", "tiny", home=root / "home", log_path=root / "serve.log")
    yield server
    server.stop()


def _exports(server) -> Path:
    return server.home / "exports" / "mp3"


def test_the_page_on_a_phone_lists_the_library_plays_a_session_jumps_to_a_chapter_and_shows_captions(served, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GUIDED_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    built_in = {s.id for s in guided.library().sessions() if s.origin == "built-in"}
    assert len(built_in) >= 10
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            phone = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                     has_touch=True)
            phone.goto(served.url)
            phone.wait_for_selector("a.session")
            listed = phone.eval_on_selector_all("a.session", "links => links.map(a => a.dataset.id)")
            assert built_in <= set(listed), built_in - set(listed)
            assert {"calm-minute", "tiny/1", "tiny/2"} <= set(listed)
            assert len(listed) == len(set(listed))
            layout = phone.evaluate("""() => ({
                width: document.documentElement.scrollWidth,
                font: parseFloat(getComputedStyle(document.body).fontSize),
                rows: Array.from(document.querySelectorAll('a.session')).map(a => a.getBoundingClientRect().height),
                meta: document.querySelector('a.session[data-key="heart-breathing"] .meta').textContent })""")
            assert layout["width"] <= 360, "the page scrolls sideways on a 360 px phone"
            assert layout["font"] >= 16 and min(layout["rows"]) >= 44
            assert layout["meta"].startswith("meditation · about ")
            phone.screenshot(path=str(shots / "library-360x740.png"))

            phone.tap('a.session[data-key="calm-minute"]')
            phone.wait_for_selector("#status progress", timeout=5_000)  # exported on this first request
            assert phone.text_content("#status p").startswith(("Preparing the audio", "Waiting for another"))
            phone.screenshot(path=str(shots / "preparing-360x740.png"))
            phone.wait_for_selector("#play", timeout=120_000)
            chapters = phone.eval_on_selector_all(
                ".chapter", "buttons => buttons.map(b => [b.firstChild.textContent, Number(b.dataset.start)])")
            assert [title for title, _ in chapters] == ["Arriving", "Breathing", "Closing"]
            assert chapters[0][1] == 0 and chapters[1][1] < chapters[2][1]

            phone.tap("#play")
            phone.wait_for_function("() => document.querySelector('audio').currentTime > 1", timeout=20_000)
            phone.wait_for_function(
                "() => { const t = document.querySelector('track'); return t.readyState === 2 && t.track.cues.length > 0 }",
                timeout=10_000)
            cues = phone.evaluate("() => Array.from(document.querySelector('track').track.cues).map(c => c.text)")
            assert cues[0] == "Let yourself arrive, just as you are."
            assert cues[-1] == "When you are ready, open your eyes."
            phone.wait_for_function("() => document.getElementById('caption').textContent.length > 0", timeout=10_000)

            closing = chapters[2][1]
            phone.tap(".chapter >> nth=2")
            phone.wait_for_function(
                f"() => {{ const t = document.querySelector('audio').currentTime; return t >= {closing - 0.3} && t < {closing + 3} }}",
                timeout=5_000)
            # The highlight follows the audio's next timeupdate, a moment after the seek itself.
            phone.wait_for_function(
                "() => { const b = document.querySelector('.chapter.now'); return b && b.firstChild.textContent === 'Closing' }",
                timeout=5_000)
            assert phone.eval_on_selector(".chapter.now", "b => b.firstChild.textContent") == "Closing"
            phone.wait_for_function("() => document.getElementById('caption').textContent.includes('open your eyes')",
                                    timeout=10_000)
            phone.evaluate("() => document.querySelector('audio').pause()")
            phone.wait_for_function("() => { const m = document.getElementById('map'); return m && m.complete }",
                                    timeout=60_000)
            shown = phone.evaluate("""() => { const m = document.getElementById('map');
                const frame = m.closest('.map-frame').getBoundingClientRect();
                return [m.naturalWidth, m.naturalHeight, m.getBoundingClientRect().width, frame.right,
                        document.documentElement.scrollWidth] }""")
            # The session map keeps a readable size on a phone and scrolls inside its frame; the page does not.
            assert shown[:2] == [1200, 400] and shown[2] >= 800
            assert shown[3] <= 360 and shown[4] <= 360
            phone.screenshot(path=str(shots / "player-360x740.png"))
            phone.screenshot(path=str(shots / "player-360-full.png"), full_page=True)

            desktop = browser.new_page(viewport={"width": 1280, "height": 800})
            desktop.goto(served.url)
            desktop.wait_for_selector("a.session")
            desktop.screenshot(path=str(shots / "library-1280x800.png"))
            desktop.goto(served.url + "#/calm-minute")
            desktop.wait_for_selector("#play")
            desktop.screenshot(path=str(shots / "player-1280x800.png"))

            for scheme in ("light", "dark"):
                page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                        has_touch=True, color_scheme=scheme)
                page.goto(served.url)
                page.wait_for_selector("a.session")
                page.screenshot(path=str(shots / f"library-390x844-{scheme}.png"))
                page.goto(served.url + "#/calm-minute")
                page.wait_for_function("() => { const m = document.getElementById('map'); return m && m.complete }",
                                       timeout=60_000)
                page.eval_on_selector(".map-frame", "f => f.scrollIntoView()")
                background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
                filtered = page.eval_on_selector("#map", "m => getComputedStyle(m).filter")
                assert (filtered != "none") == (scheme == "dark"), filtered  # no white block on a dark page
                assert (background == "rgb(22, 26, 25)") == (scheme == "dark"), background
                page.screenshot(path=str(shots / f"player-390x844-{scheme}.png"))
        finally:
            browser.close()
    print(f"screenshots in {shots}")


def test_the_podcast_feed_parses_cleanly_and_every_enclosure_is_its_file_byte_for_byte(served):
    first = served.request("feed.xml")  # asks for the series' missing sessions to be exported
    assert first.status == 200 and first.headers["content-type"].startswith("application/rss+xml")
    served.wait_ready(["tiny-01", "tiny-02"])
    reply = served.request("feed.xml")
    parsed = feedparser.parse(reply.body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title == "Tiny steps"
    assert parsed.feed.itunes_type == "serial"
    assert [e.title for e in parsed.entries] == ["Tiny step one", "Tiny step two"]  # the feed's series only
    artwork = served.request(parsed.feed.image.href)
    assert artwork.status == 200 and artwork.headers["content-type"] == "image/png"
    assert artwork.body.startswith(b"\x89PNG")
    items = ET.fromstring(reply.body).findall("./channel/item")
    for entry, item in zip(parsed.entries, items, strict=True):
        (enclosure,) = entry.enclosures
        on_disk = (_exports(served) / enclosure.href.rsplit("/", 1)[1]).read_bytes()
        size = len(on_disk)
        assert int(enclosure.length) == size
        assert enclosure.type == "audio/mpeg"
        whole = served.request(enclosure.href)
        assert whole.status == 200 and whole.body == on_disk
        assert whole.headers["content-type"] == enclosure.type and int(whole.headers["content-length"]) == size
        tail = served.request(enclosure.href, headers={"Range": "bytes=-1000"})
        assert tail.status == 206
        assert tail.body == on_disk[-1000:]
        assert tail.headers["content-range"] == f"bytes {size - 1000}-{size - 1}/{size}"
        assert 0 < int(entry.itunes_duration.split(":")[-1]) < 60
        cover = served.request(entry.image.href)
        assert cover.status == 200 and cover.body[:4] == b"\x89PNG"
        chapters_link = item.find(f"{PODCAST}chapters")
        assert chapters_link.get("type") == "application/json+chapters"
        chapters = served.request(chapters_link.get("url"))
        assert chapters.status == 200 and chapters.headers["content-type"].startswith("application/json+chapters")
        document = json.loads(chapters.body)
        assert [c["title"] for c in document["chapters"]] == ["Start", "End"]
        assert document["chapters"][0]["startTime"] == 0
        transcript = served.request(item.find(f"{PODCAST}transcript").get("url"))
        assert transcript.status == 200 and transcript.body.startswith(b"WEBVTT")


def test_audio_answers_head_ranges_and_conditional_requests_the_way_players_resume(served):
    full = served.request("audio/tiny-01.mp3")
    assert full.status == 200
    size = len(full.body)
    assert full.headers["accept-ranges"] == "bytes" and full.headers["content-type"] == "audio/mpeg"
    head = served.request("audio/tiny-01.mp3", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) == size
    assert head.headers["etag"] == full.headers["etag"]
    middle = served.request("audio/tiny-01.mp3", headers={"Range": "bytes=100-199"})
    assert middle.status == 206 and middle.body == full.body[100:200]
    rest = served.request("audio/tiny-01.mp3", headers={"Range": "bytes=5000-"})
    assert rest.status == 206 and rest.body == full.body[5000:]
    assert served.request("audio/tiny-01.mp3", headers={"Range": f"bytes={size}-"}).status == 416
    same = served.request("audio/tiny-01.mp3", headers={"If-None-Match": full.headers["etag"]})
    assert same.status == 304 and same.body == b""
    assert served.request("audio/tiny-01.mp3", headers={"If-Modified-Since": full.headers["last-modified"]}).status == 304
    assert served.request("audio/tiny-01.mp3", headers={"If-None-Match": '"other"'}).status == 200
    captions = served.request("captions/tiny-01.vtt")
    assert captions.status == 200 and captions.headers["content-type"] == "text/vtt; charset=utf-8"


def test_each_session_page_offers_its_map_drawn_from_its_timeline(served):
    import struct

    row = served.json("api/sessions/tiny-02")
    if row["state"] != "ready":
        assert served.request("audio/tiny-02.mp3").status == 200  # exports it
        row = served.json("api/sessions/tiny-02")
    assert row["map"] == "map/tiny-02.png"
    picture = served.request(row["map"])
    assert picture.status == 200 and picture.headers["content-type"] == "image/png"
    assert picture.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", picture.body[16:24]) == (1200, 400)
    again = served.request(row["map"], headers={"If-None-Match": picture.headers["etag"]})
    assert again.status == 304  # drawn once, then served as a file
    assert served.request("map/no-such-session.png").status == 404


def test_two_first_requests_for_a_session_at_once_render_it_once(served):
    assert served.json("api/sessions/only-once")["state"] == "missing"
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: served.request("audio/only-once.mp3"), range(2)))
    on_disk = (_exports(served) / "only-once.mp3").read_bytes()
    assert [r.status for r in replies] == [200, 200]
    assert replies[0].body == replies[1].body == on_disk
    assert served.request("audio/only-once.mp3").status == 200
    exports = [line for line in served.log().splitlines() if "exported only-once in" in line]
    print(f"render-once: {len(exports)} export for 3 requests: {exports}")
    assert len(exports) == 1
    index = json.loads((_exports(served) / "index.json").read_text())
    assert [row["file"] for row in index["sessions"] if row["id"] == "only-once"] == ["only-once.mp3"]
    import sqlite3

    with sqlite3.connect(served.home / "practice-log.sqlite3") as conn:  # the server's exports are practice too
        logged = conn.execute("SELECT session, detail FROM practice WHERE kind = 'export'").fetchall()
    assert logged.count(("only-once", "mp3")) == 1


def test_fifty_concurrent_range_requests_for_ten_seconds_are_all_exact_and_memory_stays_flat(served):
    whole = served.request("audio/calm-minute.mp3").body
    size = len(whole)
    wrong: list[str] = []

    def burst(seconds: float, most: int) -> tuple[list[int], float]:
        """50 clients at once, each asking for random ranges until `seconds` pass (at most `most` each)."""
        counts = [0] * 50
        stop_at = time.monotonic() + seconds

        def listener(number: int) -> None:
            rng = random.Random(number * 1000 + most)
            while time.monotonic() < stop_at and counts[number] < most:
                start = rng.randrange(size)
                end = min(size - 1, start + rng.randrange(1, 256 * 1024))
                reply = served.request("audio/calm-minute.mp3", headers={"Range": f"bytes={start}-{end}"}, timeout=30)
                if reply.status != 206 or reply.body != whole[start:end + 1] or \
                        reply.headers.get("content-range") != f"bytes {start}-{end}/{size}":
                    wrong.append(f"{start}-{end}: {reply.status}")
                counts[number] += 1

        began = time.monotonic()
        with ThreadPoolExecutor(50) as pool:
            list(pool.map(listener, range(50)))
        return counts, time.monotonic() - began

    burst(2, 40)  # the server's worker threads and buffers exist before memory is measured
    before = served.rss_kib()
    samples: list[int] = []
    measuring = threading.Event()

    def sample() -> None:
        while not measuring.wait(0.25):
            samples.append(served.rss_kib())

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        counts, elapsed = burst(10, 400)
    finally:
        measuring.set()
        sampler.join()
    after = served.rss_kib()
    print(f"load: {sum(counts)} range requests from 50 concurrent clients in {elapsed:.1f} s; "
          f"server RSS before {before} KiB, peak {max(samples)} KiB, after {after} KiB")
    assert wrong == []
    assert min(counts) >= 5
    assert max(samples) - before < 16 * 1024 and after - before < 8 * 1024


def test_a_folder_exported_by_the_batch_with_the_same_options_is_served_as_it_is(tmp_path):
    from tests.helpers import run

    library = write_library(tmp_path / "scripts")
    folder = tmp_path / "made-by-export-all"
    home = tmp_path / "home"
    env = {"GUIDED_HOME": str(home)}
    run("--library", str(library), "export", "tiny", "--all", str(folder), "--captions", "vtt", "-q", env=env, check=True)
    made = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    server = start("--library", str(library), "tiny", "--exports", str(folder), home=home, log_path=tmp_path / "log")
    try:
        rows = server.json("api/library")["sessions"]
        assert [(r["id"], r["state"]) for r in rows] == [("tiny/1", "ready"), ("tiny/2", "ready")]
        assert server.request("audio/tiny-02.mp3").body == (folder / "tiny-02.mp3").read_bytes()
        assert "exported tiny" not in server.log()
    finally:
        assert server.stop(signal.SIGINT) == 130
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == made
    assert "guided serve: stopped" in server.log()


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_or_sighup_during_an_export_stops_at_once_and_leaves_no_partial_file(tmp_path, signum, status):
    server = start(home=tmp_path / "home", log_path=tmp_path / "log")
    assert server.json("api/sessions/heart-breathing/export", method="POST")["state"] in ("queued", "exporting")
    deadline = time.monotonic() + 30
    while server.json("api/sessions/heart-breathing")["progress"] <= 0 and time.monotonic() < deadline:
        time.sleep(0.2)  # under way: some audio already encoded
    assert server.stop(signum) == status
    folder = server.home / "exports" / "mp3"
    assert sorted(p.name for p in folder.iterdir()) == []
    assert "guided serve: stopped" in server.log()
    assert "Traceback" not in server.log()
