"""Where things are: the user's state (config, cache, journal, scripts, voices, models) in the
platform's usual places, and the data that ships with guided (the built-in scripts, bell
recordings and reference pages).

`GUIDED_HOME`, when set, holds all of the user's state, which also keeps tests away from the real
home. Bundled data lies in `guided/_data/KIND` in an installed package (pyproject.toml copies it
there) and in `KIND/` beside the package in a source checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parent
BUNDLED = ("scripts", "audio", "docs")


def bundled(kind: str, package: Path = PACKAGE) -> Path:
    """The folder of one kind of bundled data: `scripts`, `audio` or `docs`."""
    if kind not in BUNDLED:
        raise ValueError(f"no bundled data called {kind!r}")
    installed = package / "_data" / kind
    return installed if installed.is_dir() else package.parent / kind


@dataclass(frozen=True)
class Paths:
    config: Path
    cache: Path
    data: Path

    @property
    def clips(self) -> Path:
        return self.cache / "clips"

    @property
    def sounds(self) -> Path:
        return self.cache / "sounds"

    @property
    def journal(self) -> Path:
        return self.data / "journal"

    @property
    def scripts(self) -> Path:
        return self.data / "scripts"

    @property
    def voices(self) -> Path:
        return self.data / "voices"


def paths() -> Paths:
    home = os.environ.get("GUIDED_HOME")
    if home:
        # One folder for everything: config.toml, cache/, journal/, scripts/, voices/.
        root = Path(home).expanduser()
        return Paths(config=root, cache=root / "cache", data=root)
    import platformdirs

    return Paths(
        config=Path(platformdirs.user_config_dir("guided", appauthor=False)),
        cache=Path(platformdirs.user_cache_dir("guided", appauthor=False)),
        data=Path(platformdirs.user_data_dir("guided", appauthor=False)),
    )
