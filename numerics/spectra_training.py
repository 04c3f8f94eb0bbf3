r"""Small PyTorch autoencoders trained offline on generated dot images, with dropout
(paper 2, Fig. 4 and Fig. 6: α and random-projection action per layer and dropout rate).

The paper trains a ResNet-VAE on CIFAR-10; here, with no downloads, two small architectures learn
to reconstruct :func:`numerics.stimuli.random_dot_images`:

* :class:`TrainConfig` — an MLP autoencoder (``size² → widths… → size²``, ReLU then dropout after
  each hidden layer);
* :class:`ConvConfig` — a convolutional autoencoder, the paper's kind of network as far as it runs
  offline on a CPU: strided 3x3 convolutions down (``1 → channels[0] → channels[1]``, each halving
  the side), transposed 4x4 convolutions up, ReLU then (element-wise) dropout after *every* ReLU,
  a few thousand parameters.

Activations of every ReLU are captured by forward hooks (flattened over channels and pixels) while
the moving-dot frames of Fig. 4a pass through the network in eval mode; the eigenspectrum, the
power-law exponent and the action of random projections are then measured per layer by
:mod:`numerics.spectra`.

Runs are seeded and deterministic (``torch.manual_seed``, deterministic algorithms, a fixed
thread count); ``device="auto"`` picks CUDA when present, else the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from polyverify.theory.validation import (
    require_in_interval,
    require_int,
    require_positive,
)

from .spectra import eigenspectrum, fit_power_law, projection_action, window_resolved
from .stimuli import moving_dot_frames, random_dot_images

__all__ = [
    "ConvConfig",
    "LayerResult",
    "TrainConfig",
    "analyze_network",
    "layer_activations",
    "parameter_count",
    "resolve_device",
    "train_autoencoder",
]

DROPOUT_RATES = (0.0, 0.2, 0.4, 0.8)
"""The MLP's rates: Fig. 6a's 0, 40 and 80 % and the 20 % of the text."""
CONV_DROPOUT_RATES = (0.0, 0.2, 0.4, 0.6, 0.8)
"""The convolutional setting's rates (issue 17, item 9): 0 to 80 % in steps of 20 %."""


def _check_training_options(cfg: Any) -> None:
    """The options both network configurations share: dropout in [0, 1), steps, batch, lr, seed, threads, device."""
    require_in_interval("dropout", cfg.dropout, 0.0, 1.0, closed_hi=False)
    require_int("steps", cfg.steps, minimum=1)
    require_int("batch", cfg.batch, minimum=1)
    require_positive("lr", cfg.lr)
    require_int("seed", cfg.seed, minimum=0)
    require_int("threads", cfg.threads, minimum=1)
    if cfg.device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be one of 'auto', 'cpu', 'cuda'; got {cfg.device!r}")

