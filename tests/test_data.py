"""Tests of `utils.data`: shapes, dtypes, labels, determinism, the digits checksum, splits,
standardization, and that nothing touches the network."""

from __future__ import annotations

import hashlib
import socket

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import utils.data as data
from utils.data import (
    ChecksumError,
    binary_labels,
    load_digits,
    load_planar,
    make_circles,
    make_moons,
    one_hot,
    standardize,
    train_test_split,
)

pytestmark = pytest.mark.filterwarnings("error")

GENERATORS = [load_planar, make_moons, make_circles]


# ----------------------------------------------------------------------------- synthetic sets


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("m", [1, 2, 7, 400])
def test_synthetic_shapes_dtypes_and_labels(make, m):
    X, Y = make(m=m)
    assert X.shape == (2, m) and X.dtype == np.float64
    assert Y.shape == (1, m) and Y.dtype == np.int64
    assert np.isfinite(X).all()
    assert set(np.unique(Y)) <= {0, 1}
    assert int((Y == 0).sum()) == m // 2  # class 0 gets m // 2, class 1 the rest


@pytest.mark.parametrize("make", GENERATORS)
def test_synthetic_sets_are_deterministic_per_seed(make):
    X1, Y1 = make(seed=3)
    X2, Y2 = make(seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    X3, _ = make(seed=4)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("make", GENERATORS)
def test_synthetic_sets_are_shuffled(make):
    _, Y = make(m=200)
    assert np.count_nonzero(np.diff(Y[0])) > 10  # not one block per class


def test_load_planar_default_is_the_flower():
    X, Y = load_planar()
    assert X.shape == (2, 400)
    radius = np.hypot(X[0], X[1])
    assert radius.max() < 5.0 and radius.max() > 3.5  # petals of length about 4
    # no line separates it: the best threshold on any single direction is far from perfect
    angles = np.linspace(0, np.pi, 36, endpoint=False)
    for a in angles:
        proj = np.cos(a) * X[0] + np.sin(a) * X[1]
        ranked = Y[0, np.argsort(proj)]
        best = max(
            max(np.mean(ranked == (np.arange(400) >= k)), np.mean(ranked == (np.arange(400) < k)))
            for k in range(0, 401, 10)
        )
        assert best < 0.75


def test_make_moons_geometry_without_noise():
    X, Y = make_moons(m=100, noise=0.0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[0] - 1.0, lower[1] - 0.5), 1.0)
    assert upper[1].min() >= -1e-12 and lower[1].max() <= 0.5 + 1e-12


def test_make_circles_radii_without_noise():
    X, Y = make_circles(m=100, noise=0.0, factor=0.3)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: load_planar(m=0), "m: expected a positive integer"),
        (lambda: make_moons(m=2.5), "m: expected a positive integer"),
        (lambda: make_moons(noise=-0.1), "noise"),
        (lambda: make_circles(factor=1.0), "factor"),
        (lambda: make_circles(noise=float("nan")), "noise"),
    ],
)
def test_synthetic_sets_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- digits


def test_load_digits_shapes_dtypes_and_labels():
    X, y = load_digits()
    assert X.shape == (64, 1797) and X.dtype == np.float64
    assert y.shape == (1, 1797) and np.issubdtype(y.dtype, np.integer)
    assert X.min() == 0.0 and X.max() == 16.0
    np.testing.assert_array_equal(X, np.round(X))
    counts = np.bincount(y[0])
    assert len(counts) == 10 and counts.min() >= 170 and counts.max() <= 185
    # the first image is a 0: a ring of ink around an empty centre
    image = X[:, 0].reshape(8, 8)
    assert y[0, 0] == 0 and image[3:5, 3:5].sum() < image[1:7, 1:7].sum() / 4


def test_load_digits_returns_fresh_arrays():
    X, y = load_digits()
    X[:] = -1
    y[:] = -1
    X2, y2 = load_digits()
    assert X2.min() == 0.0 and y2.min() == 0


def test_load_digits_subset_keeps_labels():
    X, y = load_digits(digits=(3, 8))
    assert X.shape[0] == 64 and X.shape[1] == y.shape[1]
    assert set(np.unique(y)) == {3, 8}
    Xa, ya = load_digits()
    assert X.shape[1] == int(np.isin(ya, [3, 8]).sum())
    X7, y7 = load_digits(digits=7)
    assert set(np.unique(y7)) == {7}


