"""Tests of utils.init.initialize_parameters: shapes, scales, determinism, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.init import METHODS, initialize_parameters


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("layer_dims", [[2, 1], [5, 4, 3], (64, 32, 16, 10), np.array([3, 7, 2])])
def test_shapes_dtype_and_zero_biases(method, layer_dims):
    params = initialize_parameters(layer_dims, method=method)
    dims = list(layer_dims)
    L = len(dims) - 1
    assert list(params) == [f"{p}{k}" for k in range(1, L + 1) for p in "Wb"]
    for k in range(1, L + 1):
        assert params[f"W{k}"].shape == (dims[k], dims[k - 1])
        assert params[f"b{k}"].shape == (dims[k], 1)
        assert params[f"W{k}"].dtype == params[f"b{k}"].dtype == np.float64
        np.testing.assert_array_equal(params[f"b{k}"], 0.0)


def test_zeros():
    for value in initialize_parameters([4, 3, 2], method="zeros").values():
        np.testing.assert_array_equal(value, 0.0)


@pytest.mark.parametrize(
    ("method", "kwargs", "std"),
    [
        ("random", {}, 0.01),
        ("random", {"scale": 0.5}, 0.5),
        ("xavier", {}, np.sqrt(1 / 400)),
        ("he", {}, np.sqrt(2 / 400)),
        ("he", {"scale": 123.0}, np.sqrt(2 / 400)),  # scale only affects "random"
    ],
)
def test_scale_of_each_method(method, kwargs, std):
    W = initialize_parameters([400, 500], method=method, **kwargs)["W1"]  # 200,000 draws
    assert W.std() == pytest.approx(std, rel=0.01)
    assert abs(W.mean()) < 0.01 * std


def test_documented_draws():
    """Layer by layer from default_rng(seed): reproducible from the docstring alone."""
    rng = np.random.default_rng(7)
    W1 = rng.standard_normal((3, 4)) * np.sqrt(2 / 4)
    W2 = rng.standard_normal((2, 3)) * np.sqrt(2 / 3)
    params = initialize_parameters([4, 3, 2], method="he", seed=7)
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)


@pytest.mark.parametrize("method", METHODS)
def test_deterministic(method):
    a = initialize_parameters([5, 4, 3], method=method, seed=3)
    b = initialize_parameters([5, 4, 3], method=method, seed=3)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    default = initialize_parameters([5, 4, 3], method=method)
    np.testing.assert_array_equal(default["W1"], initialize_parameters([5, 4, 3], method, 0)["W1"])


def test_different_seeds_differ_and_none_works():
    a = initialize_parameters([5, 4], seed=0)["W1"]
    b = initialize_parameters([5, 4], seed=1)["W1"]
    assert not np.array_equal(a, b)
    assert initialize_parameters([5, 4], seed=None)["W1"].shape == (4, 5)


def test_new_arrays_every_call():
    a = initialize_parameters([3, 2], method="zeros")
    a["W1"][0, 0] = 5.0
    assert initialize_parameters([3, 2], method="zeros")["W1"][0, 0] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layer_dims": [3, 2], "method": "glorot"}, "unknown method 'glorot'.*'xavier'"),
        ({"layer_dims": [3]}, "at least two sizes"),
        ({"layer_dims": []}, "at least two sizes"),
        ({"layer_dims": [3, 0, 1]}, r"layer_dims\[1\] = 0"),
        ({"layer_dims": [3, -2]}, r"layer_dims\[1\] = -2"),
        ({"layer_dims": [3, 2.5]}, "positive integers"),
        ({"layer_dims": [3, True]}, "positive integers"),
        ({"layer_dims": ["3", 2]}, "positive integers"),
        ({"layer_dims": 3}, "list of layer sizes"),
        ({"layer_dims": "32"}, "list of layer sizes"),
        ({"layer_dims": [3, 2], "method": "random", "scale": float("nan")}, "scale"),
    ],
)
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        initialize_parameters(**kwargs)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 12), min_size=2, max_size=6),
    st.sampled_from(METHODS),
    st.integers(0, 2**32 - 1),
)
def test_any_layer_dims(layer_dims, method, seed):
    params = initialize_parameters(layer_dims, method=method, seed=seed)
    assert len(params) == 2 * (len(layer_dims) - 1)
    for k in range(1, len(layer_dims)):
        assert params[f"W{k}"].shape == (layer_dims[k], layer_dims[k - 1])
        assert np.isfinite(params[f"W{k}"]).all()
    again = initialize_parameters(layer_dims, method=method, seed=seed)
    assert all(np.array_equal(params[k], again[k]) for k in params)
