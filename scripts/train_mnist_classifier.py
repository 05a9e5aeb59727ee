"""Trains the MNIST classifier that keras_gan ships for its digit metrics.

    python scripts/train_mnist_classifier.py [--epochs 30] [--out keras_gan/resources/mnist_classifier.keras]

It trains on the 4,000 training digits of the embedded MNIST sample only, with
small random shifts, rotations and zooms, for a fixed number of epochs (no
model selection, so the test split plays no part in training). The 1,000
held-out test digits are used once, at the end, to report the accuracy. The model is saved without its optimizer.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan.evaluation import classifier  # noqa: E402
from keras_gan.data import datasets as data  # noqa: E402


def augmenter(seed: int) -> keras.Sequential:
    """Random shifts of up to 2 pixels, rotations up to 10 degrees, zooms up to 10%.

    The background of a scaled digit is -1, so that is what fills the borders.
    """
    fill = dict(fill_mode="constant", fill_value=-1.0)
    return keras.Sequential(
        [
            keras.layers.RandomRotation(10 / 360, seed=seed, **fill),
            keras.layers.RandomZoom(0.1, seed=seed + 1, **fill),
            keras.layers.RandomTranslation(2 / 28, 2 / 28, seed=seed + 2, **fill),
        ],
        name="augmenter",
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(classifier.default_path()))
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    images, labels = data.load_mnist_sample("train")
    x_train = data.scale_images(images)
    augment = augmenter(args.seed)
    pipeline = (
        tf.data.Dataset.from_tensor_slices((x_train, labels))
        .shuffle(len(x_train), seed=args.seed, reshuffle_each_iteration=True)
        .batch(args.batch_size)
        .map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )

    model = classifier.build_mnist_classifier()
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    started = time.perf_counter()
    model.fit(pipeline, epochs=args.epochs, verbose=2)
    seconds = time.perf_counter() - started

    # A fresh, uncompiled copy: the shipped file then holds no optimizer state.
    shipped = classifier.build_mnist_classifier()
    shipped.set_weights(model.get_weights())
    shipped.save(args.out)

    reloaded = classifier.load_mnist_classifier(args.out)
    test_images, test_labels = data.load_mnist_sample("test")
    predicted = reloaded.predict(data.scale_images(test_images), verbose=0).argmax(axis=-1)
    train_predicted = reloaded.predict(x_train, verbose=0).argmax(axis=-1)
    print(f"trained in {seconds:.0f} s; wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")
    print(f"training accuracy ({len(labels)} digits): {np.mean(train_predicted == labels):.4f}")
    print(f"held-out accuracy ({len(test_labels)} test digits): {np.mean(predicted == test_labels):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
