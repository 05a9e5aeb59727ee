import doctest

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan.data import datasets as data


def test_scale_images_known_values():
    np.testing.assert_allclose(data.scale_images(np.array([0.0, 127.5, 255.0])), [-1.0, 0.0, 1.0])
    assert data.scale_images(np.array([0, 255], dtype=np.uint8)).dtype == np.float32


def test_unscale_images_round_trips_and_clips():
    pixels = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(data.unscale_images(data.scale_images(pixels)), pixels)
    np.testing.assert_array_equal(data.unscale_images(np.array([-3.0, 3.0])), [0, 255])
    assert data.unscale_images(np.zeros(2)).dtype == np.uint8


def test_ring_modes_lie_on_unit_circle_at_multiples_of_45_degrees():
    angles = 2 * np.pi * np.arange(8) / 8
    expected = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    assert data.RING_MODES.shape == (8, 2)
    assert data.RING_MODES.dtype == np.float32
    np.testing.assert_allclose(data.RING_MODES, expected, atol=1e-7)
    np.testing.assert_allclose(data.RING_MODES[1], [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)


def test_grid_modes_are_the_5x5_grid():
    assert data.GRID_MODES.shape == (25, 2)
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(mode) for mode in data.GRID_MODES.tolist()} == expected


def test_mixture_returns_modes_and_std():
    modes, std = data.mixture("ring")
    assert modes is data.RING_MODES and std == data.RING_STD
    modes, std = data.mixture("grid")
    assert modes is data.GRID_MODES and std == data.GRID_STD
    with pytest.raises(ValueError, match="ring"):
        data.mixture("spiral")


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_sample_mixture_lies_near_modes_and_hits_them_all(name):
    modes, std = data.mixture(name)
    points = data.sample_mixture(name, 2000, seed=1)
    assert points.shape == (2000, 2)
    assert points.dtype == np.float32
    distances = np.linalg.norm(points[:, None, :] - modes[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    assert distances.min(axis=1).max() < 6 * std
    assert set(nearest) == set(range(len(modes)))
    offsets = points - modes[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), [std, std], rtol=0.1)


def test_sample_mixture_is_reproducible_with_a_seed():
    np.testing.assert_array_equal(data.sample_mixture("ring", 50, seed=3), data.sample_mixture("ring", 50, seed=3))
    assert not np.array_equal(data.sample_mixture("ring", 50, seed=3), data.sample_mixture("ring", 50, seed=4))


def test_mnist_sample_splits():
    x_train, y_train = data.load_mnist_sample("train")
    x_test, y_test = data.load_mnist_sample("test")
    assert x_train.shape == (4000, 28, 28, 1) and x_test.shape == (1000, 28, 28, 1)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)
    assert x_train.max() == 255 and x_train.min() == 0
    train_rows = {row.tobytes() for row in x_train.reshape(4000, -1)}
    assert not any(row.tobytes() in train_rows for row in x_test.reshape(1000, -1))
    x_all, y_all = data.load_mnist_sample("all")
    np.testing.assert_array_equal(x_all, np.concatenate([x_train, x_test]))
    np.testing.assert_array_equal(y_all, np.concatenate([y_train, y_test]))


def test_load_mnist_sample_scales_and_resizes():
    loaded = data.load("mnist-sample", split="test", image_shape=(32, 32, 3))
    assert loaded.x.shape == (1000, 32, 32, 3)
    assert loaded.x.dtype == np.float32
    assert -1.0 <= loaded.x.min() and loaded.x.max() <= 1.0
    assert loaded.kind == "image" and loaded.sample_shape == (32, 32, 3) and loaded.num_classes == 10
    np.testing.assert_array_equal(loaded.x[..., 0], loaded.x[..., 2])


def test_load_points():
    loaded = data.load("grid", n_points=300, seed=5)
    assert loaded.kind == "points" and loaded.y is None and loaded.num_classes is None
    assert loaded.sample_shape == (2,)
    np.testing.assert_array_equal(loaded.x, data.sample_mixture("grid", 300, seed=5))


def test_resize_images_converts_channels_and_size():
    images = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    images[..., 0] = 255
    gray = data.resize_images(images, (4, 6, 1))
    assert gray.shape == (2, 4, 6, 1) and gray.dtype == np.uint8
    # PIL's luminance: L = 0.299 R + 0.587 G + 0.114 B.
    np.testing.assert_array_equal(gray, 76)
    assert data.resize_images(images, (8, 8, 3)) is images


