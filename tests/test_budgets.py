"""Budgets (issue 16, item 1): the period projection, each scope on the sample data with figures
worked out here record by record, the settings round trip, and `planner budget set/list/rm`."""

import json
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest

from planner import paths, settings
from planner.catalog import Usage, load_catalog, price_usage
from planner.cli import main
from planner.errors import PlannerError
from planner.projection import budgets as B
from planner.projection import spend

SAMPLES = paths.sample_logs_dir()
TODAY = date(2026, 11, 20)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLANNER_DB", str(tmp_path / "planner.db"))
    return tmp_path


# --- the projection (pure) ----------------------------------------------------------------------


def test_month_budget_projects_like_the_month_forecast():
    daily = [(TODAY - timedelta(days=i), Decimal(10 * i)) for i in range(1, 8)]
    daily += [(TODAY, Decimal("5")), (date(2026, 10, 31), Decimal("999"))]
    st = B.status(B.Budget("b", Decimal(1000)), daily, TODAY)
    f = spend.forecast(daily, TODAY)
    assert (st.spent, st.projected, st.low, st.high, st.run_rate, st.days_left) == (
        f.month_to_date,
        f.projected,
        f.low,
        f.high,
        f.run_rate,
        f.days_left,
    )
    assert st.period == "2026-11" and (st.start, st.end) == (date(2026, 11, 1), date(2026, 11, 30))


def test_levels_crossed_and_the_day_the_projection_crosses():
    # $10 a day from Nov 1 to Nov 20: spent 200, run rate 10, 10 days left -> projected 300.
    daily = [(date(2026, 11, d), Decimal(10)) for d in range(1, 21)]
    st = B.status(B.Budget("b", Decimal(250), levels=B.parse_levels("0.5,0.8,1")), daily, TODAY)
    assert st.spent == 200 and st.projected == 300
    assert [(c.kind, c.level) for c in st.crossed] == [
        ("spent", Decimal("0.5")),
        ("spent", Decimal("0.8")),
        ("forecast", Decimal(1)),
    ]
    assert st.over_on == date(2026, 11, 25)  # 200 + 5 × 10 = 250 on the 25th
    # already over: the day the cumulative spend reached the amount (15 × 10 = 150)
    assert B.status(B.Budget("b", Decimal(150)), daily, TODAY).over_on == date(2026, 11, 15)
    # never within the month at this rate
    assert B.status(B.Budget("b", Decimal(1000)), daily, TODAY).over_on is None


def test_fixed_range_before_during_and_after():
    budget = B.Budget("launch", Decimal(100), start=date(2026, 11, 25), end=date(2026, 12, 4))
    daily = [(TODAY - timedelta(days=i), Decimal(7)) for i in range(0, 10)]  # $7 a day up to today
    before = B.status(budget, daily, TODAY)
    assert before.period == "2026-11-25..2026-12-04" and before.spent == 0
    assert before.days_left == 10 and before.projected == 70  # the run rate over all ten days
    during = B.status(budget, [*daily, (date(2026, 11, 25), Decimal(30))], date(2026, 11, 26))
    assert during.spent == 30 and during.days_left == 8
    after = B.status(budget, [(date(2026, 11, 26), Decimal(120))], date(2026, 12, 10))
    assert after.spent == 120 and after.projected == 120 and after.days_left == 0
    assert after.over_on == date(2026, 11, 26)


def test_scopes_levels_and_amounts_parse_or_say_why():
    assert B.parse_scope("org") == B.ORG
    assert B.parse_scope("model:claude-sonnet-4-6") == B.Scope("model", "claude-sonnet-4-6")
    assert B.parse_levels("50%, 0.80,1") == (Decimal("0.5"), Decimal("0.8"), Decimal(1))
    assert B.parse_amount("$1,250.50") == Decimal("1250.50")
    for bad, words in (("person:maya", "does not record a person"), ("shoe:x", "not a scope"), ("model:", "not a")):
        with pytest.raises(PlannerError, match=words):
            B.parse_scope(bad)
    for bad in ("0", "-1", "x", "2000%"):
        with pytest.raises(PlannerError):
            B.parse_level(bad)
    with pytest.raises(PlannerError):
        B.parse_amount("0")


