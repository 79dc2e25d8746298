"""The parts of `guided serve` that need no running server: the feed's text as a podcast client
reads it, the token, the paths the gate refuses, the command's help and its one-line errors, and
the page's files inside the wheel."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import feedparser
import pytest

from guided.serve import feed as feeds
from guided.serve.security import new_token, unsafe_path
from guided.serve.server import Address
from tests.helpers import run

pytestmark = pytest.mark.serve
ROOT = Path(__file__).resolve().parent.parent.parent


def _episode(place: int, **changes) -> feeds.Episode:
    number = place
    values = dict(
        guid=f"guided:tiny/{number}:abc", title=f"Step {number}: <rest> & breathe", description="Quiet & slow.",
        url=f"http://192.0.2.7:8765/T/audio/tiny-0{number}.mp3", length=1234567 + number, mime="audio/mpeg",
        seconds=754.4, published=1_780_000_000 + number, image=f"http://192.0.2.7:8765/T/art/tiny-0{number}.png",
        chapters=f"http://192.0.2.7:8765/T/chapters/tiny-0{number}.json",
        transcript=f"http://192.0.2.7:8765/T/captions/tiny-0{number}.vtt", number=number,
    )
    values.update(changes)
    return feeds.Episode(**values)


def test_the_feed_reads_cleanly_in_feedparser_with_its_enclosures_durations_and_artwork():
    channel = feeds.Channel(title="Rebuilding trust", description="Seven steps & a pause.",
                            link="http://192.0.2.7:8765/T/", feed_url="http://192.0.2.7:8765/T/feed.xml",
                            image="http://192.0.2.7:8765/T/art/library.png", serial=True)
    text = feeds.feed_xml(channel, [_episode(1), _episode(2, image=None, number=None)], 1_780_000_100)
    parsed = feedparser.parse(text)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Rebuilding trust" and parsed.feed.subtitle == "Seven steps & a pause."
    assert parsed.feed.image.href == "http://192.0.2.7:8765/T/art/library.png"
    assert parsed.feed.itunes_type == "serial"
    assert parsed.feed.tags[0].term == "Health & Fitness"
    first, second = parsed.entries
    assert first.title == "Step 1: <rest> & breathe"
    assert first.enclosures[0].href.endswith("/audio/tiny-01.mp3")
    assert first.enclosures[0].length == "1234568" and first.enclosures[0].type == "audio/mpeg"
    assert first.itunes_duration == "0:12:34"
    assert first.itunes_episode == "1"
    assert first.image.href.endswith("/art/tiny-01.png")
    assert first.id == "guided:tiny/1:abc" and first.published_parsed[:3] == (2026, 5, 28)
    assert "image" not in second and "itunes_episode" not in second
    assert b'<podcast:chapters url="http://192.0.2.7:8765/T/chapters/tiny-01.json" type="application/json+chapters"' \
        in text


def test_a_token_is_fresh_each_time_url_safe_and_at_least_128_bits():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
        assert token.replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize("path, refused", [
    ("/", False), ("/audio/heart-breathing.mp3", False), ("/T/static/app.js", False), ("/feed.xml", False),
    ("/audio/../index.json", True), ("/..", True), ("/./feed.xml", True), ("/audio/..", True),
    ("/audio/a\\b", True), ("/audio/x\x00.mp3", True), ("/audio/x\n", True), ("/a/./b", True),
    ("/audio/..mp3", False), ("/audio/x..y.mp3", False),
])
def test_the_gate_refuses_dot_segments_backslashes_and_control_characters(path, refused):
    assert unsafe_path(path) is refused


def test_addresses_are_printed_with_the_token_and_brackets_for_ipv6():
    assert Address("127.0.0.1", 8765, None).url == "http://127.0.0.1:8765/"
    assert Address("192.0.2.7", 9000, "abc").url == "http://192.0.2.7:9000/abc/"
    assert Address("::1", 8765, None).url == "http://[::1]:8765/"


def test_the_help_says_what_it_does_with_examples():
    result = run("serve", "--help")
    assert result.returncode == 0
    for words in ("Listen on your phone", "--lan", "--port", "--series", "--format", "--exports", "--library",
                  "guided serve --lan", "Examples:", "--engine", "--voice", "--background"):
        assert words in result.stdout, words


def test_without_the_serve_extra_it_says_how_to_install_it(tmp_path):
    hidden = tmp_path / "hidden"
    (hidden / "starlette").mkdir(parents=True)
    (hidden / "starlette" / "__init__.py").write_text("raise ImportError('not installed (hidden for a test)')\n")
    result = run("serve", env={"PYTHONPATH": str(hidden)})
    assert result.returncode == 1
    assert result.stderr.strip() == "guided: guided serve needs its extra packages: pip install 'guided[serve]'"


def test_a_port_in_use_is_one_line_naming_the_way_out():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), timeout=60)
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_page_ships_inside_the_wheel(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True)
    names = set(zipfile.ZipFile(next(tmp_path.glob("guided-*.whl"))).namelist())
    for name in ("index.html", "app.js", "style.css", "icon.svg"):
        assert f"guided/serve/static/{name}" in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(next(tmp_path.glob("guided-*.whl"))).read(metadata).decode()
    assert "Provides-Extra: serve" in text and "extra == 'serve'" in text


def test_the_lan_token_is_kept_private_and_reused_until_renewed(tmp_path):
    from guided.serve.security import TOKEN_FILE, kept_token

    token, made = kept_token(tmp_path / "config")
    assert made and len(token) >= 32
    path = tmp_path / "config" / TOKEN_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert kept_token(tmp_path / "config") == (token, False)
    renewed, made = kept_token(tmp_path / "config", renew=True)
    assert made and renewed != token and path.read_text().strip() == renewed
    path.write_text("not a token\n")  # damaged or edited by hand: a fresh one, never a weak one
    replaced, made = kept_token(tmp_path / "config")
    assert made and replaced != "not a token" and len(replaced) >= 32
    path.chmod(0o644)
    assert kept_token(tmp_path / "config") == (replaced, False)
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("headers", "refused"), [
    ({}, False),  # not a browser: a podcast app, curl
    ({b"sec-fetch-site": b"same-origin", b"sec-fetch-mode": b"cors"}, False),
    ({b"sec-fetch-site": b"none", b"sec-fetch-mode": b"navigate"}, False),  # typed into the address bar
    ({b"sec-fetch-site": b"cross-site", b"sec-fetch-mode": b"navigate", b"sec-fetch-dest": b"document"}, False),
    ({b"sec-fetch-site": b"cross-site", b"sec-fetch-mode": b"no-cors", b"sec-fetch-dest": b"audio"}, True),
    ({b"sec-fetch-site": b"cross-site", b"sec-fetch-mode": b"cors", b"sec-fetch-dest": b"empty"}, True),
    ({b"sec-fetch-site": b"cross-site", b"sec-fetch-mode": b"navigate", b"sec-fetch-dest": b"iframe"}, True),
])
def test_only_a_link_followed_from_another_site_gets_past_the_cross_site_check(headers, refused):
    from guided.serve.security import cross_site

    assert cross_site(headers) is refused


def test_the_log_shows_no_part_of_a_refused_path():
    import asyncio

    from guided.serve.security import AccessLog

    lines: list[str] = []

    async def refuse(scope, receive, send):
        await send({"type": "http.response.start", "status": 403, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def sent(message):
        pass

    log = AccessLog(refuse, "T" * 32, lines.append)
    asyncio.run(log({"type": "http", "method": "GET", "path": "/TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTX/feed.xml"}, None, sent))
    assert lines == ["GET /…/… 403"]
