"""``nndl evaluate MODEL``: accuracy, per-class accuracy, confusion matrix and a gallery of
the misclassified digits."""
from __future__ import annotations

import json

from . import options


def add_parser(subparsers):
    p = subparsers.add_parser("evaluate", help="accuracy, per-class accuracy, confusion matrix, misclassified digits",
                              description="Evaluate a model file (or a run folder: its model.npz) on a split of the "
                              "data it was trained on. Prints accuracy, per-class accuracy and the confusion matrix, "
                              "and writes <model>-<split>-confusion.png and <model>-<split>-misclassified.png.")
    p.add_argument("model", metavar="MODEL", help="a model file (.npz written by nndl) or a run folder")
    p.add_argument("--split", choices=("test", "validation", "training"), default="test",
                   help="which split to evaluate on (default: test)")
    options.add_out(p, "the folder for the PNGs (default: the model's folder)", old=("--out-dir",))
    p.add_argument("--gallery-size", type=int, default=100, metavar="N",
                   help="at most N misclassified digits in the gallery (default: 100)")
    options.add(p, "data_dir", "no_plots", "json")
    return p


def run(args) -> int:
    from ..app.evaluation import evaluate_model

    if args.gallery_size < 0:
        from ..errors import ConfigError

        raise ConfigError(f"--gallery-size must be >= 0, got {args.gallery_size}")
    r = evaluate_model(args.model, split=args.split, data_dir=args.data_dir,
                       out_dir=None if args.no_plots else (args.out or ""), gallery_size=args.gallery_size)
    if args.json:
        print(json.dumps({k: v for k, v in r.items() if not hasattr(v, "shape")}))
        return 0
    from ..metrics import format_confusion

    print(f"{r['model']}: {r['accuracy'] * 100:.2f}% on the {r['split']} set of {r['dataset']} "
          f"({r['correct']:,} of {r['n']:,}; {r['n'] - r['correct']:,} errors)")
    print("per-class accuracy: " + "  ".join(f"{d}: {a * 100:.1f}%" for d, a in enumerate(r["per_class_accuracy"])))
    print("confusion matrix (rows: true digit, columns: predicted):")
    print(format_confusion(r["confusion_matrix"]))
    for name in ("confusion_png", "gallery_png"):
        if r.get(name):
            print(f"wrote {r[name]}")
    return 0