def test_settings_round_trip_keeps_amounts_exact(env):
    path = env / "settings.toml"
    budget = B.Budget(
        "launch",
        Decimal("1250.10"),
        B.Scope("project", "web"),
        B.parse_levels("0.3,1"),
        (),
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    settings.set_budgets([budget.to_toml()], path)
    settings.set_token_factor("claude-sonnet-4-6", 1.1, path)  # other settings are kept
    (entry,) = settings.budgets(path)
    assert B.from_toml(entry) == budget
    assert 'amount_usd = "1250.10"' in path.read_text()
    with pytest.raises(PlannerError, match="budget 'x': needs both from and to"):
        B.from_toml({"name": "x", "amount_usd": "5", "from": "2026-11-01"})


# --- each scope on the sample data, priced here record by record --------------------------------


def _records():
    """Every Claude Code record and every CSV bucket of the samples, with its exact cost."""
    from planner.usage import claude_code, csv_import

    cat = load_catalog()

    def resolve(m):
        return x.id if (x := cat.resolve(m)) else None

    files = [(claude_code, f) for f in sorted((SAMPLES / "claude-code").rglob("*.jsonl"))]
    files.append((csv_import, SAMPLES / "csv" / "console_usage.csv"))
    out = []
    for parser, f in files:
        for r in parser.parse(f, resolve=resolve).records:
            u = Usage(
                r.input_tokens, r.output_tokens, r.cache_write_5m, r.cache_write_1h, r.cache_read, r.web_search_requests
            )
            # a day's bucket is priced at the standard band (its context window is not logged)
            cost = price_usage(cat, r.model, u, r.ts, prompt_tokens=0 if r.kind == "bucket" else None).total
            out.append((r, r.ts.astimezone(UTC).date(), cost, cat.group_of(r.model)))
    return out


def _expected(match, start: date, today: date) -> tuple[Decimal, Decimal]:
    """(spent from start to today, run rate = mean of the 7 days before today) of one scope."""
    rows = [(day, cost) for r, day, cost, group in _records() if match(r, group)]
    spent = sum((c for d, c in rows if start <= d <= today), Decimal(0))
    trailing = sum((c for d, c in rows if today - timedelta(days=7) <= d < today), Decimal(0))
    return spent, trailing / 7


SCOPES = {
    "org": lambda r, g: True,
    "model:claude-opus-4-8": lambda r, g: r.model == "claude-opus-4-8",
    "group:sonnet-4x": lambda r, g: g == "sonnet-4x",
    "project:-home-maya-src-infra": lambda r, g: r.project == "-home-maya-src-infra",
    "workspace:Sandbox": lambda r, g: r.workspace == "Sandbox",
}


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_each_scope_on_the_sample_data(env, capsys, scope):
    for part in ("claude-code", "csv"):
        assert run(capsys, "import", str(SAMPLES / part))[0] == 0
    start, today = date(2026, 11, 1), date(2026, 11, 14)
    assert (
        run(capsys, "budget", "set", "b", "40", "--scope", scope, "--from", "2026-11-01", "--to", "2026-11-30")[0] == 0
    )
    code, out, _ = run(capsys, "budget", "list", "--today", today.isoformat(), "--format", "json")
    (got,) = json.loads(out, parse_float=Decimal)["budgets"]
    spent, rate = _expected(SCOPES[scope], start, today)
    assert spent > 0, "the scope must have spend in the period for this test to mean something"
    assert code == 0 and got["scope"] == scope
    assert got["spent_usd"] == spent
    assert abs(got["projected_usd"] - (spent + rate * 16)) < Decimal("0.000001")
    low, high = got["projected_range_usd"]
    assert low <= got["projected_usd"] <= high
    assert got["levels_crossed"] == [lv for lv in (Decimal("0.5"), Decimal("0.8"), Decimal(1)) if spent >= 40 * lv]


# --- the command ---------------------------------------------------------------------------------


def test_budget_set_list_rm(env, capsys):
    code, out, _ = run(capsys, "budget", "set", "team", "300")
    assert code == 0 and "added budget 'team'" in out
    code, out, _ = run(capsys, "budget", "set", "team", "350.5", "--levels", "0.8,1", "--no-forecast", "-f", "json")
    data = json.loads(out, parse_float=Decimal)
    assert data["replaced"] is True and data["budget"]["amount_usd"] == Decimal("350.5")
    assert data["budget"]["levels"] == [Decimal("0.8"), 1] and data["budget"]["forecast_levels"] == []
    # no store yet: the budgets are listed, their spend unknown (null), never $0
    code, out, _ = run(capsys, "budget", "list", "--format", "json")
    (b,) = json.loads(out)["budgets"]
    assert code == 0 and b["name"] == "team" and b["spent_usd"] is None
    run(capsys, "import", str(SAMPLES), "--timestamp", "2026-11-19T02:00:00Z")
    code, out, _ = run(capsys, "budget", "list", "--today", "2026-11-20")
    assert code == 0 and "team" in out and "350.50" in out
    code, out, _ = run(capsys, "budget", "rm", "team")
    assert code == 0 and "removed" in out
    code, out, _ = run(capsys, "budget", "list", "--format", "json")
    assert json.loads(out)["budgets"] == []


@pytest.mark.parametrize(
    "argv, words",
    [
        (("set", "x", "abc"), "not an amount"),
        (("set", "x", "5", "--scope", "machine:m1"), "does not record a machine"),
        (("set", "x", "5", "--scope", "model:claude-sonet-4-6"), "did you mean claude-sonnet-4-6"),
        (("set", "x", "5", "--scope", "group:nope"), "unknown model group"),
        (("set", "x", "5", "--from", "2026-11-01"), "--from and --to go together"),
        (("set", "x", "5", "--from", "2026-11-10", "--to", "2026-11-01"), "before"),
        (("rm", "nobody"), "no budget named 'nobody'"),
        (("list", "--today", "soon"), "not a date"),
    ],
)
def test_budget_errors_are_one_line(env, capsys, argv, words):
    code, _, err = run(capsys, "budget", *argv)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_malformed_settings_file_is_reported_not_overwritten(env, capsys):
    path = env / "config" / "settings.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[[budgets]]\nname = "x"\namount_usd = "lots"\n')
    code, _, err = run(capsys, "budget", "set", "y", "5")
    assert code == 2 and "budget 'x'" in err and "not an amount" in err
    assert "lots" in path.read_text()


def test_to_json_of_a_status_names_every_field():
    st = B.status(B.Budget("b", Decimal(10)), [(TODAY, Decimal(3))], TODAY)
    assert set(st.to_json()) >= {
        "name",
        "amount_usd",
        "spent_usd",
        "projected_usd",
        "projected_range_usd",
        "over_on",
        "levels_crossed",
        "forecast_levels_crossed",
    }
