import doctest

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from keras_gan import visualization as viz


def constant_images(values, height, width, channels=None):
    shape = (height, width) if channels is None else (height, width, channels)
    return np.stack([np.full(shape, v, dtype=np.uint8) for v in values])


# --- to_uint8 ---------------------------------------------------------------


def test_to_uint8_known_values():
    images = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, -3.0, 3.0, np.nan], dtype=np.float32)
    # (x + 1) * 127.5 with ties rounded up: 0 -> 127.5 -> 128; out of range is clipped.
    np.testing.assert_array_equal(
        viz.to_uint8(images), np.array([0, 64, 128, 191, 255, 0, 255, 0], dtype=np.uint8)
    )


def test_to_uint8_keeps_shape_and_passes_uint8_through():
    images = np.zeros((2, 3, 4, 1), dtype=np.float64)
    assert viz.to_uint8(images).shape == (2, 3, 4, 1)
    assert viz.to_uint8(images).dtype == np.uint8
    raw = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert viz.to_uint8(raw) is raw


def test_to_uint8_rejects_integer_arrays():
    with pytest.raises(ValueError, match="int64"):
        viz.to_uint8(np.zeros(3, dtype=np.int64))


# --- make_grid --------------------------------------------------------------


def test_make_grid_grayscale_exact():
    images = constant_images([10, 20, 30, 40], height=2, width=2)
    P = 255
    expected = np.array(
        [
            [P, P, P, P, P, P, P],
            [P, 10, 10, P, 20, 20, P],
            [P, 10, 10, P, 20, 20, P],
            [P, P, P, P, P, P, P],
            [P, 30, 30, P, 40, 40, P],
            [P, 30, 30, P, 40, 40, P],
            [P, P, P, P, P, P, P],
        ],
        dtype=np.uint8,
    )[..., np.newaxis]
    grid = viz.make_grid(images, padding=1, pad_value=P)
    assert grid.dtype == np.uint8
    np.testing.assert_array_equal(grid, expected)


def test_make_grid_rgb_exact_and_row_major_order():
    images = np.array([[[[1, 2, 3]]], [[[4, 5, 6]]]], dtype=np.uint8)  # two 1x1 RGB images
    expected = np.zeros((3, 5, 3), dtype=np.uint8)
    expected[1, 1] = [1, 2, 3]
    expected[1, 3] = [4, 5, 6]
    np.testing.assert_array_equal(viz.make_grid(images, rows=1, padding=1), expected)

    column = viz.make_grid(images, cols=1, padding=1)
    assert column.shape == (5, 3, 3)
    np.testing.assert_array_equal(column[1, 1], [1, 2, 3])
    np.testing.assert_array_equal(column[3, 1], [4, 5, 6])


def test_make_grid_float_input_and_no_padding():
    images = np.array([-np.ones((2, 2)), np.ones((2, 2))])
    expected = np.array([[0, 0, 255, 255], [0, 0, 255, 255]], dtype=np.uint8)[..., None]
    np.testing.assert_array_equal(viz.make_grid(images, rows=1, padding=0), expected)


def test_make_grid_default_layout_for_five_images():
    images = constant_images([50] * 5, height=4, width=4, channels=3)
    grid = viz.make_grid(images, padding=2, pad_value=7)
    # cols = ceil(sqrt(5)) = 3, rows = ceil(5 / 3) = 2.
    assert grid.shape == (2 * 4 + 3 * 2, 3 * 4 + 4 * 2, 3)
    # The sixth cell (row 1, col 2) is empty and takes the pad value.
    np.testing.assert_array_equal(grid[8:12, 14:18], np.full((4, 4, 3), 7))
    # Padding pixels: first row, first column, and the gap between columns.
    assert (grid[0:2] == 7).all()
    assert (grid[:, 0:2] == 7).all()
    assert (grid[:, 6:8] == 7).all()
    assert (grid[2:6, 2:6] == 50).all()


def test_make_grid_too_few_cells():
    images = constant_images([0] * 5, height=2, width=2)
    with pytest.raises(ValueError, match=r"rows=2 x cols=2 has 4 cells, too few for 5 images"):
        viz.make_grid(images, rows=2, cols=2)


@pytest.mark.parametrize("shape", [(2, 2), (3, 2, 2, 4), (1, 2, 2, 2, 1)])
def test_make_grid_bad_shape_names_it(shape):
    with pytest.raises(ValueError, match=str(shape).replace("(", r"\(").replace(")", r"\)")):
        viz.make_grid(np.zeros(shape, dtype=np.uint8))


