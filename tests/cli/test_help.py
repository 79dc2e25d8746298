"""Help as a newcomer reads it: usage lines that show optional arguments as optional, `guided help
script` printing the script reference the wheel carries, and `guided help COMMAND`."""

from __future__ import annotations

from ..helpers import run


def test_usage_lines_show_optional_arguments_as_optional():
    for command, usage in (("play", "[ID|PATH]"), ("show", "[ID|PATH]"), ("journal", "[DECK]"),
                           ("export", "[ID|PATH|SERIES]")):
        first = run(command, "--help").stdout.splitlines()[0]
        assert first == f"Usage: guided {command} [OPTIONS] {usage}"


def test_guided_help_script_prints_the_script_reference():
    from pathlib import Path

    reference = (Path(__file__).parent.parent.parent / "docs" / "script-format.md").read_text(encoding="utf-8")
    result = run("help", "script")
    assert result.returncode == 0
    assert result.stdout.rstrip("\n") == reference.rstrip("\n")


def test_guided_help_of_a_command_is_its_help_and_an_unknown_topic_says_what_there_is():
    assert run("help", "play").stdout == run("play", "--help").stdout
    unknown = run("help", "scrpit")
    assert unknown.returncode == 1 and "topics: script" in unknown.stderr


def test_the_wheel_carries_the_script_reference_where_an_installed_package_reads_it(tmp_path):
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    root = Path(__file__).parent.parent.parent
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)], cwd=root,
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("guided/_data/docs/script-format.md").decode("utf-8")
    assert shipped == (root / "docs" / "script-format.md").read_text(encoding="utf-8")

    from guided.paths import bundled

    installed = tmp_path / "site" / "guided"
    (installed / "_data" / "docs").mkdir(parents=True)
    assert bundled("docs", installed) == installed / "_data" / "docs"


def test_every_command_teaches_by_example_and_the_overview_points_to_guided_help_script():
    from click.testing import CliRunner

    from guided.cli import cli

    runner = CliRunner()
    for name in sorted(set(cli.commands) - {"help"}):
        shown = runner.invoke(cli, [name, "--help"]).output
        assert "Examples:" in shown and f"guided {name}" in shown.split("Examples:")[1], name
    overview = runner.invoke(cli, ["--help"]).output
    assert "guided help script" in overview and "docs/" not in overview
