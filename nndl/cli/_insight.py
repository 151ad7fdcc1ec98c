"""Shared by ``nndl universality`` and ``nndl lecture1``: subcommands that each write one
figure into --out and print their numbers (or one JSON object with --json)."""
from __future__ import annotations

import json
from argparse import ArgumentTypeError


def positive(kind=float):
    """An argparse type: a number > 0 of ``kind``."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise ArgumentTypeError(f"expected a positive finite number, got {text!r}")
        return value
    parse.__name__ = f"positive {kind.__name__}"
    return parse


def positive_list(kind=float):
    """An argparse type: comma-separated numbers > 0, e.g. 5,10,20,50."""
    one = positive(kind)

    def parse(text):
        items = [t for t in text.split(",") if t.strip()]
        if not items:
            raise ArgumentTypeError(f"expected a comma-separated list of numbers, got {text!r}")
        return tuple(one(t.strip()) for t in items)
    parse.__name__ = f"list of positive {kind.__name__}s"
    return parse


def add_group(subparsers, name, help, description, subcommands):
    """``nndl NAME SUB [options]``: ``subcommands`` is {sub: (help, add_options)}; every
    subcommand gets --out and --json; 'all' runs each with its defaults."""
    p = subparsers.add_parser(name, help=help, description=description)
    sub = p.add_subparsers(title="constructions", dest="what", metavar="WHAT", required=True,
                           parser_class=type(p))
    for what, (text, add_options) in {**subcommands, "all": ("every figure above, default settings", None)}.items():
        q = sub.add_parser(what, help=text, description=text)
        if add_options is not None:
            add_options(q)
        q.add_argument("--out", default="figures", metavar="DIR", help="folder for the PNG (default: figures)")
        q.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    return p


def report(args, results: dict, printers: dict) -> int:
    """Print each subcommand's result: JSON, or its printer's lines."""
    if args.json:
        print(json.dumps(results if len(results) > 1 else next(iter(results.values())), default=float))
        return 0
    for what, r in results.items():
        for line in printers[what](r):
            print(line)
        print(f"figure written to {r['figure']}")
    return 0


def run_group(args, functions: dict, printers: dict) -> int:
    """Run the chosen subcommand (or all of them) with the options it was given."""
    from pathlib import Path

    from ..errors import ConfigError

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ConfigError(f"--out {args.out} is a file, not a folder")
    chosen = list(functions) if args.what == "all" else [args.what]
    results = {}
    for what in chosen:
        fn, options = functions[what]  # options: {keyword of fn: name of the CLI option}
        kwargs = {} if args.what == "all" else {k: getattr(args, o) for k, o in options.items()}
        results[what] = fn(args.out, **kwargs)
    return report(args, results, printers)
