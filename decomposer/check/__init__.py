"""Checking a plan: schema validation, semantic checks, the wording lint, the rules
they report under, findings, and incremental re-checks while a plan is edited."""
