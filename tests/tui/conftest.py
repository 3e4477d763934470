"""Fixtures of the dashboard tests: the sample store, built once per session, and a private copy
of it (with a private config dir: no user overrides) for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tui_support import build_sample_db


@pytest.fixture(scope="session")
def sample_db_master(tmp_path_factory) -> Path:
    return build_sample_db(tmp_path_factory.mktemp("samples") / "planner.db")


@pytest.fixture
def sample_db(sample_db_master, tmp_path, monkeypatch) -> Path:
    """A private copy of the sample store, and a private config dir (no user overrides)."""
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    db = tmp_path / "planner.db"
    shutil.copy(sample_db_master, db)
    return db
