"""Pure functions that turn samples and training curves into pictures.

Image grids, animated GIFs, 2-D scatter plots and loss plots. Nothing here
knows about Keras: callbacks and notebooks pass in numpy arrays (or anything
``np.asarray`` accepts) and get back arrays, paths or matplotlib Figures.

Plots are drawn on ``matplotlib.figure.Figure`` objects with an Agg canvas
rather than through ``pyplot``, so calling these functions never changes the
global pyplot state or the backend a notebook has chosen.
"""

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image


def to_uint8(images) -> np.ndarray:
    """Converts images in the generator's ``[-1, 1]`` range to ``uint8``.

    Values are clipped to ``[-1, 1]`` and mapped linearly onto ``[0, 255]``
    with ties rounded up, so ``-1 -> 0``, ``0 -> 128`` and ``1 -> 255``.
    NaNs become 0, so a diverged generator still yields a (black) picture.
    ``uint8`` input is returned unchanged.

    Args:
        images: Array of any shape, floating point in ``[-1, 1]`` or ``uint8``.

    Returns:
        ``uint8`` array of the same shape.

    Raises:
        ValueError: If the array is neither floating point nor ``uint8``
            (an integer array is ambiguous: ``[0, 255]`` or ``[-1, 1]``?).

    Example:
        >>> to_uint8(np.array([-1.0, 0.0, 1.0]))
        array([  0, 128, 255], dtype=uint8)
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            f"images must be floating point in [-1, 1] or uint8, got dtype {images.dtype}"
        )
    scaled = (np.clip(np.nan_to_num(images, nan=-1.0), -1.0, 1.0) + 1.0) * 127.5
    return np.floor(scaled + 0.5).astype(np.uint8)


def make_grid(images, rows=None, cols=None, padding=2, pad_value=0) -> np.ndarray:
    """Tiles a batch of images into one image, row by row.

    With neither ``rows`` nor ``cols`` given the layout is near-square:
    ``cols = ceil(sqrt(N))`` and ``rows = ceil(N / cols)``; with one given,
    the other is the smallest that fits all images.

    Args:
        images: ``(N, H, W, C)`` with ``C`` in ``{1, 3}`` or grayscale
            ``(N, H, W)``; floating point in ``[-1, 1]`` or ``uint8``.
        rows: Number of rows of the grid.
        cols: Number of columns of the grid.
        padding: Pixels of ``pad_value`` around and between the images.
        pad_value: ``uint8`` value (0-255) of the padding and of empty cells.

    Returns:
        ``uint8`` array of shape
        ``(rows * H + (rows + 1) * padding, cols * W + (cols + 1) * padding, C)``;
        grayscale input gives ``C = 1``.

    Raises:
        ValueError: On a bad shape, an empty batch, a non-positive layout, a
            ``pad_value`` outside ``[0, 255]``, or ``rows * cols < N``.

    Example:
        >>> make_grid(np.zeros((5, 8, 8, 3))).shape  # 2 rows x 3 columns
        (22, 32, 3)
    """
    images = to_uint8(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
            f"got {images.shape}"
        )
    n, height, width, channels = images.shape
    if n == 0:
        raise ValueError(f"images must hold at least one image, got shape {images.shape}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if not 0 <= pad_value <= 255:
        raise ValueError(f"pad_value must be a uint8 value in [0, 255], got {pad_value}")
    if rows is None and cols is None:
        cols = math.ceil(math.sqrt(n))
    if rows is None:
        rows = math.ceil(n / cols)
    elif cols is None:
        cols = math.ceil(n / rows)
    if rows < 1 or cols < 1:
        raise ValueError(f"rows and cols must be positive, got rows={rows}, cols={cols}")
    if rows * cols < n:
        raise ValueError(
            f"a grid of rows={rows} x cols={cols} has {rows * cols} cells, "
            f"too few for {n} images"
        )

    grid = np.full(
        (rows * height + (rows + 1) * padding, cols * width + (cols + 1) * padding, channels),
        pad_value,
        dtype=np.uint8,
    )
    for index, image in enumerate(images):
        row, col = divmod(index, cols)
        top = padding + row * (height + padding)
        left = padding + col * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def save_image_grid(images, path, rows=None, cols=None, scale=1) -> str:
    """Writes a grid of images as a PNG file.

    Args:
        images: Batch of images, as accepted by :func:`make_grid`.
        path: Destination file; missing parent directories are created.
        rows: Number of rows of the grid (see :func:`make_grid`).
        cols: Number of columns of the grid (see :func:`make_grid`).
        scale: Positive integer; each pixel becomes a ``scale x scale`` block
            (nearest neighbour), which keeps 28x28 digits legible.

    Returns:
        ``path`` as a string. The PNG is grayscale (mode ``"L"``) for
        one-channel images and ``"RGB"`` for three channels.

    Raises:
        ValueError: If ``scale`` is not a positive integer, or as
            :func:`make_grid`. Nothing is written in that case.
    """
    if not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    grid = make_grid(images, rows=rows, cols=cols)
    grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    if grid.shape[-1] == 1:
        grid = grid[..., 0]
    path = _prepare_path(path)
    Image.fromarray(grid).save(path, format="PNG")
    return str(path)


def save_gif(frames, path, duration_ms=300, loop=0) -> str:
    """Writes frames as an animated GIF, e.g. sample grids saved each epoch.

    Pillow folds a frame identical to the one before it into that frame
    (adding up their durations), so the GIF can hold fewer frames than given
    while playing for the same total time.

    Args:
        frames: Non-empty list of paths to image files (e.g. the PNGs from
            :func:`save_image_grid`) or of arrays ``(H, W)``, ``(H, W, 1)``
            or ``(H, W, 3)``, ``uint8`` or floating point in ``[-1, 1]``
            (e.g. from :func:`make_grid`); all frames must have the same size.
        path: Destination file; missing parent directories are created.
        duration_ms: How long each frame is shown, in milliseconds.
        loop: Number of times to loop; 0 loops forever.

    Returns:
        ``path`` as a string.

    Raises:
        ValueError: If ``frames`` is empty or the frames differ in size.
    """
    if len(frames) == 0:
        raise ValueError("frames must hold at least one frame, got an empty list")
    images = [_to_rgb_image(frame) for frame in frames]
    sizes = sorted({image.size for image in images})
    if len(sizes) > 1:
        raise ValueError(f"all frames must have the same (width, height), got {sizes}")
    path = _prepare_path(path)
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=duration_ms,
        loop=loop,
    )
    return str(path)


def plot_points(points, path=None, modes=None, title=None, ax=None, limits=None):
    """Scatter plot of 2-D samples, optionally with the true modes marked.

    Args:
        points: ``(N, 2)`` array of samples, drawn as small dots.
        path: If given, the figure is written there as a PNG (parent
            directories are created).
        modes: Optional ``(M, 2)`` array of mode centres, drawn as crosses.
        title: Optional axes title.
        ax: Optional matplotlib Axes to draw on (e.g. one panel of a larger
            figure); by default a new Figure is made.
        limits: Optional axis limits: ``(low, high)`` for both axes or
            ``((x_low, x_high), (y_low, y_high))``. Fixing them keeps frames
            of a training run comparable.

    Returns:
        The ``matplotlib.figure.Figure`` drawn on (``ax.figure`` when ``ax``
        is given).

    Raises:
        ValueError: If ``points`` or ``modes`` is not ``(N, 2)``, or
            ``limits`` has neither accepted shape.
    """
    points = _as_xy(points, "points")
    if modes is not None:
        modes = _as_xy(modes, "modes")
    if limits is not None:
        limits = np.asarray(limits, dtype=float)
        if limits.shape == (2,):
            limits = np.stack([limits, limits])
        if limits.shape != (2, 2):
            raise ValueError(
                "limits must be (low, high) or ((x_low, x_high), (y_low, y_high)), "
                f"got an array of shape {limits.shape}"
            )

    if ax is None:
        figure = _new_figure(figsize=(4, 4))
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5, linewidths=0, label="samples")
    if modes is not None:
        ax.scatter(modes[:, 0], modes[:, 1], s=40, marker="x", color="red", label="modes")
        ax.legend(loc="upper right", fontsize="small")
    if limits is not None:
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
    ax.set_aspect("equal", adjustable="box")
    if title is not None:
        ax.set_title(title)
    if path is not None:
        _save_figure(figure, path)
    return figure


# Curves about the networks and their training, as opposed to metrics of the samples.
_NETWORK_PREFIXES = ("d_", "g_", "ada_")


def plot_history(history, path=None, keys=None, title=None):
    """Plots per-epoch training curves.

    Curves whose name contains ``"loss"`` go in a left panel; the other
    ``d_``/``g_`` curves (``d_real``, ``d_fake``, ``d_accuracy``, ...) and
    ADA's ``ada_p`` and ``ada_rt`` (``keras_gan.training.ada``) in a middle
    panel with a dashed line at 0.5, where a balanced discriminator's outputs
    sit; curves named for neither network (sample metrics such as ``fid`` or
    ``reverse_kl``, often measured every few epochs with NaN in between) in a
    right panel, with markers; learning rates (names ending in ``_lr``, such
    as ``d_lr`` and ``g_lr``) in a last panel of their own. A group with no
    curves gets no panel.

    Args:
        history: Dict of name -> list of per-epoch numbers, such as
            ``keras.callbacks.History.history``; a ``History`` object itself
            is accepted too.
        path: If given, the figure is written there as a PNG (parent
            directories are created).
        keys: Names to plot, in order; defaults to all of ``history``.
        title: Optional figure title.

    Returns:
        The ``matplotlib.figure.Figure``.

    Raises:
        ValueError: If there is nothing to plot or a key is not in ``history``.
    """
    history = getattr(history, "history", history)
    keys = list(history) if keys is None else list(keys)
    if not keys:
        raise ValueError("history has no curves to plot")
    unknown = [key for key in keys if key not in history]
    if unknown:
        raise ValueError(f"keys {unknown} not in history; available: {sorted(history)}")

    rate_keys = [key for key in keys if key.endswith("_lr")]
    loss_keys = [key for key in keys if "loss" in key]
    other_keys = [key for key in keys if key not in rate_keys + loss_keys and key.startswith(_NETWORK_PREFIXES)]
    sample_keys = [key for key in keys if key not in rate_keys + loss_keys + other_keys]
    groups = [group for group in (loss_keys, other_keys, sample_keys, rate_keys) if group]
    figure = _new_figure(figsize=(5 * len(groups), 3.5))
    axes = figure.subplots(1, len(groups), squeeze=False)[0]
    for ax, group in zip(axes, groups):
        for key in group:
            values = np.asarray(history[key], dtype=float).reshape(-1)
            ax.plot(np.arange(1, len(values) + 1), values, label=key, marker="o" if group is sample_keys else None)
        if group is other_keys:
            ax.axhline(0.5, color="gray", linestyle="--", linewidth=1)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        labels = {id(loss_keys): "loss", id(sample_keys): "sample metric", id(rate_keys): "learning rate"}
        ax.set_ylabel(labels.get(id(group), "value"))
        if group is rate_keys:
            ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
        ax.legend(fontsize="small")
    if title is not None:
        figure.suptitle(title)
    figure.tight_layout()
    if path is not None:
        _save_figure(figure, path)
    return figure


def save_samples(samples, path, rows=None, cols=None, modes=None) -> str:
    """Saves generator samples as the picture that suits their shape.

    Images ``(N, H, W, C)`` or ``(N, H, W)`` go to :func:`save_image_grid`;
    2-D points ``(N, 2)`` go to :func:`plot_points`.

    Args:
        samples: Generator output.
        path: Destination PNG; missing parent directories are created.
        rows: Grid rows, for images only.
        cols: Grid columns, for images only.
        modes: Mode centres ``(M, 2)`` to mark, for points only.

    Returns:
        ``path`` as a string.

    Raises:
        ValueError: If ``samples`` is neither images nor ``(N, 2)`` points.
    """
    samples = np.asarray(samples)
    if samples.ndim in (3, 4):
        return save_image_grid(samples, path, rows=rows, cols=cols)
    if samples.ndim == 2 and samples.shape[1] == 2:
        plot_points(samples, path=path, modes=modes)
        return str(path)
    raise ValueError(
        "samples must be images (N, H, W, C) or (N, H, W), or 2-D points (N, 2), "
        f"got shape {samples.shape}"
    )


def _prepare_path(path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _new_figure(figsize) -> Figure:
    figure = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _save_figure(figure, path) -> None:
    figure.savefig(_prepare_path(path), format="png")


def _as_xy(array, name) -> np.ndarray:
    array = np.asarray(array, dtype=float)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2), got {array.shape}")
    return array


def _to_rgb_image(frame) -> Image.Image:
    if isinstance(frame, (str, Path)):
        with Image.open(frame) as image:
            return image.convert("RGB")
    frame = to_uint8(frame)
    if frame.ndim == 3 and frame.shape[-1] == 1:
        frame = frame[..., 0]
    return Image.fromarray(frame).convert("RGB")
