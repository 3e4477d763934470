"""Errors a user should see as one clear line (no traceback)."""


class PlannerError(Exception):
    """A problem with the user's input or environment; `str(exc)` is the message shown."""

    exit_code = 2


class BudgetExceeded(PlannerError):
    """Projected spend is over the `--budget`; exit code 3 so CI jobs can gate on it."""

    exit_code = 3
