"""The fast paths of harness.train equal the reference ones to float tolerance: the hand-written MLP
gradient equals autograd's, the tanh identity equals torch.tanh, and a whole hand-written training run
equals the autograd run (issue 13: numerics may change in the last bits, verdicts must not)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.data import DataSpec
from harness.models import MLPSpec
from harness.train import (FunctionTask, TrainConfig, _activate_, _losses, _stacked_forward, _stacked_params,
                           _training_layout, load_split, mlp_losses_and_grads, train_ensemble)

SOME = settings(max_examples=40, deadline=None)


@SOME
@given(members=st.integers(1, 3), batch=st.integers(1, 9), in_dim=st.sampled_from([1, 5]),
       hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3), out_dim=st.sampled_from([1, 4]),
       activation=st.sampled_from(["relu", "tanh", "leaky_relu"]), per_member=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_hand_written_gradient_equals_autograd(members, batch, in_dim, hidden, out_dim, activation, per_member, seed):
    spec = MLPSpec(in_dim, tuple(hidden), out_dim, activation)
    regression = out_dim == 1
    data = FunctionTask("sin") if regression else DataSpec()
    config = TrainConfig(model=spec, data=data, epochs=1, lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(*((members,) if per_member else ()), batch, in_dim, generator=generator)
    if regression:
        y = torch.randn(*((members,) if per_member else ()), batch, 1, generator=generator)
    else:
        y = torch.randint(0, out_dim, (*((members,) if per_member else ()), batch), generator=generator)
    base, module_params = _stacked_params(config, list(range(seed % 1000, seed % 1000 + members)), "cpu")
    params = {k: v.detach().requires_grad_(True) for k, v in _training_layout(spec, module_params).items()}
    reference = _losses(config, _stacked_forward(spec, base, weights_in_out=True)(params, x, per_member), y)
    reference.sum().backward()
    names = list(params)
    losses, grads = mlp_losses_and_grads(config, [(params[w], params[b]) for w, b in zip(names[0::2], names[1::2])],
                                         x, y, per_member)
    torch.testing.assert_close(losses, reference.detach(), rtol=1e-5, atol=1e-6)
    for (w, b), (grad_w, grad_b) in zip(zip(names[0::2], names[1::2]), grads):
        torch.testing.assert_close(grad_w, params[w].grad, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(grad_b, params[b].grad, rtol=1e-4, atol=1e-6)


def test_tanh_identity_is_within_float_rounding_of_torch_tanh():
    z = torch.linspace(-20, 20, 400_001)
    assert (_activate_("tanh", z.clone()) - torch.tanh(z)).abs().max().item() < 2e-7


FIT = TrainConfig(model=MLPSpec(1, (40,), 1, "tanh"), data=FunctionTask("sinc", 100), epochs=300, lr=3e-3,
                  record_every=50, record_steps=True)
# Last-bit differences grow along a training run (chaotically so on a discontinuous target), hence short runs.
DEEP_FIT = TrainConfig(model=MLPSpec(1, (9, 9, 9), 1, "leaky_relu"), data=FunctionTask("sign_sin", 100), epochs=60,
                       lr=3e-3, weight_decay=1e-4, record_every=20)
MNIST = TrainConfig(model=MLPSpec(784, (16,), 10), data=DataSpec(n_train=256, n_test=128), epochs=3, lr=1e-2,
                    batch_size=32)
NOISY_SGD = TrainConfig(model=MLPSpec(784, (16, 8), 10), data=DataSpec(n_train=256, n_test=128), epochs=3, lr=0.05,
                        batch_size=64, optimizer="sgd", momentum=0.9, label_noise=1.0)


@pytest.mark.parametrize("config", [FIT, DEEP_FIT, MNIST, NOISY_SGD], ids=["fit", "deep-fit", "mnist", "noisy-sgd"])
def test_hand_written_training_equals_autograd_training(config):
    split = load_split(config.data, "cpu")
    fast = train_ensemble(config, [7, 8], split)
    reference = train_ensemble(config, [7, 8], split, hand_written=False)
    for metric in ("train_loss", "test_loss", "train_acc", "test_acc"):
        np.testing.assert_allclose(getattr(fast, metric), getattr(reference, metric), rtol=1e-4, atol=1e-6)
    for name, p in fast.params.items():
        torch.testing.assert_close(p, reference.params[name], rtol=1e-3, atol=1e-5)
    if config.record_steps:
        np.testing.assert_allclose(fast.grad_norm, reference.grad_norm, rtol=1e-4, atol=1e-6)
