"""``nndl ensemble train|evaluate``: train k chapter 6 networks with different seeds and let
them vote (the book's ensemble of 5 reaches 99.67%)."""
from __future__ import annotations

import json

from .options import add_data_dir


def add_parser(subparsers):
    from ..app.convnets import ARCHITECTURES

    p = subparsers.add_parser("ensemble", help="train or evaluate an ensemble of networks (chapter 6)",
                              description="Train k networks of a chapter 6 architecture that differ only in "
                              "their seed (network3 settings: mini-batch 10, the book's initialisation and L2), "
                              "save them as a folder, and evaluate the majority vote and the averaged "
                              "probabilities beside each member.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    t = sub.add_parser("train", help="train k networks and save them as an ensemble folder")
    t.add_argument("out", help="folder to write (member_XX.npz + ensemble.json)")
    t.add_argument("--arch", choices=sorted(ARCHITECTURES), default="conv2-relu",
                   help="network (default: conv2-relu, the book's ReLU net)")
    t.add_argument("-k", type=int, default=5, help="number of networks (default: 5)")
    t.add_argument("--seed", type=int, default=0, help="seed of the first member; the others follow (default: 0)")
    t.add_argument("--epochs", type=int, default=10, help="epochs per network (default: 10; the book: 40)")
    t.add_argument("--eta", type=float, default=0.03, help="learning rate (default: 0.03)")
    t.add_argument("--lmbda", type=float, default=0.1, help="the book's L2 lambda (default: 0.1)")
    t.add_argument("--expanded", action="store_true", help="train on the x5 expanded data")
    t.add_argument("--subset", type=int, default=0, metavar="N", help="train on the first N images only")
    add_data_dir(t)
    e = sub.add_parser("evaluate", help="accuracy of the vote, the average and each member")
    e.add_argument("folder", help="an ensemble folder written by 'nndl ensemble train'")
    e.add_argument("--split", choices=("test", "validation"), default="test")
    add_data_dir(e)
    e.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _data(args, expanded=False):
    from ..data import load_mnist
    from ..data.expand import load_expanded_mnist

    d = load_expanded_mnist(args.data_dir, scale="book") if expanded else load_mnist(args.data_dir, scale="book")
    return d


def _report(r, split, as_json):
    if as_json:
        print(json.dumps({"split": split, **r}))
        return
    members = "  ".join(f"{100 * a:.2f}%" for a in r["members"])
    print(f"members ({split}): {members}")
    print(f"majority vote: {100 * r['vote']:.2f}% ({r['vote_errors']} errors of {r['n']:,})")
    print(f"averaged probabilities: {100 * r['average']:.2f}%")


def run(args) -> int:
    from ..app.convnets import chapter6_model, train_chapter6
    from ..app.ensemble import Ensemble
    from ..errors import ConfigError

    if args.action == "train":
        if args.k < 1:
            raise ConfigError(f"-k must be >= 1, got {args.k}")
        if args.epochs < 1:
            raise ConfigError(f"--epochs must be >= 1, got {args.epochs}")
        if args.subset < 0:
            raise ConfigError(f"--subset must be >= 0, got {args.subset}")
        d = _data(args, args.expanded)
        models, seeds = [], []
        for i in range(args.k):
            seed = args.seed + i
            model = chapter6_model(args.arch, seed)
            best = train_chapter6(model, d, args.epochs, args.eta, args.lmbda, subset=args.subset)
            print(f"member {i + 1}/{args.k} (seed {seed}): test accuracy {100 * best.test_accuracy:.2f}%",
                  flush=True)
            models.append(model)
            seeds.append(seed)
        ens = Ensemble(models, seeds)
        ens.save(args.out)
        r = ens.evaluate(d.test.X.reshape(-1, *models[0].input_shape), d.test.y)
        _report(r, "test", False)
        print(f"saved {args.k} networks to {args.out}")
        return 0
    ens = Ensemble.load(args.folder)
    d = _data(args)
    split = d.test if args.split == "test" else d.validation
    r = ens.evaluate(split.X.reshape(-1, *ens.models[0].input_shape), split.y)
    _report(r, args.split, args.json)
    return 0
