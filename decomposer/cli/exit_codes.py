"""The exit codes of every command: one meaning per number."""

EXIT_OK = 0
# The command ran but the result is not clean: errors in the plan (or warnings with
# --strict), an export blocked by findings, a draft written with errors, a criterion
# that failed, a push that stopped part-way.
EXIT_FINDINGS = 1
# Usage or input error: bad arguments, a file that cannot be read, a missing token.
EXIT_USAGE = 2
# A call to a service failed: the model (Claude) or the tracker.
EXIT_CALL_FAILED = 3
# Stopped by ctrl+c (128 + SIGINT).
EXIT_INTERRUPTED = 130
