"""The hand-written CNN step of harness.train equals autograd through each member's nn.Module to float
tolerance: the loss and every parameter's gradient, over shapes (channels, kernel 3/4/5, same/valid padding,
dense layers, members 1-8, batch sizes, activations, per-member or shared inputs). A whole hand-written CNN
run equals the autograd run to tolerance, and specs the step does not handle fall back to autograd's path
(issue 21: numerics may change in the last bits, verdicts must not)."""
import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import harness.train as train_module
from harness.data import DataSpec
from harness.models import CNNSpec, build
from harness.train import (CNN_STEP, KERNELS, TrainConfig, _fast_cnn_forward, _stacked_forward, _stacked_params,
                           cnn_losses_and_grads, hand_written_cnn, keep_freed_memory, load_split, select_kernels,
                           train_ensemble)
from tests.test_train_fast import assert_trains_like_autograd

SOME = settings(max_examples=40, deadline=None)


def feature_size(spec: CNNSpec) -> int:
    """Side of the last pooled feature map (0: the image shrinks away)."""
    size = spec.image_size
    for _ in spec.channels:
        size = (size if spec.padding == "same" else size - spec.kernel + 1) // 2
        if size < 1:
            return 0
    return size


@SOME
@given(channels=st.lists(st.integers(1, 6), min_size=1, max_size=3), dense=st.lists(st.integers(1, 6), max_size=2),
       kernel=st.sampled_from([3, 4, 5]), padding=st.sampled_from(["same", "valid"]),
       activation=st.sampled_from(["relu", "tanh", "leaky_relu"]), in_channels=st.sampled_from([1, 2]),
       image_size=st.sampled_from([9, 12, 16]), members=st.integers(1, 8), batch=st.integers(1, 6),
       per_member=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_hand_written_cnn_gradient_equals_autograd(channels, dense, kernel, padding, activation, in_channels, image_size,
                                                   members, batch, per_member, seed):
    spec = CNNSpec(channels=tuple(channels), dense=tuple(dense), kernel=kernel, in_channels=in_channels,
                   image_size=image_size, activation=activation, padding=padding)
    assume(feature_size(spec) >= 1)
    assert hand_written_cnn(spec)
    config = TrainConfig(model=spec, data=DataSpec(), epochs=1, lr=1e-3)
    _, params = _stacked_params(config, list(range(seed % 1000, seed % 1000 + members)), "cpu")
    generator = torch.Generator().manual_seed(seed)
    image = (in_channels, image_size, image_size)
    x = torch.randn(members, batch, *image, generator=generator) if per_member else torch.randn(batch, *image, generator=generator)
    y = torch.randint(0, 10, (members, batch) if per_member else (batch,), generator=generator)

    losses, grads = cnn_losses_and_grads(config, params, x, y, per_member)

    assert set(grads) == set(params)
    for m in range(members):
        module = build(spec)
        module.load_state_dict({k: v[m].detach() for k, v in params.items()})
        loss = F.cross_entropy(module(x[m] if per_member else x), y[m] if per_member else y)
        loss.backward()
        torch.testing.assert_close(losses[m], loss.detach(), rtol=1e-5, atol=1e-6)
        for name, p in module.named_parameters():
            assert grads[name].shape == params[name].shape
            scale = p.grad.abs().max().item()  # float32 rounding of sums relative to the gradient's size
            torch.testing.assert_close(grads[name][m], p.grad, rtol=1e-4, atol=1e-5 * scale + 1e-8,
                                       msg=lambda text, name=name, m=m: f"{name} of member {m}: {text}")


@pytest.mark.parametrize("per_member", [True, False], ids=["own-batches", "shared-batch"])
def test_fast_forward_equals_the_grouped_forward(per_member):
    """Evaluation's forward (pool, then activate) gives the grouped autograd forward's outputs."""
    spec = CNNSpec(channels=(4, 5), dense=(6,), kernel=5, padding="valid", activation="tanh")
    config = TrainConfig(model=spec, data=DataSpec(), epochs=1, lr=1e-3)
    base, params = _stacked_params(config, [1, 2, 3], "cpu")
    x = torch.rand(3, 5, 1, 28, 28) if per_member else torch.rand(5, 1, 28, 28)
    with torch.no_grad():
        expected = _stacked_forward(spec, base)(params, x, per_member)
    torch.testing.assert_close(_fast_cnn_forward(spec)(params, x, per_member), expected, rtol=1e-6, atol=1e-6)


CNN_RUN = TrainConfig(model=CNNSpec(channels=(4, 6), dense=(8,)), data=DataSpec(n_train=96, n_test=64), epochs=2,
                      lr=1e-2, batch_size=16, record_steps=True)


@pytest.mark.parametrize("config", [CNN_RUN, dataclasses.replace(CNN_RUN, model=CNNSpec(channels=(3,), kernel=5,
                                                                                        padding="valid", activation="tanh"),
                                                                 optimizer="sgd", momentum=0.9, label_noise=1.0)],
                         ids=["adam", "sgd-tanh-noisy"])
def test_hand_written_cnn_training_equals_autograd_training(config):
    assert config.record_steps  # the gradient norms are compared too
    assert_trains_like_autograd(config)


def test_hand_written_cnn_is_chosen_from_the_spec():
    assert hand_written_cnn(CNNSpec(channels=(4,)))
    assert hand_written_cnn(CNNSpec(channels=(4,), padding="valid", activation="tanh"))
    assert not hand_written_cnn(CNNSpec(channels=(4,), activation="gelu"))  # no hand-written backward: autograd
    assert not hand_written_cnn(CNNSpec(channels=(4,), padding=1))
    assert keep_freed_memory() in ("glibc", keep_freed_memory())  # idempotent, and says what it did


def test_without_the_probed_ops_cnns_train_on_the_autograd_path(monkeypatch):
    """A CNN_STEP fallback (its ATen ops missing or answering otherwise at import) trains today's autograd path:
    the same bits as hand_written=False."""
    monkeypatch.setitem(KERNELS, CNN_STEP, "fallback")
    assert not hand_written_cnn(CNN_RUN.model)
    split = load_split(CNN_RUN.data, "cpu")
    fallback, reference = train_ensemble(CNN_RUN, [7, 8], split), train_ensemble(CNN_RUN, [7, 8], split, hand_written=False)
    assert np.array_equal(fallback.train_loss, reference.train_loss)
    assert torch.equal(fallback.flat_params(), reference.flat_params())


def test_a_changed_convolution_backward_selects_the_fallback(monkeypatch):
    def changed(*args, **kwargs):  # as if the op had gained a required argument
        raise TypeError("convolution_backward() missing 1 required positional argument")
    try:
        with monkeypatch.context() as patch:
            patch.setattr(torch.ops.aten, "convolution_backward", changed)
            assert select_kernels()[CNN_STEP] == "fallback"
            assert "TypeError" in train_module.KERNEL_FALLBACK_REASONS[CNN_STEP]
    finally:
        select_kernels()
    assert KERNELS[CNN_STEP] == "private"
