"""The Textual TUI. Everything here may import textual; the domain logic it drives lives
in the core (document, incremental validation, drafts, exporters, the Claude engine)."""