@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Options of one training run (keyword-only, validated)."""

    size: int = 12
    widths: tuple[int, ...] = (96, 96, 96)
    dropout: float = 0.0
    steps: int = 300
    batch: int = 64
    lr: float = 1e-3
    seed: int = 0
    device: str = "auto"
    threads: int = 1
    """CPU threads for torch during training (a fixed count keeps runs reproducible and avoids
    oversubscribing a shared machine); restored afterwards."""

    def __post_init__(self) -> None:
        require_int("size", self.size, minimum=4)
        if not self.widths:
            raise ValueError("widths must list at least one hidden layer width")
        for w in self.widths:
            require_int("widths[i]", w, minimum=2)
        _check_training_options(self)

    def model(self):
        """The MLP: ``Linear → ReLU → Dropout`` per hidden width, then a linear read-out (flat images in and out)."""
        from torch import nn

        layers: list = []
        d_in = self.size * self.size
        for w in self.widths:
            layers += [nn.Linear(d_in, w), nn.ReLU(), nn.Dropout(self.dropout)]
            d_in = w
        layers.append(nn.Linear(d_in, self.size * self.size))
        return nn.Sequential(*layers)


@dataclass(frozen=True, kw_only=True)
class ConvConfig:
    """Options of one convolutional autoencoder run (keyword-only, validated).

    Encoder: ``Conv2d(1, c0, 3, stride 2, pad 1) → ReLU → Dropout → Conv2d(c0, c1, 3, stride 2,
    pad 1) → ReLU → Dropout``; decoder: ``ConvTranspose2d(c1, c0, 4, stride 2, pad 1) → ReLU →
    Dropout → ConvTranspose2d(c0, 1, 4, stride 2, pad 1)``. With ``size = 16`` and channels
    ``(8, 16)`` the three ReLU layers have 8·8·8 = 512, 16·4·4 = 256 and 512 units and the network
    3,433 parameters. ``size`` must be divisible by 4 (two halvings, two doublings)."""

    size: int = 16
    channels: tuple[int, int] = (8, 16)
    dropout: float = 0.0
    steps: int = 300
    batch: int = 32
    lr: float = 3e-3
    seed: int = 0
    device: str = "auto"
    threads: int = 1
    """CPU threads for torch during training (as :attr:`TrainConfig.threads`)."""

    def __post_init__(self) -> None:
        require_int("size", self.size, minimum=8)
        if self.size % 4:
            raise ValueError(f"size must be divisible by 4 (two stride-2 convolutions); got {self.size}")
        if len(self.channels) != 2:
            raise ValueError(f"channels must list two channel counts (c0, c1); got {self.channels!r}")
        for c in self.channels:
            require_int("channels[i]", c, minimum=1)
        _check_training_options(self)

    @property
    def widths(self) -> tuple[int, ...]:
        """Units of each ReLU layer (channels x pixels), in depth order."""
        c0, c1 = self.channels
        h = self.size // 2
        return (c0 * h * h, c1 * (h // 2) ** 2, c0 * h * h)

    def model(self):
        """The convolutional autoencoder (flat images in and out, so both architectures share one interface)."""
        from torch import nn

        c0, c1 = self.channels
        d = self.dropout
        return nn.Sequential(
            nn.Unflatten(1, (1, self.size, self.size)),
            nn.Conv2d(1, c0, 3, stride=2, padding=1), nn.ReLU(), nn.Dropout(d),
            nn.Conv2d(c0, c1, 3, stride=2, padding=1), nn.ReLU(), nn.Dropout(d),
            nn.ConvTranspose2d(c1, c0, 4, stride=2, padding=1), nn.ReLU(), nn.Dropout(d),
            nn.ConvTranspose2d(c0, 1, 4, stride=2, padding=1),
            nn.Flatten(),
        )


def parameter_count(cfg: TrainConfig | ConvConfig) -> int:
    """Trainable parameters of the network ``cfg`` builds. For a :class:`ConvConfig` it is counted
    from the layer shapes without building the model (so that declaring a claim imports no torch):
    ``9c0 + c0`` + ``9 c0 c1 + c1`` + ``16 c1 c0 + c0`` + ``16 c0 + 1``; a test checks it against
    the built model."""
    if isinstance(cfg, ConvConfig):
        c0, c1 = cfg.channels
        return (9 * c0 + c0) + (9 * c0 * c1 + c1) + (16 * c1 * c0 + c0) + (16 * c0 + 1)
    return int(sum(p.numel() for p in cfg.model().parameters()))


@dataclass(frozen=True, kw_only=True)
class LayerResult:
    """Per hidden layer: the fitted exponent, the eigenvalues, and the action's MC sample."""

    layer: int
    alpha: float
    alpha_ci: tuple[float, float]
    eigvals: np.ndarray = field(repr=False)
    action: np.ndarray = field(repr=False)
    acts: np.ndarray = field(repr=False)


