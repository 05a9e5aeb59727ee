"""Every metric against an answer known in advance: closed forms, hand sums, limiting cases."""

import doctest
import math

import numpy as np
import pytest

from keras_gan.evaluation import metrics
from keras_gan.evaluation.metrics import (
    classifier_score,
    frechet_distance,
    frechet_distance_from_moments,
    kernel_distance,
    mode_statistics,
    precision_recall,
)


def test_docstring_examples_run():
    assert doctest.testmod(metrics).failed == 0


# --- Frechet distance ---------------------------------------------------------------------


def test_frechet_from_moments_1d_closed_form():
    # (mu_a - mu_b)^2 + (s_a - s_b)^2 with s the standard deviations: 3^2 + (1 - 2)^2.
    assert frechet_distance_from_moments([0.0], [[1.0]], [3.0], [[4.0]]) == pytest.approx(10.0)


def test_frechet_from_moments_diagonal_closed_form_with_a_zero_variance():
    # Diagonal covariances commute: ||mu_a - mu_b||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
    # b_3 = 0 makes sigma_b singular.
    mu_a, a = np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0, 9.0])
    mu_b, b = np.array([0.0, 0.0, 1.0]), np.array([4.0, 1.0, 0.0])
    expected = (1 + 4 + 4) + ((1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 0) ** 2)
    np.testing.assert_allclose(
        frechet_distance_from_moments(mu_a, np.diag(a), mu_b, np.diag(b)), expected, rtol=1e-12
    )


def test_frechet_from_moments_non_diagonal_closed_form():
    # sigma_a = I, so Tr (S_a S_b)^{1/2} = Tr S_b^{1/2}; [[2, 1], [1, 2]] has eigenvalues 3 and 1.
    sigma_b = np.array([[2.0, 1.0], [1.0, 2.0]])
    expected = 2.0 + 4.0 - 2.0 * (math.sqrt(3.0) + 1.0)
    np.testing.assert_allclose(
        frechet_distance_from_moments(np.zeros(2), np.eye(2), np.zeros(2), sigma_b),
        expected,
        rtol=1e-12,
    )


def test_frechet_from_moments_scaled_covariance():
    # (S c^2 S)^{1/2} = c S for any PSD S, so the trace term is (1 - c)^2 Tr S.
    rng = np.random.default_rng(0)
    factor = rng.standard_normal((5, 5))
    sigma = factor @ factor.T
    scale = 3.0
    np.testing.assert_allclose(
        frechet_distance_from_moments(np.zeros(5), sigma, np.zeros(5), scale**2 * sigma),
        (1.0 - scale) ** 2 * np.trace(sigma),
        rtol=1e-10,
    )


def test_frechet_distance_of_a_set_with_itself_is_zero():
    features = np.random.default_rng(1).standard_normal((500, 16))
    np.testing.assert_allclose(frechet_distance(features, features), 0.0, atol=1e-9)


def test_frechet_distance_is_symmetric():
    rng = np.random.default_rng(2)
    features_a = rng.standard_normal((300, 8))
    features_b = rng.standard_normal((200, 8)) @ rng.standard_normal((8, 8)) + 1.0
    np.testing.assert_allclose(
        frechet_distance(features_a, features_b),
        frechet_distance(features_b, features_a),
        rtol=1e-10,
    )


def test_frechet_distance_with_a_constant_column_adds_the_squared_offset():
    # A constant column has zero variance (singular covariance); it contributes only
    # (5 - 7)^2, and the other column is the 1-D case (mean gap^2 + std gap^2, ddof=1).
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1.0, 400)
    y = rng.normal(2.0, 3.0, 300)
    features_a = np.stack([x, np.full_like(x, 5.0)], axis=1)
    features_b = np.stack([y, np.full_like(y, 7.0)], axis=1)
    expected = (x.mean() - y.mean()) ** 2 + (x.std(ddof=1) - y.std(ddof=1)) ** 2 + 4.0
    np.testing.assert_allclose(frechet_distance(features_a, features_b), expected, rtol=1e-10)


def test_frechet_distance_with_fewer_samples_than_dimensions():
    # 5 samples in 20-D: rank-4 covariance. A shifted copy has the same covariance S, and
    # Tr(S + S - 2 (S S)^{1/2}) = 0, so the distance is exactly ||shift||^2.
    rng = np.random.default_rng(4)
    features = rng.standard_normal((5, 20))
    shift = rng.standard_normal(20)
    distance = frechet_distance(features, features + shift)
    assert np.isfinite(distance)
    np.testing.assert_allclose(distance, shift @ shift, rtol=1e-10)


