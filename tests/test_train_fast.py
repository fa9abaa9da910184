"""The fast paths of harness.train equal the reference ones to float tolerance: the hand-written MLP
gradient equals autograd's (with its reused workspace bit for bit as without), so does the packed step of the
deep narrow fits (PackedMLP, through each member's nn.Module), FusedAdam equals
torch.optim.Adam(fused=True) bit for bit, and a whole hand-written training run equals the autograd run
(issue 13: numerics may change in the last bits, verdicts must not)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import harness.train as train_module
from harness.data import DataSpec
from harness.models import CNNSpec, MLPSpec, build
from harness.train import (FunctionTask, FusedAdam, PackedMLP, TrainConfig, Workspace, _activate_, _losses, _stacked_forward,
                           _stacked_params, _training_layout, load_split, mlp_losses_and_grads, packed_mlp, train_ensemble)

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


def _wide_shallow_gradients(activation: str, per_member: bool):
    """Hand-written and autograd gradients of 3 members of a 1-190-1 net (C1's widest shape) on 50 points."""
    spec = MLPSpec(1, (190,), 1, activation)
    config = TrainConfig(model=spec, data=FunctionTask("sin"), epochs=1, lr=1e-3)
    generator = torch.Generator().manual_seed(3)
    lead = (3,) if per_member else ()
    x, y = torch.rand(*lead, 50, 1, generator=generator) * 2 - 1, torch.randn(*lead, 50, 1, generator=generator)
    base, module_params = _stacked_params(config, [4, 5, 6], "cpu")
    params = {k: v.detach().requires_grad_(True) for k, v in _training_layout(spec, module_params).items()}
    _losses(config, _stacked_forward(spec, base, weights_in_out=True)(params, x, per_member), y).sum().backward()
    layers = [(params["1.weight"], params["1.bias"]), (params["3.weight"], params["3.bias"])]
    _, grads = mlp_losses_and_grads(config, layers, x, y, per_member, Workspace())
    return grads, [(w.grad, b.grad) for w, b in layers]


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu"])
@pytest.mark.parametrize("per_member", [True, False], ids=["own-points", "shared-points"])
def test_one_input_one_output_shortcut_equals_autograd(activation, per_member, monkeypatch):
    """The 1-input, 1-hidden-layer, 1-output nets' first-layer gradient, v ⊙ ([x·g, g]ᵀ @ act'(h)), is
    autograd's (and the path is taken)."""
    calls = []
    shortcut = train_module._one_in_one_out_first_layer_grads
    monkeypatch.setattr(train_module, "_one_in_one_out_first_layer_grads",
                        lambda *args: calls.append(1) or shortcut(*args))
    grads, reference = _wide_shallow_gradients(activation, per_member)
    assert calls == [1]
    for (grad_w, grad_b), (want_w, want_b) in zip(grads, reference):
        torch.testing.assert_close(grad_w, want_w, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(grad_b, want_b, rtol=1e-4, atol=1e-6)


def test_one_input_one_output_check_fails_without_the_activation_slope(monkeypatch):
    """Counter-example: the same comparison fails when act'(h) is dropped (slope 1 everywhere)."""
    monkeypatch.setattr(train_module, "_activation_backward",
                        lambda name, grad, out, result: result.copy_(grad))
    grads, reference = _wide_shallow_gradients("tanh", per_member=False)
    with pytest.raises(AssertionError):
        torch.testing.assert_close(grads[0][0], reference[0][0], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu"])
def test_in_place_activation_equals_the_models_module(activation):
    z = torch.linspace(-20, 20, 40_001)
    module = build(MLPSpec(1, (1, 1), 1, activation))[2]  # Flatten, Linear, activation, ...
    torch.testing.assert_close(_activate_(activation, z.clone()), module(z), rtol=0, atol=0)


@SOME
@given(members=st.integers(1, 3), batch=st.integers(1, 9), in_dim=st.sampled_from([1, 5]),
       hidden=st.lists(st.integers(1, 6), min_size=1, max_size=3), out_dim=st.sampled_from([1, 4]),
       per_member=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_workspace_changes_no_bit_of_the_gradient(members, batch, in_dim, hidden, out_dim, per_member, seed):
    """Two steps through one reused workspace give exactly the gradients of two steps without one: no
    intermediate is overwritten while still needed, and no result aliases another."""
    spec = MLPSpec(in_dim, tuple(hidden), out_dim, "tanh")
    config = TrainConfig(model=spec, data=FunctionTask("sin") if out_dim == 1 else DataSpec(), epochs=1, lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    lead = (members,) if per_member else ()
    layers = [(torch.randn(members, a, b, generator=generator), torch.randn(members, b, generator=generator))
              for a, b in zip((in_dim, *hidden), (*hidden, out_dim))]
    workspace = Workspace()
    for _ in range(2):
        x = torch.randn(*lead, batch, in_dim, generator=generator)
        y = (torch.randn(*lead, batch, 1, generator=generator) if out_dim == 1
             else torch.randint(0, out_dim, (*lead, batch), generator=generator))
        losses, grads = mlp_losses_and_grads(config, layers, x, y, per_member, workspace)
        grads = [(w.clone(), b.clone()) for w, b in grads]  # before anything else touches the workspace
        expected_losses, expected = mlp_losses_and_grads(config, layers, x, y, per_member)
        assert torch.equal(losses, expected_losses)
        for (grad_w, grad_b), (want_w, want_b) in zip(grads, expected):
            assert torch.equal(grad_w, want_w) and torch.equal(grad_b, want_b)


@SOME
@given(members=st.integers(1, 4), hidden=st.lists(st.integers(1, 12), min_size=2, max_size=7),
       activation=st.sampled_from(["relu", "tanh", "leaky_relu"]), batch=st.integers(1, 40),
       in_dim=st.sampled_from([1, 1, 3]), out_dim=st.sampled_from([1, 1, 2]), per_member=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_packed_step_equals_autograd_through_each_members_module(members, hidden, activation, batch, in_dim, out_dim,
                                                                   per_member, seed):
    """The packed feature-major step (losses, every parameter's gradient, and the evaluation forward) against
    autograd through each member's own nn.Module, over depths, widths, activations, batch sizes and ensembles;
    x and y shared by the members (full batch) or each member's own (minibatches)."""
    spec = MLPSpec(in_dim, tuple(hidden), out_dim, activation)
    config = TrainConfig(model=spec, data=FunctionTask("sin"), epochs=1, lr=1e-3)
    assert packed_mlp(config) == (in_dim == 1 and out_dim == 1)  # the class is general; the route takes the fits
    generator = torch.Generator().manual_seed(seed)
    lead = (members,) if per_member else ()
    x, y = torch.randn(*lead, batch, in_dim, generator=generator), torch.randn(*lead, batch, out_dim, generator=generator)
    _, module_params = _stacked_params(config, list(range(seed % 1000, seed % 1000 + members)), "cpu")
    params = {k: v.detach() for k, v in _training_layout(spec, module_params).items()}
    names = list(params)
    packed = PackedMLP(spec, list(zip(names[0::2], names[1::2])), members, x)
    packed.params.copy_(packed.pack(params))
    losses = packed.losses_and_grads(x, y, per_member)
    grads = {name: grad.clone() for name, grad in packed.named(packed.grad).items()}
    out = packed.forward(packed.named(packed.params), x, per_member).clone()
    for m in range(members):
        module = build(spec)
        module.load_state_dict({k: v[m] for k, v in module_params.items()})
        x_m, y_m = (x[m], y[m]) if per_member else (x, y)
        prediction = module(x_m)
        loss = torch.nn.functional.mse_loss(prediction, y_m)
        loss.backward()
        torch.testing.assert_close(out[m], prediction.detach(), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(losses[m], loss.detach(), rtol=1e-5, atol=1e-6)
        for name, p in module.named_parameters():  # module layout (out, in); the packed step's weights are (in, out)
            want = p.grad.t() if name.endswith("weight") else p.grad
            torch.testing.assert_close(grads[name][m], want, rtol=1e-4, atol=1e-6)


def test_packed_step_check_fails_without_the_activation_slope(monkeypatch):
    """Counter-example: the comparison above fails when the backward drops act'(h) (slope 1 everywhere)."""
    monkeypatch.setattr(train_module, "_activation_backward_", lambda name, grad, out: grad)
    with pytest.raises(AssertionError):
        test_packed_step_equals_autograd_through_each_members_module.hypothesis.inner_test(
            members=2, hidden=[5, 5], activation="tanh", batch=20, in_dim=1, out_dim=1, per_member=False, seed=3)


@pytest.mark.parametrize("spec, data, packed", [
    (MLPSpec(1, (9,) * 7, 1, "leaky_relu"), FunctionTask("sinc", 20), True),   # C1's deep narrow fits
    (MLPSpec(1, (13,) * 6, 1, "relu"), FunctionTask("abs_sinc", 20), True),
    (MLPSpec(1, (20,) * 2, 1, "tanh"), FunctionTask("sin", 20), True),
    (MLPSpec(1, (190,), 1, "leaky_relu"), FunctionTask("sinc", 20), False),   # one hidden layer: its own shortcut
    (MLPSpec(784, (16, 16), 10), DataSpec(n_train=64, n_test=32), False),     # cross-entropy, batch-major minibatches
], ids=["7x9-leaky", "6x13-relu", "2x20-tanh", "1x190", "mnist"])
def test_the_packed_step_trains_the_deep_fits_only(spec, data, packed, monkeypatch):
    config = TrainConfig(model=spec, data=data, epochs=2, lr=1e-3, batch_size=None if packed else 32)
    assert packed_mlp(config) == packed
    calls = []
    step = PackedMLP.losses_and_grads
    monkeypatch.setattr(PackedMLP, "losses_and_grads", lambda *args, **kwargs: calls.append(1) or step(*args, **kwargs))
    train_ensemble(config, [0, 1], load_split(data, "cpu"))
    assert len(calls) == (2 if packed else 0)


@pytest.mark.parametrize("weight_decay", [0.0, 1e-3])
def test_fused_adam_equals_torch_optim_adam_bit_for_bit(weight_decay):
    generator = torch.Generator().manual_seed(0)
    ours = [torch.randn(12, 190, 1, generator=generator), torch.randn(12, 7, generator=generator)]
    theirs = [p.clone() for p in ours]
    fused = FusedAdam(ours, lr=1e-2, weight_decay=weight_decay)
    reference = torch.optim.Adam(theirs, lr=1e-2, weight_decay=weight_decay, fused=True)
    for _ in range(50):
        for p, q in zip(ours, theirs):
            p.grad = torch.randn(p.shape, generator=generator)
            q.grad = p.grad.clone()
        fused.step()
        reference.step()
    for p, q in zip(ours, theirs):
        assert torch.equal(p, q)


FIT = TrainConfig(model=MLPSpec(1, (40,), 1, "tanh"), data=FunctionTask("sinc", 100), epochs=300, lr=3e-3,
                  record_every=50, record_steps=True)
# Last-bit differences grow along a training run (chaotically so on a discontinuous target), hence short runs.
DEEP_FIT = TrainConfig(model=MLPSpec(1, (9, 9, 9), 1, "leaky_relu"), data=FunctionTask("sign_sin", 100), epochs=60,
                       lr=3e-3, weight_decay=1e-4, record_every=20)
# the packed step on minibatches (each member its own rows; a smaller last one) with SGD's momentum on its flat tensor
DEEP_SGD_MINIBATCH = TrainConfig(model=MLPSpec(1, (7, 7, 7, 7), 1, "tanh"), data=FunctionTask("sin", 100), epochs=15,
                                 lr=0.05, batch_size=32, optimizer="sgd", momentum=0.9, record_every=5, record_steps=True)
MNIST = TrainConfig(model=MLPSpec(784, (16,), 10), data=DataSpec(n_train=256, n_test=128), epochs=3, lr=1e-2,
                    batch_size=32)
NOISY_SGD = TrainConfig(model=MLPSpec(784, (16, 8), 10), data=DataSpec(n_train=256, n_test=128), epochs=3, lr=0.05,
                        batch_size=64, optimizer="sgd", momentum=0.9, label_noise=1.0)


@pytest.mark.parametrize("config", [FIT, DEEP_FIT, DEEP_SGD_MINIBATCH, MNIST, NOISY_SGD],
                         ids=["fit", "deep-fit", "deep-sgd-minibatch", "mnist", "noisy-sgd"])
def test_hand_written_training_equals_autograd_training(config):
    assert_trains_like_autograd(config)


def assert_trains_like_autograd(config: TrainConfig) -> None:
    """A whole run through the hand-written step (MLP or CNN) against the autograd path: curves, final parameters
    and, where steps are recorded, gradient norms. tests/test_cnn_fast.py uses it for CNNs."""
    split = load_split(config.data, "cpu")
    fast = train_ensemble(config, [7, 8], split)
    reference = train_ensemble(config, [7, 8], split, hand_written=False)
    for metric in ("train_loss", "test_loss", "train_acc", "test_acc"):
        np.testing.assert_allclose(getattr(fast, metric), getattr(reference, metric), rtol=1e-4, atol=1e-6)
    for name, p in fast.params.items():
        torch.testing.assert_close(p, reference.params[name], rtol=1e-3, atol=1e-5)
    if config.record_steps:
        np.testing.assert_allclose(fast.grad_norm, reference.grad_norm, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("spec", [CNNSpec(channels=(4, 6), kernel=3), CNNSpec(channels=(3,), dense=(5, 7), kernel=4),
                                  CNNSpec(channels=(4, 5), dense=(6,), kernel=5, padding="valid", activation="tanh")],
                         ids=["same-k3", "even-kernel-dense", "valid-k5-tanh"])
@pytest.mark.parametrize("per_member", [True, False], ids=["own-batches", "shared-batch"])
def test_grouped_cnn_forward_equals_each_member_module(spec, per_member):
    """The grouped-convolution ensemble forward gives each member's nn.Module output (and gradient)."""
    config = TrainConfig(model=spec, data=DataSpec(), epochs=1, lr=1e-3)
    base, params = _stacked_params(config, [1, 2, 3], "cpu")
    x = torch.rand(3, 5, 1, 28, 28) if per_member else torch.rand(5, 1, 28, 28)
    out = _stacked_forward(spec, base)(params, x, per_member)
    out.square().sum().backward()
    for m in range(3):
        module = build(spec)
        module.load_state_dict({k: v[m].detach() for k, v in params.items()})
        expected = module(x[m] if per_member else x)
        torch.testing.assert_close(out[m], expected, rtol=1e-5, atol=1e-6)
        expected.square().sum().backward()
        for name, p in module.named_parameters():
            torch.testing.assert_close(params[name].grad[m], p.grad, rtol=1e-4, atol=1e-5)