@pytest.mark.parametrize("digits", [(3, 10), (), ["a"], 1.5])
def test_load_digits_rejects_bad_digit_lists(digits):
    with pytest.raises(ValueError, match="digits"):
        load_digits(digits=digits)


def test_shipped_digits_file_matches_its_checksum_and_readme():
    assert hashlib.sha256(data.DIGITS_PATH.read_bytes()).hexdigest() == data.DIGITS_SHA256
    readme = (data.DATA_DIR / "README.md").read_text(encoding="utf-8")
    for needle in ("CC BY 4.0", "Alpaydin", "Kaynak", "10.24432/C50P49", data.DIGITS_SHA256):
        assert needle in readme


def test_corrupted_digits_file_raises_a_clear_error(tmp_path, monkeypatch):
    raw = bytearray(data.DIGITS_PATH.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    corrupt = tmp_path / "digits.csv.gz"
    corrupt.write_bytes(bytes(raw))
    monkeypatch.setattr(data, "DIGITS_PATH", corrupt)
    with pytest.raises(ChecksumError, match="corrupt") as info:
        load_digits()
    assert data.DIGITS_SHA256 in str(info.value) and str(corrupt) in str(info.value)


def test_missing_digits_file_raises_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DIGITS_PATH", tmp_path / "absent.csv.gz")
    with pytest.raises(FileNotFoundError, match="missing"):
        load_digits()


def test_loaders_do_not_use_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("utils.data tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    load_digits()
    load_planar()
    make_moons()
    make_circles()


# ----------------------------------------------------------------------------- label helpers


def test_binary_labels():
    y = np.array([[3, 8, 8, 1, 3]])
    np.testing.assert_array_equal(binary_labels(y, 8), [[0, 1, 1, 0, 0]])
    np.testing.assert_array_equal(binary_labels(y, [1, 3]), [[1, 0, 0, 1, 1]])
    assert binary_labels(y, 8).dtype == np.int64
    with pytest.raises(ValueError, match=r"expected shape \(1, m\)"):
        binary_labels(y[0], 8)


def test_one_hot():
    y = np.array([[2, 0, 1, 2]])
    Y = one_hot(y)
    assert Y.shape == (3, 4) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.argmax(axis=0), y[0])
    np.testing.assert_array_equal(Y.sum(axis=0), np.ones(4))
    assert one_hot(y, 5).shape == (5, 4)
    assert one_hot(np.array([[1.0, 0.0]]), 2).shape == (2, 2)
    with pytest.raises(ValueError, match="labels must lie in"):
        one_hot(y, 2)
    with pytest.raises(ValueError, match="integer class labels"):
        one_hot(np.array([[0.5, 1.0]]))


def test_one_hot_of_all_digits():
    _, y = load_digits()
    Y = one_hot(y, 10)
    assert Y.shape == (10, 1797)
    np.testing.assert_array_equal(Y.sum(axis=1), np.bincount(y[0]))


# ----------------------------------------------------------------------------- train_test_split


def test_split_sizes_disjoint_and_paired():
    m = 50
    X = np.vstack([np.arange(m), 10 * np.arange(m)])
    Y = np.arange(m)[None, :] % 2
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_fraction=0.2, seed=0)
    assert X_train.shape == (2, 40) and X_test.shape == (2, 10)
    assert Y_train.shape == (1, 40) and Y_test.shape == (1, 10)
    ids_train, ids_test = X_train[0], X_test[0]
    assert set(ids_train).isdisjoint(ids_test)
    assert sorted(np.concatenate([ids_train, ids_test])) == list(range(m))
    np.testing.assert_array_equal(X_train[1], 10 * ids_train)  # columns stay whole
    np.testing.assert_array_equal(Y_train[0], ids_train % 2)  # and paired with their labels
    assert X_train.dtype == X.dtype and Y_test.dtype == Y.dtype


