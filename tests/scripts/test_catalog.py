"""Finding sessions in the catalogue: ids whatever their case, and a series asked for as one session
names its steps in order."""

from __future__ import annotations

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
