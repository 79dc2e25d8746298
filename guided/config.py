"""Where user state lives: config, cache, journal and user scripts, in the platform's usual places.

`GUIDED_HOME`, when set, holds all of them, which also keeps tests away from the real home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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
