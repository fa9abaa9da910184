"""One trainer for a single model or a vectorised ensemble of identical-shape models.

Several seeds train as one batched computation: the members' parameters are stacked along a leading
dimension, MLPs run as batched matmuls with a hand-written backward (`mlp_losses_and_grads`; the deep narrow
function fits feature-major, every parameter in one flat tensor: `PackedMLP`, chosen by `packed_mlp`), CNNs as grouped
convolutions with a hand-written backward around oneDNN's (`cnn_losses_and_grads`), any other model through
`torch.func.vmap` over `functional_call` and autograd. Adam and SGD are elementwise, so one optimizer over the stacked tensors is one
optimizer per member. Member i is reproducible on its own: its initial weights come from
`torch.manual_seed(seed_i)` and its batch order from a generator seeded with `seed_i`, so the
ensemble gives the same numbers as training each seed alone up to float rounding (tested in
tests/test_train.py): batched matmuls on small shapes, vmap's grouped convolutions and fused Adam's
scalar tail may round member i differently in another ensemble size. Evaluation adds no such difference:
MLP members are evaluated together (each member's rows are its own gemm), other models member by member
(tested). Same ensemble, same seeds: same bits (docs/determinism.md).

A run can be continued: Runs.state keeps the optimizer's state and each member's batch-order generator, and
train_ensemble(..., resume=shorter_run) trains only the extra epochs, equal bit for bit to a straight run
(tests/test_resume.py). A few private torch kernels run behind a capability check (KERNELS).

Data stays on the device; batches are index gathers from a per-member `randperm`; no DataLoader.
During training MLP weights are stored (members, in, out) (see `_training_layout`).
"""
from __future__ import annotations

import ctypes
import dataclasses
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from harness.cache import STORED_STATE, CacheWarning, CorruptCacheEntry, StoredState
from harness.data import DataSpec, Split, function_data, load_mnist, shuffle_labels
from harness.models import ACTIVATIONS, CNNSpec, MLPSpec, ModelSpec, build
from harness.results import plain

EVAL_CHUNK = 2048  # rows per forward pass when evaluating a whole split (bounds memory)
CNN_EVAL_IMAGES = 256  # images per CNN forward pass, all members together: 0.22 s for 4 x 1000 C2 images against 1.16 s at 2048 per member (cache)


@dataclass(frozen=True)
class FunctionTask:
    """Regression on a 1-D target function: train = test = n_points evenly spaced on [-1, 1]."""
    name: str
    n_points: int = 1000


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run except its seed. Frozen and hashable: it keys the cache."""
    model: ModelSpec
    data: DataSpec | FunctionTask
    epochs: int
    lr: float
    batch_size: int | None = None     # None = full batch (one step per epoch)
    optimizer: str = "adam"           # "adam" or "sgd"
    weight_decay: float = 0.0         # PyTorch's L2 term, as the reports' Adam(weight_decay=…)
    momentum: float = 0.0             # SGD only
    record_every: int = 1             # epochs between full train/test evaluations
    record_steps: bool = False        # also keep every step's minibatch loss and gradient norm
    snapshot_every: int = 0           # epochs between flattened-parameter snapshots; 0 = none
    label_noise: float = 0.0          # fraction of training labels replaced by random classes, drawn per seed

    @property
    def loss(self) -> str:
        return "mse" if isinstance(self.data, FunctionTask) else "cross_entropy"


class TrainingDiverged(RuntimeError):
    """A member's loss became NaN or infinite."""


def describe(obj) -> object:
    """A JSON-able description of a config (dataclasses become dicts tagged with their type): the cache key's."""
    return plain(obj, type_tags=True)


@dataclass
class Runs:
    """Recorded metrics of one config over several seeds; arrays are (members, records)."""
    config: TrainConfig
    seeds: list[int]
    epochs: np.ndarray                 # (T,) epoch of each record; 0 = at initialisation
    train_loss: np.ndarray
    train_acc: np.ndarray              # NaN for regression
    test_loss: np.ndarray
    test_acc: np.ndarray
    params: Mapping[str, torch.Tensor]  # final parameters, stacked: name -> (members, ...); StoredParams from a runner
    step_loss: np.ndarray | None = None    # (members, steps) minibatch loss, if record_steps
    grad_norm: np.ndarray | None = None    # (members, steps) gradient norm before each update
    snapshots: torch.Tensor | None = None  # (members, K, n_params) flattened parameters
    snapshot_epochs: np.ndarray | None = None
    seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))  # training wall time per member
    cached: list[bool] = field(default_factory=list)
    state: ResumeState | None = None   # what continuing this run needs beyond its params (see ResumeState); None
                                       # when read from the cache for its curves (the runner reads it to resume)
    resumed_from: int | None = None    # the shorter budget (epochs) this run continued from, if it did

    def __len__(self) -> int:
        return len(self.seeds)

    def model(self, i: int) -> nn.Module:
        """Member i as an ordinary nn.Module (CPU)."""
        module = build(self.config.model)
        module.load_state_dict({name: p[i].detach().cpu() for name, p in self.params.items()})
        return module

    def member_params(self, i: int) -> dict[str, torch.Tensor]:
        return {name: p[i] for name, p in self.params.items()}

    def flat_params(self) -> torch.Tensor:
        """Final parameters as one (members, n_params) matrix."""
        return torch.cat([p.flatten(1) for p in self.params.values()], dim=1)


class StoredParams(Mapping):
    """An ensemble's final parameters, name -> (members, ...), named by its members' cache keys (`run_keys`).

    Read from the cache, the tensors stay on disk until first used (harness.cache.StoredState): a warm run
    that only reads curves never loads them. A measurement's cache key names them by `run_keys` instead of
    hashing their bytes: a run key fixes the run's bits (harness.runner.Runner.run_lineages)."""

    def __init__(self, run_keys: list[str], sources: list[dict | StoredState], device="cpu",
                 retrain: Callable[[], Mapping[str, torch.Tensor]] | None = None):
        """sources[i]: member i's state, in memory ({"params": {name: tensor}}) or on disk (StoredState).
        `retrain()` gives the parameters anew when a stored state turns out corrupt (moved aside by then)."""
        if len(run_keys) != len(sources):
            raise ValueError(f"{len(run_keys)} run keys for {len(sources)} members")
        self.run_keys, self._sources, self._device, self._retrain = list(run_keys), list(sources), device, retrain
        self._tensors: dict[str, torch.Tensor] | None = None

    def _loaded(self) -> dict[str, torch.Tensor]:
        if self._tensors is None:
            try:
                states = [s if isinstance(s, dict) else s.load() for s in self._sources]
                tensors = {k: torch.stack([state["params"][k] for state in states]) for k in states[0]["params"]}
            except CorruptCacheEntry as error:
                if self._retrain is None:
                    raise
                warnings.warn(CacheWarning(f"{error}; recomputing"), stacklevel=3)
                tensors = dict(self._retrain())
            self._tensors = {k: v.to(self._device) for k, v in tensors.items()}
            self._sources = [{"params": {k: v[i] for k, v in self._tensors.items()}} for i in range(len(self.run_keys))]
        return self._tensors

    def __getitem__(self, name: str) -> torch.Tensor:
        return self._loaded()[name]

    def __iter__(self):
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        where = "in memory" if self._tensors is not None else "on disk until used"
        return f"StoredParams({len(self.run_keys)} members, {where})"

    def members(self, indices: list[int]) -> "StoredParams":
        """The parameters of the members at `indices`, (len(indices), ...) each, still named by their keys."""
        if self._retrain is None:
            retrain = None
        else:
            def retrain():
                return select_members(self._retrain(), indices)
        return StoredParams([self.run_keys[i] for i in indices], [self._sources[i] for i in indices], self._device,
                            retrain)


def select_members(params: Mapping[str, torch.Tensor], indices: list[int]) -> Mapping[str, torch.Tensor]:
    """The stacked parameters of the members at `indices`, as StoredParams when they are (see there)."""
    if isinstance(params, StoredParams):
        return params.members(indices)
    return {k: p[indices] for k, p in params.items()}


@dataclass
class ResumeState:
    """What a run to E epochs needs, beside its final parameters, to continue to E' > E and give the bits of a
    straight run to E': the optimizer's state and each member's batch-order generator.

    `moments` maps the optimizer's per-parameter state (Adam's "exp_avg" and "exp_avg_sq", SGD's
    "momentum_buffer") to {parameter name: (members, ...)} in the module layout, like Runs.params; `step` is
    the optimizer's step count (one for all tensors and members; None for SGD); `order_rng` holds each
    member's torch.Generator state, (members, n) uint8."""
    moments: dict[str, dict[str, torch.Tensor]]
    step: torch.Tensor | None
    order_rng: torch.Tensor


# --- data -------------------------------------------------------------------------------------

