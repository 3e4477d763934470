"""Where planner keeps its files. Functions, not constants: nothing is created at import time."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from planner.errors import PlannerError

APP_NAME = "planner"


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    if env := os.environ.get("PLANNER_CONFIG_DIR"):
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database: `--db PATH`, else `PLANNER_DB`, else the user data dir.

    `--db` is checked here, for every command: an empty path is refused (it used to fall back to
    the default silently), and so is one in a folder that does not exist (a typo would otherwise
    create a tree of folders); only the default location's folder is created when missing."""
    if explicit is not None:
        text = os.fspath(explicit)
        if not str(text).strip():
            raise PlannerError(
                "--db: empty path; give a database file, or leave --db out for PLANNER_DB or the default"
            )
        path = Path(text)
        parent = path.parent
        if not parent.is_dir():
            what = "is not a folder" if parent.exists() else "does not exist"
            raise PlannerError(f"--db {path}: the folder {parent} {what}; create it first, or give another path")
        return path
    if env := os.environ.get("PLANNER_DB"):
        return Path(env)
    return data_dir() / "planner.db"


def overrides_path() -> Path:
    """The user's price and limit overrides (merged over the bundled catalog)."""
    return config_dir() / "overrides.toml"


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def sample_logs_dir() -> Path:
    """The bundled sample logs: the source checkout's `sample_logs/`, or the installed copy."""
    checkout = Path(__file__).resolve().parent.parent / "sample_logs"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("planner.samples")))
