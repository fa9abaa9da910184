"""harness.train and harness.runner: the vectorised trainer equals separate training, is seeded,
stops on divergence, and round-trips through the cache."""
import dataclasses

import numpy as np
import pytest
import torch

from harness.cache import RunCache
from harness.data import DataSpec
from harness.models import CNNSpec, MLPSpec, build
from harness.runner import Runner
from harness.train import (FunctionTask, TrainConfig, TrainingDiverged, _stacked_forward, evaluate, load_split,
                           member_labels, member_payload, stack_payloads, train_ensemble)

MNIST_MLP = TrainConfig(model=MLPSpec(784, (16,), 10), data=DataSpec(n_train=200, n_test=100),
                        epochs=2, lr=1e-2, batch_size=32)
MNIST_CNN = TrainConfig(model=CNNSpec(channels=(4,), dense=(8,)), data=DataSpec(n_train=96, n_test=64),
                        epochs=2, lr=1e-2, batch_size=32)
FUNCTION = TrainConfig(model=MLPSpec(1, (8, 8), 1, "tanh"), data=FunctionTask("sinc", 64), epochs=30, lr=1e-2,
                       record_every=10, record_steps=True, snapshot_every=10)
NOISY = TrainConfig(model=MLPSpec(784, (16,), 10), data=DataSpec(n_train=200, n_test=100), epochs=2, lr=1e-2,
                    batch_size=50, label_noise=1.0)
SGD = TrainConfig(model=MLPSpec(784, (16,), 10), data=DataSpec(n_train=200, n_test=100), epochs=2, lr=0.1,
                  batch_size=40, optimizer="sgd", momentum=0.9, weight_decay=1e-4)


@pytest.mark.parametrize("config", [MNIST_MLP, MNIST_CNN, FUNCTION, NOISY, SGD],
                         ids=["mlp", "cnn", "function", "label-noise", "sgd"])
def test_ensemble_equals_members_trained_alone(config):
    split = load_split(config.data, "cpu")
    together = train_ensemble(config, [3, 4, 5], split)
    for i, seed in enumerate([3, 4, 5]):
        alone = train_ensemble(config, [seed], split)
        for metric in ("train_loss", "test_loss", "train_acc", "test_acc"):
            np.testing.assert_allclose(getattr(together, metric)[i], getattr(alone, metric)[0], rtol=1e-5, atol=1e-6)
        for name, p in together.params.items():
            torch.testing.assert_close(p[i], alone.params[name][0], rtol=1e-4, atol=1e-5)


PER_SEED_DATA = [dataclasses.replace(c, data=dataclasses.replace(c.data, seed=None)) for c in (MNIST_MLP, NOISY)]
PER_SEED_FULL_BATCH = dataclasses.replace(PER_SEED_DATA[0], batch_size=None)


