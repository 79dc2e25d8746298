"""The phone path as it is lived, against a real server on loopback: the session a listener opens
goes first, the feed lists everything from its first fetch, the address outlives a restart, no
neighbour can lock the door or make the browser start exports, and a stop is quick and quiet."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import needs
from tests.servers import start, write_library

pytestmark = [pytest.mark.serve, needs("ffmpeg", "ffprobe", "espeak-ng")]

SHORT = """---
title: Short {n:02d}
kind: meditation
background: none
---
Session {n}: breathe in, and let the breath go. [pause 1s]
"""


def _short_library(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for n in range(1, count + 1):
        (folder / f"short-{n:02d}.md").write_text(SHORT.format(n=n))
    return folder


def _exported(server) -> list[str]:
    return re.findall(r"exported (\S+) in", server.log())


def _states(server) -> dict[str, str]:
    return {r["key"]: r["state"] for r in server.json("api/library")["sessions"]}


def test_the_session_a_listener_opens_overtakes_a_feed_queue_of_fifteen(tmp_path):
    library = _short_library(tmp_path / "scripts", 16)
    server = start("--library", str(library), str(library), home=tmp_path / "home", log_path=tmp_path / "log")
    try:
        feed = server.request("feed.xml")
        assert feed.status == 200
        assert len(ET.fromstring(feed.body).findall("channel/item")) == 16
        deadline = time.monotonic() + 60
        while "exporting" not in _states(server).values() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "exporting" in _states(server).values()  # the feed's fill is under way, in library order
        # The listener opens the last one: the page asks for it, whatever its state (queued here).
        assert _states(server)["short-16"] == "queued"
        opened = time.monotonic()
        assert server.json("api/sessions/short-16/export", method="POST")["state"] in ("queued", "exporting")
        server.wait_ready(["short-16"], seconds=90)
        waited = time.monotonic() - opened
        before = _exported(server)
        assert before[-1] == "short-16", before
        assert len(before) <= 2, f"the opened session waited behind {before[:-1]}"
        # The export it overtook starts over later: nothing is lost, and nothing half-written is left.
        server.wait_ready(["short-01"], seconds=90)
        assert "short-01 waits: a listener's session goes first" in server.log() or before[0] == "short-01"
        print(f"opened session ready after {waited:.1f} s; exported before it: {before[:-1]}")
    finally:
        server.stop(signal.SIGINT)


def test_the_feed_lists_every_session_on_its_first_fetch_and_a_download_of_one_not_ready_gets_its_file(tmp_path):
    library = write_library(tmp_path / "scripts")
    server = start("--library", str(library), str(library), home=tmp_path / "home", log_path=tmp_path / "log")
    try:
        channel = ET.fromstring(server.request("feed.xml").body).find("channel")
        items = channel.findall("item")
        assert sorted(i.findtext("title") for i in items) == ["A calm minute", "Only once", "Tiny step one",
                                                             "Tiny step two"]
        guids = {i.findtext("title"): i.findtext("guid") for i in items}
        calm = next(i for i in items if i.findtext("title") == "A calm minute")
        enclosure = calm.find("enclosure")
        assert enclosure.get("type") == "audio/mpeg" and int(enclosure.get("length")) > 0
        transcript = calm.find("{https://podcastindex.org/namespace/1.0}transcript")
        assert transcript.get("rel") == "captions" and transcript.get("type") == "text/vtt"
        # A podcast app downloads it at once: the download waits for its export and gets the file.
        audio = server.request(enclosure.get("url"))
        assert audio.status == 200 and audio.body[:3] == b"ID3"
        assert audio.body == (server.home / "exports" / "mp3" / "calm-minute.mp3").read_bytes()
        # Once it is ready the episode keeps its identity and names its exact size.
        again = ET.fromstring(server.request("feed.xml").body).find("channel")
        ready = next(i for i in again.findall("item") if i.findtext("title") == "A calm minute")
        assert ready.findtext("guid") == guids["A calm minute"]
        assert int(ready.find("enclosure").get("length")) == len(audio.body)
    finally:
        server.stop(signal.SIGINT)


def test_the_lan_address_outlives_a_restart_and_new_token_replaces_it(tmp_path):
    library = write_library(tmp_path / "scripts")
    home = tmp_path / "home"
    args = ("--library", str(library), str(library), "--lan", "--host", "127.0.0.1")
    first = start(*args, home=home, log_path=tmp_path / "log1")
    first.stop(signal.SIGINT)
    kept = home / "serve-token"
    assert kept.stat().st_mode & 0o777 == 0o600
    second = start(*args, home=home, log_path=tmp_path / "log2")
    try:
        assert second.root == first.root and len(second.root.strip("/")) >= 32
        assert second.request("api/library").status == 200
        assert "The same address as last time" in second.log()
    finally:
        second.stop(signal.SIGINT)
    third = start(*args, "--new-token", home=home, log_path=tmp_path / "log3")
    try:
        assert third.root != first.root
        assert third.request(first.root + "api/library").status == 403
        assert "podcast apps subscribed to it must subscribe again" in third.log()
    finally:
        third.stop(signal.SIGINT)
    assert third.root.strip("/") == kept.read_text().strip()


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\0" * 8)
    return sock


def test_idle_sockets_and_byte_a_second_clients_from_one_address_do_not_lock_out_a_real_request(tmp_path):
    library = write_library(tmp_path / "scripts")
    server = start("--library", str(library), str(library), "--lan", "--host", "127.0.0.1", home=tmp_path / "home",
                   log_path=tmp_path / "log")
    idle = [_connect(server.port) for _ in range(150)]
    slow = [_connect(server.port) for _ in range(5)]
    stop = threading.Event()

    def drip(sock: socket.socket) -> None:
        request = f"GET {server.root}api/library HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        for byte in request:
            if stop.wait(1.0):
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return

    drips = [threading.Thread(target=drip, args=(s,), daemon=True) for s in slow]
    try:
        for thread in drips:
            thread.start()
        time.sleep(2.5)  # every socket open and the slow ones two bytes in
        started = time.monotonic()
        reply = server.request("api/library", timeout=5)
        took = time.monotonic() - started
        assert reply.status == 200 and took < 1.0, (reply.status, took)
        # The idle ones are not kept: most were closed to make room, the rest at their header deadline.
        time.sleep(11)
        still_open = 0
        for sock in idle + slow:
            sock.setblocking(False)
            try:
                closed = sock.recv(1) == b""  # the server's end closed: end of file
            except BlockingIOError:
                closed = False  # nothing to read and not closed: still open
            except OSError:
                closed = True  # reset
            still_open += not closed
        assert still_open == 0, f"{still_open} silent sockets still open after the header deadline"
    finally:
        stop.set()
        for sock in idle + slow:
            sock.close()
        server.stop(signal.SIGINT)


def test_requests_on_a_kept_alive_connection_are_answered_in_a_few_milliseconds(tmp_path):
    library = write_library(tmp_path / "scripts")
    server = start("--library", str(library), str(library), home=tmp_path / "home", log_path=tmp_path / "log")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        times = []
        for _ in range(40):
            started = time.perf_counter()
            connection.request("GET", "/static/style.css")
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - started)
            assert response.status == 200
        median = statistics.median(times[5:]) * 1000
        print(f"kept-alive median {median:.1f} ms")
        assert median <= 5, f"median {median:.1f} ms on one kept-alive connection"
    finally:
        connection.close()
        server.stop(signal.SIGINT)


def test_another_sites_page_starts_nothing_and_a_wrong_host_is_refused_on_the_network(tmp_path):
    library = write_library(tmp_path / "scripts")
    server = start("--library", str(library), str(library), "--lan", "--host", "127.0.0.1", home=tmp_path / "home",
                   log_path=tmp_path / "log")
    try:
        from_elsewhere = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "audio"}
        assert server.request("audio/calm-minute.mp3", headers=from_elsewhere).status == 403
        assert server.request("feed.xml", headers={**from_elsewhere, "Sec-Fetch-Dest": "empty"}).status == 403
        assert set(_states(server).values()) == {"missing"}  # nothing queued
        link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
        assert server.request("", headers=link).status == 200  # following a link to the page is fine
        page = server.request("")
        assert page.headers["cross-origin-resource-policy"] == "same-origin"
        assert server.request("api/library", headers={"Host": f"evil.example:{server.port}"}).status == 403
        assert server.request("api/library", headers={"Host": f"localhost:{server.port}"}).status == 200
        token = server.root.strip("/")
        near = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert server.request(f"/{near}/api/library").status == 403
        log = server.log()
        assert not any(token[i:i + 6] in log for i in range(len(token) - 5)), "part of the token is in the log"
        assert "GET /…/…/… 403" in log
    finally:
        server.stop(signal.SIGINT)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_during_a_slow_download_is_quick_and_says_one_line(tmp_path, signum):
    library = write_library(tmp_path / "scripts")
    server = start("--library", str(library), str(library), home=tmp_path / "home", log_path=tmp_path / "log")
    assert server.request("audio/calm-minute.mp3").status == 200  # exported: the download below is a download
    sock = _connect(server.port)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /audio/calm-minute.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")  # then read no more: a slow phone
        time.sleep(0.5)
        before = server.log()
        started = time.monotonic()
        server.process.send_signal(signum)
        server.process.wait(timeout=10)
        took = time.monotonic() - started
    finally:
        sock.close()
    after = server.log()[len(before):]
    assert took <= 0.5, f"stopped {took:.2f} s after the signal"
    assert after.strip().splitlines()[-1] == "guided serve: stopped"
    assert "Traceback" not in server.log() and "leaked" not in server.log() and "ERROR" not in server.log()


def test_details_a_player_and_a_podcast_app_rely_on(tmp_path):
    library = write_library(tmp_path / "scripts")
    (library / "café calm.md").write_text(SHORT.format(n=1).replace("Short 01", "Café calm"), encoding="utf-8")
    server = start("--library", str(library), str(library), home=tmp_path / "home", log_path=tmp_path / "log")
    try:
        folder = server.home / "exports" / "mp3"
        assert folder.stat().st_mode & 0o777 == 0o700
        assert "cafe-calm" in _states(server)
        assert server.request("audio/cafe-calm.mp3").status == 200  # a name with an accent is served

        audio = "audio/calm-minute.mp3"
        whole = server.request(audio)
        modified = whole.headers["last-modified"]
        assert server.request(audio, headers={"If-Modified-Since": modified}).status == 304
        later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 3600))
        assert server.request(audio, headers={"If-Modified-Since": later}).status == 304
        rfc850 = time.strftime("%A, %d-%b-%y %H:%M:%S GMT", time.gmtime(time.time() + 3600))
        assert server.request(audio, headers={"If-Modified-Since": rfc850}).status == 304
        assert server.request(audio, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status == 200
        assert server.request(audio, headers={"If-Modified-Since": "yesterday"}).status == 200

        for invalid in ("bytes=abc", "pages=1-2", "bytes=9-3"):
            reply = server.request(audio, headers={"Range": invalid})
            assert reply.status == 200 and reply.body == whole.body, invalid
        assert server.request(audio, headers={"Range": f"bytes={len(whole.body) + 10}-"}).status == 416

        elsewhere = tmp_path / "linked.mp3"
        os.link(folder / "calm-minute.mp3", elsewhere)
        assert server.request(audio).status == 404  # the same file is somewhere else too: not served
        elsewhere.unlink()
        assert server.request(audio).status == 200

        art = server.request("art/library.png")
        assert art.status == 200 and art.body[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(art.body[16:20], "big"), int.from_bytes(art.body[20:24], "big")
        assert width == height >= 1400
    finally:
        server.stop(signal.SIGINT)


def test_sessions_export_all_made_elsewhere_are_copied_not_exported_again(tmp_path):
    from tests.helpers import run

    library = write_library(tmp_path / "scripts")
    home = tmp_path / "home"
    env = {"GUIDED_HOME": str(home), "GUIDED_ENGINE": "pyttsx3"}
    plain, captioned = tmp_path / "music", tmp_path / "with-captions"
    run("--library", str(library), "export", "tiny", "--all", str(plain), "-q", env=env, check=True)
    run("--library", str(library), "export", "calm-minute", "--all", str(captioned), "--captions", "vtt", "-q",
        env=env, check=True)
    server = start("--library", str(library), str(library), home=home, log_path=tmp_path / "log")
    try:
        for key, folder in (("tiny-01", plain), ("calm-minute", captioned)):
            audio = server.request(f"audio/{key}.mp3")
            assert audio.status == 200 and audio.body == (folder / f"{key}.mp3").read_bytes()
            captions = server.request(f"captions/{key}.vtt")
            assert captions.status == 200 and captions.body.startswith(b"WEBVTT")
        # The captions written for a file exported without them are those an export with them makes.
        run("--library", str(library), "export", "tiny", "--all", str(tmp_path / "check"), "--captions", "vtt", "-q",
            env=env, check=True)
        assert server.request("captions/tiny-01.vtt").body == (tmp_path / "check" / "tiny-01.vtt").read_bytes()
        log = server.log()
        assert f"found tiny/1 already exported in {plain}" in log
        assert f"found calm-minute already exported in {captioned}" in log
        assert "exported tiny/1 in" not in log and "exported calm-minute in" not in log
        assert (server.home / "exports" / "mp3" / "tiny-01.mp3").stat().st_nlink == 1  # a copy, not a link
    finally:
        server.stop(signal.SIGINT)
