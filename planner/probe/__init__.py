"""Live rate limits: probe calls and their headers, snapshot history, tier inference, Admin API.

- `headers`: pure parsing of `anthropic-ratelimit-*` (and OpenAI `x-ratelimit-*`) headers
- `client`: `probe` / `aprobe` (httpx), retries, base-URL and key rules, `ProbeResult`
- `history`: the `probe_snapshots` table; `latest_live_limits` for headroom
- `infer`: `infer_tier` against limits.toml
- `admin`: `planner limits --live` and the usage-report pages for `planner import --admin-usage`

Submodules are imported on use (nothing heavy at package import).
"""
