"""The lecture's Keras model, written in nndl's modern API, trained on MNIST.

Keras (lecture 2)::

    model = Sequential([Dense(200, input_shape=(784,)), BatchNormalization(), Activation('relu'),
                        Dropout(0.5), Dense(100), BatchNormalization(), Activation('relu'),
                        Dropout(0.5), Dense(10, activation='softmax')])
    model.compile(loss='categorical_crossentropy', optimizer=Adam(), metrics=['accuracy'])

nndl (every backward pass written out by hand; categorical cross-entropy on a softmax output
is the book's log-likelihood cost)::

    python examples/keras_lecture.py [--epochs 20] [--batch-size 64] [--data-dir DIR]

Prints one line per epoch (validation and test accuracy) and the final test accuracy.
"""
from __future__ import annotations

import argparse
import json
import time

import nndl
from nndl.data import load_mnist


def lecture_model(seed: int = 0) -> nndl.Sequential:
    layers = [
        nndl.Dense(200, "linear", init="xavier", input_dim=784), nndl.BatchNorm(), nndl.Activation("relu"),
        nndl.Dropout(0.5),
        nndl.Dense(100, "linear", init="xavier"), nndl.BatchNorm(), nndl.Activation("relu"),
        nndl.Dropout(0.5),
        nndl.Dense(10, "softmax", init="xavier"),
    ]
    model = nndl.Sequential(layers, cost="log_likelihood", seed=seed)  # = categorical cross-entropy
    model.compile(optimizer=nndl.Adam())                                 # lr 0.001, β 0.9/0.999, ε 1e-7
    return model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--json", default=None, help="write the per-epoch history here")
    args = ap.parse_args(argv)

    train, validation, test = load_mnist(args.data_dir)
    model = lecture_model(args.seed)
    print(model.summary())
    test_acc = []

    def report(epoch, logs):
        acc = model.evaluate(test.X, test.y)["accuracy"]
        test_acc.append(acc)
        logs["test_accuracy"] = acc
        print(f"epoch {epoch + 1:2d}  train cost {logs['cost']:.4f}  val acc {logs['val_accuracy']:.4f}  "
              f"test acc {acc:.4f}  ({logs['train_time']:.1f}s)", flush=True)

    start = time.perf_counter()
    history = model.fit(train.X, train.y, epochs=args.epochs, batch_size=args.batch_size,
                        validation_data=(validation.X, validation.y),
                        callbacks=[nndl.train.LambdaCallback(report)])
    final = model.evaluate(test.X, test.y)["accuracy"]
    print(f"test accuracy after {len(history)} epochs: {final * 100:.2f}%  "
          f"(best {max(test_acc) * 100:.2f}% at epoch {test_acc.index(max(test_acc)) + 1}; "
          f"{time.perf_counter() - start:.0f}s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**history.to_dict(), "final_test_accuracy": final}, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
