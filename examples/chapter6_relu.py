"""The book's best single network of chapter 6 without expanded data, as listed in the book
(two conv-pool layers, ReLU, L2 λ=0.1, η=0.03, mini-batch 10), with only the import changed.

    python examples/chapter6_relu.py [epochs] [--shuffle]   # the book runs 60 epochs: 99.23%

network3 visits the mini-batches in the same order every epoch; ``--shuffle`` reshuffles
them each epoch (nndl's default elsewhere).

Prints the book's lines and the wall time.
"""
import sys
import time

import numpy as np

from nndl.book import network3
from nndl.book.network3 import ConvPoolLayer, FullyConnectedLayer, Network, ReLU, SoftmaxLayer

args = [a for a in sys.argv[1:] if not a.startswith('--')]
epochs = int(args[0]) if args else 60
shuffle = '--shuffle' in sys.argv
training_data, validation_data, test_data = network3.load_data_shared()
mini_batch_size = 10
np.random.seed(12345)
net = Network([
    ConvPoolLayer(image_shape=(mini_batch_size, 1, 28, 28),
                  filter_shape=(20, 1, 5, 5),
                  poolsize=(2, 2),
                  activation_fn=ReLU),
    ConvPoolLayer(image_shape=(mini_batch_size, 20, 12, 12),
                  filter_shape=(40, 20, 5, 5),
                  poolsize=(2, 2),
                  activation_fn=ReLU),
    FullyConnectedLayer(n_in=40*4*4, n_out=100, activation_fn=ReLU),
    SoftmaxLayer(n_in=100, n_out=10)], mini_batch_size)
start = time.time()
net.SGD(training_data, epochs, mini_batch_size, 0.03, validation_data, test_data, lmbda=0.1,
        print_every=5000, shuffle=shuffle)
print(f"wall time {time.time() - start:.0f} s for {len(net.history_rows)} epochs")
for row in net.history_rows:
    print(f"epoch {row['epoch']}: val {row['val_accuracy']:.4f}  {row['time']:.1f}s")
