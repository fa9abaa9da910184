"""Measurements on trained models: losses of arbitrary parameter sets, curvature, sensitivity,
sharpness, loss along a line or around a point.

Parameter sets are dicts name -> (members, ...) stacked tensors, as in Runs.params, so many points
(interpolation ratios, noise samples, perturbation directions) are evaluated as one batched pass.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.func import functional_call, jacrev, vmap

from harness.data import Split
from harness.models import build
from harness.train import EVAL_CHUNK, TrainConfig, _losses, _stacked_forward, evaluate


def evaluate_stacked(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                     y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member (loss, accuracy) of stacked parameter sets on (x, y); accuracy NaN for regression."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    return evaluate(config, forward, params, x, y)


def flatten(params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Stacked parameter dict -> (members, n_params)."""
    return torch.cat([p.flatten(1) for p in params.values()], dim=1)


def unflatten(flat: torch.Tensor, like: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """(members, n_params) -> stacked dict with the shapes of `like` (any members count)."""
    out, start = {}, 0
    for name, p in like.items():
        size = p[0].numel()
        out[name] = flat[:, start:start + size].reshape(flat.shape[0], *p.shape[1:])
        start += size
    return out


# --- Deep vs shallow (C1, C2): predicted curves, epochs to reach a loss --------------------------

@torch.no_grad()
def predict_stacked(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Outputs (members, n, out) of stacked parameter sets on inputs x (n, ...), in one pass: meant for
    the few thousand grid points of a 1-D function, not for a whole image split."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    return forward(params, x)


def first_epoch_below(epochs: np.ndarray, losses: np.ndarray, threshold: float, never: float) -> np.ndarray:
    """Per member, the first recorded epoch whose loss is at or below `threshold`; `never` for members
    that do not get there. losses (members, records) as in Runs.train_loss."""
    below = np.asarray(losses) <= threshold
    return np.where(below.any(axis=1), np.asarray(epochs)[below.argmax(axis=1)], never)


# --- Optimisation (C3–C6): Hessian and minimal ratio, gradient norm, error surface ------------------

# Trajectories (C3): where a layer sits in the flat vector, 2-D projections, distances.

def layer_columns(params: dict[str, torch.Tensor], prefix: str) -> torch.Tensor:
    """Indices, in the flattened parameter vector, of the parameters whose name starts with `prefix`
    (e.g. "1." = the first Linear of an MLP: its weight and bias)."""
    columns, start = [], 0
    for name, p in params.items():
        size = p[0].numel()
        if name.startswith(prefix):
            columns.append(torch.arange(start, start + size))
        start += size
    if not columns:
        raise ValueError(f"no parameter name starts with {prefix!r}; names: {list(params)}")
    return torch.cat(columns)


def project_paths(snapshots: torch.Tensor, method: str, seed: int = 0) -> np.ndarray:
    """(runs, K, d) parameter snapshots -> (runs, K, 2), every run's points embedded together
    with scikit-learn's PCA or t-SNE (so the runs share one 2-D frame)."""
    from sklearn.decomposition import PCA  # imported here: every process imports this module, few project paths
    from sklearn.manifold import TSNE

    runs, k, d = snapshots.shape
    points = snapshots.reshape(runs * k, d).double().cpu().numpy()
    if method == "pca":
        flat = PCA(n_components=2, random_state=seed).fit_transform(points)
    elif method == "tsne":
        perplexity = min(30.0, (len(points) - 1) / 3)  # t-SNE needs perplexity < number of points
        flat = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(points)
    else:
        raise ValueError(f"unknown projection {method!r}: use 'pca' or 'tsne'")
    return flat.reshape(runs, k, 2)


def path_distances(snapshots: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(pairwise distances between the runs' final points (runs, runs), each run's distance from its
    own first snapshot to its last (runs,)), from (runs, K, d) snapshots."""
    first, last = snapshots[:, 0].double(), snapshots[:, -1].double()
    return torch.cdist(last, last).numpy(), (last - first).norm(dim=1).numpy()


# Gradient norm during training (C4): per-member summaries of the per-step records.

def gradient_fall(grad_norm: np.ndarray, early_steps: int, late_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(early level, final level) per member of a (members, steps) gradient-norm record: the largest
    norm over the first `early_steps` steps and the median over the last `late_fraction` of steps."""
    late = max(1, int(round(grad_norm.shape[1] * late_fraction)))
    return grad_norm[:, :early_steps].max(axis=1), np.median(grad_norm[:, -late:], axis=1)


def near_zero_phase(grad_norm: np.ndarray, loss: np.ndarray, threshold: np.ndarray,
                    windows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the loss does once the gradient norm is near zero, per member of (members, steps) records.

    The phase starts at the first step whose gradient norm is <= threshold[member] and runs to the end.
    Returns (start step, or -1 if never reached; loss at the end / loss at the start; how many of the
    `windows` - 1 transitions between consecutive equal windows of the phase lower the mean loss).
    NaN / 0 for members that never reach the threshold or whose phase is shorter than `windows` steps."""
    members = len(grad_norm)
    start = np.full(members, -1)
    ratio = np.full(members, np.nan)
    falls = np.zeros(members, dtype=int)
    for m in range(members):
        below = np.flatnonzero(grad_norm[m] <= threshold[m])
        if len(below) == 0 or grad_norm.shape[1] - below[0] < windows:
            continue
        start[m] = below[0]
        phase = loss[m, below[0]:]
        ratio[m] = phase[-1] / phase[0]
        means = np.array([w.mean() for w in np.array_split(phase, windows)])
        falls[m] = int((np.diff(means) < 0).sum())
    return start, ratio, falls


# Critical points and curvature (C5): 004's second phase, Hessians by torch.func, minimal ratio.

def gradient_norms(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                   y: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Per-member norm of the gradient of the training loss on (x, y), computed in `dtype`."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    params = {k: v.detach().to(dtype).requires_grad_(True) for k, v in params.items()}
    losses = _losses(config, forward(params, x.to(dtype)), y.to(dtype) if y.is_floating_point() else y)
    grads = torch.autograd.grad(losses.sum(), list(params.values()))  # member i's loss sees member i only
    return torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in grads)).detach()


def descend_gradient_norm(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                          y: torch.Tensor, steps: int, lr: float) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """004's second phase: from `params`, minimise the squared gradient norm of the training loss
    (instead of the loss) with full-batch Adam, every stacked member at once.

    Returns the final stacked parameters and the (members, steps + 1) gradient norm before each step
    and after the last."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    optimizer = torch.optim.Adam(list(params.values()), lr=lr, foreach=True)
    norms = []
    for step in range(steps + 1):
        losses = _losses(config, forward(params, x), y)
        grads = torch.autograd.grad(losses.sum(), list(params.values()), create_graph=True)
        squared = sum(g.flatten(1).pow(2).sum(1) for g in grads)  # (members,)
        norms.append(squared.detach().sqrt().cpu())
        if step == steps:
            break
        optimizer.zero_grad(set_to_none=True)
        squared.sum().backward()  # members are independent, so the sum's gradient is each member's own
        optimizer.step()
    return {k: v.detach() for k, v in params.items()}, torch.stack(norms, dim=1)


HESSIAN_CHUNK = 8  # Hessian rows per vectorised reverse pass: measured fastest on CPU (1501 params: 1.7 s vs
                   # 11.7 s for torch.func.hessian, whose forward-over-reverse holds all d tangents at once)


def hessians(fn, points: torch.Tensor, chunk_size: int | None = None) -> torch.Tensor:
    """Hessian of the scalar function `fn` at each row of `points` (n, d) -> (n, d, d), by reverse-over-
    reverse `jacrev(jacrev(fn))`, `chunk_size` (default HESSIAN_CHUNK) rows of each Hessian at a time."""
    second = jacrev(jacrev(fn), chunk_size=chunk_size or HESSIAN_CHUNK)
    return torch.stack([second(point) for point in points])


def loss_hessians(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                  chunk_size: int | None = None, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Full Hessian of the training loss on (x, y) w.r.t. all parameters, per stacked member:
    (members, n_params, n_params) in `dtype`, parameters in `flatten` order."""
    base = build(config.model).to("meta")
    like = {k: v[:1] for k, v in params.items()}
    x = x.to(dtype)
    y = y.to(dtype) if y.is_floating_point() else y

    def loss(flat: torch.Tensor) -> torch.Tensor:
        one = {k: v[0] for k, v in unflatten(flat.unsqueeze(0), like).items()}
        return _losses(config, functional_call(base, one, (x,)).unsqueeze(0), y)[0]

    return hessians(loss, flatten(params).detach().to(dtype), chunk_size)


def eigenvalue_signs(eigenvalues: torch.Tensor, rel_tol: float = 0.0,
                     abs_tol: torch.Tensor | np.ndarray | float | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(positive, zero, negative) counts per row of (members, n) eigenvalues. |λ| <= the row's tolerance
    counts as zero: the larger of rel_tol · max|λ| of that row and abs_tol (a number, or one per row)."""
    tol = rel_tol * eigenvalues.abs().amax(dim=1, keepdim=True)
    if abs_tol is not None:
        floor = torch.as_tensor(abs_tol, dtype=eigenvalues.dtype).reshape(-1, 1)
        tol = torch.maximum(tol, floor.expand(len(eigenvalues), 1))
    positive = (eigenvalues > tol).sum(1)
    negative = (eigenvalues < -tol).sum(1)
    return positive, eigenvalues.shape[1] - positive - negative, negative


def minimal_ratio(eigenvalues: torch.Tensor, rel_tol: float = 0.0,
                  abs_tol: torch.Tensor | np.ndarray | float | None = None) -> torch.Tensor:
    """004's minimal ratio ("the share of the Hessian's eigenvalues that are positive") per row of
    (members, n) eigenvalues, counted among the eigenvalues that are not zero within the tolerance
    (see eigenvalue_signs): positive / (positive + negative). So a strict minimum gives 1 and a saddle less,
    whatever the number of eigenvalues that vanish — a ReLU net has one flat direction per hidden unit
    (rescaling its incoming and outgoing weights), and dead units add more. NaN where none is nonzero."""
    positive, _zero, negative = eigenvalue_signs(eigenvalues, rel_tol, abs_tol)
    nonzero = (positive + negative).double()
    return torch.where(nonzero > 0, positive.double() / nonzero.clamp_min(1), torch.full_like(nonzero, float("nan")))


@dataclass
class CriticalPoints:
    """Where 004's procedure landed, per member: training loss, gradient norm and Hessian
    spectrum (all computed in float64), and the gradient-norm history of the second phase."""
    loss: np.ndarray           # (members,)
    grad_norm: np.ndarray      # (members,)
    eigenvalues: torch.Tensor  # (members, n_params), ascending
    history: np.ndarray        # (members, steps + 1) gradient norm during the second phase

    def signs(self, rel_tol: float = 0.0, abs_tol=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(c.numpy() for c in eigenvalue_signs(self.eigenvalues, rel_tol, abs_tol))

    def minimal_ratio(self, rel_tol: float = 0.0, abs_tol=None) -> np.ndarray:
        return minimal_ratio(self.eigenvalues, rel_tol, abs_tol).numpy()

    def payloads(self) -> list[dict[str, torch.Tensor]]:
        """One dict of tensors per member, the form the run cache stores."""
        return [{"loss": torch.tensor(self.loss[i]), "grad_norm": torch.tensor(self.grad_norm[i]),
                 "eigenvalues": self.eigenvalues[i].clone(), "history": torch.from_numpy(self.history[i].copy())}
                for i in range(len(self.loss))]

    @classmethod
    def from_payloads(cls, payloads: list[dict[str, torch.Tensor]]) -> "CriticalPoints":
        stack = lambda name: torch.stack([p[name] for p in payloads])  # noqa: E731
        return cls(loss=stack("loss").numpy(), grad_norm=stack("grad_norm").numpy(),
                   eigenvalues=stack("eigenvalues"), history=stack("history").numpy())


def find_critical_points(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                         steps: int, lr: float, chunk_size: int | None = None) -> CriticalPoints:
    """004's procedure after MSE training: `steps` of Adam on the squared gradient norm, then the loss,
    gradient norm and full Hessian spectrum (torch.func, float64) at the point reached, every member."""
    params, history = descend_gradient_norm(config, params, x, y, steps, lr)
    params64 = {k: v.double() for k, v in params.items()}
    loss = evaluate_stacked(config, params64, x.double(), y.double() if y.is_floating_point() else y)[0]
    spectrum = torch.linalg.eigvalsh(loss_hessians(config, params, x, y, chunk_size=chunk_size))
    return CriticalPoints(loss=loss.cpu().numpy(), grad_norm=gradient_norms(config, params, x, y).cpu().numpy(),
                          eigenvalues=spectrum.cpu(), history=history.numpy())


# Error surface (C6): loss around a trained point, in random directions.

def _losses_of(config: TrainConfig, flat: torch.Tensor, like: dict[str, torch.Tensor], x: torch.Tensor,
               y: torch.Tensor, chunk: int = 128) -> torch.Tensor:
    """Loss of each row of (S, n_params) flat parameter sets, `chunk` sets per batched pass."""
    return torch.cat([evaluate_stacked(config, unflatten(flat[s:s + chunk], like), x, y)[0]
                      for s in range(0, len(flat), chunk)])


def loss_vs_radius(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                   radii: np.ndarray, n_directions: int, seed: int = 0) -> np.ndarray:
    """004's 1-D error curve: the loss at θ + r·u averaged over `n_directions` random unit directions u
    (uniform on the sphere: normalised Gaussians), per member and radius -> (members, len(radii)).
    The same directions serve every radius, so each curve is smooth in r."""
    flat = flatten(params)
    generator = torch.Generator().manual_seed(seed)
    radii_t = torch.as_tensor(radii, dtype=flat.dtype)
    out = []
    for theta in flat:
        u = torch.randn(n_directions, flat.shape[1], generator=generator, dtype=flat.dtype)
        u = (u / u.norm(dim=1, keepdim=True)).to(flat.device)
        points = theta + radii_t.to(flat.device)[:, None, None] * u  # (radii, directions, n_params)
        out.append(_losses_of(config, points.reshape(-1, flat.shape[1]), params, x, y)
                   .view(len(radii), n_directions).mean(1))
    return torch.stack(out).double().cpu().numpy()


def filter_normalized_direction(params: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Li et al. 2018: a Gaussian direction for one model (unstacked params) whose every filter — a row
    of a weight matrix, i.e. one unit's incoming weights — has the norm of that filter in `params`;
    biases get zero (Li et al. do not perturb them)."""
    direction = {}
    for name, p in params.items():
        if p.dim() < 2:
            direction[name] = torch.zeros_like(p)
            continue
        d = torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device)
        rows, d_rows = p.flatten(1), d.flatten(1)
        scale = rows.norm(dim=1, keepdim=True) / d_rows.norm(dim=1, keepdim=True).clamp_min(1e-12)
        direction[name] = (d_rows * scale).view_as(p)
    return direction


def loss_surface(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                 coords: np.ndarray, seed: int = 0) -> np.ndarray:
    """Li et al. 2018's 2-D surface around one model (unstacked params): loss at θ + a·d1 + b·d2 for
    filter-normalised random directions d1, d2 and a, b over `coords` -> (len(coords), len(coords)),
    rows indexed by b, columns by a (the layout matplotlib's contour expects)."""
    generator = torch.Generator().manual_seed(seed)
    stacked = {k: v.unsqueeze(0) for k, v in params.items()}
    d1 = flatten({k: v.unsqueeze(0) for k, v in filter_normalized_direction(params, generator).items()})
    d2 = flatten({k: v.unsqueeze(0) for k, v in filter_normalized_direction(params, generator).items()})
    c = torch.as_tensor(coords, dtype=d1.dtype, device=d1.device)
    b, a = torch.meshgrid(c, c, indexing="ij")
    points = flatten(stacked) + a.reshape(-1, 1) * d1 + b.reshape(-1, 1) * d2
    return _losses_of(config, points, stacked, x, y).view(len(coords), len(coords)).double().cpu().numpy()


# --- Generalisation (C9–C11): interpolation, input sensitivity, sharpness ---------------------------


def interpolate(theta_a: dict[str, torch.Tensor], theta_b: dict[str, torch.Tensor], alphas) -> dict[str, torch.Tensor]:
    """θ(α) = (1 − α)·θ_a + α·θ_b for every α, stacked: one member per α.

    theta_a, theta_b are one model's parameters each (name -> tensor, as `Runs.member_params(i)`).
    Written as two products, not `lerp`, so that α = 0 and α = 1 give θ_a and θ_b exactly."""
    out = {}
    for name, a in theta_a.items():
        alpha = torch.as_tensor(alphas, dtype=a.dtype, device=a.device).view(-1, *[1] * a.dim())
        out[name] = (1 - alpha) * a.detach() + alpha * theta_b[name].detach()
    return out


def line_metrics(config: TrainConfig, theta_a: dict[str, torch.Tensor], theta_b: dict[str, torch.Tensor],
                 alphas, split: Split) -> dict[str, np.ndarray]:
    """Train and test loss and accuracy of θ(α) along the line through θ_a (α = 0) and θ_b (α = 1),
    each an array over `alphas`; all points evaluated as one stacked pass per split."""
    params = interpolate(theta_a, theta_b, alphas)
    train_loss, train_acc = evaluate_stacked(config, params, split.x_train, split.y_train)
    test_loss, test_acc = evaluate_stacked(config, params, split.x_test, split.y_test)
    return {name: value.cpu().numpy() for name, value in
            (("train_loss", train_loss), ("train_acc", train_acc), ("test_loss", test_loss), ("test_acc", test_acc))}


def input_sensitivity(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                      softmax: bool | None = None, chunk: int = 1000) -> torch.Tensor:
    """Per member: the mean over the points x of ‖∂f(x)/∂x‖_F, the Frobenius norm of the input–output
    Jacobian (Novak et al. 2018). f is the softmax of the network's output for classifiers and the raw
    output for regression (softmax=False forces the raw output). One `jacrev` per point, `vmap`ped."""
    softmax = config.loss == "cross_entropy" if softmax is None else softmax
    return _mean_input_jacobian_norm(config, params, x, softmax, chunk, "fro")


def _mean_input_jacobian_norm(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, softmax: bool,
                              chunk: int, ord: str | int) -> torch.Tensor:
    """Per member: the mean over the points x of the matrix norm `ord` of the input–output Jacobian ∂f(x)/∂x
    (outputs × flattened inputs), f the softmax of the output if `softmax`. One `jacrev` per point, `vmap`ped,
    `chunk` points at a time."""
    base = build(config.model).to("meta")
    members = next(iter(params.values())).shape[0]
    means = torch.empty(members, dtype=torch.float64)
    for i in range(members):
        member = {name: p[i].detach() for name, p in params.items()}

        def output(point: torch.Tensor) -> torch.Tensor:
            y = functional_call(base, member, (point.unsqueeze(0),))[0]
            return y.softmax(-1) if softmax else y

        jacobian = vmap(jacrev(output))  # (points, outputs, *input shape)
        total = sum(torch.linalg.matrix_norm(jacobian(x[s:s + chunk]).flatten(2), ord=ord).double().sum()
                    for s in range(0, len(x), chunk))
        means[i] = total / len(x)
    return means


def noise_sharpness(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                    sigma: float, samples: int = 20, seed: int = 0) -> torch.Tensor:
    """004's sharpness, per member: the largest increase of the loss on (x, y) over `samples` Gaussian
    perturbations θ + N(0, σ²I) of all parameters. Every member gets the same draws (from `seed`), so
    differences between members are not differences between their draws."""
    base_loss, _ = evaluate_stacked(config, params, x, y)
    flat = flatten({name: p.detach() for name, p in params.items()})
    noise = torch.randn(samples, flat.shape[1], generator=torch.Generator().manual_seed(seed)).to(flat)
    increase = torch.empty(len(flat), dtype=torch.float64)
    for i in range(len(flat)):
        loss, _ = evaluate_stacked(config, unflatten(flat[i] + sigma * noise, params), x, y)
        increase[i] = (loss.max() - base_loss[i]).cpu()
    return increase


def epsilon_sharpness(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                      epsilon: float = 1e-3, steps: int = 10) -> torch.Tensor:
    """Keskar et al. 2017's ε-sharpness, per member: φ = 100·(max_{δ∈C} f(θ+δ) − f(θ)) / (1 + f(θ)), where f
    is the mean loss on (x, y) and C the box |δ_i| ≤ ε(|θ_i| + 1) in the full parameter space.

    The maximum comes from `steps` projected sign-gradient ascent steps of 2.5·radius/steps each (the
    usual L∞ ascent step), starting at δ = 0; the largest loss seen at any iterate counts, so φ ≥ 0."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    theta = {name: p.detach() for name, p in params.items()}
    radius = {name: epsilon * (p.abs() + 1) for name, p in theta.items()}
    delta = {name: torch.zeros_like(p) for name, p in theta.items()}
    base_loss, _ = evaluate(config, forward, theta, x, y)
    best = base_loss.clone()
    for step in range(steps + 1):
        for d in delta.values():
            d.requires_grad_(True)
        loss_sum = torch.zeros_like(base_loss)
        for start in range(0, len(x), EVAL_CHUNK):  # as `evaluate` sums it, gradients accumulated by chunk
            xb, yb = x[start:start + EVAL_CHUNK], y[start:start + EVAL_CHUNK]
            perturbed = {name: theta[name] + delta[name] for name in theta}
            chunk_loss = _losses(config, forward(perturbed, xb), yb)
            loss_sum += chunk_loss.detach().double() * len(xb)
            if step < steps:
                (chunk_loss.sum() * len(xb)).backward()
        best = torch.maximum(best, loss_sum / len(x))
        if step == steps:
            break
        with torch.no_grad():
            for name, d in delta.items():
                moved = d + 2.5 * radius[name] / steps * d.grad.sign()
                delta[name] = torch.maximum(torch.minimum(moved, radius[name]), -radius[name])
    return (100 * (best - base_loss) / (1 + base_loss)).cpu()


# --- Curve summaries for C4's 003 §2.2 loss sentence (appended, issue 12) ---------------------------------

def window_median(curves: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Per member of (members, steps) curves, the median over steps [start, stop): a level that one
    oscillating step (full-batch Adam) cannot move."""
    curves = np.asarray(curves, dtype=float)
    if not 0 <= start < stop <= curves.shape[1]:
        raise ValueError(f"window [{start}, {stop}) is not inside the {curves.shape[1]} recorded steps")
    return np.median(curves[:, start:stop], axis=1)


def relative_fall(curves: np.ndarray, last_fraction: float, window: int) -> np.ndarray:
    """Per member, how much the curve fell over its last `last_fraction` of steps, relative to where that
    stretch began: (level at its start - level at the end) / level at its start, each level the median of
    `window` steps (so full-batch oscillations do not count as falls)."""
    curves = np.asarray(curves, dtype=float)
    steps = curves.shape[1]
    begin = int(round((1 - last_fraction) * steps))
    half = max(1, window // 2)
    at_begin = window_median(curves, max(0, begin - half), min(steps, begin + half))
    at_end = window_median(curves, max(0, steps - window), steps)
    return (at_begin - at_end) / at_begin


# --- The reports' own sensitivity and sharpness measures (C10, C11; issue 12) ----------------------

def loss_input_gradient_max(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                            y: torch.Tensor) -> torch.Tensor:
    """004's sensitivity, per member: the largest over the points of ‖∂ℓ(f(x_i), y_i)/∂x_i‖_F, the gradient
    of the point's own loss with respect to its input ("loss 對 input perturbation 的 gradient 取 fnorm,並挑選
    最大的值"). Each point's loss depends only on its own input, so one backward pass of the summed
    per-point losses gives every point's gradient."""
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    members = next(iter(params.values())).shape[0]
    largest = torch.empty(members, dtype=torch.float64)
    for m in range(members):
        member = {name: p[m:m + 1].detach() for name, p in params.items()}
        points = x.detach().clone().requires_grad_(True)
        out = forward(member, points)[0]
        per_point = ((out - y) ** 2).flatten(1).mean(1) if config.loss == "mse" else \
            torch.nn.functional.cross_entropy(out, y, reduction="none")
        (gradient,) = torch.autograd.grad(per_point.sum(), points)
        largest[m] = gradient.flatten(1).norm(dim=1).max().double()
    return largest


def jacobian_two_norm(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor,
                      softmax: bool = True, chunk: int = 1000) -> torch.Tensor:
    """000's sensitivity, per member: the spectral norm (matrix 2-norm) of the input-output Jacobian
    ∂f(x)/∂x at each input of x, averaged over the inputs (000: "2-norm Jacobian Matrix with a random
    input x"). f is the softmax output unless softmax=False. `input_sensitivity` with another norm."""
    return _mean_input_jacobian_norm(config, params, x, softmax, chunk, 2)


def relative_noise_sharpness(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                             relative_sigma: float, samples: int = 20, seed: int = 0) -> torch.Tensor:
    """004's sharpness with σ scaled to each member's parameters: the largest loss increase over `samples`
    perturbations θ + σ_m·z, z ~ N(0, I) (the same draws for every member, from `seed`), with
    σ_m = relative_sigma × the root-mean-square of member m's parameters. A relative σ keeps the measure
    from ranking models by their weight scale alone (a net with larger weights feels a fixed σ less)."""
    base_loss, _ = evaluate_stacked(config, params, x, y)
    flat = flatten({name: p.detach() for name, p in params.items()})
    noise = torch.randn(samples, flat.shape[1], generator=torch.Generator().manual_seed(seed)).to(flat)
    increase = torch.empty(len(flat), dtype=torch.float64)
    for i in range(len(flat)):
        sigma = relative_sigma * flat[i].pow(2).mean().sqrt()
        loss, _ = evaluate_stacked(config, unflatten(flat[i] + sigma * noise, params), x, y)
        increase[i] = (loss.max() - base_loss[i]).cpu()
    return increase