def test_make_dataset_batches():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    batches = list(data.make_dataset(x, 4, shuffle=False))
    assert [tuple(batch.shape) for batch in batches] == [(4, 1), (4, 1)]
    batches = list(data.make_dataset(x, 4, shuffle=False, drop_remainder=False))
    assert [tuple(batch.shape) for batch in batches] == [(4, 1), (4, 1), (2, 1)]
    np.testing.assert_array_equal(np.concatenate(batches)[:, 0], np.arange(10))


def test_make_dataset_with_labels_keeps_pairs_together():
    x = np.arange(12, dtype=np.float32).reshape(12, 1)
    y = np.arange(12, dtype=np.int64)
    batches = list(data.make_dataset(x, 3, y=y, seed=0))
    assert len(batches) == 4
    for x_batch, y_batch in batches:
        np.testing.assert_array_equal(x_batch.numpy()[:, 0], y_batch.numpy())
    seen = np.concatenate([y_batch.numpy() for _, y_batch in batches])
    assert sorted(seen) == list(range(12)) and not np.array_equal(seen, np.arange(12))


def test_make_dataset_reshuffles_each_epoch_reproducibly():
    x = np.arange(32, dtype=np.float32)
    dataset = data.make_dataset(x, 32, seed=7)
    first, second = (next(iter(dataset)).numpy() for _ in range(2))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, next(iter(data.make_dataset(x, 32, seed=7))).numpy())


@pytest.mark.parametrize("batch_size", [0, -1, 11])
def test_make_dataset_rejects_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match=rf"1\.\.10.*got {batch_size}"):
        data.make_dataset(np.zeros((10, 2)), batch_size)


def test_make_dataset_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="10 and 9"):
        data.make_dataset(np.zeros((10, 2)), 2, y=np.zeros(9))


def _write_mixed_images(folder):
    (folder / "nested").mkdir(parents=True)
    Image.new("L", (20, 30), 200).save(folder / "a_gray.png")
    Image.new("RGB", (50, 40), (255, 0, 0)).save(folder / "b_color.jpg")
    Image.new("RGBA", (16, 16), (0, 0, 255, 0)).save(folder / "nested" / "c_transparent.png")
    Image.new("P", (10, 12), 3).save(folder / "nested" / "d_palette.GIF")
    (folder / "notes.txt").write_text("not an image")


@pytest.mark.parametrize("image_shape", [(8, 12, 1), (16, 16, 3)])
def test_image_folder_converts_mixed_sizes_and_modes(tmp_path, image_shape):
    _write_mixed_images(tmp_path)
    images = data.load_image_folder(tmp_path, image_shape)
    assert images.shape == (4,) + image_shape
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images[0], 200)
    # The fully transparent image is composited onto black.
    np.testing.assert_array_equal(images[2], 0)


def test_load_image_folder_scales_and_requires_shape(tmp_path):
    _write_mixed_images(tmp_path)
    loaded = data.load(str(tmp_path), image_shape=(8, 8, 3))
    assert loaded.x.shape == (4, 8, 8, 3) and loaded.y is None and loaded.kind == "image"
    assert loaded.x.min() == -1.0
    with pytest.raises(ValueError, match="image_shape"):
        data.load(str(tmp_path))


def test_image_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        data.load_image_folder(tmp_path / "missing", (8, 8, 1))
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="no readable images"):
        data.load_image_folder(tmp_path, (8, 8, 1))
    with pytest.raises(ValueError, match=r"channels.*\(8, 8, 4\)"):
        data.load_image_folder(tmp_path, (8, 8, 4))


def test_image_folder_corrupt_file(tmp_path):
    Image.new("L", (8, 8), 10).save(tmp_path / "good.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not a png")
    with pytest.raises(ValueError, match="broken.png"):
        data.load_image_folder(tmp_path, (8, 8, 1))
    with pytest.warns(UserWarning, match="broken.png"):
        images = data.load_image_folder(tmp_path, (8, 8, 1), skip_invalid=True)
    assert images.shape == (1, 8, 8, 1)


