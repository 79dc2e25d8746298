"""How the command starts: numpy with one BLAS thread (not a thread per core) unless told otherwise."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_command_starts_numpy_with_one_blas_thread_unless_told_otherwise():
    code = "import os, guided.__main__\nprint(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "1"
    env["OPENBLAS_NUM_THREADS"] = "3"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "3"
