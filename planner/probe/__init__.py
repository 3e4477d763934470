"""Live rate limits: probe calls and their headers, snapshot history, tier inference, Admin API.

- `headers`: pure parsing of `anthropic-ratelimit-*` (and OpenAI `x-ratelimit-*`) headers
- `keys`: what a key may be and where it may go (pure rules)
- `client`: `make_client`, the one constructor of every client that sends a key; `probe` / `aprobe`
- `retry`: which outcomes are retried, backoff, the retry loops
- `result`: `ProbeResult` and `interpret` (status, explanation, cost, tier of one probe)
- `history`: the `probe_snapshots` table; `latest_live_limits` for headroom
- `infer`: `infer_tier` against limits.toml
- `admin`: the Admin API's configured limits and usage-report pages

Submodules are imported on use (nothing heavy at package import).
"""
