"""The package's shape: rooms a newcomer can name, each saying what it owns and what it may import,
layers that point one way (import-linter, in `make test`), nothing reaching into another module's
private names, and commands that only look at the library staying light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "guided"
# What looking at the library must not load (pyttsx3 itself may: it tells espeak-ng's version, part of
# the cache key that says which phrases are rendered).
HEAVY = ("numpy", "scipy", "pydub", "sounddevice", "matplotlib", "onnxruntime", "piper")


def rooms() -> list[Path]:
    return sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file())


def test_the_package_holds_at_most_twenty_entries_each_a_room_or_a_floor_module():
    entries = [p.name for p in PACKAGE.iterdir() if p.name not in ("_data", "__pycache__")]
    assert len(entries) <= 20, sorted(entries)
    assert {p.name for p in rooms()} >= {"scripts", "tts", "timing", "audio", "play", "session", "export",
                                        "batch", "journal", "practice", "checks", "cli", "serve", "dsp"}


@pytest.mark.parametrize("room", rooms(), ids=lambda p: p.name)
def test_every_room_says_what_it_owns_and_what_it_may_import(room):
    doc = ast.get_docstring(ast.parse((room / "__init__.py").read_text()))
    assert doc and len(doc.split()) >= 15, f"{room.name}/__init__.py needs a docstring saying what it owns"
    assert "import" in doc.lower(), f"{room.name}/__init__.py should say what it may import"


def test_the_layers_contract_names_every_room():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    named = {part.strip() for layer in layers["layers"] for part in layer.replace(":", "|").split("|")}
    assert {p.name for p in rooms()} <= named
    assert layers.get("exhaustive") is True


def _guided_modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def test_no_module_reaches_into_another_modules_private_names():
    modules = _guided_modules()
    reaching = []
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text())
        aliases: dict[str, str] = {}  # local name → guided module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")
                if node.level:
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if not target.startswith("guided"):
                    continue
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    if full in modules:
                        aliases[alias.asname or alias.name] = full
                    elif alias.name.startswith("_") and target != name:
                        reaching.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {target}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr.startswith("_")
                    and not node.attr.startswith("__") and aliases.get(node.value.id, name) != name):
                reaching.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert reaching == []


def _imported_by(argv: list[str], env: dict[str, str]) -> list[str]:
    code = (
        "import sys\n"
        f"sys.argv = ['guided', *{argv!r}]\n"
        "from guided.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    return done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("argv", [["--help"], ["play", "--help"], ["list"], ["list", "--json"], ["log"],
                                  ["sounds"], ["voices", "--help"]], ids=" ".join)
def test_commands_that_only_look_import_no_audio_machinery(argv, guided_home, tmp_path):
    import os

    env = {**os.environ, "GUIDED_HOME": str(guided_home)}
    assert _imported_by(argv, env) == "[]"


@pytest.mark.parametrize("words", ["guided play heart", "guided journal ", "guided play --voice ",
                                   "guided play --background r"])
def test_tab_completion_imports_no_audio_machinery(words, guided_home):
    import os

    env = {**os.environ, "GUIDED_HOME": str(guided_home), "_GUIDED_COMPLETE": "bash_complete",
           "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    assert _imported_by([], env) == "[]"
