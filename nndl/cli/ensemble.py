"""``nndl ensemble train|evaluate``: train k chapter 6 networks with different seeds and let
them vote (the book's ensemble of 5 reaches 99.67%)."""
from __future__ import annotations

import argparse
import json

from ..app.convnets import ARCHITECTURES
from . import options

TRAIN_DEFAULTS = {"epochs": 10, "eta": 0.03, "lmbda": 0.1, "seed": 0}


def add_parser(subparsers):
    p = subparsers.add_parser("ensemble", help="train or evaluate an ensemble of networks (chapter 6)",
                              description="Train k networks of a chapter 6 architecture that differ only in "
                              "their seed (network3 settings: mini-batch 10, the book's initialisation and L2), "
                              "save them as a folder, and evaluate the majority vote and the averaged "
                              "probabilities beside each member.")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    t = sub.add_parser("train", help="train k networks and save them as an ensemble folder")
    options.add_out(t, "the ensemble folder to write (member_XX.npz + ensemble.json)")
    t.add_argument("legacy_out", nargs="?", help=argparse.SUPPRESS)  # the folder was once positional
    t.add_argument("--arch", default="conv2-relu", metavar="ARCH",
                   help=f"network: {', '.join(ARCHITECTURES)} (default: conv2-relu, the book's ReLU net)")
    t.add_argument("-k", type=int, default=5, metavar="N", help="number of networks (default: 5)")
    for name in ("epochs", "eta", "lmbda", "subset", "seed"):
        options.add_setting(t, name, TRAIN_DEFAULTS.get(name))
    t.add_argument("--expanded", action="store_true", help="train on the x5 expanded data")
    options.add(t, "data_dir")
    e = sub.add_parser("evaluate", help="accuracy of the vote, the average and each member")
    e.add_argument("folder", help="an ensemble folder written by 'nndl ensemble train'")
    e.add_argument("--split", choices=("test", "validation"), default="test",
                   help="which split to evaluate on (default: test)")
    options.add(e, "data_dir", "json")
    return p


def _data(args, expanded=False):
    from ..data import load_mnist
    from ..data.expand import load_expanded_mnist

    return load_expanded_mnist(args.data_dir, scale="book") if expanded else load_mnist(args.data_dir, scale="book")


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
    from ..app.ensemble import INDEX, Ensemble
    from ..app.folders import claim_folder, removed_on_failure
    from ..errors import ConfigError

    if args.action == "train":
        out = args.out or args.legacy_out
        if not out:
            raise ConfigError("give the folder to write with --out DIR")
        if args.k < 1:
            raise ConfigError(f"-k must be >= 1, got {args.k}")
        cfg = options.config_from(args, TRAIN_DEFAULTS)
        chapter6_model(args.arch)  # an unknown architecture fails before the data is loaded
        folder = claim_folder(out, "ensemble folder")  # before training: a taken folder fails at once
        with removed_on_failure(folder, keep=lambda: (folder.path / INDEX).is_file()):
            d = _data(args, args.expanded)
            models, seeds = [], []
            for i in range(args.k):
                seed = cfg.seed + i
                model = chapter6_model(args.arch, seed)
                best = train_chapter6(model, d, cfg.epochs, cfg.eta, cfg.lmbda, subset=cfg.subset)
                print(f"member {i + 1}/{args.k} (seed {seed}): test accuracy {100 * best.test_accuracy:.2f}%",
                      flush=True)
                models.append(model)
                seeds.append(seed)
            ens = Ensemble(models, seeds)
            ens.save(folder)
        r = ens.evaluate(d.test.X.reshape(-1, *models[0].input_shape), d.test.y)
        _report(r, "test", False)
        print(f"saved {args.k} networks to {out}")
        return 0
    ens = Ensemble.load(args.folder)
    d = _data(args)
    split = d.test if args.split == "test" else d.validation
    r = ens.evaluate(split.X.reshape(-1, *ens.models[0].input_shape), split.y)
    _report(r, args.split, args.json)
    return 0