def test_split_is_deterministic_per_seed_and_shuffles():
    X, Y = load_planar()
    a = train_test_split(X, Y, seed=5)
    b = train_test_split(X, Y, seed=5)
    c = train_test_split(X, Y, seed=6)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])


def test_split_of_one_hot_targets():
    X, y = load_digits()
    X_train, X_test, Y_train, Y_test = train_test_split(X, one_hot(y, 10), test_fraction=0.25)
    assert Y_train.shape == (10, X_train.shape[1]) and Y_test.shape == (10, X_test.shape[1])
    assert X_test.shape[1] == round(0.25 * 1797)


@pytest.mark.parametrize(
    ("X", "Y", "kwargs", "match"),
    [
        (np.zeros((2, 5)), np.zeros((1, 4)), {}, r"Y: expected shape \(\?, 5\)"),
        (np.zeros(5), np.zeros((1, 5)), {}, "rank-1"),
        (np.zeros((2, 1)), np.zeros((1, 1)), {}, "at least 2 examples"),
        (np.zeros((2, 5)), np.zeros((1, 5)), {"test_fraction": 1.0}, "test_fraction"),
        (np.zeros((2, 5)), np.zeros((1, 5)), {"test_fraction": 0}, "test_fraction"),
    ],
)
def test_split_rejects_bad_input(X, Y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_test_split(X, Y, **kwargs)


@settings(max_examples=60, deadline=None)
@given(m=st.integers(2, 300), fraction=st.floats(0.01, 0.99), seed=st.integers(0, 2**32 - 1))
def test_split_property_partitions_the_columns(m, fraction, seed):
    X = np.arange(m)[None, :]
    X_train, X_test, Y_train, Y_test = train_test_split(X, X, fraction, seed)
    assert X_train.shape[1] >= 1 and X_test.shape[1] >= 1
    assert X_train.shape[1] + X_test.shape[1] == m
    assert sorted(np.concatenate([X_train[0], X_test[0]])) == list(range(m))
    np.testing.assert_array_equal(X_test, Y_test)


# ----------------------------------------------------------------------------- standardize


def test_standardize_gives_zero_mean_unit_std():
    X = np.random.default_rng(0).normal(5.0, 3.0, (4, 200)) * np.array([[1], [10], [0.1], [2]])
    X_std, mean, std = standardize(X)
    assert X_std.shape == X.shape and mean.shape == (4, 1) and std.shape == (4, 1)
    np.testing.assert_allclose(X_std.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_std.std(axis=1), 1.0)
    np.testing.assert_allclose(mean[:, 0], X.mean(axis=1))


def test_standardize_is_safe_on_constant_features():
    X = np.vstack([np.full(10, 0.1), np.arange(10.0), np.zeros(10)])
    X_std, mean, std = standardize(X)  # warnings are errors here: no division by zero
    assert np.isfinite(X_std).all()
    np.testing.assert_array_equal(X_std[0], 0.0)
    np.testing.assert_array_equal(X_std[2], 0.0)
    assert std[0, 0] == 1.0 and std[2, 0] == 1.0


def test_standardize_digits_then_test_set_with_training_statistics():
    X, y = load_digits()
    X_train, X_test, _, _ = train_test_split(X, y)
    X_train_std, mean, std = standardize(X_train)
    X_test_std, mean2, std2 = standardize(X_test, mean, std)
    assert np.isfinite(X_train_std).all() and np.isfinite(X_test_std).all()
    assert mean2 is mean and std2 is std
    np.testing.assert_allclose(X_test_std, (X_test - mean) / std)


@pytest.mark.parametrize(
    ("X", "kwargs", "match"),
    [
        (np.zeros(4), {}, "rank-1"),
        (np.array([[1.0, np.nan]]), {}, "NaN"),
        (np.zeros((2, 3)), {"mean": np.zeros((2, 1))}, "both mean and std"),
        (np.zeros((2, 3)), {"mean": np.zeros((3, 1)), "std": np.ones((3, 1))}, "mean"),
        (np.zeros((2, 3)), {"mean": np.zeros((2, 1)), "std": np.zeros((2, 1))}, "std"),
        (np.zeros((2, 0)), {}, "at least one example"),
    ],
)
def test_standardize_rejects_bad_input(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        standardize(X, **kwargs)
