"""``nndl predict MODEL IMAGE...``: classify pictures of handwritten digits."""
from __future__ import annotations

import json

from . import options


def add_parser(subparsers):
    p = subparsers.add_parser("predict", help="classify images of handwritten digits (PNG, JPEG, ...)",
                              description="Classify images of single handwritten digits. Each image (any size, dark "
                              "on light or light on dark) is preprocessed the way MNIST was: grayscale, inverted to "
                              "light on dark if needed, cropped, scaled to fit a 20x20 box and centred by centre of "
                              "mass in a 28x28 frame.")
    p.add_argument("model", metavar="MODEL", help="a model file (.npz written by nndl) or a run folder")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    options.add(p, "json")
    options.add_out(p, "also save each preprocessed 28x28 input as a PNG in this folder", old=("--save-input",))
    return p


def run(args) -> int:
    from ..app.evaluation import predict_images

    results = predict_images(args.model, args.images, save_dir=args.out)
    for r in results:
        if args.json:
            print(json.dumps({"image": r["image"], "digit": r["digit"],
                              "probabilities": [round(p, 6) for p in r["probabilities"]]}))
        else:
            probs = "  ".join(f"{d}:{p:.2f}" for d, p in enumerate(r["probabilities"]))
            print(f"{r['image']}: {r['digit']}  (p={r['probabilities'][r['digit']]:.2f})   {probs}")
    return 0
