"""Private torch kernels behind a capability check (issue 22): each has a public fallback, chosen at import
when the private kernel is missing, refuses the call or answers otherwise; forced fallbacks give autograd's
numbers, and which path runs is in harness.train.KERNELS and in the run cache key."""
import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import harness.train as train_module
from harness.data import DataSpec
from harness.models import MLPSpec
from harness.runner import Runner
from harness.train import (ACTIVATION_BACKWARD, CNN_STEP, FUSED_ADAM, KERNELS, FunctionTask, TrainConfig, _activation_backward,
                           _losses, _stacked_forward, _stacked_params, _training_layout, load_split,
                           mlp_losses_and_grads, select_kernels, train_ensemble)

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "leaky_relu": lambda z: F.leaky_relu(z, 0.01)}
PATHS = ["private", "fallback"]


@pytest.fixture
def restore_kernels(monkeypatch):
    """Re-probe after a test that tampered with the kernels, so later tests see the real selection (the
    tampering undone first: fixtures are torn down in reverse, so monkeypatch's own undo would come after)."""
    yield
    monkeypatch.undo()
    select_kernels()


def force(monkeypatch, path: str) -> None:
    for kernel in KERNELS:
        monkeypatch.setitem(KERNELS, kernel, path)


def pinned_torch() -> str | None:
    for line in (Path(__file__).resolve().parents[1] / "constraints.txt").read_text().splitlines():
        if line.startswith("torch=="):
            return line.split("==", 1)[1].strip()
    return None


def test_every_private_kernel_runs_on_the_pinned_torch():
    """The pinned torch has every private kernel; a fallback there would be a silent slowdown. On another torch
    (the newest-releases nightly) a fallback is what keeps the suite running: it is reported, not failed."""
    expected = {**{kernel: "private" for kernel, _, _ in ACTIVATION_BACKWARD.values()}, FUSED_ADAM: "private",
                CNN_STEP: "private"}
    if torch.__version__.split("+")[0] != pinned_torch():
        if KERNELS != expected:
            pytest.skip(f"torch {torch.__version__} (not the pinned one) runs fallbacks: {train_module.KERNEL_FALLBACK_REASONS}")
    assert KERNELS == expected, train_module.KERNEL_FALLBACK_REASONS


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_backward_equals_autograd(name, path, monkeypatch):
    force(monkeypatch, path)
    generator = torch.Generator().manual_seed(1)
    pre = torch.randn(3, 40, 9, generator=generator).index_fill_(2, torch.tensor([2]), 0.0).requires_grad_(True)
    out = ACTIVATIONS[name](pre)
    grad = torch.randn(out.shape, generator=generator)
    out.backward(grad)
    out = out.detach()
    torch.testing.assert_close(_activation_backward(name, grad, out, torch.empty_like(grad)), pre.grad)
    in_place = grad.clone()
    assert _activation_backward(name, in_place, out, in_place) is in_place
    torch.testing.assert_close(in_place, pre.grad)
    one = torch.ones((), dtype=out.dtype).expand(out.shape)  # how the one-in-one-out shortcut asks for act'(h)
    slope = torch.autograd.functional.jacobian(lambda z: ACTIVATIONS[name](z).sum(), pre.detach())
    torch.testing.assert_close(_activation_backward(name, one, out, torch.empty_like(out)), slope)


@settings(max_examples=25, deadline=None)
@given(members=st.integers(1, 3), batch=st.integers(1, 9), in_dim=st.sampled_from([1, 5]),
       hidden=st.lists(st.integers(1, 6), min_size=1, max_size=3), out_dim=st.sampled_from([1, 4]),
       activation=st.sampled_from(list(ACTIVATIONS)), seed=st.integers(0, 2**31 - 1))
