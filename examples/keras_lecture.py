"""The lecture's Keras model, written in nndl's modern API, trained on MNIST.

Keras (lecture 2)::

    model = Sequential([Dense(200, input_shape=(784,)), BatchNormalization(), Activation('relu'),
                        Dropout(0.5), Dense(100), BatchNormalization(), Activation('relu'),
                        Dropout(0.5), Dense(10, activation='softmax')])
    model.compile(loss='categorical_crossentropy', optimizer=Adam(), metrics=['accuracy'])

nndl (every backward pass written out by hand; categorical cross-entropy on a softmax output
is the book's log-likelihood cost)::

    python examples/keras_lecture.py [--epochs 20] [--batch-size 64] [--train-on 60000] [--data-dir DIR]

Prints one line per epoch (validation and test accuracy) and the final test accuracy. With
``--train-on 60000`` it trains on all 60,000 MNIST training images, as Keras's
``mnist.load_data()`` does (the book's 10,000 validation images then join the training set,
so only the test accuracy is reported); the default is the book's 50,000/10,000 split.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

import nndl
from nndl.data import load_mnist
from nndl.data.preprocess import get_preprocessor


def lecture_model(seed: int = 0, lr: float = 0.001) -> nndl.Sequential:
    layers = [
        nndl.Dense(200, "linear", init="xavier", input_dim=784), nndl.BatchNorm(), nndl.Activation("relu"),
        nndl.Dropout(0.5),
        nndl.Dense(100, "linear", init="xavier"), nndl.BatchNorm(), nndl.Activation("relu"),
        nndl.Dropout(0.5),
        nndl.Dense(10, "softmax", init="xavier"),
    ]
    model = nndl.Sequential(layers, cost="log_likelihood", seed=seed)  # = categorical cross-entropy
    model.compile(optimizer=nndl.Adam(lr=lr))                            # Keras: lr 0.001, β 0.9/0.999, ε 1e-7
    return model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--train-on", type=int, choices=(50000, 60000), default=50000,
                    help="50000: the book's training split (validation held out); 60000: all of MNIST's "
                         "training images, as in Keras")
    ap.add_argument("--json", default=None, help="write the per-epoch history here")
    ap.add_argument("--plot", default=None, help="write the accuracy curves (PNG) here")
    ap.add_argument("--lr", type=float, default=0.003,
                    help="Adam's learning rate (default 0.003, chosen on the validation set; Keras's is 0.001)")
    ap.add_argument("--preprocess", default="none", choices=("none", "standardize", "pca", "zca"),
                    help="input preprocessing fitted on the training images (default none)")
    ap.add_argument("--schedule", default="cosine",
                    help="learning-rate schedule (nndl.train.parse_schedule); default cosine (Keras: none)")
    args = ap.parse_args(argv)

    train, validation, test = load_mnist(args.data_dir)
    if args.train_on == 60000:
        X = np.concatenate([train.X, validation.X])
        y = np.concatenate([train.y, validation.y])
        val = None
    else:
        X, y, val = train.X, train.y, (validation.X, validation.y)
    pre = get_preprocessor(args.preprocess)
    if pre is not None:
        pre.fit(X)
        X = pre.transform(X)
        test = test._replace(X=pre.transform(test.X))
        if val is not None:
            val = (pre.transform(val[0]), val[1])
    model = lecture_model(args.seed, args.lr)
    print(model.summary())
    test_acc = []

    def report(epoch, logs):
        acc = model.evaluate(test.X, test.y)["accuracy"]
        test_acc.append(acc)
        logs["test_accuracy"] = acc
        val_part = f"val acc {logs['val_accuracy']:.4f}  " if "val_accuracy" in logs else ""
        print(f"epoch {epoch + 1:2d}  train cost {logs['cost']:.4f}  {val_part}"
              f"test acc {acc:.4f}  ({logs['train_time']:.1f}s)", flush=True)

    start = time.perf_counter()
    history = model.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, validation_data=val,
                        callbacks=[c for c in (nndl.train.parse_schedule(args.schedule),
                                               nndl.train.LambdaCallback(report)) if c is not None])
    final = model.evaluate(test.X, test.y)["accuracy"]
    print(f"trained on {len(y):,} images; test accuracy after {len(history)} epochs: {final * 100:.2f}%  "
          f"(best {max(test_acc) * 100:.2f}% at epoch {test_acc.index(max(test_acc)) + 1}; "
          f"{time.perf_counter() - start:.0f}s)")
    record = {**history.to_dict(), "test_accuracy": test_acc, "final_test_accuracy": final}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f)
    if args.plot:
        plot(record, args.plot)
    return 0


def plot(record: dict, path: str) -> None:
    """Training, validation and test accuracy per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.8))
    for key, label in (("accuracy", "training"), ("val_accuracy", "validation"), ("test_accuracy", "test")):
        if record.get(key):
            ax.plot(record["epoch"], [100 * v for v in record[key]], marker="o", ms=3, label=label)
    ax.axhline(98.0, color="0.5", ls="--", lw=0.8, label="98%")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(94, 100)
    ax.set_title("lecture model: Dense-BN-ReLU-Dropout ×2, softmax; Adam, batch 64", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    from nndl.viz import save_figure  # the one atomic figure writer

    save_figure(fig, path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
