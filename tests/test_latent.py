import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import latent, networks, sampling

LATENT = 8
SHAPE = (28, 28, 1)


def tiny_generator():
    return networks.dcgan_generator(LATENT, SHAPE, base_filters=4)


def tiny_conditional_generator():
    return networks.conditional_generator(LATENT, SHAPE, 10, embedding_dim=4, base_filters=4)


def test_lerp_gives_exact_points_on_the_segment():
    points = latent.lerp([0.0, 2.0, -4.0], [4.0, 2.0, 4.0], [0.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(points, [[0, 2, -4], [1, 2, -2], [2, 2, 0], [4, 2, 4]])
    assert points.dtype == np.float32 and points.shape == (4, 3)
    assert latent.lerp([1.0, 1.0], [3.0, 5.0], 0.5).shape == (2,)


def test_slerp_reaches_both_endpoints():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 16))
    points = latent.slerp(a, b, [0.0, 1.0])
    np.testing.assert_allclose(points[0], a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(points[1], b, rtol=1e-5, atol=1e-6)


def test_slerp_midpoint_of_orthogonal_unit_vectors():
    np.testing.assert_allclose(latent.slerp([1.0, 0.0], [0.0, 1.0], 0.5), [2**-0.5, 2**-0.5], rtol=1e-6)
    # A third of the way along the quarter circle is at 30 degrees.
    np.testing.assert_allclose(
        latent.slerp([1.0, 0.0], [0.0, 1.0], 1 / 3), [np.cos(np.pi / 6), np.sin(np.pi / 6)], rtol=1e-6
    )


def test_slerp_keeps_the_norm_of_equal_norm_endpoints_where_lerp_does_not():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 32))
    b = b / np.linalg.norm(b) * np.linalg.norm(a)
    t = np.linspace(0, 1, 11)
    np.testing.assert_allclose(np.linalg.norm(latent.slerp(a, b, t), axis=1), np.linalg.norm(a), rtol=1e-5)
    assert np.linalg.norm(latent.lerp(a, b, 0.5)) < 0.9 * np.linalg.norm(a)


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    np.testing.assert_allclose(latent.slerp([1.0, 1.0], [2.0, 2.0], 0.5), [1.5, 1.5])
    with pytest.raises(ValueError, match="non-zero"):
        latent.slerp([0.0, 0.0], [1.0, 0.0], 0.5)
    with pytest.raises(ValueError, match="same size"):
        latent.lerp([0.0, 0.0], [1.0, 0.0, 0.0], 0.5)


def test_interpolate_and_paths_have_the_documented_shapes():
    a, b, c = np.eye(3)
    assert latent.interpolate(a, b, 5).shape == (5, 3)
    np.testing.assert_allclose(latent.interpolate(a, b, 5, "linear")[2], [0.5, 0.5, 0])
    open_path = latent.interpolation_path([a, b, c], steps=4)
    assert open_path.shape == (2 * 4 + 1, 3)
    np.testing.assert_allclose(open_path[[0, 4, 8]], [a, b, c], atol=1e-6)
    closed = latent.interpolation_path([a, b, c], steps=4, closed=True)
    assert closed.shape == (3 * 4, 3)
    with pytest.raises(ValueError, match="steps"):
        latent.interpolate(a, b, 1)
    with pytest.raises(ValueError, match="method"):
        latent.interpolate(a, b, 3, "cubic")


def test_interpolation_latents_rows_run_between_prior_samples():
    points = latent.interpolation_latents(LATENT, rows=3, steps=5, seed=0)
    assert points.shape == (15, LATENT)
    ends = latent.latent_vectors(6, LATENT, 0)
    np.testing.assert_allclose(points[[0, 4, 5, 9]], ends[[0, 1, 2, 3]], rtol=1e-5, atol=1e-6)


def test_latent_arithmetic_averages_groups_before_adding():
    result = latent.latent_arithmetic(plus=[[[1.0, 0.0], [3.0, 0.0]], [0.0, 1.0]], minus=[[1.0, 1.0]])
    np.testing.assert_allclose(result, [1.0, 0.0])
    with pytest.raises(ValueError, match="at least one"):
        latent.latent_arithmetic([])


def test_arithmetic_expressions_index_latent_rows():
    assert latent.parse_arithmetic("3,17 - 5 + 11") == ([[3, 17], [11]], [[5]])
    rows = np.arange(12, dtype="float32").reshape(6, 2)
    means, result = latent.arithmetic_from_indices(rows, "0,2 - 1 + 5")
    np.testing.assert_allclose(means, [[2, 3], [10, 11], [2, 3]])
    np.testing.assert_allclose(result, [2 + 10 - 2, 3 + 11 - 3])
    with pytest.raises(ValueError, match="out of range"):
        latent.arithmetic_from_indices(rows, "0 + 6")
    with pytest.raises(ValueError, match="empty group"):
        latent.parse_arithmetic("1 + - 2")


def test_grids_and_gifs_from_any_generator(tmp_path):
    generator = tiny_generator()
    images = latent.interpolation_grid(generator, rows=2, steps=4, seed=0)
    assert images.shape == (8, *SHAPE)
    png = Image.open(latent.save_interpolation_grid(tmp_path / "grid.png", generator, rows=2, steps=4, seed=0))
    assert png.size == (4 * 28 + 5 * 2, 2 * 28 + 3 * 2)
    gif = Image.open(latent.save_interpolation_gif(tmp_path / "walk.gif", generator, rows=2, steps=4, seed=0))
    assert gif.n_frames == 2 * 4 - 2  # there and back, ends not repeated
    assert gif.size == (2 * 28 + 3 * 2, 28 + 2 * 2)


