"""Numbers about samples: Frechet distance, KID, Inception Score, precision/recall, modes.

Every function here works on plain arrays (features, class probabilities or 2-D points) and
does its arithmetic in float64 with numpy only. Producing the features (an Inception network,
a small classifier, the raw points of a toy mixture) is a separate, swappable step.
"""

import math

import numpy as np

# Rows of the query set per block of pairwise distances: 1024 x 10,000 float64 is 80 MiB,
# so 10k x 10k precision/recall fits comfortably in memory.
_DISTANCE_CHUNK_ROWS = 1024


def _as_features(name, array, min_samples=1):
    """Returns `array` as a finite float64 (N, D) matrix, or raises a ValueError naming it."""
    features = np.asarray(array, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (num_samples, num_features); got shape {features.shape}"
        )
    if features.shape[0] < min_samples:
        raise ValueError(
            f"{name} needs at least {min_samples} samples; got shape {features.shape}"
        )
    if not np.all(np.isfinite(features)):
        raise ValueError(f"{name} contains NaN or infinite values (shape {features.shape})")
    return features


def _check_same_dim(name_a, features_a, name_b, features_b):
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same feature dimension; "
            f"got shapes {features_a.shape} and {features_b.shape}"
        )


def _sqrt_psd_eigenvalues(eigenvalues):
    """Square roots of a PSD matrix's eigenvalues, zeroing those lost in round-off.

    eigh is accurate to about n * eps * max|eigenvalue|; anything below that is zero up to
    noise, and its square root (about 1e-8 * scale) would otherwise leak into the result.
    """
    scale = np.max(np.abs(eigenvalues), initial=0.0)
    floor = eigenvalues.shape[0] * np.finfo(np.float64).eps * scale
    return np.sqrt(np.where(eigenvalues > floor, eigenvalues, 0.0))


