"""The command line: every command's arguments and printing, one output helper and one
set of exit codes."""
