"""`guided serve` is safe by default: on the local network every address needs the secret token,
nothing outside the export folder is ever served (the journal, the cache and config least of all),
and nothing it refuses shows up in its log. All against a real server on a loopback port.

The `--lan` server here listens on 127.0.0.1 (`--host`): the token is checked all the same, and no
traffic leaves this machine.
"""

from __future__ import annotations

import base64
import os
import re
import signal

import pytest

from tests.conftest import needs
from tests.servers import start, write_library

pytestmark = [pytest.mark.serve, needs("ffmpeg", "ffprobe", "espeak-ng")]

SECRET = "JOURNAL-SECRET-7f3a"  # in every private file; must never be in a reply or the log


@pytest.fixture(scope="module")
def lan(tmp_path_factory):
    root = tmp_path_factory.mktemp("lan")
    home = root / "home"
    (home / "journal").mkdir(parents=True)
    (home / "journal" / "2026-11-30.md").write_text(f"# Sitting\n{SECRET}\n")
    (home / "config.toml").write_text(f"# {SECRET}\nrate = 135\n")
    (home / "cache" / "clips").mkdir(parents=True)
    (home / "cache" / "clips" / "secret.txt").write_text(SECRET)
    exports = home / "exports" / "mp3"
    exports.mkdir(parents=True)
    (exports / "notes.txt").write_text(SECRET)  # in the export folder, but not an export
    library = write_library(root / "scripts")
    server = start("--library", str(library), "--lan", "--host", "127.0.0.1", home=home, log_path=root / "serve.log")
    assert server.request(server.root + "audio/calm-minute.mp3").status == 200  # one real export to aim at
    yield server
    server.stop()


def _token(server) -> str:
    return server.root.strip("/")


def test_on_the_local_network_the_address_carries_a_fresh_token_of_at_least_128_bits_and_a_qr_code(lan):
    token = _token(lan)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    assert f"Open on your phone (same network): {lan.url}" in lan.stdout
    qr_rows = [line for line in lan.stdout.splitlines() if set(line) <= set("█▀▄ ") and "█" in line]
    assert len(qr_rows) >= 12
    assert lan.request(lan.url).status == 200


def test_without_the_token_or_with_a_wrong_one_every_request_is_refused(lan):
    token = _token(lan)
    wrong = [
        "/", "/feed.xml", "/audio/calm-minute.mp3", "/api/library", "/static/app.js",
        f"/{'A' * len(token)}/", f"/{token[:-1]}/", f"/{token}x/", f"/{token[::-1]}/feed.xml",
        f"/?token={token}", f"/feed.xml?token={token}", f"/x/{token}/", f"/{token.swapcase()}/api/library",
    ]
    for path in wrong:
        reply = lan.request(path)
        assert reply.status == 403, (path, reply.status)
        assert SECRET.encode() not in reply.body and b"ID3" not in reply.body[:3]
    assert lan.request(f"/{token}").status == 308  # the right token without its slash: sent on to the page


TRAVERSALS = [
    "../../etc/passwd",
    "audio/../../../etc/passwd",
    "audio/%2e%2e/%2e%2e/journal/2026-11-30.md",
    "audio/%2e%2e%2f%2e%2e%2fjournal%2f2026-11-30.md",
    "audio/%2E%2E%2F%2E%2E%2Fconfig.toml",
    "audio/..%2findex.json",
    "audio/index.json",
    "audio/notes.txt",
    "audio//etc/passwd",
    "audio/%2fetc%2fpasswd",
    "audio/..%5c..%5cjournal%5c2026-11-30.md",
    "audio/..\\..\\config.toml",
    "audio/calm-minute.mp3%00.txt",
    "captions/..%2f..%2fconfig.toml",
    "captions/calm-minute.mp3",
    "chapters/..%2f..%2fjournal.json",
    "art/..%2f..%2fjournal%2f2026-11-30.md",
    "static/../../../journal/2026-11-30.md",
    "static/%2e%2e/%2e%2e/exports/mp3/notes.txt",
    "static/%2e%2e/app.py",
    "static/..%2fapp.py",
    "api/sessions/..%2f..%2fjournal",
    "journal/2026-11-30.md",
    "journal/",
    "config.toml",
    "cache/clips/secret.txt",
    "exports/mp3/notes.txt",
    "index.json",
    "%2e%2e/%2e%2e/%2e%2e/",
]


