"""``nndl augment``: a PNG grid of one MNIST digit, its 1-pixel shifts (the expanded data)
and random rotations, skews and translations (chapter 6, problem 7)."""
from __future__ import annotations

from . import options


def add_parser(subparsers):
    p = subparsers.add_parser("augment", help="save a PNG grid of a digit and its transforms (chapter 6)",
                              description="Write a PNG showing one training image, its four 1-pixel shifts, "
                              "fixed rotations/skews/shifts and random transforms as used for on-the-fly "
                              "augmentation (nndl.data.augment.RandomAffine).")
    options.add_out(p, "the picture to write", default="augment.png", metavar="PNG")
    p.add_argument("--index", type=int, default=0, metavar="N", help="which training image (default: 0)")
    p.add_argument("-n", type=int, default=16, metavar="N", help="number of random transforms (default: 16)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the random transforms (default: 0)")
    p.add_argument("--rotation", type=float, default=10.0, metavar="DEG", help="max rotation in degrees (default: 10)")
    p.add_argument("--shear", type=float, default=0.15, metavar="S", help="max skew (default: 0.15)")
    p.add_argument("--shift", type=float, default=2.0, metavar="PX", help="max translation in pixels (default: 2)")
    options.add(p, "data_dir")
    return p


def run(args) -> int:
    from ..data import load_mnist
    from ..viz import plot_augmentation_grid
    from ..errors import ConfigError

    if args.n < 0:
        raise ConfigError(f"-n must be >= 0, got {args.n}")
    for name in ("rotation", "shear", "shift"):
        if getattr(args, name) < 0:
            raise ConfigError(f"--{name} must be >= 0, got {getattr(args, name)}")
    train = load_mnist(args.data_dir).train
    if not 0 <= args.index < train.n:
        raise ConfigError(f"--index must be in 0..{train.n - 1}, got {args.index}")
    plot_augmentation_grid(train.X[args.index], args.out, n=args.n, seed=args.seed,
                           rotation=args.rotation, shear=args.shear, shift=args.shift)
    print(f"wrote {args.out} (digit {int(train.y[args.index])}, training image {args.index})")
    return 0
