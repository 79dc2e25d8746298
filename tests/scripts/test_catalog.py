"""Finding sessions in the catalogue: ids whatever their case, and a series asked for as one session
names its steps in order."""

from __future__ import annotations

import pytest

from ..helpers import run


def test_ids_are_found_whatever_their_case():
    from guided.scripts.catalog import Catalog

    assert Catalog().find("Heart-Breathing").id == "heart-breathing"
    assert Catalog().find("REBUILDING-TRUST/2").id == "rebuilding-trust/2"


def test_a_series_suggests_its_steps_in_order_from_the_first():
    from guided.scripts.catalog import Catalog

    members = Catalog().series_members("rebuilding-trust")
    result = run("show", "rebuilding-trust")
    assert result.returncode == 1
    assert f"in order, from {members[0]} to {members[-1]}" in result.stderr
    assert members[0] == "rebuilding-trust/1" and len(members) > 1


def test_a_path_that_names_no_script_file_says_what_it_names_instead(tmp_path, monkeypatch, guided_home):
    import os

    from guided.errors import NotFoundError
    from guided.scripts.catalog import Catalog

    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.md").mkdir()
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "loop.md").symlink_to("loop.md")
    (guided_home / "scripts").mkdir(exist_ok=True)
    (guided_home / "scripts" / "mine.md").write_text("---\ntitle: Mine\nkind: talk\n---\nHello.\n")
    catalog = Catalog()
    for given, says in (("folder.md", "is a folder, not a script file"),
                        ("pipe.md", "is not a regular file (a pipe or a device)"),
                        ("loop.md", "is a link that leads back to itself"),
                        ("mine.md", "the script 'mine' is in your scripts folder: use its name, mine"),
                        ("other.md", "no such script file: other.md")):
        with pytest.raises(NotFoundError) as caught:
            catalog.find(given)
        assert says in str(caught.value), str(caught.value)


@pytest.mark.parametrize(("relative", "made"), [
    ("calm", "calm"),
    ("evenings/first", "evenings/first"),
    ("Café calm", "cafe-calm"),
    ("My Evening_Notes", "my-evening-notes"),
    ("Abende/Ruhe am Abend", "abende/ruhe-am-abend"),
    ("平静", "平静"),
    ("Ночь тихо", "ночь-тихо"),
    ("!!!", None),
])
def test_a_script_file_named_as_people_name_files_gets_an_id(relative, made):
    from guided.scripts.catalog import id_of_file

    assert id_of_file(relative) == made


def test_a_folder_scan_finds_files_with_any_name_once_each(tmp_path):
    from guided.scripts.catalog import scan_folder

    for name in ("Café calm.md", "cafe-calm.md", "平静.md", "plain.md"):
        (tmp_path / name).write_text("---\ntitle: x\nkind: meditation\n---\nHello.\n", encoding="utf-8")
    found = {f.id: f.path.name for f in scan_folder(tmp_path, "file")}
    assert found == {"cafe-calm": "cafe-calm.md", "平静": "平静.md", "plain": "plain.md"}
