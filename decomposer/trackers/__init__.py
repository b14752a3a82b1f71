"""Push a plan to an issue tracker: a parent ticket for the plan, one child per subtask.

* ``push``: the steps of a push, recording each ticket in the plan, running them;
* ``github``: GitHub issues over REST, sub-issues, labels, "Blocked by #N";
* ``linear``: Linear issues over GraphQL, parent and children;
* ``http``: JSON requests with timeouts and safe retries; ``entries``: the plan's
  ``tracker`` fields where pushes record their tickets.

The command (``decomposer export --push``) and its printing live in
``decomposer.cli.push_command``. Importing this package loads nothing heavy.
"""
