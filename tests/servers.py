"""Running `guided serve` for real in a child process on a free loopback port, and talking to it
with raw HTTP (http.client sends a path exactly as written: nothing is normalised on the way)."""

from __future__ import annotations

import http.client
import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Short sessions, so that exporting one takes seconds: one with three chapters, a series of two,
# and one kept for the render-once test.
SCRIPTS = {
    "calm-minute.md": """---
title: A calm minute
kind: meditation
description: Half a minute to arrive, breathe and close.
background: none
---
## Arriving
Let yourself arrive, just as you are. [pause 2s]
Feel the weight of your body resting. [pause 2s]
## Breathing
Breathe in gently, and let the breath go. [pause 2s]
Once more, slowly. [pause 2s]
## Closing
When you are ready, open your eyes. [pause 1s]
""",
    "tiny/1.md": """---
title: "Tiny step one"
kind: series
series: Tiny steps
part: 1
description: The first of two tiny steps.
background: none
---
## Start
This is the first tiny step. [pause 1s]
## End
That is all for now. [pause 1s]
""",
    "tiny/2.md": """---
title: "Tiny step two"
kind: series
series: Tiny steps
part: 2
description: The second of two tiny steps.
background: none
---
## Start
This is the second tiny step. [pause 1s]
## End
Rest a moment. [pause 1s]
""",
    "only-once.md": """---
title: Only once
kind: meditation
background: none
---
## One
A session that two listeners ask for at the same moment. [pause 1s]
""",
}


def write_library(folder: Path) -> Path:
    for name, text in SCRIPTS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Served:
    process: subprocess.Popen
    url: str  # ends with "/"; holds the token with --lan
    stdout: str  # what it printed before it was ready (address, feed, QR code)
    log_path: Path
    home: Path

    @property
    def port(self) -> int:
        return int(re.match(r"http://[^/]+:(\d+)/", self.url).group(1))

    @property
    def root(self) -> str:
        """The path part of the address: "/" or "/TOKEN/"."""
        return "/" + self.url.split("/", 3)[3]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(self, path: str, method: str = "GET", headers: dict | None = None, timeout: float = 120) -> Reply:
        """`path` as it is (relative ones are put under the server's root; of a full address, its path)."""
        if path.startswith("http://"):
            parts = urlsplit(path)
            assert parts.port == self.port, path
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            target = path if path.startswith("/") else self.root + path
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest(method, target, skip_host="host" in {k.lower() for k in (headers or {})},
                                  skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def json(self, path: str, method: str = "GET"):
        import json

        reply = self.request(path, method)
        assert reply.status in (200, 202), (path, reply.status, reply.body[:200])
        return json.loads(reply.body)

    def wait_ready(self, keys: list[str], seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = {r["key"]: r for r in self.json("api/library")["sessions"]}
            if all(rows[k]["state"] == "ready" for k in keys):
                return
            failed = [rows[k]["error"] for k in keys if rows[k]["state"] == "failed"]
            assert not failed, failed
            time.sleep(0.5)
        raise AssertionError(f"not ready after {seconds} s: {keys}")

    def rss_kib(self) -> int:
        """The server process's resident memory, from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"guided serve did not stop within {timeout} s of signal {sig}") from None
        return self.process.returncode


def start(*args: str, home: Path, log_path: Path, env: dict | None = None, timeout: float = 60) -> Served:
    """`guided serve --port 0 ARGS` with its own GUIDED_HOME, once it prints its address."""
    full_env = {**os.environ, "GUIDED_HOME": str(home), "GUIDED_ENGINE": "pyttsx3", **(env or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "guided", "serve", "--port", "0", *args], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=log, env=full_env)
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        # Everything it prints comes at once (address, feed, QR code): read until it goes quiet.
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
        elif b"Podcast feed:" in seen:
            break
    text = seen.decode(errors="replace")
    match = re.search(r"http://127\.0\.0\.1:\d+/\S*", text)
    if match is None:
        process.kill()
        process.wait()
        raise AssertionError(f"guided serve printed no address: {text!r}; {log_path.read_text(errors='replace')}")
    return Served(process, match.group(0), text, log_path, home)