@pytest.mark.parametrize("shape", TRAVERSALS)
def test_no_path_reaches_anything_but_the_exports_even_with_the_token(lan, shape):
    reply = lan.request(lan.root + shape)
    assert reply.status in (403, 404), (shape, reply.status)
    assert SECRET.encode() not in reply.body
    assert b"root:" not in reply.body and b"[tool." not in reply.body and b"def " not in reply.body


def test_absolute_paths_and_absolute_addresses_are_refused(lan):
    for target in ("/etc/passwd", "//etc/passwd", f"http://127.0.0.1:{lan.port}/etc/passwd",
                   f"http://127.0.0.1:{lan.port}{lan.root}../../etc/passwd"):
        reply = lan.request(target)
        assert reply.status in (400, 403, 404), (target, reply.status)
        assert b"root:" not in reply.body


def test_an_export_swapped_for_a_link_to_the_journal_is_not_followed(lan):
    exported = lan.home / "exports" / "mp3" / "calm-minute.mp3"
    kept = exported.with_name("kept.bin")
    os.replace(exported, kept)
    try:
        exported.symlink_to(lan.home / "journal" / "2026-11-30.md")
        reply = lan.request(lan.root + "audio/calm-minute.mp3")
        assert reply.status in (403, 404)
        assert SECRET.encode() not in reply.body
    finally:
        exported.unlink()
        os.replace(kept, exported)
    assert lan.request(lan.root + "audio/calm-minute.mp3").status == 200


def test_it_is_read_only_and_says_so_to_other_methods(lan):
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
        reply = lan.request(lan.root + "audio/calm-minute.mp3", method=method)
        assert reply.status == 405, (method, reply.status)
    assert lan.request(lan.root + "audio/calm-minute.mp3", method="POST").status == 405
    origin = {"Origin": "http://evil.example", "Content-Length": "0"}
    assert lan.request(lan.root + "api/sessions/tiny-01/export", method="POST", headers=origin).status == 403


def test_every_reply_carries_the_security_headers(lan):
    for path in (lan.root, lan.root + "api/library", lan.root + "audio/calm-minute.mp3", "/nope"):
        headers = lan.request(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert "server" not in headers


def test_the_log_shows_no_file_contents_and_never_the_token(lan):
    for shape in TRAVERSALS[:8]:
        lan.request(lan.root + shape)
    log = lan.log()
    assert SECRET not in log
    assert _token(lan) not in log
    assert "GET /…/audio/calm-minute.mp3 200" in log
    assert "GET /…/config.toml 404" in log


def test_on_loopback_a_page_of_another_site_cannot_reach_it_through_the_browser(tmp_path):
    library = write_library(tmp_path / "scripts")
    server = start("--library", str(library), home=tmp_path / "home", log_path=tmp_path / "log")
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.root == "/"
        assert server.request("api/library").status == 200
        assert server.request("api/library", headers={"Host": f"localhost:{server.port}"}).status == 200
        # DNS rebinding: a site that points its own name at 127.0.0.1 still sends its own name.
        assert server.request("api/library", headers={"Host": "evil.example"}).status == 403
        assert server.request("feed.xml", headers={"Host": f"evil.example:{server.port}"}).status == 403
        cross = {"Origin": "http://evil.example", "Content-Length": "0"}
        assert server.request("api/sessions/tiny-01/export", method="POST", headers=cross).status == 403
        same = {"Origin": f"http://127.0.0.1:{server.port}", "Content-Length": "0"}
        assert server.request("api/sessions/tiny-01/export", method="POST", headers=same).status == 202
    finally:
        assert server.stop(signal.SIGINT) == 130