def test_keras_dataset_shapes_and_scaling(monkeypatch):
    x_train = np.full((5, 28, 28), 255, dtype=np.uint8)
    x_test = np.zeros((3, 28, 28), dtype=np.uint8)
    y_train, y_test = np.arange(5, dtype=np.uint8), np.arange(3, dtype=np.uint8)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: ((x_train, y_train), (x_test, y_test)))
    images, labels = data.load_keras_dataset("mnist", "test")
    assert images.shape == (3, 28, 28, 1) and labels.dtype == np.int64
    loaded = data.load("mnist", split="all", image_shape=(32, 32, 1))
    assert loaded.x.shape == (8, 32, 32, 1) and loaded.x.dtype == np.float32
    np.testing.assert_allclose(loaded.x[:5], 1.0)
    np.testing.assert_allclose(loaded.x[5:], -1.0)
    np.testing.assert_array_equal(loaded.y, [0, 1, 2, 3, 4, 0, 1, 2])


def test_keras_dataset_flattens_column_labels(monkeypatch):
    x = np.zeros((4, 32, 32, 3), dtype=np.uint8)
    y = np.arange(4, dtype=np.uint8).reshape(4, 1)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: ((x, y), (x, y)))
    images, labels = data.load_keras_dataset("cifar10")
    assert images.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(labels, [0, 1, 2, 3])


def test_keras_dataset_download_failure_points_offline(monkeypatch):
    def fail():
        raise OSError("Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail)
    with pytest.raises(data.DatasetUnavailableError) as caught:
        data.load("mnist")
    message = str(caught.value)
    assert "mnist" in message and "Name or service not known" in message
    assert "mnist-sample" in message and "image folder" in message
    assert isinstance(caught.value, RuntimeError)


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ValueError, match="mnist-sample.*cifar10.*ring.*folder"):
        data.load("imagenet")


def test_bad_split_is_rejected():
    with pytest.raises(ValueError, match="validation"):
        data.load("mnist-sample", split="validation")


def test_datasets_registry_covers_every_loader():
    assert set(data.DATASETS) == {"mnist-sample", *data.KERAS_DATASETS, "ring", "grid"}


def test_docstring_examples_run():
    assert doctest.testmod(data).failed == 0


# ---------------------------------------------------------------------------- the catalog


def test_the_catalog_describes_every_dataset_the_loaders_read():
    from keras_gan.data import catalog, pairs, unpaired

    assert set(catalog.DATASETS) == {*data.DATASETS, *pairs.PAIRED_DATASETS, *unpaired.UNPAIRED_DATASETS}
    for name, info in catalog.DATASETS.items():
        if info.kind == catalog.UNPAIRED:
            assert unpaired.load_unpaired(name, split="test").a.shape[-1] == info.channels
        elif info.kind == catalog.PAIRS:
            sources, targets = pairs.load_pairs(name, split="test")
            assert sources.shape[-1] == targets.shape[-1] == info.channels
        elif info.offline:
            loaded = data.load(name)
            assert loaded.kind == {catalog.IMAGES: "image", catalog.POINTS: "points"}[info.kind]
            assert (loaded.y is not None) == info.labelled
            if info.kind == catalog.IMAGES:
                assert loaded.sample_shape[-1] == info.channels


def test_the_catalog_tells_a_files_kind_and_channels_from_its_header(tmp_path):
    from keras_gan.data import catalog

    np.save(tmp_path / "points.npy", np.zeros((5, 3), np.float32))
    np.save(tmp_path / "gray.npy", np.zeros((5, 8, 8), np.uint8))
    np.save(tmp_path / "rgb.npy", np.zeros((5, 8, 8, 3), np.uint8))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert catalog.array_shape(tmp_path / "rgb.npy") == (5, 8, 8, 3)
    assert catalog.array_shape(tmp_path / "objects.npy") is None  # never unpickled
    assert [catalog.kind_of(str(tmp_path / name)) for name in ("points.npy", "gray.npy", "rgb.npy")] == [
        "points", "images", "images"
    ]
    assert [catalog.channels_of(str(tmp_path / name)) for name in ("gray.npy", "rgb.npy")] == [1, 3]
    assert (catalog.kind_of(str(tmp_path)), catalog.channels_of(str(tmp_path))) == ("images", 3)  # a folder
    assert (catalog.kind_of("mnist-edges"), catalog.channels_of("mnist-edges")) == ("pairs", 1)
    assert catalog.kind_of(str(tmp_path / "missing.npy")) is None and catalog.kind_of("imagenet") is None
    assert catalog.is_local(str(tmp_path)) and not catalog.is_local("mnist-sample")