def test_frechet_distance_of_large_gaussian_samples_approaches_the_closed_form():
    mu_a, sigma_a = np.zeros(2), np.eye(2)
    mu_b, sigma_b = np.array([1.0, 0.0]), np.array([[2.0, 1.0], [1.0, 2.0]])
    rng = np.random.default_rng(5)
    n = 20_000
    estimate = frechet_distance(
        rng.multivariate_normal(mu_a, sigma_a, n), rng.multivariate_normal(mu_b, sigma_b, n)
    )
    # The estimator's spread is dominated by the mean term: by the delta method
    # sd(||mean gap||^2) ~ sqrt(4 d^T (S_a + S_b) d / n) = sqrt(12 / 20000) = 0.024
    # (200 seeds measured 0.026); its bias, about Tr(S_a + S_b) / n = 3e-4, is negligible.
    # 0.1 is about 4 sd.
    exact = 2.0 + 4.0 - 2.0 * (math.sqrt(3.0) + 1.0) + 1.0
    np.testing.assert_allclose(estimate, exact, atol=0.1)


@pytest.mark.parametrize(
    "features_a, features_b, message",
    [
        (np.zeros(10), np.zeros((10, 1)), r"2-D array.*\(10,\)"),
        (np.zeros((10, 3)), np.zeros((10, 4)), r"same feature dimension.*\(10, 3\).*\(10, 4\)"),
        (np.zeros((1, 3)), np.zeros((10, 3)), r"at least 2 samples.*\(1, 3\)"),
        (np.full((4, 2), np.nan), np.zeros((4, 2)), r"NaN"),
    ],
)
def test_frechet_distance_rejects_bad_inputs(features_a, features_b, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(features_a, features_b)


def test_frechet_from_moments_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"sigma_b must have shape \(2, 2\).*\(3, 3\)"):
        frechet_distance_from_moments(np.zeros(2), np.eye(2), np.zeros(2), np.eye(3))


# --- Kernel Inception Distance ------------------------------------------------------------


def test_kernel_distance_tiny_example_by_hand():
    # 1-D, so k(x, y) = (x y + 1)^3. With subset_size = 3 = N the one subset is all points
    # (MMD^2_u does not depend on their order).
    features_a = np.array([[0.0], [1.0], [2.0]])
    features_b = np.array([[1.0], [2.0], [3.0]])
    # Off-diagonal pairs within a: (0,1) -> 1^3, (0,2) -> 1^3, (1,2) -> 3^3; each counted twice.
    sum_aa = 2 * (1 + 1 + 27)
    # Within b: (1,2) -> 3^3, (1,3) -> 4^3, (2,3) -> 7^3.
    sum_bb = 2 * (27 + 64 + 343)
    # Across: a=0 -> 1+1+1; a=1 -> 2^3+3^3+4^3; a=2 -> 3^3+5^3+7^3.
    sum_ab = (1 + 1 + 1) + (8 + 27 + 64) + (27 + 125 + 343)
    expected = sum_aa / (3 * 2) + sum_bb / (3 * 2) - 2 * sum_ab / (3 * 3)
    mean, std = kernel_distance(features_a, features_b, num_subsets=1, subset_size=3)
    np.testing.assert_allclose(mean, expected, rtol=1e-12)
    np.testing.assert_allclose(expected, 65.0 / 3.0, rtol=1e-12)
    assert std == 0.0


def _uniform_square(rng, n, shift=0.0):
    return rng.uniform(-1.0, 1.0, (n, 2)) + np.array([shift, 0.0])


def test_kernel_distance_of_one_distribution_is_near_zero():
    rng = np.random.default_rng(6)
    mean, std = kernel_distance(
        _uniform_square(rng, 4000), _uniform_square(rng, 4000), num_subsets=4, subset_size=2000
    )
    # Under the null the estimate's sd is about 5e-4 here (30 seeds); 3e-3 is 6 sd and 1/1000
    # of the shifted value in the next test.
    assert mean == pytest.approx(0.0, abs=3e-3)
    assert mean == pytest.approx(0.0, abs=4 * std)


