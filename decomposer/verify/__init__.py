"""Running a plan's command criteria: which runs a plan asks for, the runner, and the
evidence recorded in the plan."""
