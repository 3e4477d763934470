"""Broken stores, damaged pages: a real store (the bundled samples) with one table's or index's
page overwritten. Every command that meets the damage exits 2 with one line that names the
database and `planner doctor`, leaves the file as it was, and a command that does not meet it
gives exactly the output of the undamaged store. `planner doctor` names what is damaged.

Before the fix each of these ended in a `sqlite3.DatabaseError` traceback, and doctor did not exist.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from stores_support import (
    SAMPLES,
    check_one_line,
    damage,
    pages_of,
    planner_env,
    run_planner,
    sample_store,
    state,
)

from planner.store import SCHEMA_VERSION

NEW_LOG = "new.jsonl"
# The commands that certainly meet each damage (they read every page of it). Any other command
# either meets it too (an insert that lands on the damaged page) or gives the healthy output.
COMMANDS = {
    "report": ["report", "--format", "json"],
    "report by project": ["report", "--by", "project", "--format", "json"],
    "headroom": ["headroom", "--format", "json"],
    "import": ["import", NEW_LOG, "--json"],
}
MEETS = {
    "usage": {"report by project", "headroom"},
    "sqlite_autoindex_usage_1": {"import"},
    "sources": {"import"},
    "slots": {"report", "headroom"},
    "dims": {"report", "report by project", "headroom", "import"},
}
TABLE_OF = {"sqlite_autoindex_usage_1": "usage"}


def comparable(out: str, db: Path) -> object:
    """A command's JSON without its timing and with the database path replaced."""

    def drop(value: object) -> object:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k != "elapsed_s"}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    return drop(json.loads(out.replace(str(db), "DB")))


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The undamaged store, a log that adds rows, and each command's output on the store."""
    tmp = tmp_path_factory.mktemp("healthy")
    env = planner_env(tmp)
    db = sample_store(tmp / "planner.db", env)
    log = tmp / NEW_LOG
    text = (SAMPLES / "app" / "requests.jsonl").read_text()
    log.write_text(text.replace('"id":"', '"id":"new-')[:200_000].rsplit("\n", 1)[0] + "\n")
    outputs = {}
    for name, args in COMMANDS.items():
        copy = tmp / f"{name}.db"
        shutil.copy(db, copy)
        ran = run_planner(["--db", str(copy), *[str(log) if a == NEW_LOG else a for a in args]], env)
        assert ran.code == 0, ran.err
        outputs[name] = comparable(ran.out, copy)
    return {"db": db, "log": log, "outputs": outputs, "pages": pages_of(db)}


@pytest.mark.parametrize("target", sorted(MEETS))
def test_a_damaged_page_is_one_line_and_the_store_is_left_as_it_was(healthy: dict, tmp_path: Path, target: str) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    pages = healthy["pages"][target]
    damage(db, pages[len(pages) // 2])  # its page header: SQLite cannot read the page at all
    for name, args in COMMANDS.items():
        before = state(db)
        ran = run_planner(["--db", str(db), *[str(healthy["log"]) if a == NEW_LOG else a for a in args]], env)
        if ran.code != 0 or name in MEETS[target]:
            check_one_line(ran, 2, str(db), "damaged", "planner doctor")
            assert state(db) == before, f"{name} changed the damaged store"
        else:
            assert comparable(ran.out, db) == healthy["outputs"][name], f"{name} differs from the healthy store"
            shutil.copy(healthy["db"], db)  # an import that went through changed it: damage a fresh copy
            damage(db, pages[len(pages) // 2])


@pytest.mark.parametrize("target", sorted(MEETS))
def test_doctor_names_the_damaged_table_or_index(healthy: dict, tmp_path: Path, target: str) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    pages = healthy["pages"][target]
    damage(db, pages[len(pages) // 2])
    before = state(db)
    ran = run_planner(["--db", str(db), "doctor"], env)
    assert ran.code == 1, ran.err
    assert "Traceback" not in ran.err and not ran.err.strip()
    assert "DAMAGED" in ran.out and f": {target} (" in ran.out
    assert "what to do:" in ran.out
    ran = run_planner(["--db", str(db), "doctor", "--format", "json"], env)
    assert ran.code == 1
    report = json.loads(ran.out)
    assert report["status"] == "damaged" and report["ok"] is False
    assert report["schema_version"] == report["schema_known"] == SCHEMA_VERSION
    assert [d["name"] for d in report["damaged"]] == [target]
    assert report["damaged"][0]["table"] == TABLE_OF.get(target, target)
    assert report["damaged"][0]["type"] == ("index" if target in TABLE_OF else "table")
    assert report["advice"]
    assert state(db) == before, "doctor wrote to the store"


def test_damage_inside_a_page_is_found_by_doctor_and_one_line_elsewhere(healthy: dict, tmp_path: Path) -> None:
    """Cells overwritten in the middle of a usage page (its header intact): SQLite reads garbage
    record offsets rather than failing at the page."""
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    pages = healthy["pages"]["usage"]
    damage(db, pages[len(pages) // 2], offset=3000, length=400)
    before = state(db)
    ran = run_planner(["--db", str(db), "doctor", "--format", "json"], env)
    assert ran.code == 1 and "Traceback" not in ran.err
    assert [d["name"] for d in json.loads(ran.out)["damaged"]] == ["usage"]
    for args in (COMMANDS["report by project"], COMMANDS["headroom"]):
        ran = run_planner(["--db", str(db), *args], env)
        assert "Traceback" not in ran.err
        if ran.code != 0:
            check_one_line(ran, 2, str(db), "damaged")
    assert state(db) == before


def test_a_damaged_list_of_tables_is_one_line_and_doctor_says_so(healthy: dict, tmp_path: Path) -> None:
    """Page 1 past its 100-byte file header holds sqlite_schema: nothing can be read."""
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    damage(db, 1, offset=100, length=4000)
    before = state(db)
    for args in (["report"], ["import", str(healthy["log"])], ["headroom"]):
        check_one_line(run_planner(["--db", str(db), *args], env), 2, str(db), "damaged")
    ran = run_planner(["--db", str(db), "doctor", "--format", "json"], env)
    assert ran.code == 1
    assert json.loads(ran.out)["damaged"][0]["type"] == "schema"
    assert state(db) == before


def test_doctor_on_a_healthy_store_exits_0_and_quick_check_too(healthy: dict, tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    before = state(db)
    for extra in ([], ["--quick"]):
        ran = run_planner(["--db", str(db), "doctor", "--format", "json", *extra], env)
        assert ran.code == 0, ran.err
        report = json.loads(ran.out)
        assert report["status"] == "ok" and report["damaged"] == [] and report["problems"] == []
        assert report["check"] == ("quick_check" if extra else "integrity_check")
        assert report["wal_bytes"] == 0 and report["pages"] > 0
    ran = run_planner(["--db", str(db), "doctor"], env)
    assert ran.code == 0 and "no damage found" in ran.out
    assert state(db) == before