def resolve_device(device: str) -> str:
    """``"auto"`` → ``"cuda"`` if available else ``"cpu"``; ``"cuda"`` without CUDA is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device must be 'cpu' or 'auto' here: CUDA is not available")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be one of 'auto', 'cpu', 'cuda'; got {device!r}")
    return device


def train_autoencoder(cfg: TrainConfig | ConvConfig):
    """Train the autoencoder of ``cfg`` (MLP or convolutional) with Adam on fresh random dot images
    each step; returns the model (eval mode)."""
    import torch

    dev = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)
    prev = torch.are_deterministic_algorithms_enabled()
    prev_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(cfg.threads)
    try:
        model = cfg.model().to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        rng = np.random.default_rng(cfg.seed)
        data = random_dot_images(cfg.steps * cfg.batch, rng=rng, size=cfg.size).reshape(cfg.steps, cfg.batch, -1)
        model.train()
        for step in range(cfg.steps):
            x = torch.from_numpy(data[step]).to(dev)
            loss = torch.mean((model(x) - x) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.use_deterministic_algorithms(prev)
        torch.set_num_threads(prev_threads)
    model.eval()
    return model


def layer_activations(model, images: np.ndarray, device: str = "auto") -> list[np.ndarray]:
    """Activations of every ReLU of ``model`` on ``images`` (``n x size x size``), via forward hooks;
    each layer's ``n x units`` (a convolutional layer flattened over channels and pixels)."""
    import torch
    from torch import nn

    dev = resolve_device(device)
    x = torch.from_numpy(np.asarray(images, dtype=np.float32).reshape(len(images), -1)).to(dev)
    model = model.to(dev).eval()
    store: list[np.ndarray] = []
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    hooks = [
        mod.register_forward_hook(
            lambda _m, _i, out: store.append(out.detach().flatten(1).cpu().numpy().astype(float)))
        for mod in model.modules()
        if isinstance(mod, nn.ReLU)
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
        torch.set_num_threads(prev_threads)
    return store


def analyze_network(
    cfg: TrainConfig | ConvConfig,
    *,
    n_probe: int = 512,
    n_frames: int = 128,
    projections: int = 1000,
    k: int = 3,
    lo: int = 10,
    hi: int = 50,
    components: int | None = None,
    rng: np.random.Generator,
) -> list[LayerResult]:
    """Train, then per hidden layer: fit α (Methods) on the activations to ``n_probe`` held-out
    random dot images (the paper uses its image data set for Fig. 3), and sample the action of
    ``projections`` random projections of the activations to ``n_frames`` moving-dot frames
    (Fig. 4a/c, 1000 projections in the paper).

    ``components`` caps the PCA's components (Methods: at most 1000; default: all, up to
    ``min(live units, n_probe)``); the fit window needs only the first ``hi``, which a randomized
    PCA of ``2 hi`` components returns to round-off (tests/test_spectra_numerics.py).

    A layer whose spectrum is too short or degenerate for the window gets ``alpha = nan``."""
    n = require_int("n_probe", n_probe, minimum=hi + 1)
    nf = require_int("n_frames", n_frames, minimum=2)
    cap = n if components is None else require_int("components", components, minimum=hi)
    model = train_autoencoder(cfg)
    probe = random_dot_images(n, rng=np.random.default_rng(10_000 + cfg.seed), size=cfg.size)
    frames = moving_dot_frames(nf, size=cfg.size)
    out = []
    probe_acts = layer_activations(model, probe, cfg.device)
    frame_acts = layer_activations(model, frames, cfg.device)
    for idx, (pa, acts) in enumerate(zip(probe_acts, frame_acts)):
        live = pa[:, np.ptp(pa, axis=0) > 0]
        alpha, ci = float("nan"), (float("nan"), float("nan"))
        ev = np.zeros(0)
        if live.shape[1] > hi:
            ev = eigenspectrum(live, n_components=min(live.shape[1], n, cap), seed=cfg.seed)
            if window_resolved(ev, lo, hi):
                f = fit_power_law(ev, lo, hi)
                alpha, ci = f.alpha, (f.ci_lo, f.ci_hi)
        action = projection_action(acts, k=k, trials=projections, rng=rng)
        out.append(LayerResult(layer=idx + 1, alpha=alpha, alpha_ci=ci, eigvals=ev, action=action, acts=acts))
    return out
