"""The API keys never appear in any output: stdout, stderr, the database (with its WAL) or exported
files, on success and on every failure path. At most a masked 4-character suffix is shown."""

import ast
import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fakeapi import FakeAnthropic, reply

from planner.cli import main

SECRET = "Zq8xW3vLr5Tn0pYk2HmB7cJdQ4sF"
KEY = "sk-ant-api03-" + SECRET
ADMIN_SECRET = "Hy6pR2wK9mXc4VbN1tLs8QzE3jGa"
ADMIN = "sk-ant-admin01-" + ADMIN_SECRET


def leaks(text: str | bytes) -> list[str]:
    """Any 8-character window of either secret part (the masked suffix is 4 characters)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    found = []
    for secret in (SECRET, ADMIN_SECRET):
        found += [secret[i : i + 8] for i in range(len(secret) - 7) if secret[i : i + 8] in text]
    return found


def db_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLANNER_DB", str(tmp_path / "db" / "planner.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def api():
    with FakeAnthropic(rpm=1000, itpm=2_000_000, otpm=400_000, api_key=KEY, admin_key=ADMIN) as fake:
        yield fake


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SCRIPTS = [
    [],
    [reply.rate_limited()],
    [reply.spend_cap()],
    [reply.error(401)],
    [reply.error(403)],
    [reply.error(404)],
    [reply.error(400, f"echo {KEY}")],
    [reply.overloaded()] * 3,
    [reply.ok(headers="partial")],
    [reply.redirect("https://elsewhere.example/v1/messages")],
]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_probe_outputs_and_database_hold_no_key(env, api, capsys, monkeypatch, fmt):
    monkeypatch.setattr("time.sleep", lambda s: None)  # retry pauses (529 ×3) without waiting
    outputs = []
    for script in SCRIPTS:
        api.enqueue(*script)
        main(["probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, "--format", fmt])
        cap = capsys.readouterr()
        outputs.append(cap.out + cap.err)
    main(["probe", "--base-url", f"http://127.0.0.1:{_closed_port()}", "--format", fmt])
    cap = capsys.readouterr()
    outputs.append(cap.out + cap.err)
    text = "\n".join(outputs)
    assert "rate_limited" in text and "spend_cap" in text  # the runs really happened
    assert leaks(text) == []
    if fmt == "table":
        assert "key …Q4sF" in text  # the masked suffix, at most
    assert (env / "db" / "planner.db").exists()
    assert leaks(db_bytes(env / "db")) == []
    # the server did receive the key: the test is not vacuous
    assert api.requests[0].headers["x-api-key"] == KEY


def test_probe_in_a_real_process(env, api):
    """A separate process (real stdout/stderr, any traceback would land there)."""
    run_env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for args in (["--format", "json"], ["--watch", "0.01", "--count", "2"]):
        proc = subprocess.run(
            [sys.executable, "-m", "planner", "probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, *args],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert leaks(proc.stdout + proc.stderr) == []
    assert (
        json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "planner",
                    "probe",
                    "-m",
                    "claude-sonnet-4-6",
                    "--base-url",
                    api.base_url,
                    "-f",
                    "json",
                ],
                env=run_env,
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout
        )["status"]
        == "ok"
    )
    assert leaks(db_bytes(env / "db")) == []


def test_admin_commands_and_exported_files_hold_no_key(env, api, capsys, monkeypatch):
    assert main(["import", "--admin-usage", "--since", "2026-11-20", "--base-url", api.base_url]) == 0
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    assert main(["limits", "--live"]) == 0
    assert main(["limits", "--live", "--format", "json"]) == 0
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-" + ADMIN_SECRET[::-1])  # a wrong key: the 401 path
    assert main(["limits", "--live"]) == 2
    cap = capsys.readouterr()
    assert "HTTP 401" in cap.err
    assert leaks(cap.out + cap.err) == [] and ADMIN_SECRET[::-1][:8] not in cap.out + cap.err
    exported = list((env / "data").rglob("*.json"))
    assert exported and all(leaks(p.read_bytes()) == [] for p in exported)
    assert leaks(db_bytes(env / "db")) == []
    assert any(r.headers.get("x-api-key") == ADMIN for r in api.requests)


# --- every command that sends a key goes through the one constructor (issue 13, item 2) -----------

PLANNER = Path(__file__).resolve().parent.parent / "planner"
CONSTRUCTOR = "planner.probe.client"  # the one module that may build an HTTP client or set x-api-key
# The functions that send a key, by defining module; each must reach make_client.
SENDERS = {
    "planner.probe.client": {"make_client", "probe", "aprobe"},
    "planner.probe.admin": {
        "get_pages",
        "fetch_rate_limits",
        "fetch_usage_report",
    },  # limits --live: in planner.cli.limits
    "planner.tokens": {"count_tokens", "calibrate"},
}
SENDER_NAMES = set().union(*SENDERS.values())
# Every front-end module that calls a sender, with the command that runs it ("PROMPT": a text file).
KEY_COMMANDS = {
    "planner.cli.probe": ["probe", "-m", "claude-haiku-4-5"],
    "planner.cli.tokens": ["tokens", "PROMPT", "--model", "claude-sonnet-4-6", "--calibrate"],
    "planner.cli.limits": ["limits", "--live"],
    "planner.cli.import_": ["import", "--admin-usage", "--since", "2026-11-20"],
    # planner watch: probes on a schedule and fetches Admin usage; the engine is the caller
    "planner.alerts.watcher": ["watch", "--once", "--no-import", "--probe-every", "60", "--no-capacity"],
}
DASHBOARD = "planner.tui.screens.limits"  # the Limits screen's probe: aprobe, tested below
HTTP_CONSTRUCTORS = {"Client", "AsyncClient", "HTTPTransport", "AsyncHTTPTransport"}
HTTP_SHORTCUTS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
OTHER_HTTP = ("requests", "aiohttp", "urllib3", "http.client", "urllib.request")


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PLANNER.rglob("*.py")):
        parts = path.relative_to(PLANNER.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return out


def _called_name(node: ast.Call) -> str | None:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


# Modules that make HTTP calls which never carry an API key, and why. They are checked below to
# name no key variable and no key header, so a key cannot reach them by accident.
KEYLESS_HTTP = {"planner.alerts.channels": "alert webhooks: the user's own URL, no API key"}
KEY_NAMES = ("x-api-key", "make_client", "read_key", "require_key", "api_key=")


def test_keyless_http_modules_never_touch_a_key():
    modules = _modules()
    for name in KEYLESS_HTTP:
        text = ast.unparse(modules[name])
        assert not [k for k in KEY_NAMES if k.lower() in text.lower()], name
    # and the check can fail: the constructor's own module names them
    assert [k for k in KEY_NAMES if k.lower() in ast.unparse(modules[CONSTRUCTOR]).lower()]


def test_only_the_constructor_builds_http_clients_or_sets_the_key_header():
    offenders = []
    for name, tree in _modules().items():
        if name == CONSTRUCTOR or name in KEYLESS_HTTP:
            continue
        for node in ast.walk(tree):
            where = f"{name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target, attr = node.func.value, node.func.attr
                if isinstance(target, ast.Name) and target.id == "httpx" and attr in HTTP_CONSTRUCTORS | HTTP_SHORTCUTS:
                    offenders.append(f"{where} httpx.{attr}(")
            elif isinstance(node, ast.ImportFrom) and node.module == "httpx":
                offenders += [f"{where} from httpx import {a.name}" for a in node.names if a.name in HTTP_CONSTRUCTORS]
            elif isinstance(node, ast.Import | ast.ImportFrom):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offenders += [f"{where} import {m}" for m in mods if m.startswith(OTHER_HTTP)]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() == "x-api-key":
                offenders.append(f"{where} 'x-api-key'")
    assert offenders == []


def test_every_sender_reaches_the_constructor_and_every_caller_is_a_listed_command():
    modules = _modules()
    for module, names in SENDERS.items():
        defs = {n.name: n for n in ast.walk(modules[module]) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        for fn in names - {"make_client"}:
            calls = {_called_name(n) for n in ast.walk(defs[fn]) if isinstance(n, ast.Call)}
            assert calls & SENDER_NAMES, f"{module}.{fn} sends a key without make_client"
    callers = {
        name
        for name, tree in modules.items()
        if name not in SENDERS
        and any(isinstance(n, ast.Call) and _called_name(n) in SENDER_NAMES for n in ast.walk(tree))
    }
    assert callers == {*KEY_COMMANDS, DASHBOARD}, "a new key-sending command: add it to KEY_COMMANDS"


@pytest.fixture
def network(monkeypatch):
    """Every name resolution and connection, recorded; anything but loopback is refused here, so a
    failing test cannot reach the network either."""
    seen: list[tuple[str, object]] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kw):
        seen.append(("resolve", host))
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, "blocked by the test")
        return real_getaddrinfo(host, *args, **kw)

    def connect(sock, address):
        seen.append(("connect", address))
        if not (isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1")):
            raise OSError("blocked by the test")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def _argv(module: str, folder: Path) -> list[str]:
    prompt = folder / "prompt.txt"
    prompt.write_text("Count the tokens of this short prompt, please. " * 5, encoding="utf-8")
    return [str(prompt) if a == "PROMPT" else a for a in KEY_COMMANDS[module]]


@pytest.mark.parametrize("module", sorted(KEY_COMMANDS))
def test_plain_http_to_a_remote_host_is_refused_before_any_connection(env, network, capsys, monkeypatch, module):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://example.invalid")
    assert main(_argv(module, env)) == 2
    err = capsys.readouterr().err
    assert "refusing to send an API key over plain http to example.invalid" in err
    assert len(err.strip().splitlines()) == 1 and leaks(err) == []
    assert network == []


@pytest.mark.parametrize("module", sorted(KEY_COMMANDS))
def test_the_key_reaches_only_the_configured_loopback_host(env, api, network, capsys, monkeypatch, module):
    """A pasted key with surrounding whitespace is sent stripped, only to the base URL: not to a
    proxy named in the environment (plain http would show it the key) and not anywhere else."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", f"  {KEY}\n")
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", f"\t{ADMIN} ")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    with FakeAnthropic() as proxy:
        for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(var, proxy.base_url)
        for var in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(var, raising=False)
        assert main(_argv(module, env)) == 0, capsys.readouterr().err
        assert proxy.requests == []
    assert api.requests and {r.headers.get("x-api-key") for r in api.requests} <= {KEY, ADMIN}
    port = int(api.base_url.rsplit(":", 1)[1])
    assert {address for kind, address in network if kind == "connect"} == {("127.0.0.1", port)}
    cap = capsys.readouterr()
    assert leaks(cap.out + cap.err) == []


