"""`guided export --all` remembers the folders it fills (newest first, a few), so that `guided serve`
can copy what is already exported instead of exporting it again."""

from __future__ import annotations

from guided.batch.folders import KEPT, RECORD, filled_folders, remember_filled
from guided.paths import paths


def test_the_newest_folder_comes_first_once_and_only_a_few_are_kept(guided_home, tmp_path):
    folders = [tmp_path / f"out{n}" for n in range(KEPT + 3)]
    for folder in folders:
        folder.mkdir()
        remember_filled(folder)
    remember_filled(folders[2])
    found = filled_folders()
    assert found[0] == folders[2] and len(found) == KEPT and len(set(found)) == KEPT
    assert found[1:3] == [folders[-1], folders[-2]]


def test_a_folder_since_removed_or_a_damaged_record_is_nothing_to_copy_from(guided_home, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    remember_filled(gone)
    gone.rmdir()
    assert filled_folders() == []
    (paths().data / RECORD).write_text("{not json")
    assert filled_folders() == []
    kept = tmp_path / "kept"
    kept.mkdir()
    remember_filled(kept)  # a damaged record is begun again
    assert filled_folders() == [kept]
