"""``nndl train``: train a network, writing a run folder (see :mod:`nndl.app.runs`)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..app.settings import load_config
from ..errors import ConfigError
from ..train import EpochLogger
from . import options
from .gradients import add_train_options, train_callbacks

DESCRIPTION = """\
Train a network on MNIST and write a run folder: config.toml (replay with --config),
history.json/csv, model.npz (final), best.npz (best validation accuracy), checkpoint.npz
(every epoch; continue a killed run with --resume), accuracy.png and cost.png (training vs
validation), summary.json.

With no options: [784,100,10] sigmoid network, cross-entropy, default init, eta=0.5,
lmbda=5.0 (L2), mini-batches of 10, 30 epochs, seed 0 — the book's best chapter-3 network.
If MNIST cannot be found or downloaded, this default run falls back to scikit-learn's 8x8
digits (with a notice), so it works offline.

Settings take the book's names; a TOML file (--config) holds the same keys (e.g. eta = 0.5);
options given on the command line override the file."""


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train a network and write a run folder", description=DESCRIPTION,
                              formatter_class=options.RawFormatter)
    run = p.add_argument_group("run")
    options.add(run, "config")
    run.add_argument("--resume", metavar="RUN", help="continue a stopped run folder from its last completed epoch")
    options.add_out(run, "the run folder to write (default: runs/<time>-<sizes>-<cost> under the current "
                    "directory)", old=("--run-dir",))
    options.add(run, "data_dir")
    options.add_output_mode(run)
    run.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                     help="progress bar over each epoch on stderr (default: auto = when stderr is a terminal)")
    options.add(run, "no_plots", no_plots="do not write accuracy.png and cost.png")
    network = options.add_settings(p)["network"]
    network.add_argument("--hidden", dest="hidden", type=options.sizes_arg, metavar="N,...", default=argparse.SUPPRESS,
                   help="hidden-layer sizes only, e.g. 100 or 100,30; input and output sizes come from the dataset")
    add_train_options(p)
    return p


def _progress_wanted(args) -> bool:
    if args.quiet or args.progress == "never":
        return False
    return args.progress == "always" or sys.stderr.isatty()


def run(args) -> int:
    from ..app.runs import resume_run, train_run
    from ..train import ProgressBar

    settings = options.settings_from(args)
    hidden = getattr(args, "hidden", None)
    if hidden is not None and "sizes" in settings:
        raise ConfigError("give either --sizes or --hidden, not both")
    human = not args.quiet and not args.json
    resume_epochs = settings.pop("epochs", None) if args.resume else None
    if args.resume and (args.config or settings or hidden is not None or args.out):
        raise ConfigError("--resume takes every setting from RUN/config.toml (only --epochs may change); do not "
                          "combine it with --config, --out or other training options")
    if hidden is not None and (not hidden or any(h < 1 for h in hidden)):
        raise ConfigError(f"--hidden layer sizes must be >= 1, got {hidden}")
    cfg = options.config_from(args)
    allow_fallback = not args.config and not settings and hidden is None and not args.data_dir

    started = {}
    diag_callbacks, diag_start = train_callbacks(args, args.resume)

    def on_start(run_dir, resolved, prepared):
        started["run_dir"] = run_dir
        if diag_start is not None:
            diag_start(run_dir, prepared)
        if prepared.notice:
            print(f"nndl: notice: {prepared.notice}", file=sys.stderr, flush=True)
        t = prepared.data.train
        if human:
            what = "resuming" if args.resume else "training"
            print(f"nndl: {what} [{','.join(map(str, resolved.sizes))}] {resolved.activation}/{resolved.cost}, "
                  f"eta={resolved.eta:g}, lmbda={resolved.lmbda:g}, batch {resolved.batch_size}, "
                  f"{resolved.epochs} epochs, on {prepared.dataset} ({t.n:,} training images)", flush=True)
            print(f"nndl: run folder {run_dir}", flush=True)
        elif args.json:
            print(json.dumps({"event": "start", "run_dir": str(run_dir), "dataset": prepared.dataset,
                              "n_train": t.n, "resumed": bool(args.resume), "notice": prepared.notice,
                              "config": resolved.to_dict()}), flush=True)

    extra = []
    if _progress_wanted(args):
        extra.append(ProgressBar())
    if not args.quiet:
        shown = load_config(Path(args.resume) / "config.toml") if args.resume and _has_config(args.resume) else cfg
        extra.append(EpochLogger(json_lines=args.json, eval_label=shown.evaluation_data))
    extra += diag_callbacks
    data_dir = args.data_dir
    try:
        if args.resume:
            result = resume_run(args.resume, data_dir=data_dir, callbacks=extra, plots=not args.no_plots,
                                on_start=on_start, epochs=resume_epochs)
        else:
            if hidden is not None:  # input and output sizes come from the dataset
                cfg = cfg.replace(sizes=[64 if cfg.dataset == "digits8x8" else 784, *hidden, 10])
            result = train_run(cfg, args.out, data_dir=data_dir, allow_fallback=allow_fallback,
                               callbacks=extra, plots=not args.no_plots, on_start=on_start)
    except KeyboardInterrupt:
        if "run_dir" in started and (Path(started["run_dir"]) / "checkpoint.npz").is_file():
            print(f"nndl: stopped; continue from the last completed epoch with: nndl train --resume "
                  f"{started['run_dir']}", file=sys.stderr)
        elif "run_dir" in started and not Path(started["run_dir"]).exists():
            print("nndl: stopped before the first epoch ended; nothing was kept", file=sys.stderr)
        raise
    s = result.summary
    if args.json:
        print(json.dumps({"event": "done", "run_dir": str(result.run_dir), **s}), flush=True)
    elif human:
        fin, best = s["final"], s["best"]
        stop = f" (stopped early after {s['epochs_run']} epochs)" if s["stopped_early"] else ""
        print(f"nndl: done{stop} in {s['train_seconds']:.1f}s of training: test accuracy "
              f"{fin['test_accuracy'] * 100:.2f}% (final model), {best.get('test_accuracy', float('nan')) * 100:.2f}% "
              f"(best model, epoch {best['epoch']})", flush=True)
        print(f"nndl: run folder {result.run_dir}", flush=True)
    if s.get("fallback") and not args.quiet and not args.json:
        print(f"nndl: notice: these accuracies are on {s['dataset']}, not MNIST: {s['fallback']}",
              file=sys.stderr, flush=True)
    return 0


def _has_config(run_dir):
    return (Path(run_dir) / "config.toml").is_file()
