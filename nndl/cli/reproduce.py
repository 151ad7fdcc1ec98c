"""``nndl reproduce``: the book's experiments, the book's figure beside the measured one."""
from __future__ import annotations

import json
import time
from pathlib import Path

from . import options

DESCRIPTION = """\
Run the book's experiments as named recipes and print the book's figure beside the one
measured here. Each writes its run folder under --out. EXPERIMENT is a recipe name (see
--list), a chapter (ch1, ch3, ...) or 'all'. With no EXPERIMENT, lists the recipes."""


def covered() -> str:
    """What reproduce covers, from the registry: 'chapters 1, 3 and 6 (23 experiments)'."""
    from ..app.reproduce import RECIPES

    chapters = sorted({r.chapter for r in RECIPES.values()})
    names = ", ".join(map(str, chapters[:-1])) + f" and {chapters[-1]}" if len(chapters) > 1 else str(chapters[0])
    return f"chapters {names} ({len(RECIPES)} experiments)"


def add_parser(subparsers):
    p = subparsers.add_parser("reproduce", help=f"reproduce the book's results: {covered()}",
                              description=DESCRIPTION, formatter_class=options.RawFormatter)
    p.add_argument("experiments", nargs="*", metavar="EXPERIMENT",
                   help="recipes to run: names, chapters (ch1, ch3) or 'all' (default: list them)")
    p.add_argument("--list", action="store_true", help="list the recipes with the book's figures and a time "
                   "estimate for this machine, and exit")
    options.add_out(p, "where the run folders go", default="runs", old=("--run-root",))
    options.add(p, "data_dir")
    p.add_argument("--seed", type=int, metavar="N", help="random seed for every training recipe (default: each "
                   "recipe's own; single runs vary by a few tenths of a point, and chapter 1's networks by more)")
    p.add_argument("--markdown", metavar="FILE", help="also write the results table (book vs nndl vs time) "
                   "as Markdown to FILE")
    options.add_output_mode(p)
    return p


def _fmt_seconds(s):
    if s is None:
        return "?"
    if s < 90:
        return f"{s:.0f} s"
    return f"{s / 60:.1f} min"


def _list(recipes):
    print(f"{'experiment':<18} {'ch':>2} {'book':>8}  {'split':<10} {'estimate':>9}  description")
    total = 0.0
    for r in recipes:
        est = r.estimate()
        total += est or 0.0
        book = r.show(r.book_value)
        print(f"{r.name:<18} {r.chapter:>2} {book:>8}  {r.book_split:<10} {_fmt_seconds(est):>9}  {r.description}"
              + (f" [{r.book_note}]" if r.book_note else ""), flush=True)
    print(f"estimated total on this machine: {_fmt_seconds(total)}")


def markdown_table(rows) -> str:
    lines = ["| experiment | settings | book | nndl | difference | time |", "|---|---|---|---|---|---|"]
    for r, o in rows:
        note = f" ({r.book_note})" if r.book_note else ""
        lines.append(f"| `{r.name}` | {r.description} | {r.show(r.book_value)} {r.book_split}{note} | "
                     f"{r.show(o.value)} | {r.difference(o.value)} | {_fmt_seconds(o.seconds)} |")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    from ..app.reproduce import Context, run_recipe, select
    from ..errors import ConfigError
    from ..train import EpochLogger

    if args.seed is not None and args.seed < 0:
        raise ConfigError(f"--seed must be >= 0, got {args.seed}")
    recipes = select(args.experiments)
    if args.list or not args.experiments:
        _list(recipes)
        if not args.experiments and not args.list:
            print("run some with: nndl reproduce NAME... | ch1 ch3 | all")
        return 0
    stamp = time.strftime("%Y%m%d-%H%M%S")
    rows = []
    for r in recipes:
        callbacks = ()
        if not args.quiet and not args.json:
            print(f"== {r.name}: {r.description} (book: {r.show(r.book_value)} {r.book_split})", flush=True)
            epochs = int(r.settings.get("epochs", 30))
            measured = r.book_split if r.run is None else "validation"  # chapter 6 picks epochs by validation
            callbacks = (EpochLogger(eval_label=measured, every=1 if epochs <= 60 else 20,
                                     prefix=f"  {r.name} "),)
        ctx = Context(root=Path(args.out), data_dir=args.data_dir, callbacks=callbacks, stamp=stamp,
                      seed=args.seed)
        o = run_recipe(r, ctx)
        rows.append((r, o))
        diff = o.value - r.book_value
        if args.json:
            print(json.dumps({"experiment": r.name, "book": r.book_value, "book_split": r.book_split,
                              "nndl": round(o.value, 6), "difference": round(diff, 6), "seconds": round(o.seconds, 2),
                              "run_dir": str(o.run_dir), "within_tolerance": r.matches(o.value),
                              **o.details}), flush=True)
        elif not args.quiet:
            print(f"   {r.name}: book {r.show(r.book_value)}  nndl {r.show(o.value)}  ({r.difference(o.value)})  "
                  f"in {_fmt_seconds(o.seconds)}  -> {o.run_dir}", flush=True)
    table = markdown_table(rows)
    if not args.json:
        print()
        print(table, end="")
    if args.markdown:
        from ..app.settings import write_text

        write_text(args.markdown, table)
    return 0
