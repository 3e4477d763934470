"""`planner tokens`: estimate Claude tokens in files (offline tiktoken × a per-tokenizer factor),
or calibrate that factor against the count_tokens endpoint."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planner.cli._common import add_format, emit, load_catalog
from planner.errors import PlannerError

if TYPE_CHECKING:  # pragma: no cover
    import httpx

HELP = "estimate Claude tokens in files (offline), or --calibrate with count_tokens"
DESCRIPTION = """\
Counts each file with tiktoken's offline cl100k encoding and scales it by the model's tokenizer
factor (default: 1.15 for Claude's v1 tokenizer, × 1.30 for the 4.7+/5.x tokenizer; or a factor
measured with --calibrate). Results are estimates. --calibrate needs ANTHROPIC_API_KEY (and
optionally ANTHROPIC_BASE_URL); it sends the files to POST /v1/messages/count_tokens and stores
the measured factor for the model in settings.toml.

  planner tokens examples/prompts/system.txt --model claude-opus-4-7
  planner tokens prompts/*.txt --model claude-sonnet-4-6 --calibrate"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="text files to count")
    parser.add_argument(
        "--model",
        "-m",
        default="claude-sonnet-4-6",
        help="model whose tokenizer to estimate (default claude-sonnet-4-6)",
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="measure the factor with count_tokens (needs ANTHROPIC_API_KEY)"
    )
    add_format(parser, ("table", "json"))


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlannerError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise PlannerError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise PlannerError(f"{path}: cannot read ({exc.strerror})") from None


def run(args: argparse.Namespace, *, client: httpx.Client | None = None) -> int:
    from planner import settings, tokens
    from planner.views.tokens import estimate_files

    catalog = load_catalog(args)
    model = catalog.resolve(args.model)
    if model is None:
        raise PlannerError(f"unknown model {args.model!r} (did you mean: {', '.join(catalog.suggest(args.model))})")
    texts = [_read(f) for f in args.files]
    notes = []
    if args.calibrate:
        from planner.probe.client import mask_key, read_key, resolve_base_url

        # Checked before any text is sent: a clean key, and https (plain http only to loopback).
        key = read_key(purpose="--calibrate")
        base = resolve_base_url()
        factor = tokens.calibrate(texts, model.id, api_key=key, base_url=base, client=client)
        where = settings.set_token_factor(model.id, factor)
        notes.append(
            f"calibrated {model.id}: {factor:.4f} Claude tokens per cl100k token (key {mask_key(key)}), saved to {where}"
        )
    emit(estimate_files(list(zip(args.files, texts, strict=True)), model, catalog, notes=notes), args.format)
    return 0
