"""Chapter 5 on the command line: ``nndl train --diagnostics`` and ``nndl gradients RUN``.

``add_train_options``/``train_callbacks`` are what ``nndl train`` calls; ``add_parser``/``run``
make the ``gradients`` command (re-plot a finished run's per-layer diagnostics).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

DIAG_IMAGES = 1000   # the book measures speed on the first 1,000 training images


def _positive(text):
    import argparse

    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {v}")
    return v


def add_train_options(parser):
    g = parser.add_argument_group("diagnostics (chapter 5)")
    g.add_argument("--diagnostics", action="store_true",
                   help="measure each hidden layer's learning speed ‖∂C/∂b‖, ‖∂C/∂w‖, ‖w‖ and saturated / "
                   "dead units on the first 1,000 training images at the start and after every epoch; print "
                   "one line per measurement and write diagnostics.json/csv and gradients.png to the run folder")
    g.add_argument("--diagnostics-every", type=_positive, metavar="N", help="measure every N epochs (default 1)")
    g.add_argument("--diagnostics-batches", type=_positive, metavar="N",
                   help="measure every N mini-batches instead of per epoch")


def train_callbacks(args, resume_dir=None):
    """(callbacks, on_start(run_dir, prepared)) for ``nndl train``; ([], None) when off.

    Resuming a run that recorded diagnostics turns them on again with its settings."""
    from ..errors import ConfigError
    from ..insight.diagnostics_files import JSON_NAME, DiagnosticsWriter, read_diagnostics
    from ..train.diagnostics import Diagnostics

    on = args.diagnostics
    every, every_batches, previous = args.diagnostics_every, args.diagnostics_batches, None
    if (every or every_batches) and not on:
        raise ConfigError("--diagnostics-every and --diagnostics-batches need --diagnostics")
    if resume_dir is not None and (Path(resume_dir) / JSON_NAME).is_file():
        if on:
            raise ConfigError("--resume continues the run's diagnostics as recorded; do not give --diagnostics")
        previous = read_diagnostics(resume_dir)
        on, every_batches = True, previous.get("every_batches")
        every = None if every_batches else previous.get("every", 1)
    if not on:
        return [], None
    if every and every_batches:
        raise ConfigError("give --diagnostics-every or --diagnostics-batches, not both")
    diag = Diagnostics(every=every or 1, every_batches=every_batches)
    if previous is not None:
        diag.records = [dict(r, layers=previous["layers"]) for r in previous["records"]]
    writer = DiagnosticsWriter(diag, plot=not args.no_plots)
    callbacks = [diag, writer]
    if not args.quiet:
        diag.listeners.append(_printer(args.json))

    def on_start(run_dir, prepared):
        train = prepared.data.train
        diag.set_data(train.X[:DIAG_IMAGES], train.y[:DIAG_IMAGES])
        writer.folder = Path(run_dir)

    return callbacks, on_start


def _printer(json_lines: bool):
    from ..insight.diagnostics_files import format_record

    def show(record):
        if json_lines:
            print(json.dumps({"event": "diagnostics", **{k: v for k, v in record.items()}}), flush=True)
        else:
            print(f"  diagnostics epoch {record['epoch']:g}:" + format_record(record)[1:], flush=True)

    return show


def add_parser(subparsers):
    p = subparsers.add_parser("gradients", help="plot a run's per-layer learning speeds (chapter 5)",
                              description="Re-plot the per-layer diagnostics a run recorded with 'nndl train "
                              "--diagnostics': learning speed ‖∂C/∂b‖, ‖∂C/∂w‖ and ‖w‖ per hidden layer (log "
                              "scale) and saturated/dead units, and print the first and last measurements.")
    p.add_argument("run_dir", metavar="RUN", help="a run folder holding diagnostics.json")
    p.add_argument("--out", metavar="PNG", help="where to write the plot (default: RUN/gradients.png)")
    return p


def run(args) -> int:
    from ..insight.diagnostics_files import format_record, plot_run, read_diagnostics

    doc = read_diagnostics(args.run_dir)
    if args.out and not args.out.lower().endswith(".png"):
        from ..errors import ConfigError

        raise ConfigError(f"--out must name a .png file, got {args.out!r}")
    path = plot_run(args.run_dir, doc, path=args.out)
    first, last = doc["records"][0], doc["records"][-1]
    print(f"{len(doc['records'])} measurements on {doc.get('images')} images; hidden layers: "
          f"{', '.join(doc['layers'])}")
    for r in (first, last):
        print(f"epoch {r['epoch']:g}:" + format_record(r)[1:])
    print(f"wrote {path}")
    sys.stdout.flush()
    return 0
