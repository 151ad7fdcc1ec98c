"""``nndl train``: train a network, writing a run folder (see :mod:`nndl.app.runs`)."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields

from ..app.settings import RunConfig, field_help, load_config, parse_sizes
from ..errors import ConfigError
from ..train import Callback
from .gradients import add_train_options, train_callbacks
from .options import add_data_dir

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

_GROUPS = {
    "data": ("dataset", "subset", "scale", "evaluation_data", "preprocess"),
    "network": ("sizes", "activation", "output_activation", "cost", "init", "dropout", "batch_norm"),
    "training": ("epochs", "batch_size", "eta", "lmbda", "regularizer", "optimizer", "momentum", "beta1",
                 "beta2", "rho", "eps", "weight_decay", "clip_norm", "clip_value", "schedule",
                 "early_stopping", "monitor_training", "seed", "dtype"),
}
_METAVAR = {"sizes": "N,N,...", "subset": "N", "epochs": "N", "batch_size": "N", "seed": "N", "dropout": "P",
            "clip_norm": "K", "clip_value": "K", "eta": "η", "lmbda": "λ", "momentum": "μ", "rho": "ρ",
            "beta1": "β1", "beta2": "β2", "eps": "ε", "weight_decay": "WD", "schedule": "SPEC",
            "early_stopping": "RULE"}


def _sizes_arg(text):
    try:
        return parse_sizes(text)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train a network and write a run folder", description=DESCRIPTION,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    run = p.add_argument_group("run")
    run.add_argument("--config", metavar="FILE", help="TOML file of settings (e.g. a run's config.toml to replay it)")
    run.add_argument("--resume", metavar="RUN", help="continue a stopped run folder from its last completed epoch")
    run.add_argument("--run-dir", metavar="DIR", help="the run folder to write (default: runs/<time>-<sizes>-<cost> "
                     "under the current directory)")
    add_data_dir(run)
    out = run.add_mutually_exclusive_group()
    out.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    out.add_argument("--json", action="store_true", help="print one JSON object per line: an 'epoch' event per "
                     "epoch and a final 'done' event (for scripts)")
    run.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                     help="progress bar over each epoch on stderr (default: auto = when stderr is a terminal)")
    run.add_argument("--no-plots", action="store_true", help="do not write accuracy.png and cost.png")

    helps = field_help()
    defaults = RunConfig()
    by_name = {f.name: f for f in fields(RunConfig)}
    for group, names in _GROUPS.items():
        g = p.add_argument_group(group)
        for name in names:
            f = by_name[name]
            default = getattr(defaults, name)
            shown = "input,100,output" if name == "sizes" else ("unset" if default is None else default)
            text = f"{helps.get(name, '')} (default: {shown})".replace("%", "%%")
            flag = "--" + name.replace("_", "-")
            if name == "batch_norm":
                g.add_argument(flag, dest=name, action="store_const", const=True, default=argparse.SUPPRESS, help=text)
            elif name == "monitor_training":
                g.add_argument("--no-monitor-training", dest=name, action="store_const", const=False,
                               default=argparse.SUPPRESS, help="do not measure cost and accuracy on the training "
                               "set each epoch (faster; the plots then show validation only)")
            else:
                typ = {"int": int, "float": float, "float | None": float, "list": _sizes_arg}.get(str(f.type), str)
                g.add_argument(flag, dest=name, type=typ, metavar=_METAVAR.get(name, name.upper().split("_")[0]),
                               default=argparse.SUPPRESS, help=text)
            if name == "sizes":
                g.add_argument("--hidden", dest="hidden", type=_sizes_arg, metavar="N,...", default=argparse.SUPPRESS,
                               help="hidden-layer sizes only, e.g. 100 or 100,30; input and output sizes come from "
                               "the dataset")
    add_train_options(p)
    return p


def _settings(args) -> dict:
    names = {f.name for f in fields(RunConfig)}
    return {k: v for k, v in vars(args).items() if k in names}


class EpochPrinter(Callback):
    """One line per epoch, human or JSON."""

    def __init__(self, json_lines: bool, epochs: int, eval_label: str):
        self.json_lines, self.epochs, self.eval_label = json_lines, epochs, eval_label

    def on_epoch_end(self, epoch, logs):
        if self.json_lines:
            print(json.dumps({"event": "epoch", **{k: _num(v) for k, v in logs.items()}}), flush=True)
            return
        width = len(str(self.epochs))
        parts = [f"epoch {logs['epoch']:>{width}}/{self.epochs}"]
        if "cost" in logs:
            parts.append(f"cost {logs['cost']:.4f}")
        if "accuracy" in logs:
            parts.append(f"acc {logs['accuracy'] * 100:6.2f}%")
        short = "val" if self.eval_label == "validation" else "test"
        if "val_cost" in logs:
            parts.append(f"{short}_cost {logs['val_cost']:.4f}")
        if "val_accuracy" in logs:
            parts.append(f"{short}_acc {logs['val_accuracy'] * 100:6.2f}%")
        parts.append(f"eta {logs['lr']:g}")
        parts.append(f"{logs['time']:.1f}s")
        print("  ".join(parts), flush=True)


def _num(v):
    try:
        import math

        return v if not isinstance(v, float) or math.isfinite(v) else None
    except Exception:  # pragma: no cover
        return v


def _progress_wanted(args) -> bool:
    if args.quiet or args.progress == "never":
        return False
    return args.progress == "always" or sys.stderr.isatty()


def run(args) -> int:
    from ..app.runs import resume_run, train_run
    from ..train import ProgressBar

    settings = _settings(args)
    if "hidden" in vars(args):
        if "sizes" in settings:
            raise ConfigError("give either --sizes or --hidden, not both")
        settings["_hidden"] = args.hidden
    human = not args.quiet and not args.json
    if args.resume:
        if args.config or settings or args.run_dir:
            raise ConfigError("--resume takes every setting from RUN/config.toml; do not combine it with "
                              "--config, --run-dir or training options")
    base = load_config(args.config) if args.config else RunConfig()
    hidden = settings.pop("_hidden", None)
    cfg = base.replace(**settings) if settings else base
    if hidden is not None:
        if not hidden or any(h < 1 for h in hidden):
            raise ConfigError(f"hidden layer sizes must be >= 1, got {hidden}")
        cfg = cfg.replace(sizes=[])  # resolved below, once the data's sizes are known
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
        shown = load_config(f"{args.resume}/config.toml") if args.resume and _has_config(args.resume) else cfg
        extra.append(EpochPrinter(args.json, shown.epochs, shown.evaluation_data))
    extra += diag_callbacks
    data_dir = args.data_dir
    try:
        if args.resume:
            result = resume_run(args.resume, data_dir=data_dir, callbacks=extra, plots=not args.no_plots,
                                on_start=on_start)
        else:
            if hidden is not None:
                cfg = _with_hidden(cfg, hidden, data_dir, allow_fallback)
            result = train_run(cfg, args.run_dir, data_dir=data_dir, allow_fallback=allow_fallback,
                               callbacks=extra, plots=not args.no_plots, on_start=on_start)
    except KeyboardInterrupt:
        if "run_dir" in started:
            print(f"nndl: stopped; continue from the last completed epoch with: nndl train --resume "
                  f"{started['run_dir']}", file=sys.stderr)
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
    from pathlib import Path

    return (Path(run_dir) / "config.toml").is_file()


def _with_hidden(cfg, hidden, data_dir, allow_fallback):
    """--hidden: input and output sizes come from the dataset."""
    n_in = 64 if cfg.dataset == "digits8x8" else 784
    return cfg.replace(sizes=[n_in, *hidden, 10])