def test_frames_step_through_every_row_together():
    images = np.stack([np.full(SHAPE, value, "float32") for value in np.linspace(-1, 1, 6)])  # 2 rows x 3 steps
    frames = latent.interpolation_frames(images, rows=2, steps=3)
    assert len(frames) == 4
    firsts = [frame[2 + 14, 2 + 14, 0] for frame in frames]  # the first row's cell, across frames
    assert firsts[0] < firsts[1] < firsts[2] and firsts[3] == firsts[1]


def test_conditional_generators_need_labels_and_keep_them_fixed_along_a_row():
    generator = tiny_conditional_generator()
    with pytest.raises(ValueError, match="labels="):
        latent.interpolation_grid(generator, rows=2, steps=3)
    images = latent.interpolation_grid(generator, rows=2, steps=3, seed=0, labels=[4, 7])
    assert images.shape == (6, *SHAPE)
    z = latent.interpolation_latents(LATENT, 2, 3, seed=0)
    expected = generator([z, np.array([4, 4, 4, 7, 7, 7])], training=False)
    np.testing.assert_allclose(images, np.asarray(expected), atol=1e-6)
    with pytest.raises(ValueError, match="takes no labels"):
        latent.render(tiny_generator(), z, labels=3)


def test_find_latents_keeps_the_highest_scoring_candidates():
    generator = tiny_generator()
    brightness = lambda images: images.reshape(len(images), -1).mean(axis=1)  # noqa: E731
    chosen = latent.find_latents(generator, brightness, k=3, candidates=20, seed=0)
    assert chosen.shape == (3, LATENT)
    every = latent.latent_vectors(20, LATENT, 0)
    scores = brightness(generator.predict(every, verbose=0))
    np.testing.assert_allclose(chosen, every[np.argsort(-scores)[:3]])


def test_generate_cli_interpolates_and_does_arithmetic_on_a_saved_generator(tmp_path, capsys):
    from keras_gan.cli import generate

    saved = tmp_path / "generator.keras"
    tiny_generator().save(saved)
    png, gif, sums = tmp_path / "walk.png", tmp_path / "walk.gif", tmp_path / "sums.png"
    assert generate.main([str(saved), "--interpolate", "5", "--rows", "3", "--seed", "0", "--out", str(png)]) == 0
    assert Image.open(png).size == (5 * 28 + 6 * 2, 3 * 28 + 4 * 2)
    assert generate.main([str(saved), "--interpolate", "5", "--rows", "3", "--out", str(gif)]) == 0
    assert Image.open(gif).n_frames == 8
    assert generate.main([str(saved), "-n", "16", "--seed", "0", "--arithmetic", "1,2 - 3 + 4", "--out", str(sums)]) == 0
    assert Image.open(sums).size == (4 * 28 + 5 * 2, 28 + 2 * 2)  # three group means and the result
    assert generate.main([str(saved), "--label", "3", "--out", str(png)]) == 2
    assert "conditional generator" in capsys.readouterr().err


# ---------------------------------------------------------------- sampling.sample, which every sampler uses


def test_sample_draws_the_latent_vectors_of_its_seed_and_runs_the_generator_in_inference_mode():
    generator = tiny_generator()
    images = sampling.sample(generator, 5, seed=3, batch_size=2)
    expected = generator(sampling.latent_vectors(5, LATENT, 3), training=False)
    np.testing.assert_allclose(images, np.asarray(expected), atol=1e-6)
    assert images.dtype == np.float32 and images.shape == (5, *SHAPE)
    z = sampling.latent_vectors(4, LATENT, 0)
    np.testing.assert_allclose(sampling.sample(generator, latent=z), np.asarray(generator(z, training=False)), atol=1e-6)


def test_sample_cycles_a_conditional_generators_classes_unless_told_which():
    generator = tiny_conditional_generator()
    z = sampling.latent_vectors(12, LATENT, 0)
    cycled = sampling.sample(generator, 12, seed=0)
    np.testing.assert_allclose(cycled, np.asarray(generator([z, np.arange(12) % 10], training=False)), atol=1e-6)
    sevens = sampling.sample(generator, seed=0, labels=[7, 7, 7])  # the labels give n
    np.testing.assert_allclose(sevens, np.asarray(generator([z[:3], np.full(3, 7)], training=False)), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "n must be a positive integer, got 0"),
        ({}, "sample needs n, latent vectors or a sequence of labels"),
        ({"n": 3, "latent": np.zeros((2, LATENT))}, "got 2 latent vectors for n=3 samples"),
        ({"n": 2, "labels": 1}, "takes no labels"),
    ],
)
def test_sample_refuses_what_does_not_fit_an_unconditional_generator(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sampling.sample(tiny_generator(), **kwargs)


def test_sample_refuses_labels_outside_the_classes_and_a_class_count_it_cannot_read():
    with pytest.raises(ValueError, match=r"labels must lie in 0..9, got \[10\]"):
        sampling.sample(tiny_conditional_generator(), 2, labels=10)
    z, label = keras.Input((LATENT,)), keras.Input((), dtype="int32")
    unnamed = keras.Model([z, label], keras.layers.Concatenate()([z, keras.layers.Embedding(4, 2)(label)]))
    with pytest.raises(ValueError, match="cannot tell how many classes"):
        sampling.sample(unnamed, 2)
    assert sampling.sample(unnamed, 2, labels=3).shape == (2, LATENT + 2)  # given labels need no count
