"""`guided validate` resolves every sound and setting a render would need: an unknown bell or
background is named at its place in the script or in config.toml, with the nearest name, all at once."""

from __future__ import annotations

import json

from ..helpers import run

SCRIPT_WITH_SOUNDS = """---
title: Evening
kind: meditation
background: {background}
---
Let yourself settle. [bell {bell}]
[sit 1m, bell {interval} every 20s]
"""


def write_script(tmp_path, background="rain", bell="bowl", interval="gong"):
    path = tmp_path / "evening.md"
    path.write_text(SCRIPT_WITH_SOUNDS.format(background=background, bell=bell, interval=interval))
    return path


def test_validate_names_the_place_of_an_unknown_bell_and_suggests_the_nearest(tmp_path):
    path = write_script(tmp_path, bell="chimes")
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:6:28: unknown bell 'chimes'; did you mean 'chime'?" in result.stderr


def test_validate_names_the_place_of_an_unknown_interval_bell(tmp_path):
    path = write_script(tmp_path, interval="gongg")
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:7:15: unknown bell 'gongg'; did you mean 'gong'?" in result.stderr


def test_validate_names_the_front_matter_line_of_an_unknown_background(tmp_path):
    path = write_script(tmp_path, background="rian")
    result = run("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:4:13: unknown background 'rian'; did you mean 'rain'?" in result.stderr


def test_validate_names_every_missing_sound_of_a_script_at_once(tmp_path):
    path = write_script(tmp_path, background="rian", bell="chimes", interval="gongg")
    result = run("validate", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    expected = [f"{path}:4:13: unknown background 'rian'; did you mean 'rain'?",
                f"{path}:6:28: unknown bell 'chimes'; did you mean 'chime'?",
                f"{path}:7:15: unknown bell 'gongg'; did you mean 'gong'?"]
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start)
    (row,) = json.loads(run("validate", str(path), "--json").stdout)
    assert len(row["errors"]) == 3 and row["error"] == row["errors"][0]


def test_validate_accepts_sound_files_that_exist_and_refuses_ones_that_do_not(tmp_path):
    from guided.checks.sounds import missing_sounds
    from guided.scripts.catalog import Catalog

    bell = tmp_path / "my bell.wav"
    bell.write_bytes(b"RIFF")  # found is enough: nothing is decoded when checking
    fine = write_script(tmp_path, background="none", bell=str(bell))
    assert missing_sounds(Catalog().load(str(fine))[1]) == []
    gone = write_script(tmp_path, background=str(tmp_path / "gone.flac"))
    problems = missing_sounds(Catalog().load(str(gone))[1])
    assert [(p.line, p.column) for p in problems] == [(4, 13)]
    assert "not found" in problems[0].detail


def test_a_script_with_known_sounds_validates(tmp_path):
    result = run("validate", str(write_script(tmp_path)))
    assert result.returncode == 0, result.stderr


def test_validate_fails_when_the_config_names_a_voice_or_background_no_render_could_use(tmp_path, guided_home):
    script = write_script(tmp_path)
    config = guided_home / "config.toml"
    config.write_text('engine = "pyttsx3"\nvoice = "en-uss"\n')
    result = run("validate", str(script))
    assert result.returncode == 1
    assert f"{config}:2:1: unknown voice 'en-uss'; did you mean 'gmw/en-us'?" in result.stderr.splitlines()
    config.write_text('\nbackground = "rian"\n')
    result = run("validate", str(script))
    assert result.returncode == 1
    assert f"{config}:2:1: unknown background 'rian'; did you mean 'rain'? (guided sounds lists them)" in result.stderr.splitlines()
    config.write_text('engine = "pyttsx3"\nvoice = "gmw/en-us"\nbackground = "rain"\n')
    assert run("validate", str(script)).returncode == 0