def load_split(data: DataSpec | FunctionTask, device, data_dir=None, download=False, seeds=None) -> Split:
    """The tensors a config trains and evaluates on. Function tasks use (n, 1) inputs and targets.
    A DataSpec with seed=None gives each seed its own subset: a per-member split, stacked in `seeds` order."""
    if isinstance(data, FunctionTask):
        x, y = function_data(data.name, data.n_points, device)
        return Split(x, y, x, y)
    if data.per_seed:
        if not seeds:
            raise ValueError(f"{data} draws one subset per seed: pass the ensemble's seeds")
        return Split.stack([load_mnist(data.for_seed(s), device, data_dir=data_dir, download=download) for s in seeds])
    return load_mnist(data, device, data_dir=data_dir, download=download)


# --- the batched forward pass ------------------------------------------------------------------

def _stacked_forward(spec: ModelSpec, base: nn.Module, weights_in_out: bool = False):
    """forward(params, x, per_member) -> (members, batch, out).

    x is (members, batch, ...) when per_member (each member's own minibatch), else one (batch, ...)
    tensor shared by every member (full-batch training, evaluation).

    MLP weights are nn.Linear's (members, out, in) unless `weights_in_out`: training stores them as
    (members, in, out), the layout in which the batched matmul's weight gradient comes out, which
    saves a transposing copy per layer and step (see `_training_layout`)."""
    if isinstance(spec, MLPSpec):
        activation = base[2] if len(base) > 2 else None  # MLP layout: Flatten, Linear, act, Linear, ...
        names = [n for n, _ in base.named_parameters()]
        layers = list(zip(names[0::2], names[1::2]))  # (weight, bias) per Linear

        def forward(params, x, per_member=False):
            h = x.flatten(2) if per_member else x.flatten(1)
            for i, (w, b) in enumerate(layers):
                weight = params[w] if weights_in_out else params[w].transpose(1, 2)
                h = _linear(h, weight, params[b])  # the hand-written path's layer, out of place
                if i < len(layers) - 1:
                    h = activation(h)
            return h
        return forward

    if isinstance(spec, CNNSpec):
        return _grouped_cnn_forward(spec, base)

    def one(params, x):
        return functional_call(base, params, (x,))

    def forward(params, x, per_member=False):  # dict(): vmap walks dicts, not other Mappings (StoredParams)
        return vmap(one, in_dims=(0, 0 if per_member else None))(dict(params), x)
    return forward


def _grouped_cnn_forward(spec: CNNSpec, base: nn.Module):
    """forward(params, x, per_member) for a CNN ensemble: members side by side as the groups of one grouped
    convolution, in channels-last memory, and dense layers as batched matmuls. Measured at C2's shape (4 x
    conv[16, 32], batch 32, one thread): 17 ms per step against 26 ms through vmap(functional_call), which
    runs the same grouped convolutions in NCHW, where max-pooling alone is 7x slower."""
    names = [n for n, _ in base.named_parameters()]
    convs = [(w, w[:-len("weight")] + "bias") for w in names if w.startswith("features.") and w.endswith("weight")]
    dense = [(w, w[:-len("weight")] + "bias") for w in names if w.startswith("classifier.") and w.endswith("weight")]
    activation = ACTIVATIONS[spec.activation]()

    def forward(params, x, per_member=False):
        members = params[convs[0][0]].shape[0]
        if per_member:  # (members, batch, C, H, W) -> (batch, members·C, H, W)
            h = x.transpose(0, 1).flatten(1, 2)
        else:
            h = x.repeat(1, members, 1, 1)
        h = h.contiguous(memory_format=torch.channels_last)
        for w, b in convs:
            weight = params[w]
            h = F.conv2d(h, weight.flatten(0, 1), params[b].flatten(), padding=spec.padding, groups=members)
            # channels-last again: with one input channel and one member the convolution may answer in NCHW
            h = F.max_pool2d(activation(h).contiguous(memory_format=torch.channels_last), 2)
        h = h.reshape(h.shape[0], members, -1).transpose(0, 1)  # (members, batch, C·H·W), each member's (C, H, W) order
        for i, (w, b) in enumerate(dense):
            h = torch.baddbmm(params[b].unsqueeze(1), h, params[w].transpose(1, 2))
            if i < len(dense) - 1:
                h = activation(h)
        return h
    return forward


# --- MLP ensembles: a hand-written forward and backward -----------------------------------------
# An MLP ensemble's step through autograd costs ~20 dispatched ops plus the engine's bookkeeping, which
# dominates at the suite's small shapes (784-32-10 at batch 32; 1-190-1 on 200 points). The gradient of
# an MLP is a few batched matmuls, written out below: same mathematics, other rounding in the last bits
# (tests/test_train_fast.py checks it against autograd). Measured on C1's 12 x 1-190-1 fit, one thread,
# per (12, 200, 190) tensor: an elementwise pass costs ~160 µs, a batched matmul that reads it once
# ~50 µs, a broadcast multiply + sum ~290 µs — so reductions over the big activations are matmuls, and
# every intermediate lives in a `Workspace` (a fresh 1.8 MB result page-faults: ~1.3 ms for tanh).

_NEGATIVE_SLOPE = 0.01  # nn.LeakyReLU's default, as harness.models builds it
FAST_ACTIVATIONS = ("relu", "tanh", "leaky_relu")


class Workspace:
    """The hand-written step's intermediate tensors, allocated once per run and reused every step.

    Why: glibc hands freed multi-megabyte blocks back to the OS, and the next step page-faults them in
    again — at C1's shape about 1,300 faults per step, half the step's time. Each (role, shape) gets its
    own tensor, so no two live intermediates share memory; a returned gradient is overwritten by the next
    step's, after the optimizer has used it."""

    def __init__(self):
        self._tensors: dict[tuple, torch.Tensor] = {}

    def __call__(self, role: tuple, shape, like: torch.Tensor) -> torch.Tensor:
        key = (role, tuple(shape))
        tensor = self._tensors.get(key)
        if tensor is None:
            tensor = self._tensors[key] = torch.empty(shape, dtype=like.dtype, device=like.device)
        return tensor


def _out(buffer: Workspace | None, role: tuple, shape, like: torch.Tensor) -> torch.Tensor | None:
    """The workspace's tensor for `role`, or None (the op allocates its result; autograd can follow it)."""
    return None if buffer is None else buffer(role, shape, like)


def _activate_(name: str, z: torch.Tensor) -> torch.Tensor:
    """The activation, in place on a tensor no autograd graph holds."""
    if name == "relu":
        return z.relu_()
    if name == "tanh":
        return z.tanh_()
    if name == "leaky_relu":
        return F.leaky_relu_(z, _NEGATIVE_SLOPE)
    raise ValueError(f"no hand-written backward for activation {name!r}")


# --- private torch kernels, each behind a capability check ---------------------------------------
# The hot path calls a few of torch's private kernels: the activations' backward ops with an out= tensor
# (one pass, no allocation) and fused Adam's kernel (see FusedAdam). Private means they may vanish or change
# signature in any release. Each has a public fallback; at import a probe calls the private kernel on a
# small input and compares it with the fallback, and KERNELS records which one runs: "private", or
# "fallback" when the kernel is missing, refuses the call or answers otherwise (KERNEL_FALLBACK_REASONS says
# why). The fallbacks compute the same mathematics (tests/test_kernels.py checks both against autograd) in
# other last bits: KERNELS is part of every run's cache key, and provenance can report it.

def _relu_backward_private(grad, out, result):
    return torch.ops.aten.threshold_backward.grad_input(grad, out, 0.0, grad_input=result)


def _relu_backward_public(grad, out, result):
    if result is not grad:
        result.copy_(grad)
    return result.masked_fill_(out <= 0, 0.0)  # threshold_backward's rule: 0 where out <= 0, else grad


def _tanh_backward_private(grad, out, result):
    return torch.ops.aten.tanh_backward.grad_input(grad, out, grad_input=result)


def _tanh_backward_public(grad, out, result):
    return torch.mul(grad, 1 - out * out, out=result)


def _leaky_relu_backward_private(grad, out, result):
    return torch.ops.aten.leaky_relu_backward.grad_input(grad, out, _NEGATIVE_SLOPE, True, grad_input=result)


def _leaky_relu_backward_public(grad, out, result):
    return torch.where(out > 0, grad, grad * _NEGATIVE_SLOPE, out=result)


# activation -> (kernel name, private implementation, public fallback), each (grad, out, result) -> result
ACTIVATION_BACKWARD = {
    "relu": ("aten.threshold_backward.grad_input", _relu_backward_private, _relu_backward_public),
    "tanh": ("aten.tanh_backward.grad_input", _tanh_backward_private, _tanh_backward_public),
    "leaky_relu": ("aten.leaky_relu_backward.grad_input", _leaky_relu_backward_private, _leaky_relu_backward_public),
}
FUSED_ADAM = "torch._fused_adam_"
# The hand-written CNN step's backward calls ATen's convolution_backward and max_pool2d_with_indices_backward
# directly (no out=, but positional signatures torch may change); its fallback is the autograd path.
CNN_STEP = "aten.convolution_backward+aten.max_pool2d_with_indices_backward"  # one entry: both or neither
KERNELS: dict[str, str] = {}                  # kernel name -> "private" | "fallback": which one runs
KERNEL_FALLBACK_REASONS: dict[str, str] = {}  # kernel name -> why the private one is not used


