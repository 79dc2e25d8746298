"""Your own scripts: the user script folder, --library and GUIDED_LIBRARY folders, overrides of
built-in sessions with a notice, and `guided new` templates that work as they are."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from guided.errors import NotFoundError, OutputError, UsageError
from guided.scripts import catalog as library
from guided.scripts.language import KINDS, load_script
from guided.scripts.templates import new_script, template

from ..conftest import needs
from ..helpers import run, run_json


def script(title: str, kind: str = "meditation", body: str = "Hello. [pause 2s..4s]\n") -> str:
    return f"---\ntitle: {title}\nkind: {kind}\n---\n{body}"


def write(folder: Path, script_id: str, title: str, **kwargs) -> Path:
    path = folder / f"{script_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script(title, **kwargs))
    return path


@pytest.fixture
def user_dir(guided_home) -> Path:
    return Path(guided_home) / "scripts"


@pytest.fixture(autouse=True)
def fresh_library(monkeypatch):
    """No --library folders and no notices given yet, whatever another test did in this process."""
    monkeypatch.setattr(library, "_noticed", set())
    monkeypatch.delenv("GUIDED_LIBRARY", raising=False)
    said: list[str] = []
    monkeypatch.setattr(library, "notify", said.append)
    return said


# --- the library, called directly ------------------------------------------------------------


def test_scripts_in_the_user_folder_are_found_with_their_origin(user_dir):
    write(user_dir, "evening-calm", "Evening calm")
    write(user_dir, "evenings/first", "First evening")
    (user_dir / "Not An Id.md").write_text(script("Ignored"))
    by_id = {e.id: e for e in library.Catalog().files()}
    assert by_id["evening-calm"].origin == "user" and by_id["evening-calm"].user
    assert by_id["evenings/first"].path == user_dir / "evenings" / "first.md"
    assert by_id["heart-breathing"].origin == "built-in" and not by_id["heart-breathing"].user
    assert not any(" " in i for i in by_id)
    entry, loaded = library.Catalog().load("evenings/first")
    assert loaded.title == "First evening" and entry.origin == "user"


def test_precedence_is_library_option_then_environment_then_user_folder_then_built_in(
        user_dir, tmp_path, monkeypatch, fresh_library):
    option_a, option_b, env_a, env_b = (tmp_path / n for n in ("opt-a", "opt-b", "env-a", "env-b"))
    for folder in (option_a, option_b, env_a, env_b, user_dir):
        write(folder, "heart-breathing", f"from {folder.name}")
    write(env_b, "only-in-env-b", "B")
    write(option_b, "only-in-option-b", "OB")
    monkeypatch.setenv("GUIDED_LIBRARY", f"{env_a}{os.pathsep}{env_b}")
    chosen = library.Catalog([f"{option_a}{os.pathsep}{option_b}"])

    def winner(catalog=library.Catalog()) -> str:
        return load_script(catalog.find("heart-breathing").path).title

    assert winner(chosen) == "from opt-a"
    entry = chosen.find("heart-breathing")
    assert entry.origin == str(option_a)
    assert [e.origin for e in entry.overrides] == [str(option_b), str(env_a), str(env_b), "user", "built-in"]
    assert chosen.find("only-in-env-b").origin == str(env_b)
    assert chosen.find("only-in-option-b").origin == str(option_b)
    assert winner() == "from env-a"
    monkeypatch.delenv("GUIDED_LIBRARY")
    assert winner() == "from scripts"  # the user folder, GUIDED_HOME/scripts
    (user_dir / "heart-breathing.md").unlink()
    assert winner() == "Heart-centred breathing"
    with pytest.raises(NotFoundError):
        library.Catalog().find("only-in-env-b")


def test_an_override_is_announced_once(user_dir, fresh_library):
    path = write(user_dir, "heart-breathing", "Mine")
    library.Catalog().find("heart-breathing")
    library.Catalog().load("heart-breathing")
    assert len(fresh_library) == 1
    assert fresh_library[0].startswith("using your heart-breathing (")
    assert fresh_library[0].endswith("instead of the built-in one")
    assert path.name in fresh_library[0]
    library.Catalog().find("trust-questions")  # not overridden: nothing to say
    assert len(fresh_library) == 1


def test_the_same_folder_named_twice_is_searched_once(user_dir, monkeypatch):
    write(user_dir, "mine", "Mine")
    monkeypatch.setenv("GUIDED_LIBRARY", str(user_dir))
    chosen = library.Catalog([str(user_dir)])
    entry = chosen.find("mine")
    assert entry.overrides == ()
    assert [f for f, _ in chosen.folders()].count(user_dir) == 1


def test_a_missing_folder_in_the_environment_is_passed_over(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDED_LIBRARY", f"{tmp_path / 'not-there'}{os.pathsep}")
    assert library.Catalog().find("heart-breathing").origin == "built-in"


# --- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_template_that_parses_and_teaches(kind, user_dir):
    path = new_script(f"my-{kind}", kind)
    assert path == user_dir / f"my-{kind}.md"
    text = path.read_text()
    parsed = load_script(path)
    assert parsed.kind == kind and parsed.title == f"My {kind}"
    assert text.count("<!--") >= 1 and "[pause 3s..8s]" in text and "## Heading" in text
    assert "not a substitute for a therapist" in text
    if kind == "journal":
        assert len(parsed.questions) >= 2
    if kind == "series":
        assert parsed.series and parsed.part == 1


def test_new_refuses_to_overwrite_without_force_and_checks_the_id(user_dir):
    path = new_script("evening", "talk")
    path.write_text(path.read_text() + "\nMy own line.\n")
    with pytest.raises(OutputError, match="already exists; use --force"):
        new_script("evening", "meditation")
    assert "My own line." in path.read_text()
    new_script("evening", "meditation", force=True)
    assert load_script(path).kind == "meditation"
    for bad in ("Evening", "my evening", "../up", "-dash", "a//b", ""):
        with pytest.raises(UsageError, match="not a valid id"):
            new_script(bad, "meditation")
    assert template("x/y", "sit").startswith('---\ntitle: "X y"\nkind: sit\n')


# --- through the command ----------------------------------------------------------------------


def test_list_shows_user_scripts_with_their_origin_and_skips_a_broken_one(user_dir, tmp_path):
    write(user_dir, "evening-calm", "Evening calm")
    write(user_dir, "heart-breathing", "My heart breathing")
    (user_dir / "broken.md").write_text("---\ntitle: Broken\n---\nHello\n")
    extra = tmp_path / "shared"
    write(extra, "shared-sit", "Shared sit", kind="sit", body="[sit 5m]\n")
    result = run("--library", str(extra), "list", "--json", check=True)
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["evening-calm"]["origin"] == "user"
    assert rows["shared-sit"]["origin"] == str(extra) and rows["shared-sit"]["kind"] == "sit"
    assert rows["heart-breathing"]["title"] == "My heart breathing"
    assert rows["heart-breathing"]["overrides"] == ["built-in"]
    assert rows["trust-questions"]["origin"] == "built-in"
    assert "broken" not in rows
    assert "skipping" in result.stderr and "broken.md:3:1: front matter needs a 'kind:' line" in result.stderr
    text = run("--library", str(extra), "list", check=True).stdout
    line = next(x for x in text.splitlines() if x.startswith("heart-breathing "))
    assert "My heart breathing" in line and "[yours, replaces the built-in]" in line
    assert f"[{extra}]" in next(x for x in text.splitlines() if x.startswith("shared-sit "))


def test_an_override_prints_a_one_line_notice_on_stderr_once(user_dir):
    path = write(user_dir, "heart-breathing", "Mine")
    result = run("validate", "heart-breathing", check=True)
    notices = [x for x in result.stderr.splitlines() if "instead of the built-in one" in x]
    assert len(notices) == 1, result.stderr
    assert notices[0].startswith("guided: using your heart-breathing (")
    assert notices[0].endswith(f"{path.parent.name}/{path.name}) instead of the built-in one")
    assert result.stdout.strip() == "ok  heart-breathing"


def test_guided_library_environment_variable_takes_several_folders(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    write(first, "alpha", "Alpha")
    write(second, "beta", "Beta")
    rows = run_json("list", env={"GUIDED_LIBRARY": f"{first}{os.pathsep}{second}"})
    origins = {r["id"]: r["origin"] for r in rows}
    assert origins["alpha"] == str(first) and origins["beta"] == str(second)


def test_a_library_option_naming_no_folder_is_a_usage_error(tmp_path):
    result = run("--library", str(tmp_path / "nowhere"), "list")
    assert result.returncode == 2 and "nowhere" in result.stderr


def test_new_writes_a_template_that_validates_and_lists(user_dir):
    result = run("new", "morning-pages", "--kind", "journal", check=True)
    path = Path(result.stdout.strip())
    assert path == user_dir / "morning-pages.md" and path.is_file()
    assert run("validate", "morning-pages", check=True).stdout.strip() == "ok  morning-pages"
    rows = {r["id"]: r for r in run_json("list")}
    assert rows["morning-pages"]["kind"] == "journal" and rows["morning-pages"]["origin"] == "user"
    again = run("new", "morning-pages", "--kind", "journal")
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "--force" in again.stderr
    assert run("new", "morning-pages", "--kind", "talk", "--force").returncode == 0
    bad = run("new", "Morning Pages")
    assert bad.returncode == 2 and "not a valid id" in bad.stderr
    assert run("new", "x", "--kind", "poem").returncode == 2


@pytest.mark.e2e
@needs("espeak-ng")
@pytest.mark.parametrize("kind", ["meditation", "sit"])
def test_a_new_template_plays_through_show_as_written(kind, user_dir):
    run("new", f"try-{kind}", "--kind", kind, check=True)
    shown = run_json("show", f"try-{kind}")
    assert shown["kind"] == kind and shown["stats"]["seconds"] > 30


def test_new_will_not_write_a_script_that_a_library_folder_would_hide(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    write(shared, "evening", "Shared evening")
    monkeypatch.setenv("GUIDED_LIBRARY", str(shared))
    with pytest.raises(OutputError, match="searched before your script folder"):
        new_script("evening", "meditation", force=True)
    assert new_script("heart-breathing", "sit", force=True).is_file()  # a built-in may be replaced, when asked


# --- your own version of a built-in session, and what a template explains ----------------------


def test_new_will_not_replace_a_built_in_session_unless_forced(guided_home):
    refused = run("new", "heart-breathing")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "guided: heart-breathing is a built-in session; add --force to write your own version, used in its place, "
        "or choose another id"
    ]
    assert not (guided_home / "scripts" / "heart-breathing.md").exists()
    forced = run("new", "heart-breathing", "--force")
    assert forced.returncode == 0 and (guided_home / "scripts" / "heart-breathing.md").is_file()


def test_the_template_explains_the_time_to_reflect_without_pointing_at_a_missing_key():
    from guided.scripts.templates import template

    meditation = template("evening", "meditation")
    assert "reflect:' above" not in meditation and "'reflect: 90s'" in meditation
