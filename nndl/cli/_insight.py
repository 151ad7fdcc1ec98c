"""Shared by ``nndl universality`` and ``nndl lecture1``: a group of subcommands, each of
which calls one figure function (same name, keyword arguments named like its options),
writes one PNG into --out and prints its numbers (or one JSON object with --json).

    group = FigureGroup("lecture1", "nndl.insight.lecture1_figures", help, description)

    @group.command("xor", "what it shows", ("--seeds", int, 100, "random starts"))
    def _xor(r):            # the printer: result dict -> lines
        return [...]
"""
from __future__ import annotations

import importlib
import json
from argparse import ArgumentTypeError
from pathlib import Path

from ..errors import ConfigError

_FINITE = float("inf")


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not 0 < value < _FINITE:
            raise ArgumentTypeError(f"expected a positive finite number, got {text!r}")
        return value
    return parse


def _positive_list(kind):
    one = _positive(kind)

    def parse(text):
        items = [t.strip() for t in text.split(",") if t.strip()]
        if not items:
            raise ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
        return tuple(one(t) for t in items)
    return parse


def _count0(text):
    """A count that may be 0 (0 leaves the thing out)."""
    return 0 if text.strip() == "0" else _positive(int)(text)


# option kinds: positive int/float (count0: or 0), a comma-separated list of them, or any float
KINDS = {int: _positive(int), "count0": _count0, float: _positive(float), "ints": _positive_list(int),
         "floats": _positive_list(float), "real": float, "seed": int}


JSON_HELP = "print JSON instead of text: one object per line (for scripts)"  # every command's --json


def _metavar(flag, kind):
    """Counts and seeds read N in every command (as in 'nndl train'); other numbers their name."""
    return "N" if kind in (int, "count0", "ints", "seed") else flag.strip("-").upper().replace("-", "_")


class FigureGroup:
    def __init__(self, name: str, module: str, help: str, description: str):
        self.name, self.module, self.help, self.description = name, module, help, description
        self.commands = {}  # what -> (help, options, printer)

    def command(self, what: str, help: str, *options):
        """Register a subcommand; ``options`` are (flag, kind, default, help) tuples."""
        def register(printer):
            self.commands[what] = (help, options, printer)
            return printer
        return register

    def add_parser(self, subparsers):
        p = subparsers.add_parser(self.name, help=self.help, description=self.description)
        sub = p.add_subparsers(title="figures", dest="what", metavar="WHAT", required=True, parser_class=type(p))
        every = {**self.commands, "all": ("every figure above, default settings", (), None)}
        for what, (text, options, _) in every.items():
            q = sub.add_parser(what, help=text, description=text)
            for flag, kind, default, about in options:
                shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
                listed = ", comma-separated" if kind in ("ints", "floats") else ""
                q.add_argument(flag, type=KINDS[kind], default=default, help=f"{about}{listed} (default: {shown})",
                               metavar=_metavar(flag, kind))
            q.add_argument("--out", default="figures", metavar="DIR", help="folder for the PNG (default: figures)")
            q.add_argument("--json", action="store_true", help=JSON_HELP)
        return p

    def run(self, args) -> int:
        if Path(args.out).exists() and not Path(args.out).is_dir():
            raise ConfigError(f"--out {args.out} is a file, not a folder")
        figures = importlib.import_module(self.module)
        chosen = list(self.commands) if args.what == "all" else [args.what]
        results = {}
        for what in chosen:
            options = () if args.what == "all" else self.commands[what][1]
            kwargs = {flag.lstrip("-").replace("-", "_"): getattr(args, flag.lstrip("-").replace("-", "_"))
                      for flag, *_ in options}
            results[what] = getattr(figures, what)(args.out, **kwargs)
        if args.json:
            print(json.dumps(results if len(results) > 1 else results[chosen[0]], default=float))
            return 0
        for what, r in results.items():
            for line in self.commands[what][2](r):
                print(line)
            print(f"figure written to {r['figure']}")
        return 0