def test_make_grid_bad_pad_value():
    with pytest.raises(ValueError, match="pad_value"):
        viz.make_grid(np.zeros((1, 2, 2)), pad_value=300)


# --- save_image_grid --------------------------------------------------------


def test_save_image_grid_grayscale_with_scale(tmp_path):
    images = np.linspace(-1, 1, 4 * 3 * 3).reshape(4, 3, 3)
    path = tmp_path / "nested" / "dir" / "grid.png"
    returned = viz.save_image_grid(images, path, scale=3)
    assert returned == str(path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.mode == "L"
        # 2x2 grid of 3x3 images with padding 2 is 12x12, then scaled by 3.
        assert image.size == (36, 36)
        pixels = np.asarray(image)
    expected = viz.make_grid(images)[..., 0].repeat(3, axis=0).repeat(3, axis=1)
    np.testing.assert_array_equal(pixels, expected)


def test_save_image_grid_rgb(tmp_path):
    images = np.zeros((3, 5, 4, 3), dtype=np.uint8)
    path = viz.save_image_grid(images, tmp_path / "rgb.png")
    with Image.open(path) as image:
        assert image.mode == "RGB"
        assert image.size == (2 * 4 + 3 * 2, 2 * 5 + 3 * 2)  # PIL size is (width, height)


@pytest.mark.parametrize("scale", [0, 1.5])
def test_save_image_grid_bad_scale_writes_nothing(tmp_path, scale):
    with pytest.raises(ValueError, match="scale"):
        viz.save_image_grid(np.zeros((1, 2, 2)), tmp_path / "out" / "x.png", scale=scale)
    assert not (tmp_path / "out").exists()


# --- save_gif ---------------------------------------------------------------


def test_save_gif_from_arrays(tmp_path):
    frames = [np.full((6, 8, 3), v, dtype=np.uint8) for v in (0, 100, 200)]
    path = viz.save_gif(frames, tmp_path / "anim" / "out.gif", duration_ms=120)
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 3
        assert gif.size == (8, 6)
        assert gif.info["duration"] == 120
        assert gif.info["loop"] == 0


def test_save_gif_from_png_paths(tmp_path):
    paths = [
        viz.save_image_grid(np.full((4, 3, 3), v), tmp_path / f"epoch_{i}.png")
        for i, v in enumerate((-1.0, 0.0, 1.0, 0.5))
    ]
    path = viz.save_gif(paths, tmp_path / "progress.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 4
        assert gif.size == (12, 12)


def test_save_gif_accepts_make_grid_output(tmp_path):
    frames = [viz.make_grid(np.full((2, 3, 3), v)) for v in (-1.0, 1.0)]
    with Image.open(viz.save_gif(frames, tmp_path / "g.gif")) as gif:
        assert gif.n_frames == 2


def test_save_gif_errors(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        viz.save_gif([], tmp_path / "empty.gif")
    frames = [np.zeros((4, 4), dtype=np.uint8), np.zeros((4, 5), dtype=np.uint8)]
    with pytest.raises(ValueError, match="same"):
        viz.save_gif(frames, tmp_path / "sizes.gif")


# --- plots ------------------------------------------------------------------


def test_plot_points_writes_png(tmp_path):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 2))
    modes = np.array([[0.0, 0.0], [1.0, 1.0]])
    path = tmp_path / "plots" / "points.png"
    figure = viz.plot_points(points, path=path, modes=modes, title="step 0", limits=(-3, 3))
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert ax.get_xlim() == (-3.0, 3.0)
    assert ax.get_ylim() == (-3.0, 3.0)
    assert ax.get_title() == "step 0"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (400, 400)


def test_plot_points_on_given_axes_with_per_axis_limits():
    figure = Figure()
    ax = figure.add_subplot()
    returned = viz.plot_points(np.zeros((5, 2)), ax=ax, limits=((0, 1), (-2, 2)))
    assert returned is figure
    assert ax.get_xlim() == (0.0, 1.0)
    assert ax.get_ylim() == (-2.0, 2.0)


def test_plot_points_errors():
    with pytest.raises(ValueError, match=r"points must have shape \(N, 2\), got \(5, 3\)"):
        viz.plot_points(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="modes"):
        viz.plot_points(np.zeros((5, 2)), modes=np.zeros(2))
    with pytest.raises(ValueError, match="limits"):
        viz.plot_points(np.zeros((5, 2)), limits=(1, 2, 3))


def test_plots_leave_pyplot_alone():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    viz.plot_points(np.zeros((3, 2)))
    viz.plot_history({"d_loss": [1.0, 0.5]})
    assert plt.get_fignums() == before


def test_plot_history_two_panels(tmp_path):
    history = {
        "d_loss": [1.2, 0.9, 0.7],
        "g_loss": [0.8, 1.0, 1.1],
        "d_real": [0.6, 0.55, 0.52],
        "d_fake": [0.4, 0.45, 0.48],
    }
    path = tmp_path / "history.png"
    figure = viz.plot_history(history, path=path, title="run")
    loss_ax, other_ax = figure.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["d_loss", "g_loss"]
    labels = [line.get_label() for line in other_ax.get_lines()]
    assert labels[:2] == ["d_real", "d_fake"]
    dashed = [line for line in other_ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1
    np.testing.assert_array_equal(dashed[0].get_ydata(), [0.5, 0.5])
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_xdata(), [1, 2, 3])
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (1000, 350)


def test_plot_history_keys_and_history_object():
    class FakeHistory:
        history = {"d_loss": [1.0, 0.5], "g_loss": [0.3, 0.4], "d_accuracy": [0.5, 0.6]}

    figure = viz.plot_history(FakeHistory(), keys=["g_loss"])
    (ax,) = figure.axes
    assert [line.get_label() for line in ax.get_lines()] == ["g_loss"]
    with pytest.raises(ValueError, match=r"\['nope'\] not in history"):
        viz.plot_history(FakeHistory.history, keys=["nope"])
    with pytest.raises(ValueError, match="no curves"):
        viz.plot_history({})


# --- save_samples -----------------------------------------------------------


@pytest.mark.parametrize(
    "shape, mode, size",
    [((4, 3, 3, 3), "RGB", (12, 12)), ((4, 3, 3, 1), "L", (12, 12)), ((3, 3, 3), "L", (12, 12))],
)
def test_save_samples_images(tmp_path, shape, mode, size):
    path = viz.save_samples(np.zeros(shape), tmp_path / "samples.png")
    assert path == str(tmp_path / "samples.png")
    with Image.open(path) as image:
        assert image.mode == mode
        assert image.size == size


def test_save_samples_images_respects_layout(tmp_path):
    path = viz.save_samples(np.zeros((4, 3, 3)), tmp_path / "row.png", rows=1)
    with Image.open(path) as image:
        assert image.size == (4 * 3 + 5 * 2, 3 + 2 * 2)


def test_save_samples_points(tmp_path):
    path = viz.save_samples(
        np.random.default_rng(1).normal(size=(50, 2)),
        tmp_path / "pts" / "samples.png",
        modes=np.zeros((1, 2)),
    )
    assert path == str(tmp_path / "pts" / "samples.png")
    with Image.open(path) as image:
        assert image.format == "PNG"


@pytest.mark.parametrize("shape", [(10, 3), (10,), (1, 2, 3, 4, 5)])
def test_save_samples_rejects_other_shapes(tmp_path, shape):
    with pytest.raises(ValueError, match=str(shape).replace("(", r"\(").replace(")", r"\)")):
        viz.save_samples(np.zeros(shape), tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_docstring_examples():
    assert doctest.testmod(viz).failed == 0


def test_plot_history_puts_sample_metrics_in_their_own_panel():
    history = {"d_loss": [1.0, 0.9, 0.8], "d_real": [0.6, 0.5, 0.5], "fid": [float("nan"), 40.0, 20.0]}
    loss_ax, d_ax, sample_ax = viz.plot_history(history).axes
    assert [line.get_label() for line in d_ax.get_lines() if line.get_linestyle() != "--"] == ["d_real"]
    (fid,) = sample_ax.get_lines()
    assert fid.get_label() == "fid" and fid.get_marker() == "o"
    assert sample_ax.get_ylabel() == "sample metric"


def test_plot_history_puts_learning_rates_in_a_last_panel_not_beside_the_discriminators_outputs():
    history = {"d_loss": [1.0, 0.9], "d_real": [0.6, 0.5], "d_lr": [2e-4, 1e-4], "g_lr": [8e-4, 4e-4]}
    loss_ax, d_ax, rate_ax = viz.plot_history(history).axes
    assert [line.get_label() for line in d_ax.get_lines() if line.get_linestyle() != "--"] == ["d_real"]
    assert [line.get_label() for line in rate_ax.get_lines()] == ["d_lr", "g_lr"]
    np.testing.assert_allclose(rate_ax.get_lines()[1].get_ydata(), [8e-4, 4e-4])
    assert rate_ax.get_ylabel() == "learning rate"
