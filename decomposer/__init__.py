"""decomposer: split a broad task into subtasks an agent can be trusted with.

Every subtask states its input state, a checkable acceptance criterion and the pause
boundaries where the agent must stop and ask, plus an autonomy level that fits its risk.

The core (schema, checks, lint, loading, reporting) imports neither Textual nor the
Anthropic SDK, so the CLI starts fast and the TUI, the CLI and the tests share it.
"""

__version__ = "0.1.0"
