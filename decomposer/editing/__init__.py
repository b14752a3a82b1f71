"""Editing a plan: the document with undo/redo, the editing rules every front end shares,
and drafts that keep unsaved work."""
