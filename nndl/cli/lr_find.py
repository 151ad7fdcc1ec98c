"""``nndl lr-find``: the learning-rate range test (see :mod:`nndl.train.lrfind`)."""
from __future__ import annotations

import json

from . import options

DESCRIPTION = """\
Learning-rate range test (L. Smith; lecture 2): train the network for a short run while the
learning rate grows exponentially per mini-batch from --start to --end, record the loss, stop
when it explodes, write the loss-vs-eta plot (log axis) and print a suggested range: from a
tenth of the eta with the lowest smoothed loss, up to that eta.

The network, data and optimiser are chosen with the options of 'nndl train'. The book's
chapter-1 network:  nndl lr-find --sizes 784,30,10 --cost quadratic --lmbda 0"""


def add_parser(subparsers):

    p = subparsers.add_parser("lr-find", help="learning-rate range test: plot loss vs eta, suggest a range",
                              description=DESCRIPTION, formatter_class=options.RawFormatter)
    t = p.add_argument_group("range test")
    t.add_argument("--start", type=float, default=1e-4, metavar="ETA", help="first learning rate (default: 0.0001)")
    t.add_argument("--end", type=float, default=100.0, metavar="ETA", help="last learning rate (default: 100)")
    t.add_argument("--steps", type=int, default=1000, metavar="N", help="mini-batches in the test (default: 1000)")
    t.add_argument("--smooth", type=float, default=0.98, metavar="B",
                   help="exponential smoothing of the loss curve, in [0, 1) (default: 0.98)")
    options.add_out(t, "the plot to write", default="lr_find.png", metavar="PNG")
    options.add(t, "json", "config", "data_dir")
    options.add_settings(p, options.SHORT_RUN)
    return p


def run(args) -> int:
    from ..train.lrfind import lr_find
    from ..viz import plot_lr_find

    from ..app.build import setup_run

    cfg, prepared, model = setup_run(options.config_from(args), args.data_dir)
    train = prepared.data.train
    result = lr_find(model, train.X, train.y, start=args.start, end=args.end, steps=args.steps,
                     batch_size=cfg.batch_size, smooth=args.smooth)
    sizes = ",".join(map(str, cfg.sizes))
    plot_lr_find(result, args.out, title=f"lr range test: [{sizes}] {cfg.activation}/{cfg.cost}, "
                                         f"{cfg.optimizer}, batch {cfg.batch_size}")
    lo, hi = result.suggestion
    if args.json:
        print(json.dumps({"suggestion": [lo, hi], "best_lr": result.best_lr, "steepest_lr": result.steepest_lr,
                          "steps": len(result.lrs), "stopped_early": result.stopped_early, "plot": str(args.out)}))
    else:
        print(result.summary())
        print(f"plot written to {args.out}")
    return 0
