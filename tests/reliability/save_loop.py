"""A process that saves plans in a loop until it is killed (``test_no_data_loss``).

Run as ``python save_loop.py MODE TARGET PLAN_A PLAN_B``; MODE is ``save`` (the plan file,
``files.write_plan``, what ctrl+s and the CLI do) or ``autosave`` (``DraftStore.save`` into
the drafts folder TARGET, what the TUI does after every edit).

It imports decomposer once and then serves: each line ``go`` on stdin forks a writer that
saves PLAN_A, PLAN_B, PLAN_A, ... over and over, and answers with the writer's pid; the
test kills that pid with SIGKILL at a moment of its choosing, then sends ``reap PID`` and
reads ``reaped`` once the writer is gone, so the file it checks is final. Forking from
here costs a millisecond where starting an interpreter costs a tenth of a second.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from decomposer.editing.drafts import DraftStore
from decomposer.plan.files import write_plan

DRAFT_KEY = "kill-test"


def writer(mode: str, target: Path, plans: list[dict]) -> None:
    store = DraftStore(target)
    n = 0
    while True:
        plan = plans[n % 2]
        if mode == "save":
            write_plan(target, plan)
        else:
            store.save(DRAFT_KEY, plan, None)
        n += 1


def main() -> None:
    mode, target, *plan_files = sys.argv[1:]
    plans = [json.loads(Path(name).read_text(encoding="utf-8")) for name in plan_files]
    print("ready", flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "go":
            pid = os.fork()
            if pid == 0:
                try:
                    writer(mode, Path(target), plans)  # runs until killed
                finally:
                    os._exit(1)  # a writer that failed must not go on reading the commands
            print(pid, flush=True)
        elif command == "reap":
            os.waitpid(int(args[0]), 0)
            print("reaped", flush=True)


if __name__ == "__main__":
    main()