def test_kernel_distance_of_shifted_distributions_matches_the_population_mmd():
    # The kernel expands as sum_r C(3, r) (x.y)^r / d^r, so the population MMD^2 is
    # sum_{r=1..3} C(3, r) / d^r ||E x^{(x)r} - E y^{(x)r}||^2 over the moment tensors.
    # x ~ U(-1, 1)^2 and y = x + (s, 0): the moments differ only where coordinate 1 appears:
    #   r=1: s^2;  r=2: (E y1^2 - E x1^2)^2 = s^4;
    #   r=3: (E y1^3 - E x1^3)^2 = (s^3 + s)^2, plus 3 entries E y1 y2^2 = s / 3.
    s, d = 1.0, 2
    expected = 3 / d * s**2 + 3 / d**2 * s**4 + ((s**3 + s) ** 2 + 3 * (s / 3) ** 2) / d**3
    rng = np.random.default_rng(7)
    mean, std = kernel_distance(
        _uniform_square(rng, 4000), _uniform_square(rng, 4000, shift=s),
        num_subsets=4, subset_size=2000,
    )
    # The unbiased estimate has sd 0.058 over 30 seeds at this size; 0.25 is about 4 sd.
    np.testing.assert_allclose(mean, expected, atol=0.25)
    assert mean > 20 * std


def test_kernel_distance_caps_subset_size_and_is_seeded():
    rng = np.random.default_rng(8)
    features_a, features_b = rng.standard_normal((50, 3)), rng.standard_normal((40, 3)) + 1.0
    first = kernel_distance(features_a, features_b, num_subsets=3, subset_size=1000, seed=1)
    again = kernel_distance(features_a, features_b, num_subsets=3, subset_size=1000, seed=1)
    assert first == again
    # Capped at 40 points, every subset is a whole set in some order: the estimates agree.
    capped = kernel_distance(features_a[:40], features_b, num_subsets=2, subset_size=1000)
    np.testing.assert_allclose(capped[1], 0.0, atol=1e-12)


def test_kernel_distance_rejects_bad_subset_size():
    with pytest.raises(ValueError, match="subset_size must be >= 2; got 1"):
        kernel_distance(np.zeros((5, 2)), np.zeros((5, 2)), subset_size=1)


# --- Inception Score ----------------------------------------------------------------------


def test_classifier_score_confident_and_even_is_num_classes():
    num_classes = 10
    probabilities = np.tile(np.eye(num_classes), (5, 1))
    assert classifier_score(probabilities) == pytest.approx((10.0, 0.0))
    # Each block of 10 consecutive rows holds every class once, so each split scores 10 too.
    assert classifier_score(probabilities, splits=5) == pytest.approx((10.0, 0.0))


def test_classifier_score_identical_rows_is_one():
    probabilities = np.tile([0.2, 0.3, 0.5], (7, 1))
    assert classifier_score(probabilities, splits=2) == pytest.approx((1.0, 0.0))


def test_classifier_score_two_rows_by_hand():
    # Marginal (3/4, 1/4). KL of [1, 0] is log(4/3); of [1/2, 1/2] it is
    # 1/2 log(2/3) + 1/2 log 2 = 1/2 log(4/3). Mean 3/4 log(4/3).
    mean, _ = classifier_score(np.array([[1.0, 0.0], [0.5, 0.5]]))
    np.testing.assert_allclose(mean, (4.0 / 3.0) ** 0.75, rtol=1e-12)


def test_classifier_score_rejects_rows_not_summing_to_one():
    with pytest.raises(ValueError, match=r"sum to 1; row 1 sums to 0.9"):
        classifier_score(np.array([[0.5, 0.5], [0.6, 0.3]]))


def test_classifier_score_rejects_too_many_splits():
    with pytest.raises(ValueError, match="splits must be between 1 and .* 2; got 3"):
        classifier_score(np.eye(2), splits=3)


# --- Precision and recall -----------------------------------------------------------------


def test_precision_recall_of_identical_sets_is_one():
    features = np.random.default_rng(9).standard_normal((300, 5))
    assert precision_recall(features, features.copy()) == pytest.approx((1.0, 1.0))


def test_precision_recall_of_far_apart_sets_is_zero():
    rng = np.random.default_rng(10)
    real = rng.standard_normal((200, 4))
    fake = rng.standard_normal((150, 4)) + 100.0
    assert precision_recall(real, fake) == pytest.approx((0.0, 0.0))


