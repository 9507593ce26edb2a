"""Training, SGD and XOR (notebook 05, slides 003): why one layer cannot compute XOR, and a network that can.

:func:`xor_data`, :func:`xor_clusters`, :func:`best_linear_accuracy`, :func:`perceptron_learning`,
:func:`train_xor`, :func:`compare_batch_sizes`, :func:`decision_grid`, and :class:`XORDemo`, the
live trainer with its decision boundary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array, check_positive_int, check_real
from ..activations import ACTIVATIONS
from ..mlp import MLP
from ..plotting import course_style
from .base import Demo

__all__ = [
    "xor_data",
    "xor_clusters",
    "best_linear_accuracy",
    "perceptron_learning",
    "train_xor",
    "compare_batch_sizes",
    "BatchRun",
    "decision_grid",
    "XORDemo",
]


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table of lecture 003.

    Returns
    -------
    x : ndarray, shape (4, 2)
        The corners ``(0, 0), (1, 0), (0, 1), (1, 1)``.
    y : ndarray, shape (4, 1)
        Their XOR: ``0, 1, 1, 0``.
    """
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return x, y


def xor_clusters(n_per_corner: int = 10, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy XOR: points around each corner of the unit square, labelled by XOR.

    Parameters
    ----------
    n_per_corner : int, default 10
        Points per corner.
    noise : float, default 0.15
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int, default 0
        Seed of the noise.

    Returns
    -------
    x : ndarray, shape (4 n_per_corner, 2)
        The points, corner by corner as in :func:`xor_data`.
    y : ndarray, shape (4 n_per_corner, 1)
        Their corner's XOR.
    """
    n = check_positive_int("n_per_corner", n_per_corner)
    noise = check_real("noise", noise, minimum=0.0)
    x0, y0 = xor_data()
    rng = np.random.default_rng(seed)
    x = np.repeat(x0, n, axis=0) + noise * rng.standard_normal((4 * n, 2))
    return x, np.repeat(y0, n, axis=0)


def best_linear_accuracy(x: ArrayLike, y: ArrayLike, n_angles: int = 720) -> float:
    """Best accuracy any single threshold unit ``[w . x + b > 0]`` reaches on ``(x, y)``.

    Searches every direction ``w = (cos t, sin t)`` (``n_angles`` of them) and,
    for each, every threshold between consecutive projections (exhaustive in
    ``b`` for that ``w``). For XOR it returns 0.75: no line separates the classes.

    Parameters
    ----------
    x : array_like, shape (N, 2)
        The points.
    y : array_like, shape (N,) or (N, 1)
        Their labels, 0 or 1 (above 0.5 counts as 1).
    n_angles : int, default 720
        Directions tried.

    Returns
    -------
    float
        The best fraction of points classified right, in [0.5, 1].
    """
    x = as_float_array("x", x, ndim=2)
    y = np.asarray(y).reshape(-1)
    if x.shape[1] != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"x, y: expected x of shape (N, 2) and N labels, got {x.shape} and {y.shape[0]}")
    best = 0.0
    for t in np.linspace(0, 2 * np.pi, check_positive_int("n_angles", n_angles), endpoint=False):
        p = x @ np.array([np.cos(t), np.sin(t)])
        s = np.sort(np.unique(p))
        thresholds = np.concatenate([[s[0] - 1], (s[:-1] + s[1:]) / 2, [s[-1] + 1]])
        for th in thresholds:
            best = max(best, float(np.mean((p > th) == (y > 0.5))))
    return best


def perceptron_learning(
    x: ArrayLike, y: ArrayLike, epochs: int = 20, lr: float = 1.0
) -> tuple[np.ndarray, float, list[float]]:
    """Rosenblatt's perceptron rule ``w <- w + lr (t - [w.x + b > 0]) x``, one example at a time.

    On a linearly separable set it stops making mistakes; on XOR it cycles forever and never
    passes 0.75.

    Parameters
    ----------
    x : array_like, shape (N, D)
        The points.
    y : array_like, shape (N,) or (N, 1)
        Their labels ``t``, 0 or 1.
    epochs : int, default 20
        Passes over the data.
    lr : float, default 1.0
        The learning rate.

    Returns
    -------
    w : ndarray, shape (D,)
        The final weights (starting from zeros).
    b : float
        The final bias.
    accuracies : list of float
        The accuracy on all of ``x`` after each epoch.
    """
    x = as_float_array("x", x, ndim=2)
    t = np.asarray(y).reshape(-1)
    w, b, acc = np.zeros(x.shape[1]), 0.0, []
    for _ in range(check_positive_int("epochs", epochs)):
        for xi, ti in zip(x, t):
            pred = float(w @ xi + b > 0)
            w = w + lr * (ti - pred) * xi
            b = b + lr * (ti - pred)
        acc.append(float(np.mean((x @ w + b > 0) == (t > 0.5))))
    return w, b, acc


def train_xor(
    hidden: int = 4,
    activation: str = "tanh",
    lr: float = 1.0,
    batch_size: int | None = None,
    epochs: int = 1000,
    seed: int = 0,
    x: ArrayLike | None = None,
    y: ArrayLike | None = None,
) -> tuple[MLP, list[float]]:
    """Train a ``2-hidden-1`` MLP (sigmoid output, squared error) on XOR with :meth:`MLP.fit`.

    Parameters
    ----------
    hidden : int, default 4
        Hidden units.
    activation : str, default "tanh"
        The hidden layer's activation.
    lr : float, default 1.0
        The learning rate.
    batch_size : int or None
        Examples per update; ``None``: the full batch.
    epochs : int, default 1000
        Passes over the data.
    seed : int, default 0
        Seed of the initial weights and of the shuffling.
    x : array_like, shape (N, 2), optional
        The points (default: :func:`xor_data`).
    y : array_like, shape (N, 1), optional
        Their targets (given with ``x``).

    Returns
    -------
    mlp : MLP
        The trained network.
    history : list of float
        The loss on all of ``x`` after each epoch.
    """
    if x is None:
        x, y = xor_data()
    mlp = MLP(
        [2, check_positive_int("hidden", hidden), 1], activation=activation, output_activation="sigmoid", seed=seed
    )
    history = mlp.fit(x, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, progress=False)
    return mlp, history


@dataclass(frozen=True)
class BatchRun:
    """One training run of :func:`compare_batch_sizes`.

    ``epoch``: position of each measurement in epochs (0, 1/u, 2/u, ... for ``u``
    updates per epoch); ``loss``: the loss on all of ``x`` at that moment (first
    entry before any update).
    """

    batch_size: int
    updates_per_epoch: int
    epoch: np.ndarray
    loss: np.ndarray

    @property
    def fraction_uphill(self) -> float:
        """Fraction of updates after which the loss on the whole training set went *up*."""
        return float(np.mean(np.diff(self.loss) > 0))

    def loss_per_epoch(self) -> np.ndarray:
        """The loss at the end of each epoch.

        Returns
        -------
        ndarray, shape (epochs,)
            Every ``updates_per_epoch``-th entry of :attr:`loss` after the first.
        """
        return self.loss[self.updates_per_epoch :: self.updates_per_epoch]


def compare_batch_sizes(
    x: ArrayLike,
    y: ArrayLike,
    batch_sizes: Iterable[int | None] = (1, None),
    epochs: int = 60,
    lr: float = 0.5,
    hidden: int = 4,
    activation: str = "tanh",
    seed: int = 0,
) -> dict:
    """Train the same initial network with each batch size.

    The loss on the whole training set is recorded after *every* update, so the noise of small
    batches is visible.

    Parameters
    ----------
    x : array_like, shape (N, D)
        The training points.
    y : array_like, shape (N, K)
        Their targets.
    batch_sizes : iterable of int or None, default (1, None)
        ``None`` means the full batch (standard gradient descent); ``1`` is SGD with one example
        per update (lecture 003).
    epochs : int, default 60
        Passes over the data.
    lr : float, default 0.5
        The learning rate.
    hidden : int, default 4
        Hidden units of the ``D-hidden-K`` network (sigmoid output).
    activation : str, default "tanh"
        The hidden layer's activation.
    seed : int, default 0
        Seed of the initial weights (the same for every batch size) and of the shuffling.

    Returns
    -------
    dict
        ``{batch_size: BatchRun}``, keyed by the given batch sizes.
    """
    x = as_float_array("x", x, ndim=2)
    y = as_float_array("y", y, ndim=2)
    epochs = check_positive_int("epochs", epochs)
    lr = check_real("lr", lr, minimum=0.0)
    n = x.shape[0]
    out = {}
    for bs in batch_sizes:
        size = n if bs is None else check_positive_int("batch_size", bs)
        mlp = MLP(
            [x.shape[1], check_positive_int("hidden", hidden), y.shape[1]],
            activation=activation,
            output_activation="sigmoid",
            seed=seed,
        )
        rng = np.random.default_rng(seed)
        losses = [mlp.loss_and_gradients(x, y)[0]]
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, size):
                idx = order[start : start + size]
                mlp.step(mlp.loss_and_gradients(x[idx], y[idx])[1], lr)
                losses.append(mlp.loss_and_gradients(x, y)[0])
        per_epoch = math.ceil(n / size)
        out[bs] = BatchRun(size, per_epoch, np.arange(len(losses)) / per_epoch, np.array(losses))
    return out


def decision_grid(
    mlp: MLP, n: int = 41, lim: tuple[float, float] = (-0.5, 1.5)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's first output on a square grid of inputs.

    Parameters
    ----------
    mlp : MLP
        A network with two inputs.
    n : int, default 41
        Grid points per side (>= 2).
    lim : (float, float), default (-0.5, 1.5)
        The range of both coordinates.

    Returns
    -------
    grid_x, grid_y : ndarray, shape (n, n)
        The coordinates (``numpy.meshgrid``).
    output : ndarray, shape (n, n)
        The network's first output at each grid point.
    """
    n = check_positive_int("n", n, minimum=2)
    g = np.linspace(lim[0], lim[1], n)
    gx, gy = np.meshgrid(g, g)
    out = mlp.forward(np.column_stack([gx.ravel(), gy.ravel()]))[:, 0].reshape(n, n)
    return gx, gy, out


class XORDemo(Demo):
    """Live demo: train a 2-layer network on XOR; the loss curve and decision boundary follow the controls.

    Controls: hidden units, activation, learning rate, batch size, epochs, seed, and a *stop*
    button. A change restarts training from a fresh network and shows it at once (epoch 0);
    training then runs in chunks of about ``chunk_updates`` gradient steps, and after each chunk
    the progress bar, the loss curve and the decision boundary are updated. This is the course's
    one declared long run: in a kernel it runs in the demo's worker thread, a new change
    cancels it and starts over (the latest settings win), and *stop* ends it where it is.
    Without a kernel (tests, scripts) it runs to the end in the callback.
    :meth:`train_chunk` is one chunk's work.
    """

    LOSS_RANGE = (1e-5, 1.0)  # fixed y range of the loss plot, so its axes are drawn once
    figsize = (11.0, 4.0)
    summary = "train a 2-layer network on XOR: hidden units, activation, learning rate, batch size"

    def __init__(
        self,
        hidden: int = 4,
        activation: str = "tanh",
        lr: float = 1.0,
        batch_size: int = 4,
        epochs: int = 1000,
        seed: int = 0,
        chunk_updates: int = 200,
        data: tuple | None = None,
    ) -> None:
        self.x, self.y = xor_data() if data is None else data
        self.chunk_updates = check_positive_int("chunk_updates", chunk_updates)
        self._start = dict(
            hidden=check_positive_int("hidden", hidden),
            activation=activation,
            lr=lr,
            batch_size=batch_size,
            epochs=epochs,
            seed=seed,
        )
        self._stop = False
        self.stopped = False
        self.target_epochs = epochs
        super().__init__()

    @property
    def figure(self):
        return self.fig

    def build(self) -> list:
        """Make the panels and the controls. Parameters and returns as :meth:`Demo.build`."""
        import ipywidgets as w

        start = self._start
        narrow = w.Layout(width="300px")
        style = {"description_width": "120px"}
        self.hidden = w.IntSlider(
            value=start["hidden"],
            min=1,
            max=16,
            description="hidden units",
            continuous_update=False,
            style=style,
            layout=narrow,
        )
        self.activation = w.Dropdown(
            options=[a for a in ACTIVATIONS if a != "linear"],
            value=start["activation"],
            description="activation",
            style=style,
            layout=narrow,
        )
        self.lr = w.FloatLogSlider(
            value=start["lr"],
            base=10,
            min=-2,
            max=1,
            step=0.1,
            description="learning rate",
            continuous_update=False,
            style=style,
            layout=narrow,
        )
        n = self.x.shape[0]
        sizes = sorted({1, 2, 4, 8, 16, 32, n} & set(range(1, n + 1)))
        self.batch_size = w.Dropdown(
            options=sizes,
            value=start["batch_size"] if start["batch_size"] in sizes else n,
            description="batch size",
            style=style,
            layout=narrow,
        )
        self.epochs = w.IntSlider(
            value=start["epochs"],
            min=50,
            max=5000,
            step=50,
            description="epochs",
            continuous_update=False,
            style=style,
            layout=narrow,
        )
        self.seed = w.IntSlider(
            value=start["seed"],
            min=0,
            max=20,
            description="init seed",
            continuous_update=False,
            style=style,
            layout=narrow,
        )
        self.progress = w.IntProgress(
            value=0, min=0, max=start["epochs"], description="training", style=style, layout=narrow
        )
        self.progress_label = w.Label("")
        self.stop_button = w.Button(description="stop", icon="stop", layout=w.Layout(width="auto"))
        self.stop_button.on_click(lambda _: self.stop())
        self.watch(self.hidden, self.activation, self.lr, self.batch_size, self.epochs, self.seed)
        self.controls.append(self.stop_button)

        self.ax_loss = self.fig.add_subplot(1, 2, 1)
        self.ax_map = self.fig.add_subplot(1, 2, 2)
        self.fig.subplots_adjust(left=0.085, right=0.9, bottom=0.16, top=0.9, wspace=0.3)
        (self.loss_line,) = self.ax_loss.semilogy([0], [1.0], color="#1c7ed6")
        self.ax_loss.set_ylim(*self.LOSS_RANGE)
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_ylabel("loss", labelpad=2)
        self.ax_loss.set_title("training loss (all examples)")
        self.grid_x, self.grid_y, out = decision_grid(MLP([2, 1, 1]), n=41)
        self.map_image = self.ax_map.imshow(
            out, origin="lower", extent=(-0.5, 1.5, -0.5, 1.5), vmin=0, vmax=1, cmap="RdBu_r", interpolation="bilinear"
        )
        labels = self.y.reshape(-1) > 0.5
        self.points = [
            self.ax_map.scatter(
                self.x[labels, 0], self.x[labels, 1], c="#c92a2a", edgecolors="k", s=90, label="XOR = 1"
            ),
            self.ax_map.scatter(
                self.x[~labels, 0], self.x[~labels, 1], c="#1864ab", edgecolors="k", s=90, marker="s", label="XOR = 0"
            ),
        ]
        self.ax_map.set_xlabel("$x_1$")
        self.ax_map.set_ylabel("$x_2$", labelpad=0)
        self.ax_map.set_xticks([0, 1])
        self.ax_map.set_yticks([0, 1])
        self.map_title = self.ax_map.text(0.5, 1.03, "", transform=self.ax_map.transAxes, ha="center", va="bottom")
        bar = self.fig.colorbar(self.map_image, ax=self.ax_map, fraction=0.05, pad=0.03)
        bar.set_ticks([0, 0.5, 1])
        bar.set_label("output", labelpad=2)
        return [
            w.HBox([self.hidden, self.activation, self.lr]),
            w.HBox([self.batch_size, self.epochs, self.seed]),
            w.HBox([self.progress, self.stop_button, self.progress_label], layout=w.Layout(align_items="center")),
        ]

    def dynamic_artists(self) -> list:
        """What :meth:`compute` redraws. Parameters and returns as :meth:`Demo.dynamic_artists`."""
        return [self.loss_line, self.map_image, *self.points, self.map_title]

    # -- state -------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.epochs_done >= self.target_epochs

    def accuracy(self) -> float:
        """How well the current network separates the training points.

        Returns
        -------
        float
            Fraction of the points on the right side of the 0.5 output level.
        """
        return float(np.mean((self.mlp.forward(self.x) > 0.5) == (self.y > 0.5)))

    # -- training in chunks ---------------------------------------------------------------------
    def restart(self) -> None:
        """A fresh network from the current controls; nothing trained yet."""
        self.mlp = MLP(
            [2, self.hidden.value, 1],
            activation=self.activation.value,
            output_activation="sigmoid",
            seed=self.seed.value,
        )
        self.history = [self.mlp.loss_and_gradients(self.x, self.y)[0]]
        self.epochs_done = 0
        # this run's length, fixed now: a later change starts another run, not a longer one
        self.target_epochs = self.epochs.value
        self.stopped = False
        self.progress.max = self.target_epochs
        self.progress.value = 0
        self.progress_label.value = f"0/{self.target_epochs} epochs"

    def _chunk_epochs(self) -> int:
        updates_per_epoch = math.ceil(self.x.shape[0] / self.batch_size.value)
        return max(1, self.chunk_updates // updates_per_epoch)

    def train_chunk(self) -> None:
        """Train one chunk of epochs, then update the progress bar and the artists (not the picture)."""
        if self.done:
            return
        n = min(self._chunk_epochs(), self.target_epochs - self.epochs_done)
        if self.batch_size.value >= self.x.shape[0]:
            # full batch: one backward pass per epoch gives both this loss and the next update
            _, grads = self.mlp.loss_and_gradients(self.x, self.y)
            for _ in range(n):
                self.mlp.step(grads, self.lr.value)
                value, grads = self.mlp.loss_and_gradients(self.x, self.y)
                self.history.append(value)
        else:
            self.history += self.mlp.fit(
                self.x,
                self.y,
                epochs=n,
                lr=self.lr.value,
                batch_size=self.batch_size.value,
                seed=self.seed.value + self.epochs_done,
                progress=False,
            )
        self.epochs_done += n
        self.progress.value = self.epochs_done
        self.progress_label.value = f"{self.epochs_done}/{self.target_epochs} epochs"
        self.compute()

    def run_to_completion(self) -> None:
        """Train the remaining chunks now, in the caller's thread, and show the result."""
        while not self.done:
            self.train_chunk()
        self.refresh_picture()

    def refresh_picture(self) -> None:
        with course_style():
            self.compute()
        self.render()

    def stop(self) -> None:
        """End the running training where it is (the picture shows that state)."""
        self._stop = True

    def request(self) -> None:
        # Cleared here, in the thread that receives the clicks, not when the worker restarts:
        # a stop clicked after a change but before its run begins must stop that run.
        self._stop = False
        super().request()

    def compute(self) -> None:
        """Put the current loss history and decision map into the figure."""
        h = np.clip(np.asarray(self.history), *self.LOSS_RANGE)
        self.loss_line.set_data(np.arange(h.size), h)
        if self.renderer.static_changed(self.target_epochs):  # the only static part that can change
            self.ax_loss.set_xlim(0, max(1, self.target_epochs))
        _, _, out = decision_grid(self.mlp, n=self.grid_x.shape[0])
        self.map_image.set_data(out)
        units = f"{self.hidden.value} {self.activation.value} unit{'s' if self.hidden.value != 1 else ''}"
        self.map_title.set_text(f"{units}, epoch {self.epochs_done}: {self.accuracy():.0%} right")

    def work(self) -> None:
        """A control changed: a fresh network, shown at once, then trained chunk by chunk."""
        live = self._updates.threaded  # in a kernel: a picture after every chunk; else only the last
        with self.state_lock, course_style():
            self.restart()
            self.compute()
        if live:
            self.render()
        while not self.done:
            if self.superseded() or self._stop:  # a newer change starts over; stop ends here
                self.stopped = self._stop
                if self._stop:
                    self.progress_label.value = f"stopped at {self.epochs_done}/{self.target_epochs} epochs"
                break
            with self.state_lock, course_style():
                self.train_chunk()
            if live:
                self.render()
        if not live or self.stopped:
            self.render()
