"""``nndl predict MODEL IMAGE...``: classify pictures of handwritten digits."""
from __future__ import annotations

import json
import sys

from . import options


def add_parser(subparsers):
    p = subparsers.add_parser("predict", help="classify images of handwritten digits (PNG, JPEG, ...)",
                              description="Classify images of single handwritten digits. Each image (any size, dark "
                              "on light or light on dark) is preprocessed the way MNIST was: grayscale, inverted to "
                              "light on dark if needed, cropped, scaled to fit a 20x20 box and centred by centre of "
                              "mass in a 28x28 frame.",
                              epilog="Each image gets its own line; one that cannot be read or holds no digit is an "
                              "'nndl: error:' line on stderr and the others are still classified. A warning line "
                              "says when a prepared input looks unlike a digit. Exit status: 0 when every image was "
                              "classified, 2 when any was not.")
    p.add_argument("model", metavar="MODEL", help="a model file (.npz written by nndl) or a run folder")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    options.add(p, "json")
    options.add_out(p, "also save each preprocessed 28x28 input as a PNG in this folder", old=("--save-input",))
    return p


def run(args) -> int:
    from ..app.evaluation import predict_images

    results = predict_images(args.model, args.images, save_dir=args.out)
    failed = 0
    for r in results:
        if "error" in r:
            failed += 1
            print(f"nndl: error: {r['error']}", file=sys.stderr, flush=True)
            if args.json:
                print(json.dumps({"image": r["image"], "error": r["error"]}), flush=True)
            continue
        for w in r["warnings"]:
            print(f"nndl: warning: {r['image']}: does this hold one digit? {w}", file=sys.stderr, flush=True)
        if args.json:
            print(json.dumps({"image": r["image"], "digit": r["digit"],
                              "probabilities": [round(p, 6) for p in r["probabilities"]],
                              "warnings": r["warnings"]}), flush=True)
        else:
            probs = "  ".join(f"{d}:{p:.2f}" for d, p in enumerate(r["probabilities"]))
            print(f"{r['image']}: {r['digit']}  (p={r['probabilities'][r['digit']]:.2f})   {probs}", flush=True)
    return 2 if failed else 0  # 2: at least one image could not be classified (each said so on stderr)
