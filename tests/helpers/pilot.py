"""Waiting in Pilot tests: for a state of the app, never for a fixed time (the machine
running the tests may be loaded and slow)."""

from __future__ import annotations

import time
from collections.abc import Callable

# Only bounds a failure: a passing test waits as long as the state takes, no longer.
STATE_TIMEOUT_S = 30.0


async def wait_for(
    pilot, condition: Callable[[], bool], what: str | Callable[[], str], timeout: float = STATE_TIMEOUT_S
) -> None:
    """Let the app run until ``condition()`` holds; fail naming ``what`` after ``timeout``
    (a callable is asked at that moment, so it can say what is still missing)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            missing = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {missing}")
        await pilot.pause(0.02)


async def first_check_done(pilot, app) -> None:
    """Wait until the app has checked the plan it opened (the first validation runs just
    after the first frame)."""
    await wait_for(pilot, lambda: app.report is not None, "the first check of the plan")