@pytest.mark.parametrize("module", sorted(KEY_COMMANDS))
def test_a_key_with_a_non_ascii_character_is_refused_in_one_line(env, api, network, capsys, monkeypatch, module):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY[:20] + "–" + KEY[20:])  # an en dash, pasted from a document
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN[:20] + "é" + ADMIN[20:])
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    assert main(_argv(module, env)) == 2
    err = capsys.readouterr().err
    refusals = [line for line in err.splitlines() if line.startswith("planner ")]  # the error line
    assert len(refusals) == 1 and "non-ASCII character at position 21" in refusals[0]
    assert "Traceback" not in err and leaks(err) == []
    assert api.requests == [] and network == []


def test_the_dashboard_probe_follows_the_same_rules(env, api, network):
    """The Limits screen calls aprobe with the key and base URL from its environment, unchanged."""
    from planner.catalog import load_catalog
    from planner.errors import PlannerError
    from planner.probe.client import aprobe

    catalog = load_catalog()

    def run(key: str, base_url: str):
        return asyncio.run(aprobe("claude-haiku-4-5", api_key=key, base_url=base_url, catalog=catalog, max_retries=0))

    with pytest.raises(PlannerError, match=r"plain http to example\.invalid"):
        run(KEY, "http://example.invalid")
    with pytest.raises(PlannerError, match="non-ASCII character at position 21") as refused:
        run(KEY[:20] + "–" + KEY[20:], api.base_url)
    assert leaks(str(refused.value)) == []
    assert network == [] and api.requests == []
    assert run(f"  {KEY}\n", api.base_url).status == "ok"
    assert [r.headers["x-api-key"] for r in api.requests] == [KEY]
