"""The bundled sample logs parse to the figures sample_logs/README.md promises."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

from planner.catalog import load_catalog
from planner.usage import detect

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def parsed():
    catalog = load_catalog()

    def resolve(m):
        model = catalog.resolve(m)
        return model.id if model else None

    out = {}
    for path, fmt in detect.discover([SAMPLES]).files:
        out[path.relative_to(SAMPLES).as_posix()] = detect.FORMATS[fmt].parse(path, resolve=resolve)
    return out


def test_samples_parse_as_documented():
    res = parsed()
    cc = [r for k, p in res.items() if k.startswith("claude-code/") for r in p.records]
    assert len(cc) == 151 and sum(r.sidechain for r in cc) == 4
    assert all(r.model for r in cc) and sum(r.cache_write_1h for r in cc) > 0
    skipped = Counter()
    for k, p in res.items():
        if k.startswith("claude-code/"):
            skipped.update(p.skipped)
            assert p.problems == []
    assert skipped["repeated line of the same request (kept the largest copy)"] == 147
    assert skipped["<synthetic> model (no API request)"] == 1

    app = res["app/requests.jsonl"]
    assert len(app.records) == 4235
    assert [(p.line, p.kind) for p in app.problems] == [(2825, "bad")]
    assert res["batch/results.jsonl"].skipped["expired result (no charge)"] == 1
    assert len(res["admin/usage_report.json"].records) == 52
    assert len(res["csv/console_usage.csv"].records) == 15
    billed = res["admin/cost_report.json"].billed
    assert len(billed) > 0 and sum(Decimal(b.amount_usd) for b in billed) > 0
    dates = {r.ts.date().isoformat() for p in res.values() for r in p.records if r.fmt != "batch"}
    assert min(dates) >= "2026-10-22" and max(dates) <= "2026-11-20"
