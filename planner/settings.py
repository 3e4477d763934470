"""User settings (settings.toml in the config dir): calibrated token factors per model, budgets
([[budgets]]) and alert channels ([alerts]).
Written atomically with tomli-w; an unreadable file is an error, never silently replaced."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from planner.errors import PlannerError


def load(path: Path | None = None) -> dict[str, Any]:
    from planner import paths

    path = path or paths.settings_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PlannerError(f"{path}: cannot read settings ({exc})") from None


def save(data: dict[str, Any], path: Path | None = None) -> Path:
    import tomli_w

    from planner import paths
    from planner.atomic import write_atomic

    path = path or paths.settings_path()
    write_atomic(path, tomli_w.dumps(data).encode("utf-8"))
    return path


def token_factor(model: str, path: Path | None = None) -> float | None:
    """The calibrated Claude-tokens-per-cl100k-token factor for `model`, if one was measured."""
    value = load(path).get("token_factors", {}).get(model)
    return float(value) if isinstance(value, (int, float)) else None


def set_token_factor(model: str, factor: float, path: Path | None = None) -> Path:
    data = load(path)
    data.setdefault("token_factors", {})[model] = round(float(factor), 4)
    return save(data, path)


def budgets(path: Path | None = None) -> list[dict]:
    """The `[[budgets]]` tables as written (`planner.projection.budgets.from_toml` reads each)."""
    value = load(path).get("budgets", [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise PlannerError(f"{path or 'settings.toml'}: budgets must be a list of [[budgets]] tables")
    return value


def set_budgets(entries: list[dict], path: Path | None = None) -> Path:
    data = load(path)
    if entries:
        data["budgets"] = entries
    else:
        data.pop("budgets", None)
    return save(data, path)


def alerts(path: Path | None = None) -> dict:
    """The `[alerts]` table: channels (webhook, command, desktop) and rules for `planner watch`."""
    value = load(path).get("alerts", {})
    if not isinstance(value, dict):
        raise PlannerError(f"{path or 'settings.toml'}: alerts must be an [alerts] table")
    return value
