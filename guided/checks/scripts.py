"""Checking scripts before anything is rendered: what `guided validate` reports, one result a script."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import GuidedError, ScriptError
from ..scripts.catalog import Catalog
from ..scripts.pronunciation import traps_in
from .sounds import missing_sounds


@dataclass(frozen=True)
class ValidationResult:
    script: str  # the id or path as given
    ok: bool
    title: str | None = None
    error: str | None = None  # one line, FILE:LINE:COL first for mistakes in the script
    more: tuple[str, ...] = ()  # further problems found with the first (every sound that is missing)
    warnings: tuple[str, ...] = ()  # FILE:LINE: words the engines are likely to say wrong, with a rewording

    def as_dict(self) -> dict:
        found = {"script": self.script, "ok": self.ok}
        if self.ok:
            found["title"] = self.title
        found["error"] = self.error
        found["errors"] = [self.error, *self.more] if self.error else []
        found["warnings"] = list(self.warnings)
        return found


def validate_scripts(targets: Iterable[str] = (), catalog: Catalog | None = None) -> list[ValidationResult]:
    """Each script (an id or a path) checked; the whole library when none is named. Saved settings
    that no render could use (config.toml naming a background or voice that is not there) come first,
    as a result of their own: every script would fail with them."""
    from ..options import config_file
    from .config import settings_problem

    catalog = catalog or Catalog()
    targets = list(targets) or catalog.ids()
    results = []
    problem = settings_problem()
    if problem:
        results.append(ValidationResult(str(config_file()), False, error=problem))
    for target in targets:
        try:
            _, script = catalog.load(target)
            missing = missing_sounds(script)  # a script that validates must also render
            if missing:  # all of them at once: each is fixed on its own line
                results.append(ValidationResult(target, False, error=str(missing[0]),
                                                more=tuple(str(m) for m in missing[1:])))
                continue
            warnings = tuple(str(w) for w in traps_in(script))
            results.append(ValidationResult(target, True, title=script.title, warnings=warnings))
        except ScriptError as exc:
            results.append(ValidationResult(target, False, error=str(exc)))
        except GuidedError as exc:
            results.append(ValidationResult(target, False, error=f"{target}: {exc}"))
    return results