@pytest.mark.parametrize("chunk_size", [1, 3, 1024])
def test_precision_recall_tiny_example_by_hand(chunk_size):
    # 1-D, k = 1. Real 0, 1, 2, 3: every radius is 1. Fake 0.5, 1.5, 8, 10: radii 1, 1, 2, 2.
    # Precision: 0.5 and 1.5 lie within 1 of a real point; 8 and 10 are 5 and 7 from 3 -> 2/4.
    # Recall: 0, 1, 2 lie within 1 of 0.5 or 1.5; 3 is 1.5 from 1.5 (radius 1) and 5 from 8
    # (radius 2) -> 3/4.
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[0.5], [1.5], [8.0], [10.0]])
    assert precision_recall(real, fake, k=1, chunk_size=chunk_size) == pytest.approx((0.5, 0.75))


def test_precision_recall_rejects_k_not_below_sample_count():
    with pytest.raises(ValueError, match=r"k=4 with shapes \(4, 1\) and \(9, 1\)"):
        precision_recall(np.zeros((4, 1)), np.zeros((9, 1)), k=4)


# --- Mode statistics ----------------------------------------------------------------------

RING = np.array(
    [[2.0 * math.cos(2 * math.pi * i / 8), 2.0 * math.sin(2 * math.pi * i / 8)] for i in range(8)]
)
STD = 0.02


def test_mode_statistics_samples_on_every_mode():
    stats = mode_statistics(np.repeat(RING, 10, axis=0), RING, STD)
    assert stats == {
        "modes": 8, "num_modes": 8, "high_quality": 1.0, "reverse_kl": 0.0, "mode_spread": 0.0, "relative_spread": 0.0
    }


def test_mode_statistics_collapse_onto_one_mode():
    stats = mode_statistics(np.repeat(RING[:1], 50, axis=0), RING, STD)
    assert stats["modes"] == 1
    assert stats["high_quality"] == pytest.approx(1.0)
    assert stats["reverse_kl"] == pytest.approx(math.log(8))


def test_mode_statistics_samples_far_from_every_mode():
    stats = mode_statistics(np.full((20, 2), 50.0), RING, STD)
    assert stats["modes"] == 0
    assert stats["high_quality"] == 0.0
    assert stats["reverse_kl"] == math.inf
    assert math.isnan(stats["mode_spread"])
    assert math.isnan(stats["relative_spread"])


def test_mode_statistics_hand_built_mix():
    # High-quality counts 4, 2, 1, 1 on modes 0-3 (2 std off the mode, inside the 3 std
    # radius) plus 2 samples 3.5 std off mode 4, which are not high quality:
    # high_quality = 8 / 10; p_gen = (1/2, 1/4, 1/8, 1/8) over 8 modes, so
    # KL(p_gen || uniform) = 1/2 log 4 + 1/4 log 2 + 2 * 1/8 log 1 = 5/4 log 2.
    offset = np.array([0.0, 2.0 * STD])
    good = np.concatenate(
        [np.repeat(RING[j : j + 1], count, axis=0) for j, count in enumerate([4, 2, 1, 1])]
    )
    bad = np.repeat(RING[4:5] + np.array([3.5 * STD, 0.0]), 2, axis=0)
    stats = mode_statistics(np.concatenate([good + offset, bad]), RING, STD)
    assert stats["modes"] == 4
    assert stats["num_modes"] == 8
    assert stats["high_quality"] == pytest.approx(0.8)
    assert stats["reverse_kl"] == pytest.approx(1.25 * math.log(2))
    # Every high-quality sample sits 2 std off its mode along one axis: a squared offset
    # of (2 std)^2 over 2 coordinates, so sqrt(2) std; the two 3.5 std samples do not count.
    assert stats["mode_spread"] == pytest.approx(math.sqrt(2) * STD)
    assert stats["relative_spread"] == pytest.approx(math.sqrt(2) / 0.974396, rel=1e-6)


