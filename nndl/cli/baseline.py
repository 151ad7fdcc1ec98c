"""``nndl baseline darkness|svm``: the book's chapter 1 baselines on the book's split."""
from __future__ import annotations

import json

from ..app.baselines import BASELINES
from . import options


def add_parser(subparsers):
    p = subparsers.add_parser("baseline", help="the chapter 1 baselines: average darkness, SVM",
                              description="Fit a non-neural baseline on the 50,000 training images and score it "
                              "on a split. The book: average darkness 22.25%, SVC with default settings 94.35% "
                              "(test set).")
    p.add_argument("method", metavar="METHOD", help=f"{' or '.join(BASELINES)} (darkness: nearest per-digit mean "
                   "darkness; svm: scikit-learn SVC, RBF kernel)")
    p.add_argument("--split", choices=("test", "validation"), default="test", help="split to score on "
                   "(default: test)")
    options.add_setting(p, "subset")
    p.add_argument("--gamma", default="auto", help="SVM kernel width: auto (1/784, the default of the book's "
                   "day), scale (today's scikit-learn default) or a number (default: auto)")
    p.add_argument("--C", type=float, default=1.0, help="SVM penalty C (default: 1.0)")
    options.add(p, "data_dir", "json")
    return p


def run(args) -> int:
    from ..data import first_n, load_mnist
    from ..errors import ConfigError, unknown_name

    if args.method not in BASELINES:
        raise ConfigError(unknown_name("baseline", args.method, BASELINES))
    args.subset = options.config_from(args).subset
    data = load_mnist(args.data_dir, scale="book")
    train = first_n(data.train, args.subset) if args.subset else data.train
    target = data.test if args.split == "test" else data.validation
    kwargs = {} if args.method == "darkness" else {"gamma": args.gamma, "C": args.C}
    r = BASELINES[args.method](train, target, **kwargs)
    book = {"darkness": 22.25, "svm": 94.35}[args.method]
    if args.json:
        print(json.dumps({"method": args.method, "split": args.split, "n_train": train.n, "book": book,
                          **{k: v for k, v in r.items() if k != "predictions"}}))
    else:
        print(f"{args.method}: {r['accuracy'] * 100:.2f}% on the {args.split} set ({r['correct']:,} of {r['n']:,}), "
              f"trained on {train.n:,} images in {r['fit_seconds'] + r['predict_seconds']:.1f}s "
              f"(book: {book:.2f}% test{', full data' if args.subset else ''})")
    return 0
