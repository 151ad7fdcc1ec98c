"""``nndl compare-optimizers``: the lecture's optimiser comparison as one PNG."""
from __future__ import annotations

import argparse
import json

from ..errors import ConfigError, unknown_name
from . import options

DESCRIPTION = """\
Train the same network with each optimiser, from the same initial weights and on the same
mini-batches, and plot their training-loss curves (per mini-batch, moving average) on one PNG,
like the lecture's optimiser comparison. Each optimiser uses its own default learning rate
(Keras's) unless --eta NAME=ETA sets it. The network and data are chosen with the options of
'nndl train' (default here: [784,100,10] ReLU, softmax + log-likelihood, 10,000 images)."""

DEFAULTS = {"activation": "relu", "cost": "log_likelihood", "lmbda": 0.0, "batch_size": 64, "subset": 10000,
            "init": "xavier", "epochs": 3}


def add_parser(subparsers):
    p = subparsers.add_parser("compare-optimizers", help="train one network with each optimiser; plot the "
                              "loss curves on one PNG", description=DESCRIPTION,
                              formatter_class=options.RawFormatter)
    c = p.add_argument_group("comparison")
    c.add_argument("--optimizers", default="sgd,momentum,nesterov,adagrad,rmsprop,adam", metavar="A,B,...",
                   help="optimisers to compare (default: sgd,momentum,nesterov,adagrad,rmsprop,adam)")
    c.add_argument("--eta", dest="etas", action="append", default=[], metavar="NAME=ETA",
                   help="learning rate of one optimiser (repeatable), e.g. --eta sgd=0.1")
    c.add_argument("--lr", dest="etas", action="append", help=argparse.SUPPRESS)  # the old spelling
    options.add_out(c, "the plot to write", default="optimizers.png", metavar="PNG")
    options.add(c, "json", "config", "data_dir")
    training = ("epochs", "batch_size", "lmbda", "regularizer", "beta1", "beta2", "rho", "eps", "clip_norm",
                "clip_value", "seed", "dtype")
    options.add_settings(p, (*options.SHORT_RUN[:2], ("training", training)), defaults=DEFAULTS)
    return p


def _lrs(pairs):
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            out[name.strip().lower()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not out[name.strip().lower()] > 0:
            raise ConfigError(f"--eta takes NAME=ETA with ETA > 0, got {pair!r}")
    return out


def run(args) -> int:
    from ..app.build import setup_run
    from ..app.compare import compare_optimizers
    from ..optim import OPTIMIZERS
    from ..viz import plot_comparison

    names = [s.strip().lower() for s in args.optimizers.split(",") if s.strip()]
    for name in names:
        if name not in OPTIMIZERS:
            raise ConfigError(f"--optimizers: {unknown_name('optimizer', name, OPTIMIZERS)}")
    lrs = _lrs(args.etas)
    cfg, prepared, model = setup_run(options.config_from(args, DEFAULTS), args.data_dir)
    train = prepared.data.train
    kwargs = {k: getattr(cfg, k) for k in ("beta1", "beta2", "rho", "eps", "clip_norm", "clip_value")}
    curves = compare_optimizers(model, train.X, train.y, names, epochs=cfg.epochs, batch_size=cfg.batch_size,
                                lrs=lrs, **kwargs)
    sizes = ",".join(map(str, cfg.sizes))
    plot_comparison(curves, args.out, title=f"[{sizes}] {cfg.activation}/{cfg.cost}, batch {cfg.batch_size}, "
                                            f"{train.n:,} images, {cfg.epochs} epoch(s)")
    final = {c.name: {"lr": c.optimizer["lr"], "final_epoch_loss": c.epoch_cost[-1] if c.epoch_cost else None,
                      "diverged": c.diverged, "seconds": round(c.seconds, 2)} for c in curves}
    if args.json:
        print(json.dumps({"plot": str(args.out), "optimizers": final}))
    else:
        for name, r in final.items():
            print(f"{name:<10} eta {r['lr']:<8g} mean loss of last epoch {r['final_epoch_loss']:.4f}"
                  f"{'  (diverged)' if r['diverged'] else ''}  {r['seconds']:.1f}s")
        print(f"plot written to {args.out}")
    return 0
