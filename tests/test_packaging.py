"""The wheel's contents follow the source tree: every package under planner/ is listed in
pyproject.toml, the catalog data and the samples ship inside planner, nothing else is top level."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_under_planner_is_listed() -> None:
    listed = set(_setuptools()["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "planner").rglob("__init__.py")}
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_only_planner_is_installed_at_the_top_level() -> None:
    listed = _setuptools()["packages"]
    assert {name.split(".")[0] for name in listed} == {"planner"}


def test_data_directories_map_inside_planner() -> None:
    mapping = _setuptools()["package-dir"]
    assert mapping == {"planner.catalog.data": "pricing", "planner.samples": "sample_logs"}
    assert (ROOT / "pricing" / "models.toml").is_file() and (ROOT / "pricing" / "limits.toml").is_file()


def test_one_version_source() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert _setuptools()["dynamic"]["version"] == {"attr": "planner.__version__"}
