"""A deep sigmoid network with and without batch normalisation (lecture 2; the book's ch. 5).

Ten hidden layers of 100 sigmoid neurons, softmax output, log-likelihood cost, plain SGD with
the same η, batch size, initial weights scheme and seed. Without batch norm the gradient
vanishes on its way down (chapter 5's unstable-gradient problem) and the network stalls near
chance; with Dense(linear) → BatchNorm → sigmoid in every hidden layer it trains.

    python examples/deep_sigmoid_batchnorm.py [--epochs 10] [--out docs/img/deep_sigmoid_bn.png]

Writes one PNG with both runs' validation-accuracy and training-cost curves, and prints them.
"""
from __future__ import annotations

import argparse
import json

import nndl
from nndl.data import load_mnist


def deep_sigmoid(batch_norm: bool, depth: int = 10, width: int = 100, seed: int = 0) -> nndl.Sequential:
    layers = []
    for i in range(depth):
        layers += nndl.dense_block(width, "sigmoid", batch_norm=batch_norm, input_dim=784 if i == 0 else None)
    layers.append(nndl.Dense(10, "softmax"))
    return nndl.Sequential(layers, cost="log_likelihood", seed=seed)


def plot(histories: dict, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, h in histories.items():
        a1.plot(h["epoch"], [100 * v for v in h["val_accuracy"]], marker="o", ms=3, label=label)
        a2.plot(h["epoch"], h["cost"], marker="o", ms=3, label=label)
    a1.set_xlabel("epoch"), a1.set_ylabel("validation accuracy (%)"), a1.set_ylim(0, 100)
    a2.set_xlabel("epoch"), a2.set_ylabel("training cost"), a2.set_yscale("log")
    for ax in (a1, a2):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    from nndl.viz import save_figure  # the one atomic figure writer

    save_figure(fig, path, dpi=90)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--eta", type=float, default=0.1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default="deep_sigmoid_bn.png")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    train, validation, test = load_mnist(args.data_dir)
    histories, finals = {}, {}
    for bn in (False, True):
        label = f"{args.depth} sigmoid layers" + (" + batch norm" if bn else "")
        model = deep_sigmoid(bn, args.depth).compile(nndl.SGD(lr=args.eta))
        printer = nndl.train.LambdaCallback(lambda e, logs, label=label: print(
            f"{label:<34} epoch {e + 1:2d}  cost {logs['cost']:.4f}  val acc {logs['val_accuracy'] * 100:6.2f}%",
            flush=True))
        h = model.fit(train.X, train.y, epochs=args.epochs, batch_size=args.batch_size,
                      validation_data=(validation.X, validation.y), callbacks=[printer])
        histories[label] = h.to_dict()
        finals[label] = model.evaluate(test.X, test.y)["accuracy"]
        print(f"{label}: test accuracy {finals[label] * 100:.2f}%", flush=True)
    plot(histories, args.out, f"{args.depth}-hidden-layer sigmoid MLP on MNIST, SGD η={args.eta:g}, "
                              f"batch {args.batch_size}: without vs with batch norm")
    print(f"plot written to {args.out}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"histories": histories, "test_accuracy": finals}, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