def _activation_backward(name: str, grad: torch.Tensor, out: torch.Tensor, result: torch.Tensor) -> torch.Tensor:
    """d loss / d pre-activation into `result`, from d loss / d output and the activation's output (not its input)."""
    if name not in ACTIVATION_BACKWARD:
        raise ValueError(f"no hand-written backward for activation {name!r}")
    kernel, private, public = ACTIVATION_BACKWARD[name]
    return (private if KERNELS[kernel] == "private" else public)(grad, out, result)


def _activation_backward_(name: str, grad: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """d loss / d pre-activation, in place of d loss / d output."""
    return _activation_backward(name, grad, out, grad)


def _linear(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, buffer: Workspace | None = None,
            layer: int = 0) -> torch.Tensor:
    """(members, batch, out) = h @ weight + bias for weight (members, in, out); h is (members, batch, in)
    or one (batch, in) shared by all members. With a `buffer`, the result lives in its tensor for layer."""
    members, n_in, n_out = weight.shape
    out = _out(buffer, ("h", layer), (members, h.shape[-2], n_out), weight)
    if n_in == 1:  # one input: an outer product, as a broadcast (a matmul with inner dimension 1 is slower)
        return torch.addcmul(bias.unsqueeze(1), h, weight, out=out)
    if n_out == 1 and h.dim() == 3:
        # one output: (weightᵀ @ hᵀ)ᵀ, whose memory is h @ weight's. BLAS then reads h along its rows: 45 µs
        # at C1's (12, 200, 190) against 140-210 µs for h @ weight, a matrix-vector product down h's columns.
        row = None if out is None else out.view(members, 1, -1)
        return torch.baddbmm(bias.view(members, 1, 1), weight.reshape(members, 1, n_in), h.transpose(1, 2),
                             out=row).view(members, -1, 1)
    if h.dim() == 2:
        h = h.unsqueeze(0).expand(members, -1, -1)
    return torch.baddbmm(bias.unsqueeze(1), h, weight, out=out)


def _layer_grads(h_in: torch.Tensor, grad: torch.Tensor, buffer: Workspace | None, layer: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """(h_inᵀ @ grad, grad summed over the batch) per member: the layer's weight (members, in, out) and bias
    (members, out) gradients, for h_in (members, batch, in) or one (batch, in) shared by all members."""
    members, batch, n_out = grad.shape
    n_in = h_in.shape[-1]
    grad_weight = _out(buffer, ("grad_weight", layer), (members, n_in, n_out), grad)
    grad_bias = _out(buffer, ("grad_bias", layer), (members, n_out), grad)
    if n_in == 1:
        # One input (the function fits' x): weight and bias gradients as one matmul, [x, 1]ᵀ @ grad.
        x_and_one = torch.ones(members, 2, batch, dtype=grad.dtype, device=grad.device)
        x_and_one[:, 0] = h_in.reshape(-1, batch)
        both = torch.bmm(x_and_one, grad, out=_out(buffer, ("grad_x_and_one", layer), (members, 2, n_out), grad))
        if buffer is None:
            return both[:, :1].clone(), both[:, 1].clone()
        return grad_weight.copy_(both[:, :1]), grad_bias.copy_(both[:, 1])
    if n_out == 1 and h_in.dim() == 3:  # (gradᵀ @ h_in) has h_inᵀ @ grad's memory layout when out = 1
        grad_weight = torch.bmm(grad.transpose(1, 2), h_in, out=None if grad_weight is None
                                else grad_weight.view(members, 1, n_in)).view(members, n_in, 1)
    else:
        # bmm where h_in is per member (matmul's checks cost ~8 µs a call, a third of a narrow layer's)
        product = torch.bmm if h_in.dim() == 3 else torch.matmul  # a shared (batch, in) h_in broadcasts
        grad_weight = product(h_in.transpose(-1, -2), grad, out=grad_weight)
    return grad_weight, torch.sum(grad, 1, out=grad_bias)


@torch.no_grad()
def _mlp_forward(activation: str, layers: list[tuple[torch.Tensor, torch.Tensor]], h: torch.Tensor,
                 inputs: list | None = None, buffer: Workspace | None = None) -> torch.Tensor:
    """Output (members, batch, out) of the ensemble for flattened h; appends each layer's input to `inputs`."""
    for i, (weight, bias) in enumerate(layers):
        if inputs is not None:
            inputs.append(h)
        h = _linear(h, weight, bias, buffer, i)
        if i < len(layers) - 1:
            h = _activate_(activation, h)
    return h


def _fast_forward(spec: MLPSpec, layer_names: list[tuple[str, str]], workspace: Workspace | None = None):
    """forward(params, x, per_member) like `_stacked_forward`'s (training layout), for evaluation without
    autograd: the same layers as the training step, its output valid until the workspace's next use."""
    def forward(params, x, per_member=False):
        layers = [(params[w], params[b]) for w, b in layer_names]
        return _mlp_forward(spec.activation, layers, x.flatten(2) if per_member else x.flatten(1), buffer=workspace)
    return forward


def _losses_and_output_grad(config: TrainConfig, out: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member mean losses (members,) and d (sum of the losses) / d out, for out (members, batch, out) and y
    as `_losses` takes it."""
    members, batch = out.shape[:2]
    if config.loss == "mse":
        diff = out - y
        losses = diff.pow(2).flatten(1).mean(1)
        return losses, diff.mul_(2.0 / diff[0].numel())
    labels = (y.expand(members, batch) if y.dim() == 1 else y).unsqueeze(-1)
    log_p = out.log_softmax(-1)
    losses = -log_p.gather(-1, labels).squeeze(-1).mean(1)
    grad = log_p.exp_().scatter_add_(-1, labels, torch.full(labels.shape, -1.0, device=out.device))
    return losses, grad.mul_(1.0 / batch)


@torch.no_grad()
def mlp_losses_and_grads(config: TrainConfig, layers: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor,
                         y: torch.Tensor, per_member: bool, workspace: Workspace | None = None
                         ) -> tuple[torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
    """Per-member mean losses (members,) and the gradients (weight, bias) of each layer for an MLP ensemble
    in the training layout (weights (members, in, out)). x is (members, batch, ...) when per_member, else a
    (batch, ...) shared by all members; y as `_losses` takes it. With a `workspace` the intermediates and
    the returned gradients live in its tensors, overwritten by the next call."""
    activation = config.model.activation
    inputs: list[torch.Tensor] = []
    out = _mlp_forward(activation, layers, x.flatten(2) if per_member else x.flatten(1), inputs, workspace)
    losses, grad = _losses_and_output_grad(config, out, y)
    grads = []
    for i in reversed(range(len(layers))):
        weight, _ = layers[i]
        grads.append(_layer_grads(inputs[i], grad, workspace, i))
        if i == 1 and len(layers) == 2 and layers[0][0].shape[1] == 1 and weight.shape[2] == 1:
            grads.append(_one_in_one_out_first_layer_grads(activation, inputs[0], grad, weight, inputs[1], workspace))
            break
        if i > 0:
            back = _out(workspace, ("back", i), inputs[i].shape, grad)
            if weight.shape[2] == 1:  # one output: an outer product, as a broadcast
                back = torch.mul(grad, weight.transpose(1, 2), out=back)
            else:
                back = torch.bmm(grad, weight.transpose(1, 2), out=back)
            grad = _activation_backward_(activation, back, inputs[i])
    return losses, grads[::-1]


def _one_in_one_out_first_layer_grads(activation: str, x: torch.Tensor, grad_out: torch.Tensor, w_out: torch.Tensor,
                                      h: torch.Tensor, buffer: Workspace | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The first layer's (weight, bias) gradients of a 1-input, 1-hidden-layer, 1-output net (the function fits'
    wide shallow nets), without forming d loss / d pre-activation. With g = d loss / d output (members, batch, 1)
    and v the output weights, that gradient is (g ⊗ v) ⊙ act'(h), so
        [x, 1]ᵀ @ ((g ⊗ v) ⊙ act'(h)) = v ⊙ ([x·g, g]ᵀ @ act'(h)):
    one pass over (members, batch, width) to form act'(h) and one matmul that reads it, against three passes
    (outer product, activation backward, matmul). C1's 8 x 1-190-1 step, one thread: 0.99 -> 0.61 ms."""
    members, batch, width = h.shape
    buffer = Workspace() if buffer is None else buffer  # without one, fresh tensors (no autograd follows this path)
    one = torch.ones((), dtype=h.dtype, device=h.device).expand(h.shape)
    slope = _activation_backward(activation, one, h, buffer(("slope",), h.shape, h))  # act'(h)
    xg_and_g = buffer(("xg_and_g",), (members, 2, batch), h)
    g = grad_out.view(members, batch)
    torch.mul(g, x.reshape(-1, batch), out=xg_and_g[:, 0])  # x is (batch, 1), or (members, batch, 1) per member
    xg_and_g[:, 1].copy_(g)
    both = torch.bmm(xg_and_g, slope, out=buffer(("xg_and_g @ slope",), (members, 2, width), h))
    v = w_out.reshape(members, 1, width)  # (members, width, 1) -> a row per member
    grad_weight = torch.mul(both[:, :1], v, out=buffer(("grad_weight", 0), (members, 1, width), h))
    grad_bias = torch.mul(both[:, 1], v[:, 0], out=buffer(("grad_bias", 0), (members, width), h))
    return grad_weight, grad_bias


# --- deep narrow MLP fits: feature-major layers, all parameters in one flat tensor ----------------
# The deep narrow function fits (C1's 8 x 1-(9)x7-1, 8 x 1-(13)x6-1, 8 x 1-(20)x7-1; C3's 1-(13)x6-1) spend
# their step in MKL's batched matmul, not in Python: at 8 x (200, 9) @ (9, 9), batch-major as
# `mlp_losses_and_grads` lays the activations out, a bmm or baddbmm costs 19-29 µs, 21 of them ~80% of the
# step. The same products feature-major, activations (members, features, batch) so that the batch of 200 is
# the matmuls' long contiguous dimension, take 2.5-8 µs (one thread, this 2-core AMD EPYC; MKL 2024.2), and
# there the broadcast bias add of baddbmm costs ~0.5 µs. The step below also keeps every parameter in one flat
# tensor, so one fused Adam call updates them all, and every layer's d loss / d pre-activation in one buffer,
# so one sum over the batch gives every bias gradient. Measured per 300 steps by scripts/fit_step_bench.py.
# Same mathematics as autograd, other last bits (tests/test_train_fast.py).

def packed_mlp(config: TrainConfig) -> bool:
    """Whether `PackedMLP` trains `config`: the one place that picks between the two hand-written MLP steps.

    Function fits (MSE, one input, one output) with at least two hidden layers: the shapes measured faster
    (scripts/fit_step_bench.py). One-hidden-layer fits keep `mlp_losses_and_grads`, whose 1-input-1-output
    shortcut forms no (members, batch, width) gradient at all; MNIST nets keep it too (cross-entropy, and
    their minibatches arrive batch-major)."""
    spec = config.model
    return (isinstance(spec, MLPSpec) and spec.activation in FAST_ACTIVATIONS and config.loss == "mse"
            and spec.in_dim == 1 and spec.out_dim == 1 and len(spec.hidden) >= 2)


class PackedMLP:
    """An MLP ensemble's parameters in one flat tensor and its hand-written feature-major step.

    Layout of `params` (and of `grad` and of the optimizer's moments, which follow it): every layer's weight
    in the training layout (members, in, out), then every layer's bias (members, out). `named` gives the
    per-name views that train_ensemble's `params` dict holds, so the evaluation, the recorded snapshots and
    the resume state read the same numbers the optimizer updates."""

    def __init__(self, spec: MLPSpec, layer_names: list[tuple[str, str]], members: int, like: torch.Tensor):
        self.spec, self.layer_names, self.members = spec, layer_names, members
        self.dims = list(zip((spec.in_dim, *spec.hidden), (*spec.hidden, spec.out_dim)))  # (in, out) per layer
        n_weights = sum(members * n_in * n_out for n_in, n_out in self.dims)
        self.params = torch.zeros(n_weights + members * sum(n_out for _, n_out in self.dims),
                                  dtype=like.dtype, device=like.device)
        self.grad = torch.zeros_like(self.params)
        self._weights, self._biases = self._layers(self.params)
        self._weight_grads, _ = self._layers(self.grad)
        self._bias_grads = self.grad[n_weights:]  # every bias gradient, in the order of the rows of `_deltas`
        self._weights_t = [w.transpose(1, 2) for w in self._weights]  # (members, out, in): the forward's left factor
        self._biases_col = [b.unsqueeze(2) for b in self._biases]     # (members, out, 1): broadcast over the batch
        self._buffers: dict[int, tuple] = {}  # batch size -> (input, outputs, deltas, per-layer delta views)

    def _layers(self, flat: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(weights (members, in, out), biases (members, out)) per layer, as views of a flat tensor of `params`' layout."""
        weights, biases, offset = [], [], 0
        for n_in, n_out in self.dims:
            weights.append(flat[offset:offset + self.members * n_in * n_out].view(self.members, n_in, n_out))
            offset += weights[-1].numel()
        for _, n_out in self.dims:
            biases.append(flat[offset:offset + self.members * n_out].view(self.members, n_out))
            offset += biases[-1].numel()
        return weights, biases

    def named(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """{parameter name: view} of a flat tensor of `params`' layout (the parameters, their gradient, a moment)."""
        weights, biases = self._layers(flat)
        return {name: view for (w, b), weight, bias in zip(self.layer_names, weights, biases)
                for name, view in ((w, weight), (b, bias))}

    def pack(self, by_name: dict[str, torch.Tensor]) -> torch.Tensor:
        """A new flat tensor of `params`' layout holding `by_name`'s tensors (training layout)."""
        flat = torch.empty_like(self.params)
        for name, view in self.named(flat).items():
            view.copy_(by_name[name])
        return flat

    def _buffers_for(self, batch: int) -> tuple:
        """The step's intermediates for `batch` rows, allocated on first use (the last minibatch may be smaller)."""
        buffers = self._buffers.get(batch)
        if buffers is None:
            like = self.params
            inputs = torch.empty(self.members, self.spec.in_dim, batch, dtype=like.dtype, device=like.device)
            outputs = [torch.empty(self.members, n_out, batch, dtype=like.dtype, device=like.device)
                       for _, n_out in self.dims]
            # d loss / d pre-activation of every layer, layer after layer: rows (layer, member, unit), as the biases
            deltas = torch.empty(self.members * sum(n_out for _, n_out in self.dims), batch,
                                 dtype=like.dtype, device=like.device)
            views, offset = [], 0
            for _, n_out in self.dims:
                views.append(deltas[offset:offset + self.members * n_out].view(self.members, n_out, batch))
                offset += self.members * n_out
            buffers = self._buffers[batch] = (inputs, outputs, deltas, views)
        return buffers

    @torch.no_grad()
    def _forward(self, x: torch.Tensor, per_member: bool) -> torch.Tensor:
        """Output (members, out, batch) for x (members, batch, in) when per_member, else (batch, in); every
        layer's output stays in its buffer for the backward pass."""
        x = x.flatten(2) if per_member else x.flatten(1)
        inputs, outputs, _, _ = self._buffers_for(x.shape[-2])
        # a contiguous (members, in, batch) copy: a broadcast (stride-0) member dimension halves bmm's speed
        h = inputs.copy_(x.transpose(-1, -2))
        last = len(self.dims) - 1
        for i in range(len(self.dims)):
            h = torch.baddbmm(self._biases_col[i], self._weights_t[i], h, out=outputs[i])
            if i < last:
                h = _activate_(self.spec.activation, h)
        return h

    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor, per_member: bool = False) -> torch.Tensor:
        """Output (members, batch, out) like `_stacked_forward`'s, for evaluation: `params` must be `named(self.params)`
        (the step reads its own flat tensor); valid until the next forward or step."""
        return self._forward(x, per_member).transpose(1, 2)

    @torch.no_grad()
    def losses_and_grads(self, x: torch.Tensor, y: torch.Tensor, per_member: bool, losses: bool = True
                         ) -> torch.Tensor | None:
        """Per-member mean squared errors (members,) (None unless `losses`) and, into `grad`, the gradient of
        their sum. x as `_forward` takes it, y (members, batch, out) when per_member, else (batch, out)."""
        out = self._forward(x, per_member)
        inputs, outputs, deltas, delta = self._buffers_for(out.shape[-1])
        last = len(self.dims) - 1
        diff = torch.sub(out, y.transpose(-1, -2), out=delta[last])
        mse = diff.square().flatten(1).mean(1) if losses else None
        diff.mul_(2.0 / diff[0].numel())  # d (sum of the members' mean losses) / d out
        for i in range(last, -1, -1):
            h_in = inputs if i == 0 else outputs[i - 1]
            torch.bmm(h_in, delta[i].transpose(1, 2), out=self._weight_grads[i])  # (members, in, out)
            if i > 0:
                if self.dims[i][1] == 1:  # one output: an outer product, as a broadcast (bmm is slower)
                    back = torch.mul(self._weights[i], delta[i], out=delta[i - 1])
                else:
                    back = torch.bmm(self._weights[i], delta[i], out=delta[i - 1])
                _activation_backward_(self.spec.activation, back, outputs[i - 1])
        torch.sum(deltas, 1, out=self._bias_grads)  # every layer's bias gradient in one pass
        return mse


# --- CNN ensembles: a hand-written step around oneDNN's convolutions -----------------------------
# Profile of the autograd step at C2's shape (8 x conv[32, 32] k3, batch 32, one thread, 68 ms): the grouped
# convolutions' forward and backward take 46%; the rest is passes over the first layer's (32, 256, 28, 28)
# output (25 MB): the activation and its backward (26%), max-pooling and its backward (12%), zero fills and
# copies, and page faults on fresh 25 MB results (glibc hands them back to the OS after every step). The
# step below keeps oneDNN's convolutions and removes most of the rest:
# - pool first, then activate: every activation here is non-decreasing, so act(max z) = max act(z), and
#   the activation and its backward run on a quarter of the elements. Max-pooling picks the same position
#   (the first maximum of z, where autograd's picks the first maximum of act(z): the same position unless
#   act maps two different values of one window to one float, where both gradients are valid; for relu
#   such ties are all at 0, where the gradient is 0 either way);
# - the bias gradient summed over the pooled gradient (the full one is zero elsewhere);
# - no autograd graph; convolution_backward asked only for the gradients the step needs.
# Same mathematics as autograd through the nn.Module, other rounding in the last bits (tests/test_cnn_fast.py).

def _conv_padding(spec: CNNSpec) -> tuple[int, int]:
    """(padding on both sides, extra padding on the right and bottom) of each convolution: 'same' with an even
    kernel pads one more on the far side, as torch's padding='same' does."""
    if spec.padding == "valid":
        return 0, 0
    total = spec.kernel - 1
    return total // 2, total % 2


def keep_freed_memory() -> str:
    """Ask glibc to keep freed blocks up to 32 MB in the process's heap instead of handing them back to the OS.

    Why: by default glibc serves large blocks with mmap and returns them on free, so a step that makes a fresh
    25 MB tensor (C2's first convolution output, 8 x 32 channels x 32 images x 28 x 28) page-faults it in
    again every step: at C2's 2-conv shape ~20 ms of a 60 ms step, outside every op the profiler lists. Kept in
    the heap, the next step reuses the pages. Process-wide and without effect on any result; the cost is that
    RSS stays at its peak. Returns "glibc" when set, else why not (another C library: nothing changes)."""
    global _FREED_MEMORY
    if _FREED_MEMORY is None:
        try:
            libc = ctypes.CDLL("libc.so.6")
            m_trim_threshold, m_mmap_threshold = -1, -3  # malloc.h
            # 32 MB is glibc's largest mmap threshold on 64-bit; the heap's top is trimmed beyond 256 MB free
            ok = libc.mallopt(m_mmap_threshold, 32 * 2 ** 20) and libc.mallopt(m_trim_threshold, 256 * 2 ** 20)
            _FREED_MEMORY = "glibc" if ok else "mallopt refused the settings"
        except (OSError, AttributeError) as error:
            _FREED_MEMORY = f"no glibc mallopt ({error})"
    return _FREED_MEMORY


_FREED_MEMORY: str | None = None


def hand_written_cnn(spec: ModelSpec) -> bool:
    """Whether the hand-written CNN step trains `spec`, decided from the spec alone (and from whether its ATen
    ops passed their probe at import, CNN_STEP in KERNELS); otherwise today's autograd path does."""
    return (isinstance(spec, CNNSpec) and spec.activation in FAST_ACTIVATIONS and spec.padding in ("same", "valid")
            and KERNELS.get(CNN_STEP) == "private")


@torch.no_grad()
def _cnn_forward(spec: CNNSpec, params: dict[str, torch.Tensor], x: torch.Tensor, per_member: bool,
                 saved: list | None = None) -> torch.Tensor:
    """Output (members, batch, classes) of a CNN ensemble, members side by side as the groups of one grouped
    convolution in channels-last memory (as `_grouped_cnn_forward`). x is (members, batch, C, H, W) when
    per_member, else one (batch, C, H, W) for all members. `saved` receives what the backward needs."""
    convs, dense = _cnn_spec_layers(spec, params)
    members = params[convs[0][0]].shape[0]
    pad, extra = _conv_padding(spec)
    h = x.transpose(0, 1).flatten(1, 2) if per_member else x.repeat(1, members, 1, 1)  # (batch, members·C, H, W)
    for w, b in convs:
        if extra:
            h = F.pad(h, (0, extra, 0, extra))
        h_conv = h.contiguous(memory_format=torch.channels_last)
        weight = params[w].flatten(0, 1)
        z = F.conv2d(h_conv, weight, params[b].flatten(), padding=pad, groups=members)
        z = z.contiguous(memory_format=torch.channels_last)  # one input channel and one member may answer in NCHW
        if saved is None:  # evaluation: no indices to keep
            h = _activate_(spec.activation, F.max_pool2d(z, 2))
            continue
        pooled, indices = torch.ops.aten.max_pool2d_with_indices(z, [2, 2], [2, 2])
        h = _activate_(spec.activation, pooled)
        saved.append((h_conv, weight, z, indices, h))
    h = h.reshape(h.shape[0], members, -1).transpose(0, 1)  # (members, batch, C·H·W), each member's (C, H, W) order
    for i, (w, b) in enumerate(dense):
        if saved is not None:
            saved.append(h)
        h = torch.baddbmm(params[b].unsqueeze(1), h, params[w].transpose(1, 2))
        if i < len(dense) - 1:
            h = _activate_(spec.activation, h)
    return h


def _cnn_spec_layers(spec: CNNSpec, params: dict[str, torch.Tensor]) -> tuple[list, list]:
    """(weight, bias) names of the convolutions and dense layers, in order, from the parameters' names."""
    convs = [(w, w[:-len("weight")] + "bias") for w in params if w.startswith("features.") and w.endswith("weight")]
    dense = [(w, w[:-len("weight")] + "bias") for w in params if w.startswith("classifier.") and w.endswith("weight")]
    if len(convs) != len(spec.channels) or len(dense) != len(spec.dense) + 1:
        raise ValueError(f"parameters {list(params)} are not those of {spec.label}")
    return convs, dense


def _fast_cnn_forward(spec: CNNSpec):
    """forward(params, x, per_member) like `_stacked_forward`'s, without autograd (evaluation)."""
    def forward(params, x, per_member=False):
        return _cnn_forward(spec, params, x, per_member)
    return forward


@torch.no_grad()
def cnn_losses_and_grads(config: TrainConfig, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
                         per_member: bool) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Per-member mean losses (members,) and the gradient of each parameter (name -> same shape) for a CNN
    ensemble; x and y as `_cnn_forward` and `_losses` take them."""
    spec = config.model
    convs, dense = _cnn_spec_layers(spec, params)
    members = params[convs[0][0]].shape[0]
    pad, extra = _conv_padding(spec)
    saved: list = []
    out = _cnn_forward(spec, params, x, per_member, saved)
    losses, grad = _losses_and_output_grad(config, out, y)
    grads: dict[str, torch.Tensor] = {}
    dense_inputs = saved[len(convs):]
    for i in reversed(range(len(dense))):
        w, b = dense[i]
        h_in = dense_inputs[i]
        grads[w] = torch.bmm(grad.transpose(1, 2), h_in)
        grads[b] = grad.sum(1)
        grad = torch.bmm(grad, params[w])  # (members, batch, in)
        if i > 0:
            grad = _activation_backward_(spec.activation, grad, h_in)
    # back to the last pooled output's (batch, members·C, H, W), channels-last like it
    last = saved[len(convs) - 1][4]
    grad = grad.transpose(0, 1).reshape(last.shape).contiguous(memory_format=torch.channels_last)
    for i in reversed(range(len(convs))):
        w, b = convs[i]
        h_in, weight, z, indices, out = saved[i]
        grad = _activation_backward_(spec.activation, grad, out)
        grads[b] = grad.sum((0, 2, 3)).view(members, -1)  # the full-size gradient is zero off the pooled positions
        grad_z = torch.ops.aten.max_pool2d_with_indices_backward(grad, z, [2, 2], [2, 2], [0, 0], [1, 1], False, indices)
        grad_in, grad_w, _ = torch.ops.aten.convolution_backward(
            grad_z, h_in, weight, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], members, [i > 0, True, False])
        grads[w] = grad_w.contiguous().view(params[w].shape)
        if i > 0:
            if extra:
                grad_in = grad_in[:, :, :-extra, :-extra]
            grad = grad_in.contiguous(memory_format=torch.channels_last)
    return losses, {name: grads[name] for name in params}


def _training_layout(spec: ModelSpec, params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """MLP weights (members, out, in) -> (members, in, out) contiguous; the inverse of `_module_layout`.
    Other models train in their module layout."""
    if not isinstance(spec, MLPSpec):
        return params
    return {k: v.transpose(1, 2).contiguous() if k.endswith("weight") else v for k, v in params.items()}


def _module_layout(spec: ModelSpec, params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return _training_layout(spec, params)  # transposing twice is the identity


# --- training ----------------------------------------------------------------------------------

def _losses(config: TrainConfig, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-member mean loss; out (members, batch, classes|1), y (members, batch[, 1]) or (batch[, 1])."""
    if config.loss == "mse":
        return ((out - y) ** 2).flatten(1).mean(1)
    members, batch = out.shape[:2]
    y = y.expand(members, batch) if y.dim() == 1 else y
    return F.cross_entropy(out.reshape(members * batch, -1), y.reshape(-1), reduction="none").view(members, batch).mean(1)


@torch.no_grad()
def evaluate(config: TrainConfig, forward, params, x: torch.Tensor, y: torch.Tensor,
             per_member_inputs: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member (loss, accuracy) over a whole split; accuracy is NaN for regression. With
    `per_member_inputs`, x and y are (members, N, ...): member i is evaluated on its own subset.
    Rows go through in chunks (bounded memory; CNNs in small ones, which stay in cache)."""
    members = next(iter(params.values())).shape[0]
    loss_sum = torch.zeros(members, device=x.device, dtype=torch.float64)
    correct = torch.zeros(members, device=x.device, dtype=torch.float64)
    per_member_labels = per_member_inputs or (config.loss == "cross_entropy" and y.dim() == 2)  # (members, N)
    n = x.shape[1] if per_member_inputs else len(x)
    # All members in one pass, as in training. An MLP member's rows are its own gemm, so its bits do not
    # depend on the ensemble (tested); a CNN member's grouped convolution may round differently in another
    # ensemble size, like its training does (the run cache keys the whole ensemble for that reason).
    chunk = max(16, CNN_EVAL_IMAGES // members) if isinstance(config.model, CNNSpec) else EVAL_CHUNK
    for start in range(0, n, chunk):
        rows = slice(start, start + chunk)
        xb = x[:, rows] if per_member_inputs else x[rows]
        yb = y[:, rows] if per_member_labels else y[rows]
        out = forward(params, xb, per_member=per_member_inputs)
        loss_sum += _losses(config, out, yb).double() * out.shape[1]
        if config.loss == "cross_entropy":
            correct += (out.argmax(-1) == yb).sum(-1).double()
    acc = correct / n if config.loss == "cross_entropy" else torch.full_like(correct, float("nan"))
    return loss_sum / n, acc


def _stacked_params(config: TrainConfig, seeds: list[int], device) -> tuple[nn.Module, dict[str, torch.Tensor]]:
    models = []
    # Member i's initial weights depend on its own seed only. fork_rng restores the global CPU RNG
    # afterwards (and only the CPU generator is seeded, so CUDA's is untouched): whatever a claim
    # draws after runner.train is then the same whether the runs were trained or read from the cache.
    with torch.random.fork_rng(devices=[]):
        for seed in seeds:
            torch.random.default_generator.manual_seed(seed)
            models.append(build(config.model))
    params, _buffers = stack_module_state(models)
    params = {k: v.detach().to(device).requires_grad_(True) for k, v in params.items()}
    with torch.device("meta"):  # the skeleton functional_call fills: built without drawing random numbers
        base = build(config.model)
    return base, params


class FusedAdam:
    """torch.optim.Adam(fused=True)'s update — its kernel, `torch._fused_adam_`, called directly.

    Why: torch.optim adds ~0.2 ms of Python per step (grouping by device and dtype, per-parameter state
    dicts, hooks) around a kernel that takes ~0.02 ms at the suite's sizes — 15-40% of a small MLP's
    step. The kernel is elementwise, so member i's update is its own (up to the last bit where a tensor's
    per-member size is not a multiple of the vector width: the kernel's scalar tail). Equal to
    torch.optim.Adam(fused=True) bit for bit, with and without weight decay (tests/test_train_fast.py)."""

    def __init__(self, params: list[torch.Tensor], lr: float, weight_decay: float = 0.0,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.weight_decay, self.betas, self.eps = params, lr, weight_decay, betas, eps
        self.exp_avgs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in params]
        # one step count for all tensors (torch.optim keeps one per tensor, always equal)
        self.steps = torch.zeros((), dtype=torch.float32, device=params[0].device)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps.add_(1)
        torch._fused_adam_(self.params, [p.grad for p in self.params], self.exp_avgs, self.exp_avg_sqs, [],
                           [self.steps] * len(self.params), amsgrad=False, lr=self.lr, beta1=self.betas[0],
                           beta2=self.betas[1], weight_decay=self.weight_decay, eps=self.eps, maximize=False,
                           grad_scale=None, found_inf=None)


def _optimizer_state(optimizer, params: dict[str, torch.Tensor]) -> tuple[dict[str, dict[str, torch.Tensor]],
                                                                      torch.Tensor | None]:
    """(moments, step) of an optimizer over `params` (training layout): see ResumeState."""
    if isinstance(optimizer, FusedAdam):
        names = list(params)  # the optimizer holds its tensors in the order of params.values()
        return {"exp_avg": dict(zip(names, optimizer.exp_avgs)), "exp_avg_sq": dict(zip(names, optimizer.exp_avg_sqs))}, \
            optimizer.steps
    moments, step = {}, None
    for name, p in params.items():
        for key, value in optimizer.state.get(p, {}).items():
            if key == "step":
                step = value  # torch.optim keeps one per tensor, always equal
            elif isinstance(value, torch.Tensor):
                moments.setdefault(key, {})[name] = value
    return moments, step


def _load_optimizer_state(optimizer, params: dict[str, torch.Tensor], moments: dict[str, dict[str, torch.Tensor]],
                          step: torch.Tensor | None) -> None:
    """Put a saved (moments, step) (training layout) into a fresh optimizer over `params`."""
    if isinstance(optimizer, FusedAdam):
        if set(moments) != {"exp_avg", "exp_avg_sq"} or step is None:
            raise ValueError(f"cannot resume Adam from an optimizer state with {sorted(moments)}: train from scratch")
        for i, name in enumerate(params):
            optimizer.exp_avgs[i].copy_(moments["exp_avg"][name])
            optimizer.exp_avg_sqs[i].copy_(moments["exp_avg_sq"][name])
        optimizer.steps.copy_(step)
        return
    for name, p in params.items():
        state = {key: by_name[name].clone() for key, by_name in moments.items() if name in by_name}
        if step is not None:
            state["step"] = step.clone()
        if state:
            optimizer.state[p] = state


def _optimizer(config: TrainConfig, params: list[torch.Tensor]) -> FusedAdam | torch.optim.Optimizer:
    if config.optimizer == "adam":
        # fused: one kernel per tensor for the whole update (on CPU, foreach runs op by op); 1.28x faster
        # for 8 stacked MLPs than foreach, and FusedAdam skips torch.optim's per-step Python around it.
        if KERNELS[FUSED_ADAM] == "private":
            return FusedAdam(params, lr=config.lr, weight_decay=config.weight_decay)
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)  # the public fallback
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay, foreach=True)
    raise ValueError(f"unknown optimizer {config.optimizer!r}: use 'adam' or 'sgd'")


def _probe_activation_backward(name: str) -> None:
    """Raise if the private kernel of `name`'s backward is missing, refuses the call or disagrees with the fallback."""
    _, private, public = ACTIVATION_BACKWARD[name]
    generator = torch.Generator().manual_seed(0)
    pre = torch.randn(4, 33, generator=generator).index_fill_(1, torch.tensor([0, 7]), 0.0)  # zeros: the kink
    out = {"relu": torch.relu, "tanh": torch.tanh, "leaky_relu": lambda z: F.leaky_relu(z, _NEGATIVE_SLOPE)}[name](pre)
    grad = torch.randn(4, 33, generator=generator)
    want = public(grad, out, torch.empty_like(grad))
    in_place = grad.clone()
    for got in (private(grad, out, torch.empty_like(grad)), private(in_place, out, in_place)):  # both uses in the step
        if not (isinstance(got, torch.Tensor) and got.shape == want.shape and torch.allclose(got, want, rtol=1e-6, atol=1e-7)):
            raise RuntimeError("answers differently from the public formula")


def _probe_fused_adam() -> None:
    """Raise if torch._fused_adam_ is missing, refuses FusedAdam's call or disagrees with Adam's update written out
    (torch.optim.Adam's formula, L2 weight decay added to the gradient). Written out rather than run through
    torch.optim.Adam: building one imports torch._dynamo, ~1 s in every process, warm runs included."""
    generator = torch.Generator().manual_seed(0)
    lr, weight_decay, (beta1, beta2), eps = 1e-2, 1e-3, (0.9, 0.999), 1e-8
    ours = [torch.randn(3, 17, generator=generator, dtype=torch.float32)]
    expected = ours[0].double()
    exp_avg, exp_avg_sq = torch.zeros_like(expected), torch.zeros_like(expected)
    fused = FusedAdam(ours, lr=lr, weight_decay=weight_decay)
    for step in range(1, 4):
        ours[0].grad = torch.randn(3, 17, generator=generator)
        grad = ours[0].grad.double() + weight_decay * expected
        exp_avg = beta1 * exp_avg + (1 - beta1) * grad
        exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
        denominator = (exp_avg_sq / (1 - beta2 ** step)).sqrt() + eps
        expected = expected - lr * (exp_avg / (1 - beta1 ** step)) / denominator
        fused.step()
    if not torch.allclose(ours[0].double(), expected, rtol=1e-5, atol=1e-7):
        raise RuntimeError("updates differently from Adam's formula")


def _probe_cnn_step() -> None:
    """Raise if the hand-written CNN step fails or disagrees with autograd through the grouped forward."""
    generator = torch.Generator().manual_seed(0)
    spec = CNNSpec(channels=(2, 3), dense=(4,), kernel=3, image_size=10)
    config = TrainConfig(model=spec, data=DataSpec(), epochs=1, lr=1e-3)
    base, params = _stacked_params(config, [0, 1], "cpu")
    x, y = torch.randn(2, 3, 1, 10, 10, generator=generator), torch.randint(0, 10, (2, 3), generator=generator)
    losses, grads = cnn_losses_and_grads(config, params, x, y, per_member=True)
    _losses(config, _stacked_forward(spec, base)(params, x, per_member=True), y).sum().backward()
    for name, p in params.items():
        if not (grads[name].shape == p.shape and torch.allclose(grads[name], p.grad, rtol=1e-4, atol=1e-6)):
            raise RuntimeError(f"answers differently from autograd ({name})")


def select_kernels() -> dict[str, str]:
    """Probe each private kernel and fill KERNELS (and KERNEL_FALLBACK_REASONS); run once at import."""
    probes = {kernel: (lambda name=name: _probe_activation_backward(name))
              for name, (kernel, _, _) in ACTIVATION_BACKWARD.items()}
    probes[FUSED_ADAM] = _probe_fused_adam
    probes[CNN_STEP] = _probe_cnn_step
    KERNELS.clear()
    KERNEL_FALLBACK_REASONS.clear()
    for kernel, probe in probes.items():
        try:
            probe()
            KERNELS[kernel] = "private"
        except Exception as error:  # missing (AttributeError), signature changed (TypeError, RuntimeError), wrong
            KERNELS[kernel] = "fallback"
            KERNEL_FALLBACK_REASONS[kernel] = f"{type(error).__name__}: {error}"
    return dict(KERNELS)


def member_labels(config: TrainConfig, labels: torch.Tensor, seeds: list[int]) -> torch.Tensor:
    """Training labels, (N,) or — with label noise or per-seed subsets — (members, N): each seed draws its
    own random labels, so seeds are independent replicates of the whole experiment."""
    if config.label_noise <= 0:
        return labels
    true = labels.cpu().numpy()
    rows = true if true.ndim == 2 else [true] * len(seeds)  # (members, N) when each seed has its own subset
    drawn = [shuffle_labels(row, config.label_noise, np.random.default_rng([seed, 7])) for row, seed in zip(rows, seeds)]
    return torch.from_numpy(np.stack(drawn)).to(labels.device)


def train_ensemble(config: TrainConfig, seeds: list[int], split: Split, label: str = "", hand_written: bool = True,
                   resume: Runs | None = None) -> Runs:
    """Train one member per seed, all at once, on tensors already on their device.

    MLPs and CNNs train through the hand-written steps above (`hand_written_cnn` says which CNNs) unless
    `hand_written` is False (the autograd reference path, which tests and benchmarks compare it with).

    With `resume`, a finished run of the same config and seeds to fewer epochs (with its ResumeState),
    training continues from its parameters, optimizer state and batch-order generators: only the extra
    epochs run, and the result equals a straight run to config.epochs bit for bit, its recorded curves
    included (tests/test_resume.py)."""
    if not seeds:
        raise ValueError("train_ensemble needs at least one seed")
    if resume is not None:
        _check_resumable(config, seeds, resume)
    started = time.perf_counter()
    device = split.x_train.device
    per_member_data = split.per_member  # member i trains and is evaluated on its own subset
    if per_member_data and len(split.x_train) != len(seeds):
        raise ValueError(f"a per-member split of {len(split.x_train)} subsets for {len(seeds)} seeds")
    members, n = len(seeds), split.x_train.shape[1] if per_member_data else len(split.x_train)
    batch = n if config.batch_size is None else min(config.batch_size, n)
    steps_per_epoch = -(-n // batch)
    if resume is None:
        base, module_params = _stacked_params(config, seeds, device)
    else:
        with torch.device("meta"):
            base = build(config.model)
        # copies: training updates its tensors in place, and the shorter run must stay as it was
        module_params = {k: v.detach().to(device).clone(memory_format=torch.contiguous_format)
                         for k, v in resume.params.items()}
    params = {k: v.detach().requires_grad_(True) for k, v in _training_layout(config.model, module_params).items()}
    names = list(params)
    packed = None
    if hand_written and packed_mlp(config):
        # one flat tensor holds every parameter; `params` holds views of it, the optimizer the tensor itself
        packed = PackedMLP(config.model, list(zip(names[0::2], names[1::2])), members, next(iter(params.values())))
        packed.params.copy_(packed.pack({k: v.detach() for k, v in params.items()}))
        params = packed.named(packed.params)
        packed.params.grad = packed.grad
        packed_grads = list(packed.named(packed.grad).values())  # views of the one gradient: made once, not per step
    optimized = {"packed": packed.params} if packed else params  # what the optimizer updates, by name
    optimizer = _optimizer(config, list(optimized.values()))
    if resume is not None:
        moments = {key: _training_layout(config.model, {k: v.to(device) for k, v in by_name.items()})
                   for key, by_name in resume.state.moments.items()}
        if packed:
            moments = {key: {"packed": packed.pack(by_name)} for key, by_name in moments.items()}
        _load_optimizer_state(optimizer, optimized, moments, None if resume.state.step is None else resume.state.step.to(device))
    mlp_layers = (list(zip(names[0::2], names[1::2]))  # (weight, bias) per layer
                  if hand_written and not packed and isinstance(config.model, MLPSpec)
                  and config.model.activation in FAST_ACTIVATIONS else None)
    workspace = Workspace()  # reused every step: minibatch rows, and the hand-written MLP step's and evaluation's tensors
    cnn_step = hand_written and hand_written_cnn(config.model)
    if cnn_step:
        keep_freed_memory()
    if packed:
        forward = packed.forward
    elif mlp_layers:
        forward = _fast_forward(config.model, mlp_layers, workspace)
    elif cnn_step:
        forward = _fast_cnn_forward(config.model)
    else:
        forward = _stacked_forward(config.model, base, weights_in_out=True)
    same_split = split.x_test is split.x_train and split.y_test is split.y_train  # function tasks: train = test
    orders = [torch.Generator().manual_seed(seed) for seed in seeds]  # per-member batch order
    if resume is not None:
        for generator, state in zip(orders, resume.state.order_rng):
            generator.set_state(state.clone())
    y_train = member_labels(config, split.y_train, seeds)
    members_idx = torch.arange(members, device=device).unsqueeze(1)

    records: dict[str, list] = {k: [] for k in ("epochs", "train_loss", "train_acc", "test_loss", "test_acc")}
    step_loss, grad_norm, snapshots, snapshot_epochs = [], [], [], []

    def record(epoch: int):
        train_loss, train_acc = evaluate(config, forward, params, split.x_train, y_train, per_member_data)
        if same_split and y_train is split.y_train:
            test_loss, test_acc = train_loss, train_acc
        else:
            test_loss, test_acc = evaluate(config, forward, params, split.x_test, split.y_test, per_member_data)
        bad = ~(torch.isfinite(train_loss) & torch.isfinite(test_loss))
        if bad.any():
            raise TrainingDiverged(_divergence_message(config, label, seeds, train_loss.cpu(), test_loss.cpu(),
                                                       epoch, records["epochs"], steps_per_epoch, step_loss))
        for k, v in zip(records, (epoch, train_loss, train_acc, test_loss, test_acc)):
            records[k].append(v if k == "epochs" else v.cpu())

    def snapshot(epoch: int):
        snapshots.append(torch.cat([p.detach().flatten(1) for p in _module_layout(config.model, params).values()],
                                   dim=1).cpu())
        snapshot_epochs.append(epoch)

    if resume is None:
        first_epoch = 1
        record(0)
        if config.snapshot_every:
            snapshot(0)
    else:
        first_epoch = resume.config.epochs + 1
        _take_prefix_records(config, resume, records, step_loss, grad_norm, snapshots, snapshot_epochs)
    for epoch in range(first_epoch, config.epochs + 1):
        if batch == n:
            order = None
        else:
            order = torch.stack([torch.randperm(n, generator=g) for g in orders]).to(device)
        for step in range(steps_per_epoch):
            if order is None:
                xb, yb = split.x_train, y_train  # full batch: shared by every member, or each member's own
            else:
                idx = order[:, step * batch:(step + 1) * batch]
                if per_member_data:
                    xb = split.x_train[members_idx, idx]
                else:
                    rows = workspace(("minibatch",), (idx.numel(), *split.x_train.shape[1:]), split.x_train)
                    xb = torch.index_select(split.x_train, 0, idx.flatten(), out=rows).view(*idx.shape, *split.x_train.shape[1:])
                yb = y_train[members_idx, idx] if y_train.dim() == 2 and config.loss == "cross_entropy" else y_train[idx]
            per_member = order is not None or per_member_data
            if packed:
                losses = packed.losses_and_grads(xb, yb, per_member, losses=config.record_steps)  # into packed.grad
            elif mlp_layers:
                losses, grads = mlp_losses_and_grads(config, [(params[w], params[b]) for w, b in mlp_layers], xb, yb,
                                                     per_member, workspace)
                for (w, b), (grad_w, grad_b) in zip(mlp_layers, grads):
                    params[w].grad, params[b].grad = grad_w, grad_b
            elif cnn_step:
                losses, grads = cnn_losses_and_grads(config, params, xb, yb, per_member)
                for name, grad in grads.items():
                    params[name].grad = grad
            else:
                losses = _losses(config, forward(params, xb, per_member=per_member), yb)
                optimizer.zero_grad(set_to_none=True)
                losses.sum().backward()  # member i's loss depends on member i's parameters only
            if config.record_steps:
                step_loss.append(losses.detach().cpu())
                grads = packed_grads if packed else [p.grad for p in params.values()]
                squares = sum(g.detach().flatten(1).pow(2).sum(1) for g in grads)
                grad_norm.append(squares.sqrt().cpu())
            optimizer.step()
        if epoch % config.record_every == 0 or epoch == config.epochs:
            record(epoch)
        if config.snapshot_every and (epoch % config.snapshot_every == 0 or epoch == config.epochs):
            snapshot(epoch)

    seconds = np.full(members, (time.perf_counter() - started) / members)
    if resume is not None:
        seconds += resume.seconds  # a member's training time to config.epochs, both parts
    moments, step = _optimizer_state(optimizer, optimized)
    if packed:
        moments = {key: packed.named(by_name["packed"]) for key, by_name in moments.items()}
    state = ResumeState(moments={key: {k: v.detach().clone() for k, v in _module_layout(config.model, by_name).items()}
                                 for key, by_name in moments.items()},
                        step=None if step is None else step.detach().clone().cpu(),
                        order_rng=torch.stack([g.get_state() for g in orders]))
    stack = lambda rows: torch.stack(rows, dim=1).numpy() if rows else None  # noqa: E731
    return Runs(
        config=config, seeds=list(seeds), epochs=np.array(records["epochs"]),
        train_loss=stack(records["train_loss"]), train_acc=stack(records["train_acc"]),
        test_loss=stack(records["test_loss"]), test_acc=stack(records["test_acc"]),
        # clones when packed: a view would keep (and a saved payload would store) the whole flat tensor
        params={k: v.detach().clone() if packed else v.detach() for k, v in _module_layout(config.model, params).items()},
        step_loss=stack(step_loss), grad_norm=stack(grad_norm),
        snapshots=torch.stack(snapshots, dim=1) if snapshots else None,
        snapshot_epochs=np.array(snapshot_epochs) if snapshots else None,
        seconds=seconds, cached=[False] * members, state=state,
        resumed_from=None if resume is None else resume.config.epochs,
    )


def _check_resumable(config: TrainConfig, seeds: list[int], resume: Runs) -> None:
    """Refuse a `resume` that is not a shorter run of this very config and ensemble."""
    if resume.state is None:
        raise ValueError("the run to resume from has no ResumeState (cached before runs kept one): train from scratch")
    if list(resume.seeds) != list(seeds):
        raise ValueError(f"cannot resume seeds {list(seeds)} from a run of seeds {list(resume.seeds)}: "
                         "a member's bits depend on its ensemble")
    if dataclasses.replace(resume.config, epochs=config.epochs) != config:
        raise ValueError("cannot resume from a run of another config (only `epochs` may differ): "
                         f"{resume.config} vs {config}")
    if not 0 <= resume.config.epochs < config.epochs:
        raise ValueError(f"can only extend a run to more epochs: {resume.config.epochs} -> {config.epochs}")


def _take_prefix_records(config: TrainConfig, resume: Runs, records: dict[str, list], step_loss: list, grad_norm: list,
                         snapshots: list, snapshot_epochs: list) -> None:
    """Fill the recordings with those of the shorter run, as a straight run would have made them: a run to E
    always records at its last epoch E, which a straight run to E' > E records only on the record_every
    (snapshot_every) grid."""
    last = resume.config.epochs
    keep = [j for j, epoch in enumerate(resume.epochs) if epoch != last or last % config.record_every == 0]
    records["epochs"].extend(int(resume.epochs[j]) for j in keep)
    for name in ("train_loss", "train_acc", "test_loss", "test_acc"):
        records[name].extend(torch.from_numpy(getattr(resume, name)[:, j].copy()) for j in keep)
    for rows, name in ((step_loss, "step_loss"), (grad_norm, "grad_norm")):
        if config.record_steps:
            rows.extend(torch.from_numpy(column.copy()) for column in getattr(resume, name).T)
    if config.snapshot_every:
        keep = [j for j, epoch in enumerate(resume.snapshot_epochs) if epoch != last or last % config.snapshot_every == 0]
        snapshots.extend(resume.snapshots[:, j] for j in keep)
        snapshot_epochs.extend(int(resume.snapshot_epochs[j]) for j in keep)


def _divergence_message(config: TrainConfig, label: str, seeds: list[int], train_loss: torch.Tensor,
                        test_loss: torch.Tensor, epoch: int, finite_epochs: list[int], steps_per_epoch: int,
                        step_loss: list[torch.Tensor]) -> str:
    """Which run, seed, step and settings diverged. Losses are checked at each recording (no extra
    per-step work), so the step is bracketed by the last finite recording; with record_steps the
    first non-finite minibatch loss gives it exactly."""
    bad = ~(torch.isfinite(train_loss) & torch.isfinite(test_loss))
    member = int(bad.nonzero()[0])
    where = f"step {epoch * steps_per_epoch}"
    if finite_epochs:
        where += f"; last finite at epoch {finite_epochs[-1]}, step {finite_epochs[-1] * steps_per_epoch}"
    if step_loss:
        nonfinite = (~torch.isfinite(torch.stack([s[member] for s in step_loss]))).nonzero()
        if len(nonfinite):
            where += f"; first non-finite minibatch loss at step {int(nonfinite[0]) + 1}"
    settings = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name not in ("model", "data")}
    return (f"run {label or config.model.label!r} diverged: train loss {train_loss[member].item()}, test loss "
            f"{test_loss[member].item()} for seed {seeds[member]} at epoch {epoch} ({where}); diverged seeds "
            f"{[s for s, b in zip(seeds, bad.tolist()) if b]}; settings "
            + ", ".join(f"{k}={v}" for k, v in settings.items()) + f", data={config.data}")


# --- per-seed payloads for the cache -----------------------------------------------------------

_ARRAYS = ("epochs", "train_loss", "train_acc", "test_loss", "test_acc", "step_loss", "grad_norm", "snapshot_epochs")


def member_payload(runs: Runs, i: int) -> dict:
    """Member i of `runs` as a dict of tensors and plain values (what the cache stores)."""
    payload = {"seed": runs.seeds[i], "seconds": float(runs.seconds[i]), "epochs_reached": int(runs.config.epochs),
               "resumed_from": runs.resumed_from,
               "params": {k: v[i].detach().cpu().contiguous() for k, v in runs.params.items()}}
    if runs.state is not None:
        state = runs.state
        payload["resume"] = {"moments": {key: {k: v[i].detach().cpu().contiguous() for k, v in by_name.items()}
                                         for key, by_name in state.moments.items()},
                             "step": state.step, "order_rng": state.order_rng[i].contiguous()}
    for name in _ARRAYS:
        value = getattr(runs, name)
        if value is not None:
            payload[name] = torch.from_numpy(np.ascontiguousarray(value if name.endswith("epochs") else value[i]))
    if runs.snapshots is not None:
        payload["snapshots"] = runs.snapshots[i].contiguous()
    return payload


def stack_payloads(config: TrainConfig, payloads: list[dict], cached: list[bool], device="cpu",
                   run_keys: list[str] | None = None, retrain: Callable | None = None) -> Runs:
    """The inverse of member_payload over several members. With `run_keys` (the members' cache keys) the
    parameters are StoredParams (`retrain` as there); a payload read without its state
    (harness.cache.load(state=False)) needs them."""
    def arr(name):
        if name not in payloads[0]:
            return None
        if name.endswith("epochs"):
            return payloads[0][name].numpy()
        return torch.stack([p[name] for p in payloads]).numpy()

    if run_keys is not None:
        params = StoredParams(run_keys, [p[STORED_STATE] if STORED_STATE in p else {"params": p["params"]}
                                         for p in payloads], device, retrain)
    elif any(STORED_STATE in p for p in payloads):
        raise ValueError("payloads read without their state need their run keys (stack_payloads' run_keys)")
    else:
        params = {k: torch.stack([p["params"][k] for p in payloads]).to(device) for k in payloads[0]["params"]}
    return Runs(
        config=config, seeds=[int(p["seed"]) for p in payloads], epochs=arr("epochs"),
        train_loss=arr("train_loss"), train_acc=arr("train_acc"), test_loss=arr("test_loss"), test_acc=arr("test_acc"),
        params=params, step_loss=arr("step_loss"), grad_norm=arr("grad_norm"),
        snapshots=torch.stack([p["snapshots"] for p in payloads]) if "snapshots" in payloads[0] else None,
        snapshot_epochs=arr("snapshot_epochs"),
        seconds=np.array([float(p["seconds"]) for p in payloads]), cached=list(cached),
        state=_stacked_state(payloads, device), resumed_from=payloads[0].get("resumed_from"),
    )


def _stacked_state(payloads: list[dict], device) -> ResumeState | None:
    """The members' resume states as one ResumeState, or None if any member has none."""
    if not all("resume" in p for p in payloads):
        return None
    states = [p["resume"] for p in payloads]
    return ResumeState(moments={key: {k: torch.stack([s["moments"][key][k] for s in states]).to(device) for k in by_name}
                                for key, by_name in states[0]["moments"].items()},
                       step=states[0]["step"], order_rng=torch.stack([s["order_rng"] for s in states]))


select_kernels()
