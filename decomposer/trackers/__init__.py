"""Push a plan to an issue tracker: a parent ticket for the plan, one child per subtask.

* ``push_command(args)``: ``decomposer export PLAN --to github|linear --push`` (see
  ``push`` for the dry run, the run and the report; ``EXIT_CODES`` for the exit codes);
* ``github``: GitHub issues over REST, sub-issues, labels, "Blocked by #N";
* ``linear``: Linear issues over GraphQL, parent and children;
* ``http``: JSON requests with timeouts and safe retries; ``entries``: the plan's
  ``tracker`` fields where pushes record their tickets.

Importing this package loads nothing heavy: ``push_command`` imports on call.
"""

from __future__ import annotations

from typing import Any

EXIT_CODES = ("Exit 0: pushed, or the dry run printed; 1: blocked by findings, or the push stopped part-way "
              "(what was created is listed and recorded in the plan); 2: usage error (no token, no --repo or "
              "--team, an unknown team, a plan that cannot be written back); 3: the tracker failed before "
              "anything was created or updated.")


def push_command(args: Any) -> int:
    """Run a push for the parsed ``decomposer export`` arguments; returns the exit code."""
    from .push import push_command as run

    return run(args)