def test_mode_spread_of_the_mixture_itself_and_of_shrunk_modes():
    # Draws of the mixture: sqrt(E[chi2_2 | chi2_2 <= 9] / 2) std = 0.974 std (the 3 std
    # radius cuts the tails); the same draws pulled halfway to their modes: half that.
    rng = np.random.default_rng(0)
    centres = RING[rng.integers(0, 8, 200_000)]
    noise = rng.normal(0.0, STD, centres.shape)
    truncated_mean = 2.0 - 9.0 * math.exp(-4.5) / (1.0 - math.exp(-4.5))
    expected = STD * math.sqrt(truncated_mean / 2.0)
    assert expected == pytest.approx(0.974 * STD, abs=1e-3 * STD)
    assert mode_statistics(centres + noise, RING, STD)["mode_spread"] == pytest.approx(expected, rel=0.005)
    shrunk = mode_statistics(centres + 0.5 * noise, RING, STD)
    assert shrunk["high_quality"] > 0.999
    assert shrunk["mode_spread"] == pytest.approx(0.5 * STD, rel=0.005)


def test_truncated_gaussian_rms_closed_forms():
    # 2-D: ||x||^2 ~ Exp(mean 2), so E[||x||^2 | ||x|| <= 3] / 2 = 1 - 4.5 e^-4.5 / (1 - e^-4.5).
    two_d = math.sqrt(1.0 - 4.5 * math.exp(-4.5) / (1.0 - math.exp(-4.5)))
    assert metrics.truncated_gaussian_rms(2, 3.0) == pytest.approx(two_d, rel=1e-12)
    assert two_d == pytest.approx(0.9744, abs=5e-5)
    # 1-D: E[x^2 | |x| <= 3] = 1 - 2 * 3 phi(3) / (2 Phi(3) - 1), phi and Phi the normal density and CDF.
    phi = math.exp(-4.5) / math.sqrt(2.0 * math.pi)
    one_d = math.sqrt(1.0 - 6.0 * phi / math.erf(3.0 / math.sqrt(2.0)))
    assert metrics.truncated_gaussian_rms(1, 3.0) == pytest.approx(one_d, rel=1e-12)
    # A radius far out cuts nothing (per-coordinate RMS 1); a tiny one leaves points spread evenly
    # in a 2-D disc of radius r, whose per-coordinate mean square is r^2 / 4.
    assert metrics.truncated_gaussian_rms(2, 12.0) == pytest.approx(1.0, abs=1e-12)
    assert metrics.truncated_gaussian_rms(2, 0.01) == pytest.approx(0.005, rel=1e-4)


@pytest.mark.parametrize(
    "dim, num_stds, message", [(0, 3.0, "dim must be a positive integer"), (2, 0.0, "num_stds must be > 0")]
)
def test_truncated_gaussian_rms_rejects_bad_arguments(dim, num_stds, message):
    with pytest.raises(ValueError, match=message):
        metrics.truncated_gaussian_rms(dim, num_stds)


@pytest.mark.parametrize("std", [0.01, 0.05])
def test_relative_spread_of_the_mixture_is_one_and_of_halved_modes_one_half(std):
    # 200,000 draws, about 98.9% of them high quality: the relative standard error of the spread
    # is about sqrt(Var(r^2) / n) / (2 E[r^2]) < 0.2%, so 1% is five standard errors.
    rng = np.random.default_rng(1)
    modes = RING * std / STD  # the same ring drawn at another scale: the figure has no units
    centres = modes[rng.integers(0, 8, 200_000)]
    noise = rng.normal(0.0, std, centres.shape)
    assert mode_statistics(centres + noise, modes, std)["relative_spread"] == pytest.approx(1.0, abs=0.01)
    # The same draws cut at 3 std, then pulled halfway to their modes: exactly half the mixture's
    # truncated spread, so 0.5.
    inside = np.sum(noise**2, axis=1) <= (3.0 * std) ** 2
    halved = mode_statistics(centres[inside] + 0.5 * noise[inside], modes, std)
    assert halved["high_quality"] == 1.0
    assert halved["relative_spread"] == pytest.approx(0.5, abs=0.005)
    # Every draw halved, tails included: the high-quality radius now reaches 6 std of the original
    # noise, which keeps all of it, so 0.5 * 1 / 0.9744 = 0.513.
    everything_halved = mode_statistics(centres + 0.5 * noise, modes, std)
    assert everything_halved["relative_spread"] == pytest.approx(0.5 / 0.974396, abs=0.005)
    # Samples exactly on the centres have no spread.
    assert mode_statistics(centres, modes, std)["relative_spread"] == 0.0


def test_mode_statistics_rejects_mismatched_dimensions():
    with pytest.raises(ValueError, match=r"\(5, 3\) and \(8, 2\)"):
        mode_statistics(np.zeros((5, 3)), RING, STD)
