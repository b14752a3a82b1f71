"""The Claude engine: decompose a task, repair, refine and review plans.

Core code: no Textual here. The CLI and the TUI drive the same ``Engine``; tests drive
it through the real ``anthropic`` SDK with a fake Messages API at the HTTP layer.
"""