@pytest.mark.parametrize("config", [*PER_SEED_DATA, PER_SEED_FULL_BATCH], ids=["mlp", "label-noise", "full-batch"])
def test_per_seed_subsets_train_each_member_on_its_own_subset(config):
    """DataSpec(seed=None): member i of the ensemble equals a run of seed i on the fixed subset DataSpec(seed=i)."""
    seeds = [3, 4]
    together = train_ensemble(config, seeds, load_split(config.data, "cpu", seeds=seeds))
    for i, seed in enumerate(seeds):
        fixed = dataclasses.replace(config, data=config.data.for_seed(seed))
        alone = train_ensemble(fixed, [seed], load_split(fixed.data, "cpu"))
        for metric in ("train_loss", "test_loss", "train_acc", "test_acc"):
            np.testing.assert_allclose(getattr(together, metric)[i], getattr(alone, metric)[0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(together.train_loss[0], together.train_loss[1])  # two subsets, two runs


def test_per_seed_subsets_differ_and_need_seeds():
    spec = DataSpec(n_train=50, n_test=20, seed=None)
    split = load_split(spec, "cpu", seeds=[1, 2])
    assert split.per_member and split.x_train.shape[:2] == (2, 50)
    assert not torch.equal(split.x_train[0], split.x_train[1])
    with pytest.raises(ValueError, match="pass the ensemble's seeds"):
        load_split(spec, "cpu")


@pytest.mark.parametrize("config", [MNIST_MLP, MNIST_CNN, FUNCTION], ids=["mlp", "cnn", "function"])
def test_evaluation_of_a_member_does_not_depend_on_its_ensemble(config):
    """Evaluation runs member by member: the same parameters give the same bits in any ensemble."""
    split = load_split(config.data, "cpu")
    params = train_ensemble(config, [3, 4, 5], split).params
    forward = _stacked_forward(config.model, build(config.model).to("meta"))
    together = evaluate(config, forward, params, split.x_test, split.y_test)
    for i in range(3):
        alone = evaluate(config, forward, {k: v[i:i + 1] for k, v in params.items()}, split.x_test, split.y_test)
        assert torch.equal(together[0][i:i + 1], alone[0])
        assert torch.equal(together[1][i:i + 1], alone[1]) or config is FUNCTION  # NaN accuracy for regression


def test_same_seed_same_numbers_bitwise():
    split = load_split(MNIST_MLP.data, "cpu")
    a, b = train_ensemble(MNIST_MLP, [0, 1], split), train_ensemble(MNIST_MLP, [0, 1], split)
    assert np.array_equal(a.train_loss, b.train_loss) and np.array_equal(a.test_acc, b.test_acc)
    c = train_ensemble(MNIST_MLP, [2, 1], split)
    assert not np.array_equal(a.train_loss[0], c.train_loss[0])


def test_label_noise_draws_per_seed():
    split = load_split(NOISY.data, "cpu")
    runs = train_ensemble(NOISY, [0, 1], split)
    # different label draws give different training losses at initialisation-independent level
    assert not np.array_equal(runs.train_acc[0], runs.train_acc[1])


def test_label_noise_replaces_training_labels_only():
    """C7's random-label runs rest on this (the at-chance check that also caught it was dropped in issue 20 as true
    by construction): each seed's training labels are redrawn uniformly, so ~1/10 agree with the truth by chance,
    and neither split's own labels change — the test accuracy is measured against the true labels."""
    split = load_split(NOISY.data, "cpu")
    train_before, test_before = split.y_train.clone(), split.y_test.clone()
    drawn = member_labels(NOISY, split.y_train, [0, 1])
    assert drawn.shape == (2, len(split.y_train))
    agree = (drawn == split.y_train).float().mean(dim=1)
    assert ((agree > 0.04) & (agree < 0.2)).all(), agree  # 200 labels, binomial(0.1): outside is p < 1e-3
    assert not torch.equal(drawn[0], drawn[1])
    train_ensemble(NOISY, [0, 1], split)
    assert torch.equal(split.y_train, train_before) and torch.equal(split.y_test, test_before)
    # counter-example: without label noise the training labels stay true
    clean = member_labels(dataclasses.replace(NOISY, label_noise=0.0), split.y_train, [0, 1])
    assert torch.equal(clean, split.y_train)


def test_recordings_have_documented_shapes():
    runs = train_ensemble(FUNCTION, [0, 1], load_split(FUNCTION.data, "cpu"))
    assert runs.epochs.tolist() == [0, 10, 20, 30]
    assert runs.train_loss.shape == (2, 4) and np.isnan(runs.train_acc).all()
    assert runs.grad_norm.shape == runs.step_loss.shape == (2, 30)
    n_params = sum(p[0].numel() for p in runs.params.values())
    assert runs.snapshots.shape == (2, 4, n_params) and runs.snapshot_epochs.tolist() == [0, 10, 20, 30]
    assert torch.equal(runs.snapshots[:, -1], runs.flat_params())
    # the step loss is the loss before each update: its first entry is the initial training loss
    np.testing.assert_allclose(runs.step_loss[:, 0], runs.train_loss[:, 0], rtol=1e-5)


def test_member_model_reproduces_recorded_loss():
    runs = train_ensemble(FUNCTION, [0, 1], load_split(FUNCTION.data, "cpu"))
    x, y = load_split(FUNCTION.data, "cpu").x_train, load_split(FUNCTION.data, "cpu").y_train
    with torch.no_grad():
        loss = torch.mean((runs.model(1)(x) - y) ** 2).item()
    assert loss == pytest.approx(runs.train_loss[1, -1], rel=1e-5)


def test_divergence_names_run_seed_and_setting():
    config = TrainConfig(model=MLPSpec(1, (8,), 1), data=FunctionTask("sin", 32), epochs=50, lr=1e4, optimizer="sgd")
    with pytest.raises(TrainingDiverged, match=r"seed 7 at epoch \d+ .*lr=10000"):
        train_ensemble(config, [7], load_split(config.data, "cpu"))


def test_payload_round_trip():
    runs = train_ensemble(FUNCTION, [0, 1], load_split(FUNCTION.data, "cpu"))
    back = stack_payloads(FUNCTION, [member_payload(runs, i) for i in range(2)], [True, False])
    assert back.seeds == [0, 1] and back.cached == [True, False]
    for name in ("epochs", "train_loss", "grad_norm", "step_loss", "snapshot_epochs"):
        assert np.array_equal(getattr(back, name), getattr(runs, name))
    assert torch.equal(back.snapshots, runs.snapshots) and torch.equal(back.flat_params(), runs.flat_params())


def test_runner_trains_once_then_reads_the_cache(tmp_path):
    runner = Runner(cache=RunCache(tmp_path))
    first = runner.train(MNIST_MLP, [0, 1])
    second = runner.train(MNIST_MLP, [0, 1])
    assert first.cached == [False, False] and second.cached == [True, True]
    assert np.array_equal(first.train_loss, second.train_loss)
    other = runner.train(MNIST_MLP, [1, 2])  # another ensemble: seed 1's run there is its own
    assert other.cached == [False, False]
    assert [entry["cached"] for entry in runner.log] == [False, True, False]


def test_a_seed_in_another_ensemble_is_another_run(tmp_path):
    """Seed 3 of the ensemble [3, 4, 5] and seed 3 trained alone may differ in their last bits (fused Adam's
    scalar tail, small batched matmuls, vmap's grouped convolutions); the cache must not serve one for the
    other, or a claim's numbers would depend on which claim trained the seed first."""
    runner = Runner(cache=RunCache(tmp_path))
    together = runner.train(MNIST_CNN, [3, 4, 5])
    alone = runner.train(MNIST_CNN, [3])
    assert alone.cached == [False]
    assert not torch.equal(alone.flat_params()[0], together.flat_params()[0])  # why the key names the ensemble
    assert torch.equal(runner.train(MNIST_CNN, [3]).flat_params(), alone.flat_params())


def test_memo_computes_once_and_keys_on_inputs(tmp_path):
    runner = Runner(cache=RunCache(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"value": torch.tensor([1.0, 2.0])}

    first = runner.memo("spectrum", {"config": "a", "tolerance": 1e-6}, compute)
    again = runner.memo("spectrum", {"config": "a", "tolerance": 1e-6}, compute)
    other = runner.memo("spectrum", {"config": "a", "tolerance": 1e-5}, compute)
    assert len(calls) == 2 and torch.equal(first["value"], again["value"]) and torch.equal(other["value"], first["value"])
    assert [entry["cached"] for entry in runner.log] == [False, True, False]


def test_cache_keys_change_when_training_code_changes(monkeypatch):
    from harness import runner as runner_module

    before = runner_module.code_digest(*runner_module.TRAINING_CODE)
    runner_module.code_digest.cache_clear()
    monkeypatch.setattr(runner_module.inspect, "getsource", lambda m: "edited " + m.__name__)
    assert runner_module.code_digest(*runner_module.TRAINING_CODE) != before
    runner_module.code_digest.cache_clear()



def test_cache_keys_separate_devices():
    cpu, gpu = Runner(device=torch.device("cpu")), Runner(device=torch.device("cuda", 0))  # no GPU needed: keys only
    assert cpu.run_keys(MNIST_MLP, [0, 1]) != gpu.run_keys(MNIST_MLP, [0, 1])
    assert cpu.run_keys(MNIST_MLP, [0]) == Runner().run_keys(MNIST_MLP, [0])


def test_measure_caches_pure_functions_by_their_arguments(tmp_path):
    runner = Runner(cache=RunCache(tmp_path))
    runs = runner.train(FUNCTION, [0, 1])
    calls = []

    def spread(runs, x, scale, seed=0):
        calls.append(1)
        return x * scale + seed, (np.arange(3) * scale, [torch.ones(2)])

    x = torch.arange(4.0)
    first = runner.measure(spread, runs, x, 2.0, seed=1)
    again = runner.measure(spread, runs, x, 2.0, seed=1)
    assert len(calls) == 1 and torch.equal(first[0], again[0]) and isinstance(again[1][0], np.ndarray)
    assert np.array_equal(again[1][0], [0.0, 2.0, 4.0]) and torch.equal(again[1][1][0], torch.ones(2))
    runner.measure(spread, runs, x + 1, 2.0, seed=1)     # other tensor bytes
    runner.measure(spread, runs, x, 3.0, seed=1)         # other setting
    runner.measure(spread, runs, x, 2.0, seed=2)         # other keyword
    other_runs = runner.train(FUNCTION, [0, 2])
    runner.measure(spread, other_runs, x, 2.0, seed=1)   # other seeds
    assert len(calls) == 5
    with pytest.raises(TypeError, match="fingerprint"):
        runner.measure(spread, runs, lambda: 1, 2.0)


def test_a_warm_measure_reads_no_parameters(tmp_path, monkeypatch):
    """A cached run's parameters stay on disk, and a measurement of them is named by the runs' keys: a warm
    run that reads a measured value back loads no state. Cold and warm name the parameters alike (the keys),
    so the warm run finds what the cold one stored; and the value equals the measure of the plain tensors."""
    from harness import cache as cache_module
    from harness.train import StoredParams, select_members

    def total(config, params):
        return sum(p.double().sum() for p in params.values()).reshape(1)

    cold = Runner(cache=RunCache(tmp_path))
    runs = cold.train(FUNCTION, [0, 1])
    assert isinstance(runs.params, StoredParams)
    first = cold.measure(total, runs.config, runs.params)
    member = cold.measure(total, runs.config, select_members(runs.params, [1]))
    assert torch.equal(first, total(None, {k: v.clone() for k, v in runs.params.items()}))
    assert torch.equal(member, total(None, {k: v[1:] for k, v in runs.params.items()}))

    reads = []
    real_load = cache_module.StoredState.load
    monkeypatch.setattr(cache_module.StoredState, "load", lambda self: reads.append(self) or real_load(self))
    warm = Runner(cache=RunCache(tmp_path))
    again = warm.train(FUNCTION, [0, 1])
    assert torch.equal(warm.measure(total, again.config, again.params), first)
    assert torch.equal(warm.measure(total, again.config, select_members(again.params, [1])), member)
    assert reads == [] and all(entry["cached"] for entry in warm.log)
    assert torch.equal(again.flat_params(), runs.flat_params()) and len(reads) == 2  # read when used


def test_fingerprint_sees_tensors_inside_dataclasses():
    from harness.data import Split
    from harness.runner import _fingerprint

    a = Split(torch.zeros(2000), torch.zeros(3), torch.zeros(3), torch.zeros(3))
    b = Split(torch.zeros(2000).index_fill(0, torch.tensor([1000]), 1.0), torch.zeros(3), torch.zeros(3), torch.zeros(3))
    assert _fingerprint(a) != _fingerprint(b)  # differ only in the middle, where a printed tensor says "..."


def test_a_recomputed_seed_has_its_original_bits(tmp_path):
    """Seed 0 of this ensemble trains ~1e-8 differently alone (small batched matmuls and fused Adam's
    scalar tail depend on the member count), so a lost entry must be recomputed in its own ensemble."""
    config = TrainConfig(MLPSpec(1, (16, 16), 1, "tanh"), FunctionTask("sinc", 64), epochs=30, lr=1e-2,
                         batch_size=16, record_every=10)
    runner = Runner(cache=RunCache(tmp_path))
    first = runner.train(config, [0, 1, 2])
    runner.cache.path(runner.run_keys(config, [0, 1, 2])[0]).unlink()
    again = runner.train(config, [0, 1, 2])
    assert again.cached == [False, True, True]
    assert np.array_equal(again.train_loss, first.train_loss) and torch.equal(again.flat_params(), first.flat_params())


def _harness_modules_reached(module, seen=None) -> set[str]:
    """The harness modules `module` uses, transitively: module objects and the modules of functions and
    classes in its namespace."""
    import sys
    import types
    seen = set() if seen is None else seen
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(name, str) and name.startswith("harness.") and name not in seen and name in sys.modules:
            seen.add(name)
            _harness_modules_reached(sys.modules[name], seen)
    return seen


def test_every_module_that_shapes_a_run_is_in_the_run_key():
    import pkgutil

    import harness
    from harness import runner as runner_module, train as train_module

    package = {f"harness.{info.name}" for info in pkgutil.iter_modules(harness.__path__)}
    keyed = {m.__name__ for m in runner_module.TRAINING_CODE}
    assert keyed | set(runner_module.NOT_SHAPING_RUNS) == package | {"harness"}  # each module keyed or excused
    assert not keyed & set(runner_module.NOT_SHAPING_RUNS) and set(runner_module.NOT_SHAPING_RUNS) <= package
    assert {"harness", "harness.cache", "harness.runner"} <= keyed  # version, payload format and keys, smoke cut
    assert _harness_modules_reached(train_module) | {"harness.train"} <= keyed
    measuring = {m.__name__ for m in runner_module.MEASURING_CODE}
    assert _harness_modules_reached(runner_module.metrics) | {"harness.metrics"} <= measuring


def test_a_module_added_to_the_package_is_in_the_run_key(monkeypatch):
    import pkgutil
    import sys
    import types

    from harness import runner as runner_module

    added = types.ModuleType("harness.split_out")
    monkeypatch.setitem(sys.modules, "harness.split_out", added)
    real = pkgutil.iter_modules
    monkeypatch.setattr(pkgutil, "iter_modules", lambda path: [*real(path), pkgutil.ModuleInfo(None, "split_out", False)])
    assert added in runner_module._modules_shaping_runs()
