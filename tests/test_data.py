"""harness.data: the offline subset, full-MNIST parsing on small IDX files written here, targets."""
import struct

import numpy as np
import pytest
import torch

from harness import data
from harness.data import DataSpec, DatasetUnavailable, load_mnist


def write_idx(path, array: np.ndarray):
    """An IDX (SN3 / Pascal Vincent) file of unsigned bytes, as MNIST ships it."""
    header = struct.pack(">I", 0x0800 | array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_mnist(root, n_train=30, n_test=20, seed=0):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28))
        labels = np.arange(n) % 10
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.fixture(autouse=True)
def fresh_cache():
    data._mnist_full_arrays.cache_clear()
    yield
    data._mnist_full_arrays.cache_clear()


def test_offline_subset_is_stratified_scaled_and_shuffled():
    split = load_mnist(DataSpec("mnist5k"))
    assert split.x_train.shape == (4000, 1, 28, 28) and split.x_test.shape == (1000, 1, 28, 28)
    assert torch.bincount(split.y_train).tolist() == [400] * 10
    assert torch.bincount(split.y_test).tolist() == [100] * 10
    assert 0.0 <= float(split.x_train.min()) and float(split.x_train.max()) <= 1.0
    # the csv is sorted by class; a prefix of the training split must mix classes
    assert len(torch.unique(split.y_train[:50])) >= 8


def test_subset_is_deterministic_and_seeded():
    a = load_mnist(DataSpec("mnist5k", n_train=100, n_test=50, seed=3))
    b = load_mnist(DataSpec("mnist5k", n_train=100, n_test=50, seed=3))
    c = load_mnist(DataSpec("mnist5k", n_train=100, n_test=50, seed=4))
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.y_train, c.y_train)


def test_subset_larger_than_split_is_an_error():
    with pytest.raises(ValueError, match="n_train=5000"):
        load_mnist(DataSpec("mnist5k", n_train=5000))


def test_full_mnist_parses_idx_files(tmp_path):
    arrays = write_mnist(tmp_path)
    split = load_mnist(DataSpec("mnist"), data_dir=tmp_path)
    images, labels = arrays["train"]
    assert split.x_train.shape == (30, 1, 28, 28) and split.x_test.shape == (20, 1, 28, 28)
    np.testing.assert_allclose(split.x_train[:, 0].numpy() * 255, images, atol=1e-3)
    assert split.y_train.tolist() == labels.tolist()


def test_full_mnist_from_environment_variable(tmp_path, monkeypatch):
    write_mnist(tmp_path)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert len(load_mnist(DataSpec("mnist", n_train=10)).y_train) == 10


def test_full_mnist_missing_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    with pytest.raises(DatasetUnavailable, match="--data-dir"):
        load_mnist(DataSpec("mnist"))
    with pytest.raises(DatasetUnavailable, match="MNIST/raw"):
        load_mnist(DataSpec("mnist"), data_dir=tmp_path)  # exists, but holds no files


def test_truncated_idx_file_is_reported(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DatasetUnavailable, match="truncated or corrupt"):
        load_mnist(DataSpec("mnist"), data_dir=tmp_path)


def test_shuffle_labels_fraction():
    labels = np.arange(1000) % 10
    rng = np.random.default_rng(0)
    assert (data.shuffle_labels(labels, 0.0, rng) == labels).all()
    shuffled = data.shuffle_labels(labels, 1.0, rng)
    assert 0.05 < (shuffled == labels).mean() < 0.15  # ≈ chance agreement
    with pytest.raises(ValueError):
        data.shuffle_labels(labels, 1.5, rng)


@pytest.mark.parametrize("name", sorted(data.TARGET_FUNCTIONS))
def test_target_functions_are_finite_on_the_grid(name):
    x, y = data.function_data(name, 101)
    assert x.shape == y.shape == (101, 1) and torch.isfinite(y).all()


def test_sinc_is_one_at_zero_and_matches_definition():
    x = torch.tensor([[0.0], [0.1], [-0.37]])
    y = data.TARGET_FUNCTIONS["sinc"](x)
    assert y[0, 0] == 1.0
    expected = torch.sin(5 * torch.pi * x[1:]) / (5 * torch.pi * x[1:])
    torch.testing.assert_close(y[1:], expected)