def test_hand_written_gradient_with_fallback_kernels_equals_autograd(members, batch, in_dim, hidden, out_dim,
                                                                       activation, seed):
    spec = MLPSpec(in_dim, tuple(hidden), out_dim, activation)
    config = TrainConfig(model=spec, data=FunctionTask("sin") if out_dim == 1 else DataSpec(), epochs=1, lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, in_dim, generator=generator)
    y = (torch.randn(batch, 1, generator=generator) if out_dim == 1
         else torch.randint(0, out_dim, (batch,), generator=generator))
    base, module_params = _stacked_params(config, list(range(members)), "cpu")
    params = {k: v.detach().requires_grad_(True) for k, v in _training_layout(spec, module_params).items()}
    _losses(config, _stacked_forward(spec, base, weights_in_out=True)(params, x), y).sum().backward()
    names = list(params)
    saved = dict(KERNELS)
    try:
        KERNELS.update({kernel: "fallback" for kernel in KERNELS})  # hypothesis forbids function-scoped monkeypatch
        _, grads = mlp_losses_and_grads(config, [(params[w], params[b]) for w, b in zip(names[0::2], names[1::2])],
                                        x, y, per_member=False)
    finally:
        KERNELS.update(saved)
    for (w, b), (grad_w, grad_b) in zip(zip(names[0::2], names[1::2]), grads):
        torch.testing.assert_close(grad_w, params[w].grad, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(grad_b, params[b].grad, rtol=1e-4, atol=1e-6)


FIT = TrainConfig(model=MLPSpec(1, (16, 16), 1, "tanh"), data=FunctionTask("sinc", 64), epochs=40, lr=3e-3,
                  weight_decay=1e-4, record_every=10)
MNIST = TrainConfig(model=MLPSpec(784, (16,), 10, "leaky_relu"), data=DataSpec(n_train=128, n_test=64), epochs=2,
                    lr=1e-2, batch_size=32)


@pytest.mark.parametrize("config", [FIT, MNIST], ids=["fit", "mnist"])
def test_training_on_fallbacks_equals_autograd_with_torch_adam(config, monkeypatch):
    """Every fallback at once (activation backward and torch.optim.Adam) against the autograd path with the
    private kernels: the same run up to float rounding."""
    split = load_split(config.data, "cpu")
    reference = train_ensemble(config, [1, 2], split, hand_written=False)
    force(monkeypatch, "fallback")

    def private_called(*args, **kwargs):
        raise AssertionError("a private kernel ran although its fallback was selected")
    for name, (kernel, _, public) in list(ACTIVATION_BACKWARD.items()):
        monkeypatch.setitem(ACTIVATION_BACKWARD, name, (kernel, private_called, public))
    monkeypatch.setattr(torch, "_fused_adam_", private_called)
    fallback = train_ensemble(config, [1, 2], split)
    for metric in ("train_loss", "test_loss", "train_acc", "test_acc"):
        np.testing.assert_allclose(getattr(fallback, metric), getattr(reference, metric), rtol=1e-4, atol=1e-6)
    for name, p in fallback.params.items():
        torch.testing.assert_close(p, reference.params[name], rtol=1e-3, atol=1e-5)


def test_fallback_optimizer_is_public_and_resumes_bit_for_bit(monkeypatch):
    monkeypatch.setitem(KERNELS, FUSED_ADAM, "fallback")
    assert isinstance(train_module._optimizer(FIT, [torch.zeros(2, requires_grad=True)]), torch.optim.Adam)
    split = load_split(FIT.data, "cpu")
    short = train_ensemble(dataclasses.replace(FIT, epochs=15), [1, 2], split)
    extended = train_ensemble(FIT, [1, 2], split, resume=short)
    straight = train_ensemble(FIT, [1, 2], split)
    assert np.array_equal(extended.train_loss, straight.train_loss)
    assert torch.equal(extended.flat_params(), straight.flat_params())


def test_a_missing_kernel_selects_its_fallback(monkeypatch, restore_kernels):
    monkeypatch.delattr(torch, "_fused_adam_")
    assert select_kernels()[FUSED_ADAM] == "fallback"
    assert "AttributeError" in train_module.KERNEL_FALLBACK_REASONS[FUSED_ADAM]


def test_a_changed_signature_selects_the_fallback(monkeypatch, restore_kernels):
    kernel, _, public = ACTIVATION_BACKWARD["tanh"]

    def new_signature(grad, out, result):  # as if the op had gained a required argument
        return torch.ops.aten.tanh_backward.grad_input(grad, out, 1.0, grad_input=result)
    monkeypatch.setitem(ACTIVATION_BACKWARD, "tanh", (kernel, new_signature, public))
    assert select_kernels()[kernel] == "fallback"
    assert select_kernels()[ACTIVATION_BACKWARD["relu"][0]] == "private"


def test_a_kernel_that_answers_otherwise_selects_the_fallback(monkeypatch, restore_kernels):
    kernel, private, public = ACTIVATION_BACKWARD["relu"]
    monkeypatch.setitem(ACTIVATION_BACKWARD, "relu", (kernel, lambda g, o, r: private(g, o, r).mul_(1.001), public))
    assert select_kernels()[kernel] == "fallback" and "differently" in train_module.KERNEL_FALLBACK_REASONS[kernel]


def test_a_fused_adam_that_updates_otherwise_selects_the_fallback(monkeypatch, restore_kernels):
    """The probe compares the kernel with Adam's formula written out: a kernel that forgets the bias
    correction (here: steps counted from a large number) is caught."""
    fused_adam = torch._fused_adam_

    def no_bias_correction(params, grads, exp_avgs, exp_avg_sqs, max_sqs, steps, **kwargs):
        return fused_adam(params, grads, exp_avgs, exp_avg_sqs, max_sqs, [s + 1e6 for s in steps], **kwargs)
    monkeypatch.setattr(torch, "_fused_adam_", no_bias_correction)
    assert select_kernels()[FUSED_ADAM] == "fallback"
    assert "Adam's formula" in train_module.KERNEL_FALLBACK_REASONS[FUSED_ADAM]


def test_probing_the_kernels_imports_no_compiler():
    """Building a torch.optim.Adam imports torch._dynamo (~1 s); the probes run at import in every process."""
    code = "import sys, harness.train; print('torch._dynamo' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_kernels_that_ran_are_part_of_the_run_key(monkeypatch):
    before = Runner().run_keys(FIT, [0])
    monkeypatch.setitem(KERNELS, FUSED_ADAM, "fallback")
    assert Runner().run_keys(FIT, [0]) != before
