"""Probes run in a fresh interpreter: which modules a command loads."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers.plans import ROOT


def modules_loaded_by(*argv) -> set[str]:
    code = (
        "import json, sys, io, contextlib\n"
        "from decomposer.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({list(argv)!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(result.stdout))
