"""The `planner` command: parse arguments, call a view, print it. Thin on purpose.

Each subcommand lives in `planner/cli/<name>.py` and exposes `HELP` (one line),
`configure(parser)` and `run(args) -> int`, which builds a result with `planner.views` and prints
it with `planner.cli._common.emit` (the one rendering path). Command modules import the core
lazily inside `run`, so `planner report` never pays for (or imports) Textual.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence

from planner import __version__

# name -> module. Order is the order shown in --help.
COMMANDS: dict[str, str] = {
    "dashboard": "planner.cli.dashboard",
    "import": "planner.cli.import_",
    "report": "planner.cli.report",
    "headroom": "planner.cli.headroom",
    "probe": "planner.cli.probe",
    "plan": "planner.cli.plan",
    "prices": "planner.cli.prices",
    "limits": "planner.cli.limits",
    "cost": "planner.cli.cost",
    "tokens": "planner.cli.tokens",
    "budget": "planner.cli.budget",
    "watch": "planner.cli.watch",
    "statusline": "planner.cli.statusline",
    "doctor": "planner.cli.doctor",
}

EPILOG = """\
With no command, planner opens the dashboard (on the bundled sample data if your store is empty).

Every command takes --db PATH (or PLANNER_DB) for the database and --pricing FILE for extra
price/limit overrides. API keys are read from ANTHROPIC_API_KEY / ANTHROPIC_ADMIN_KEY only.

Examples:
  planner import ~/.claude            import Claude Code transcripts
  planner report --by model           spend by model, exact to the micro-dollar
  planner headroom --growth 0.1       peak demand vs every tier's limits, months until they bind
  planner cost --model claude-sonnet-4-6 --input 12000 --output 800 --format json
  planner plan examples/launch.toml   monthly cost, peaks and tier headroom of a launch
  planner probe --model claude-haiku-4-5   live rate limits (needs ANTHROPIC_API_KEY)
"""


def common_options(*, top: bool) -> argparse.ArgumentParser:
    """Global options, accepted before or after the command. Subcommands use SUPPRESS defaults
    so `planner --db X report` is not overwritten by the subparser's default."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options")
    group.add_argument(
        "--db",
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="database file (default: PLANNER_DB or the user data dir)",
    )
    group.add_argument(
        "--pricing",
        metavar="FILE",
        action="append",
        default=[] if top else argparse.SUPPRESS,
        help="extra price/limit override TOML merged over the catalog (repeatable)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planner",
        description="Plan Claude API spend and rate-limit headroom from the pricing catalog, "
        "live rate-limit headers and your imported usage logs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common_options(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parent = common_options(top=False)
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a command not built yet
        cmd = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            parents=[parent],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.set_defaults(_module=module)
        module.configure(cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["statusline"]:
        # Claude Code runs this after every message: skip building every command's parser.
        from planner.cli.statusline import fast

        code = fast(given[1:])
        if code >= 0:
            return code
    parser = build_parser()
    args = parser.parse_args(argv)
    module = getattr(args, "_module", None)
    if module is None:
        dashboard = COMMANDS["dashboard"]
        try:
            module = importlib.import_module(dashboard)
        except ModuleNotFoundError:
            parser.print_help()
            return 0
        args = parser.parse_args(["dashboard", *(argv if argv is not None else sys.argv[1:])])
        module = args._module
    from planner.errors import PlannerError

    try:
        return int(module.run(args) or 0)
    except PlannerError as exc:
        print(f"planner {args.command or ''}: {exc}".replace("  ", " "), file=sys.stderr)
        return exc.exit_code
    except sqlite3.DatabaseError as exc:  # raised while iterating a store's rows: explained here
        from planner import paths
        from planner.store.connection import explain

        print(
            f"planner {args.command or ''}: {explain(paths.db_path(getattr(args, 'db', None)), exc)}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