def _psd_sqrt(matrix):
    """Symmetric square root of a symmetric PSD matrix via its eigen-decomposition."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * _sqrt_psd_eigenvalues(eigenvalues)) @ eigenvectors.T


def frechet_distance_from_moments(mu_a, sigma_a, mu_b, sigma_b) -> float:
    """Frechet distance between two Gaussians given by their means and covariances.

    d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2})

    This is the squared 2-Wasserstein distance between N(mu_a, S_a) and N(mu_b, S_b), the
    quantity behind the Frechet Inception Distance (Heusel et al. 2017, "GANs Trained by a Two
    Time-Scale Update Rule Converge to a Local Nash Equilibrium").

    Tr (S_a S_b)^{1/2} is computed as the sum of the square roots of the eigenvalues of the
    symmetric PSD matrix S_a^{1/2} S_b S_a^{1/2}, which has the same spectrum as S_a S_b. Both
    eigen-decompositions are symmetric (`eigh`), and eigenvalues below eigh's round-off level
    (negative ones included) are set to zero, so the result stays finite and accurate to
    ~1e-13 relative for singular covariances (constant features, fewer samples than
    dimensions), where square roots of round-off noise would cost about half the digits.

    Args:
        mu_a: Mean of the first Gaussian, shape (D,).
        sigma_a: Covariance of the first Gaussian, shape (D, D), symmetric PSD.
        mu_b: Mean of the second Gaussian, shape (D,).
        sigma_b: Covariance of the second Gaussian, shape (D, D), symmetric PSD.

    Returns:
        The squared Frechet distance, a float >= 0.

    Example:
        >>> frechet_distance_from_moments([0.0], [[1.0]], [3.0], [[4.0]])  # 3^2 + (1 - 2)^2
        10.0
    """
    mu_a = np.asarray(mu_a, dtype=np.float64)
    mu_b = np.asarray(mu_b, dtype=np.float64)
    sigma_a = np.asarray(sigma_a, dtype=np.float64)
    sigma_b = np.asarray(sigma_b, dtype=np.float64)
    if mu_a.ndim != 1 or mu_a.shape != mu_b.shape:
        raise ValueError(
            f"means must be 1-D arrays of the same length; got shapes {mu_a.shape} and {mu_b.shape}"
        )
    dim = mu_a.shape[0]
    for name, sigma in (("sigma_a", sigma_a), ("sigma_b", sigma_b)):
        if sigma.shape != (dim, dim):
            raise ValueError(
                f"{name} must have shape ({dim}, {dim}) to match the means; got {sigma.shape}"
            )
    # Estimated covariances can be asymmetric by round-off; eigh must see a symmetric matrix.
    sigma_a = 0.5 * (sigma_a + sigma_a.T)
    sigma_b = 0.5 * (sigma_b + sigma_b.T)

    sqrt_a = _psd_sqrt(sigma_a)
    product = sqrt_a @ sigma_b @ sqrt_a
    product_eigenvalues = np.linalg.eigvalsh(0.5 * (product + product.T))
    trace_sqrt_product = np.sum(_sqrt_psd_eigenvalues(product_eigenvalues))

    diff = mu_a - mu_b
    distance = diff @ diff + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * trace_sqrt_product
    # The exact value is >= 0; cancellation between identical inputs can leave about -1e-12.
    return float(max(distance, 0.0))


def frechet_distance(features_a, features_b) -> float:
    """Frechet distance between Gaussians fitted to two sets of features (FID on activations).

    d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2})

    with mu the sample mean and S the unbiased sample covariance (divisor N - 1) of each set
    (Heusel et al. 2017). Fed Inception-v3 pool features this is the FID; any feature
    extractor works, and the value is only comparable between runs that share it.

    Args:
        features_a: Array of shape (N_a, D), N_a >= 2.
        features_b: Array of shape (N_b, D), N_b >= 2.

    Returns:
        The squared Frechet distance, a float >= 0. Symmetric in its arguments.

    Raises:
        ValueError: If an input is not 2-D, has fewer than 2 samples, holds NaN/inf, or the
            feature dimensions differ.
    """
    features_a = _as_features("features_a", features_a, min_samples=2)
    features_b = _as_features("features_b", features_b, min_samples=2)
    _check_same_dim("features_a", features_a, "features_b", features_b)
    return frechet_distance_from_moments(
        features_a.mean(axis=0),
        np.cov(features_a, rowvar=False).reshape(features_a.shape[1], features_a.shape[1]),
        features_b.mean(axis=0),
        np.cov(features_b, rowvar=False).reshape(features_b.shape[1], features_b.shape[1]),
    )


def _unbiased_polynomial_mmd2(features_a, features_b):
    """Unbiased MMD^2 between two equally sized sets under k(x, y) = (x.y / d + 1)^3."""
    m, dim = features_a.shape

    def kernel(x, y):
        base = x @ y.T / dim + 1.0
        return base * base * base  # Three times faster than `base ** 3` on large matrices.

    k_aa = kernel(features_a, features_a)
    k_bb = kernel(features_b, features_b)
    k_ab = kernel(features_a, features_b)
    within = (k_aa.sum() - np.trace(k_aa) + k_bb.sum() - np.trace(k_bb)) / (m * (m - 1))
    return within - 2.0 * k_ab.sum() / (m * m)


def kernel_distance(
    features_a, features_b, num_subsets=10, subset_size=1000, seed=0
) -> tuple[float, float]:
    """Kernel Inception Distance: unbiased MMD^2 with a cubic polynomial kernel.

    k(x, y) = (x.y / d + 1)^3, d the feature dimension, and for subsets X, Y of m points each

    MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(m(m-1)) sum_{i != j} k(y_i, y_j)
              - 2/m^2 sum_{i, j} k(x_i, y_j)

    (Binkowski et al. 2018, "Demystifying MMD GANs"). The estimate is averaged over
    `num_subsets` subsets, each drawn without replacement from each set. Being unbiased it
    can be slightly negative when both sets come from one distribution.

    Args:
        features_a: Array of shape (N_a, D).
        features_b: Array of shape (N_b, D).
        num_subsets: Number of random subset pairs to average over, >= 1.
        subset_size: Points per subset, >= 2; capped at min(N_a, N_b).
        seed: Seed of the numpy Generator that draws the subsets.

    Returns:
        (mean, std) of the per-subset estimates; std uses ddof=0, so it is 0.0 for one subset.

    Raises:
        ValueError: On non-2-D inputs, NaN/inf, mismatched feature dimensions, fewer than 2
            samples in a set, or a bad `num_subsets` / `subset_size`.
    """
    features_a = _as_features("features_a", features_a, min_samples=2)
    features_b = _as_features("features_b", features_b, min_samples=2)
    _check_same_dim("features_a", features_a, "features_b", features_b)
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1; got {num_subsets}")
    if subset_size < 2:
        raise ValueError(f"subset_size must be >= 2; got {subset_size}")
    subset_size = min(subset_size, features_a.shape[0], features_b.shape[0])

    rng = np.random.default_rng(seed)
    estimates = np.array(
        [
            _unbiased_polynomial_mmd2(
                features_a[rng.choice(features_a.shape[0], subset_size, replace=False)],
                features_b[rng.choice(features_b.shape[0], subset_size, replace=False)],
            )
            for _ in range(num_subsets)
        ]
    )
    return float(estimates.mean()), float(estimates.std())


def classifier_score(probabilities, splits=1) -> tuple[float, float]:
    """Inception Score of class probabilities: exp(E_x KL(p(y|x) || p(y))).

    IS = exp( 1/N sum_i sum_y p(y|x_i) log(p(y|x_i) / p(y)) ),  p(y) = 1/N sum_i p(y|x_i)

    (Salimans et al. 2016, "Improved Techniques for Training GANs"), computed separately on
    each of `splits` contiguous blocks of rows, with p(y) the marginal of that block. Terms
    with p(y|x) = 0 contribute 0. It ranges from 1 (every row identical) to K (confident rows
    spread evenly over the K classes).

    Args:
        probabilities: Array of shape (N, K), non-negative rows that sum to 1 (within 1e-3),
            e.g. a classifier's softmax outputs on generated samples.
        splits: Number of blocks, 1 <= splits <= N; `np.array_split` sizes them.

    Returns:
        (mean, std) of the per-split scores; std uses ddof=0, so it is 0.0 for one split.

    Raises:
        ValueError: If `probabilities` is not 2-D, has negative entries or rows not summing to
            1, or `splits` is out of range.
    """
    probabilities = _as_features("probabilities", probabilities)
    if np.any(probabilities < 0.0):
        raise ValueError(f"probabilities (shape {probabilities.shape}) has negative entries")
    row_sums = probabilities.sum(axis=1)
    worst = int(np.argmax(np.abs(row_sums - 1.0)))
    if abs(row_sums[worst] - 1.0) > 1e-3:
        raise ValueError(
            f"rows of probabilities (shape {probabilities.shape}) must sum to 1; "
            f"row {worst} sums to {row_sums[worst]:.6g}"
        )
    if not 1 <= splits <= probabilities.shape[0]:
        raise ValueError(
            f"splits must be between 1 and the number of rows {probabilities.shape[0]}; "
            f"got {splits}"
        )

    scores = []
    for block in np.array_split(probabilities, splits):
        marginal = block.mean(axis=0, keepdims=True)
        # Where p(y|x) > 0 the marginal is > 0 too; elsewhere the ratio 1 makes the term 0.
        ratio = np.where(block > 0.0, block / np.where(marginal > 0.0, marginal, 1.0), 1.0)
        mean_kl = np.mean(np.sum(block * np.log(ratio), axis=1))
        scores.append(np.exp(mean_kl))
    scores = np.array(scores)
    return float(scores.mean()), float(scores.std())


def _squared_distance_block(queries, references, references_sq_norms):
    sq = (
        np.sum(queries**2, axis=1, keepdims=True)
        + references_sq_norms[None, :]
        - 2.0 * queries @ references.T
    )
    return np.maximum(sq, 0.0)


def _kth_neighbour_sq_radii(features, k, chunk_size):
    """Squared distance from each point to its k-th nearest neighbour in the same set."""
    sq_norms = np.sum(features**2, axis=1)
    radii = np.empty(features.shape[0])
    for start in range(0, features.shape[0], chunk_size):
        block = _squared_distance_block(features[start : start + chunk_size], features, sq_norms)
        # Column k after partitioning is the (k+1)-th smallest: the point itself sits at 0.
        radii[start : start + chunk_size] = np.partition(block, k, axis=1)[:, k]
    return radii


def _fraction_inside_manifold(queries, references, references_sq_radii, chunk_size):
    """Fraction of `queries` inside the union of balls around `references`."""
    sq_norms = np.sum(references**2, axis=1)
    inside = 0
    for start in range(0, queries.shape[0], chunk_size):
        block = _squared_distance_block(queries[start : start + chunk_size], references, sq_norms)
        inside += int(np.sum(np.any(block <= references_sq_radii[None, :], axis=1)))
    return inside / queries.shape[0]


def precision_recall(
    real_features, fake_features, k=3, *, chunk_size=_DISTANCE_CHUNK_ROWS
) -> tuple[float, float]:
    """Improved precision and recall of generated samples (Kynkaanniemi et al. 2019).

    Each set's manifold is the union of closed balls B(x, r_k(x)), r_k(x) the Euclidean
    distance from x to its k-th nearest neighbour in the same set, x itself excluded.

    precision = 1/|fake| sum_{g in fake} 1[g in manifold(real)]
    recall    = 1/|real| sum_{x in real} 1[x in manifold(fake)]

    ("Improved Precision and Recall Metric for Assessing Generative Models", NeurIPS 2019;
    the paper uses k = 3). Pairwise distances are formed `chunk_size` query rows at a time,
    so 10k x 10k sets need about chunk_size x 10k x 8 bytes at once.

    Args:
        real_features: Array of shape (N_real, D).
        fake_features: Array of shape (N_fake, D).
        k: Neighbour rank defining the radii, 1 <= k < min(N_real, N_fake).
        chunk_size: Query rows per block of pairwise distances.

    Returns:
        (precision, recall), both in [0, 1].

    Raises:
        ValueError: On non-2-D inputs, NaN/inf, mismatched feature dimensions, or k out of range.
    """
    real_features = _as_features("real_features", real_features)
    fake_features = _as_features("fake_features", fake_features)
    _check_same_dim("real_features", real_features, "fake_features", fake_features)
    smallest = min(real_features.shape[0], fake_features.shape[0])
    if not 1 <= k < smallest:
        raise ValueError(
            f"k must satisfy 1 <= k < number of samples in each set; got k={k} with shapes "
            f"{real_features.shape} and {fake_features.shape}"
        )
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1; got {chunk_size}")

    real_sq_radii = _kth_neighbour_sq_radii(real_features, k, chunk_size)
    fake_sq_radii = _kth_neighbour_sq_radii(fake_features, k, chunk_size)
    precision = _fraction_inside_manifold(fake_features, real_features, real_sq_radii, chunk_size)
    recall = _fraction_inside_manifold(real_features, fake_features, fake_sq_radii, chunk_size)
    return precision, recall


def mode_statistics(samples, modes, std, num_stds=3.0) -> dict:
    """Mode coverage of samples from a mixture of isotropic Gaussians (2-D rings and grids).

    The protocol of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018):

    - a sample is high quality if its Euclidean distance to its nearest mode is at most
      num_stds * std (the papers use three standard deviations);
    - a mode is captured if it is the nearest mode of at least one high-quality sample;
    - reverse_kl = KL(p_gen || uniform) = sum_j p_j log(p_j * M), where p_j is the share of
      the high-quality samples whose nearest mode is j and M the number of modes; modes with
      p_j = 0 contribute 0 (natural log, so a collapse onto one mode gives log M).

    The reverse KL is the one PacGAN reports for its 2-D ring and grid (its Table 1): the KL
    divergence from the generated distribution to the true one, both taken as distributions
    over the modes, the true one uniform. The authors' evaluation code
    (github.com/fjxmlzn/PacGAN, synthetic_data_experiments, `MetricLogger`) builds p_gen from
    the high-quality samples only, normalised by their count, and logs its entropy H;
    KL(p_gen || uniform) = log M - H. We use that definition. (That code tests the radius
    with a strict `<`; here the boundary counts as inside, a difference of measure zero.)

    With no high-quality sample p_gen is undefined; reverse_kl is then `inf`, the worst
    possible score, so that "lower is better" comparisons and best-checkpoint tracking rank
    it last (a NaN would compare False against everything).

    The protocol cannot see a generator that draws every mode too tightly: a mode shrunk
    to a point is all high quality. ``mode_spread`` measures that: the high-quality
    samples' root-mean-square offset from their nearest mode, per coordinate,
    sqrt(mean ||x - mu||^2 / D) (not ``mode_std``, which would read as the standard error
    of a metric ``mode``, as ``kid_std`` is of ``kid``). Samples of the mixture itself score a little under
    ``std``, because the radius cuts off the tails (0.974 * std in 2-D, where ||x - mu||^2 /
    std^2 is chi-squared with 2 degrees of freedom, truncated at 9); a generator whose modes
    are too narrow scores less. It is NaN when no sample is high quality.

    ``relative_spread`` is the same figure over what the mixture's own samples score:
    ``mode_spread / (std * truncated_gaussian_rms(D, num_stds))``, so draws of the mixture
    score 1.0, modes drawn at half their width 0.5 and samples on the centres 0, whatever
    the mixture's std.

    Args:
        samples: Generated points, shape (N, D) (D = 2 for the usual benchmarks), N >= 1.
        modes: Mixture means, shape (M, D).
        std: Standard deviation of each (isotropic) mixture component, > 0.
        num_stds: Radius of the high-quality region, in units of `std`, > 0.

    Returns:
        {"modes": int captured modes, "num_modes": int M,
         "high_quality": float fraction of high-quality samples in [0, 1],
         "reverse_kl": float in [0, log M], or inf when no sample is high quality,
         "mode_spread": float in [0, num_stds * std], or NaN when no sample is high quality,
         "relative_spread": float >= 0, mode_spread over the mixture's own, or NaN likewise}.

    Raises:
        ValueError: On non-2-D inputs, NaN/inf, mismatched dimensions, or std/num_stds <= 0.
    """
    samples = _as_features("samples", samples)
    modes = _as_features("modes", modes)
    _check_same_dim("samples", samples, "modes", modes)
    if not std > 0:
        raise ValueError(f"std must be > 0; got {std}")
    if not num_stds > 0:
        raise ValueError(f"num_stds must be > 0; got {num_stds}")

    sq_distances = _squared_distance_block(samples, modes, np.sum(modes**2, axis=1))
    nearest = np.argmin(sq_distances, axis=1)
    nearest_sq = sq_distances[np.arange(samples.shape[0]), nearest]
    high_quality = nearest_sq <= (num_stds * std) ** 2

    num_modes = modes.shape[0]
    counts = np.bincount(nearest[high_quality], minlength=num_modes)
    num_high_quality = int(counts.sum())
    if num_high_quality == 0:
        reverse_kl = float("inf")
    else:
        p_gen = counts[counts > 0] / num_high_quality
        reverse_kl = float(np.sum(p_gen * np.log(p_gen * num_modes)))
    dim = samples.shape[1]
    mode_spread = float(np.sqrt(nearest_sq[high_quality].mean() / dim)) if num_high_quality else float("nan")
    return {
        "modes": int(np.count_nonzero(counts)),
        "num_modes": int(num_modes),
        "high_quality": num_high_quality / samples.shape[0],
        "reverse_kl": reverse_kl,
        "mode_spread": mode_spread,
        "relative_spread": mode_spread / (std * truncated_gaussian_rms(dim, num_stds)),
    }


def _regularized_lower_gamma(a: float, x: float) -> float:
    """P(a, x) = gamma(a, x) / Gamma(a), by its power series (exact to round-off for x up to ~100)."""
    if x <= 0.0:
        return 0.0
    term = total = 1.0 / a
    n = 0
    while term > total * 1e-17:
        n += 1
        term *= x / (a + n)
        total += term
    return total * math.exp(a * math.log(x) - x - math.lgamma(a))


def truncated_gaussian_rms(dim: int, num_stds: float = 3.0) -> float:
    """Per-coordinate RMS of a standard D-dimensional Gaussian cut to the ball of radius num_stds.

    ||x||^2 is chi-squared with D degrees of freedom, and E[chi2_D | chi2_D <= c] =
    D * P(D/2 + 1, c/2) / P(D/2, c/2), with P the regularized lower incomplete gamma
    function, so the per-coordinate mean square is P(D/2 + 1, c/2) / P(D/2, c/2) at
    c = num_stds^2. It is what ``mode_statistics``'s ``mode_spread`` gives, in units of
    std, for samples of the mixture itself (the protocol keeps only those within
    num_stds * std of a mode).

    Example:
        >>> round(truncated_gaussian_rms(2, 3.0), 4)  # sqrt(1 - 4.5 e^-4.5 / (1 - e^-4.5))
        0.9744
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive integer; got {dim!r}")
    if not num_stds > 0:
        raise ValueError(f"num_stds must be > 0; got {num_stds}")
    half_sq = 0.5 * float(num_stds) ** 2
    return math.sqrt(_regularized_lower_gamma(dim / 2 + 1, half_sq) / _regularized_lower_gamma(dim / 2, half_sq))
