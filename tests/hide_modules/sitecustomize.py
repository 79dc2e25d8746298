"""Makes Python packages look uninstalled, for tests of what a user without an optional extra sees.

Put this folder on PYTHONPATH and name the top-level modules in GUIDED_TEST_HIDE_MODULES
(comma-separated, e.g. "faster_whisper"): importing them, or looking for them with
importlib.util.find_spec, fails as if they were not installed.
"""

import os
import sys

_hidden = {m.strip() for m in os.environ.get("GUIDED_TEST_HIDE_MODULES", "").split(",") if m.strip()}


class _Hide:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in _hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


if _hidden:
    sys.meta_path.insert(0, _Hide())
