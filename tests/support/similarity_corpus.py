"""Generated answers to the real lessons' exercises, for measuring the copy check.

Used by `tests/test_autograder_similarity.py` and `benchmarks/bench_similarity.py`.

- `independent_class(exercise, n, seed)`: n answers written independently: each student
  picks, line by line, one of the equivalent ways students write it (`TEMPLATES`: `np.dot`
  or `@`, keepdims or reshape, helper variables or one expression, `np.mean` or a sum over
  m, loops where the exercise allows them, statements in either order), and writes it in a
  style of their own (variable names, comments in English or Chinese, spacing, blank lines,
  the stub's `# YOUR CODE HERE` kept or not).
- `disguised_copy(answer, seed, level)`: a copy of a classmate's answer, disguised:
  `light` renames the variables and rewrites the comments; `medium` also reformats the code
  (`ast.unparse`); `heavy` also swaps independent statements and adds dead code.
- `reference_copy(stub, reference, seed, level)`: the exercise answered by pasting a `utils`
  reference (the function and its private helpers), adapted to the exercise's signature and
  disguised as above.

The template language: `{{a||b||c}}` is one of a, b, c (nested freely); `<<a&&b&&c>>` is the
parts a, b, c in a random order (statements that do not depend on each other). A template is
the body of one solution region, unindented; a cell with two regions has two templates.
`lesson_package(lesson)` builds the lesson package from `solutions/` and `lessons/` (no
grading needed); `check_answers` runs an answer against the lesson's own test cell.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import random
import re
import tokenize
import typing as t
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.batch.package import package_cells
from autograder.config import ROOT
from autograder.schema import LessonPackage

# ---------------------------------------------------------------- templates

TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("01_logistic_regression", "sigmoid"): (
        """{{s = {{1||1.0}} / ({{1||1.0}} + np.exp(-z))||s = 1 / (1 + np.exp(-1 * z))||\
s = 1 / (1 + 1 / np.exp(z))||e = np.exp(-z)
s = 1 / (1 + e)||s = np.reciprocal(1 + np.exp(-z))||s = 1.0 / (1.0 + np.power(np.e, -z))||\
s = 0.5 * (1 + np.tanh(z / 2))||denominator = 1 + np.exp(-z)
s = 1 / denominator}}""",
    ),
    ("01_logistic_regression", "initialize_with_zeros"): (
        """<<{{w = np.zeros({{(dim, 1)||shape=(dim, 1)||[dim, 1]}}{{||, dtype=float||\
, dtype=np.float64}})||w = np.zeros(dim).reshape({{dim, 1||-1, 1||(dim, 1)}})||\
w = np.zeros((dim, 1), dtype=float)||w = np.full((dim, 1), 0.0)||w = 0.0 * np.ones((dim, 1))}}&&\
b = {{0.0||0.||float(0)}}>>""",
    ),
    ("01_logistic_regression", "logistic_graph"): (
        """z = {{w1 * x1 + w2 * x2 + b||x1 * w1 + x2 * w2 + b||b + w1 * x1 + w2 * x2}}
a = {{sigmoid(z)||1 / (1 + np.exp(-z))}}
loss = {{-(y * np.log(a) + (1 - y) * np.log(1 - a))||-y * np.log(a) - (1 - y) * np.log(1 - a)||\
-1 * (y * np.log(a) + (1 - y) * np.log(1 - a))}}
da = {{-y / a + (1 - y) / (1 - a)||-(y / a) + (1 - y) / (1 - a)||(1 - y) / (1 - a) - y / a}}
dz = {{da * a * (1 - a)||a - y||da * (a * (1 - a))}}
{{<<dw1 = {{x1 * dz||dz * x1}}&&dw2 = {{x2 * dz||dz * x2}}&&db = dz>>||\
dw1, dw2, db = x1 * dz, x2 * dz, dz}}""",
    ),
    ("01_logistic_regression", "propagate_loop"): (
        """<<cost = {{0||0.0}}&&dw = {{np.zeros((n_x, 1))||np.zeros_like(w, dtype=float)||\
np.zeros(w.shape)}}&&db = {{0||0.0}}>>
for i in range(m):
    {{z = b
    for j in range(n_x):
        z {{+= w[j, 0] * X[j, i]||= z + w[j][0] * X[j][i]}}||z = b
    for j in range(n_x):
        z += X[j, i] * w[j, 0]||z = sum(w[j, 0] * X[j, i] for j in range(n_x)) + b}}
    a = {{sigmoid(z)||1 / (1 + np.exp(-z))}}
    {{cost += -(Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a))||\
cost -= Y[0, i] * np.log(a) + (1 - Y[0, i]) * np.log(1 - a)||y = Y[0, i]
    cost += -y * np.log(a) - (1 - y) * np.log(1 - a)}}
    dz = a - Y[0, i]
    for j in range(n_x):
        dw[j, 0] += {{X[j, i] * dz||dz * X[j, i]}}
    db += dz
{{cost = cost / m
dw = dw / m
db = db / m||cost /= m
dw /= m
db /= m||dw = dw / m
db = db / m
cost = cost / m}}""",
    ),
    ("01_logistic_regression", "predict"): (
        """{{A = sigmoid({{np.dot(w.T, X)||w.T @ X||np.matmul(w.T, X)}} + b)
{{Y_prediction = (A > 0.5).astype(float)||Y_prediction = np.where(A > 0.5, 1.0, 0.0)||\
Y_prediction = 1.0 * (A > 0.5)}}||\
Y_prediction = (sigmoid(w.T @ X + b) > 0.5).astype(float)||\
z = {{np.dot(w.T, X) + b||w.T @ X + b}}
Y_prediction = np.where(sigmoid(z) > 0.5, 1.0, 0.0)}}""",
    ),
    ("02_vectorization", "l1_loss"): (
        """{{loss = np.sum(np.abs(y - yhat))||loss = np.sum(np.abs(yhat - y))||\
loss = np.abs(y - yhat).sum()||diff = y - yhat
loss = np.sum(np.abs(diff))||loss = np.linalg.norm((y - yhat).ravel(), 1)}}""",
    ),
    ("02_vectorization", "l2_loss"): (
        """{{loss = np.sum((y - yhat) ** 2)||loss = np.sum(np.square(y - yhat))||\
diff = y - yhat
loss = np.sum(diff * diff)||loss = np.dot((y - yhat).ravel(), (y - yhat).ravel())||\
loss = ((yhat - y) ** 2).sum()||d = (y - yhat).flatten()
loss = np.dot(d, d)}}""",
    ),
    ("02_vectorization", "propagate"): (
        """{{Z = {{np.dot(w.T, X)||w.T @ X}} + b
A = {{1 / (1 + np.exp(-Z))||np.exp(-np.logaddexp(0, -Z))}}||\
A = 1 / (1 + np.exp(-({{np.dot(w.T, X)||w.T @ X}} + b)))}}
{{cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m||\
cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))||\
cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))||\
losses = -(Y * np.log(A) + (1 - Y) * np.log(1 - A))
cost = np.sum(losses) / m||\
cost = -(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)).item() / m}}
{{dZ = A - Y
<<dw = {{np.dot(X, dZ.T) / m||X @ dZ.T / m||(1 / m) * np.dot(X, dZ.T)}}&&\
db = {{np.mean(dZ)||np.sum(dZ) / m||float(np.sum(dZ)) / m}}>>||\
dw = {{np.dot(X, (A - Y).T) / m||X @ (A - Y).T / m}}
db = {{np.mean(A - Y)||np.sum(A - Y) / m}}}}
{{||cost = float(np.squeeze(cost))||cost = float(cost)}}""",
    ),
    ("02_vectorization", "predict_digits"): (
        """{{Z = {{np.dot(W, X)||W @ X}} + b
A = 1 / (1 + np.exp(-Z))||A = 1 / (1 + np.exp(-({{np.dot(W, X)||W @ X||np.matmul(W, X)}} + b)))}}
labels = {{np.argmax(A, axis=0).reshape(1, -1)||np.argmax(A, axis=0)[np.newaxis, :]||\
A.argmax(axis=0).reshape(1, A.shape[1])||np.argmax(A, axis=0, keepdims=True)||\
np.expand_dims(np.argmax(A, axis=0), axis=0)}}""",
    ),
    ("03_broadcasting", "calorie_percentages"): (
        """{{totals = {{np.sum(A, axis=0, keepdims=True)||A.sum(axis=0, keepdims=True)||\
np.sum(A, axis=0).reshape(1, -1)||A.sum(axis=0).reshape(1, A.shape[1])}}
return {{100 * A / totals||A / totals * 100||100.0 * A / totals||(A / totals) * 100}}||\
return 100 * A / A.sum(axis=0, keepdims=True)||\
percent = A / np.sum(A, axis=0, keepdims=True)
return percent * 100}}""",
    ),
    ("03_broadcasting", "normalize_columns"): (
        """{{norms = {{np.linalg.norm(X, axis=0, keepdims=True)||\
np.sqrt(np.sum(X ** 2, axis=0, keepdims=True))||np.linalg.norm(X, axis=0).reshape(1, -1)||\
np.sqrt((X * X).sum(axis=0)).reshape(1, X.shape[1])}}
return X / norms||return X / np.linalg.norm(X, axis=0, keepdims=True)||\
return X / np.sqrt(np.sum(np.square(X), axis=0, keepdims=True))}}""",
    ),
    ("03_broadcasting", "squared_distances"): (
        """{{<<x_sq = {{np.sum(X ** 2, axis=0, keepdims=True)||\
np.sum(X * X, axis=0).reshape(1, -1)||\
(X ** 2).sum(axis=0, keepdims=True)}}&&\
c_sq = {{np.sum(C ** 2, axis=0, keepdims=True).T||np.sum(C * C, axis=0).reshape(-1, 1)||\
(C ** 2).sum(axis=0)[:, np.newaxis]}}>>
return {{c_sq - 2 * np.dot(C.T, X) + x_sq||x_sq + c_sq - 2 * C.T @ X||\
c_sq + x_sq - 2 * (C.T @ X)}}||\
return np.sum((C.T[:, :, np.newaxis] - X[np.newaxis, :, :]) ** 2, axis=1)||\
D = C[:, :, np.newaxis] - X[:, np.newaxis, :]
return np.sum(D ** 2, axis=0)}}""",
    ),
    ("03_broadcasting", "center_features"): (
        """assert {{X.ndim == 2||len(X.shape) == 2}}{{||, "X must be 2-D"||\
, f"expected a 2-D array, got shape {X.shape}"}}
{{mu = {{np.mean(X, axis=1, keepdims=True)||X.mean(axis=1, keepdims=True)||\
np.mean(X, axis=1).reshape(-1, 1)||np.sum(X, axis=1, keepdims=True) / X.shape[1]}}
return X - mu||return X - X.mean(axis=1, keepdims=True)||\
means = np.mean(X, axis=1).reshape(X.shape[0], 1)
centered = X - means
return centered}}""",
    ),
    ("04_shallow_network", "layer_sizes"): (
        """{{<<n_x = X.shape[0]&&n_y = Y.shape[0]>>
return {{(n_x, n_h, n_y)||n_x, n_h, n_y}}||return (X.shape[0], n_h, Y.shape[0])||\
return X.shape[0], n_h, Y.shape[0]}}""",
    ),
    ("04_shallow_network", "initialize_parameters"): (
        """rng = np.random.default_rng(seed)
{{W1 = rng.standard_normal((n_h, n_x)) * 0.01
{{b1 = np.zeros((n_h, 1))
W2 = rng.standard_normal((n_y, n_h)) * 0.01||W2 = rng.standard_normal((n_y, n_h)) * 0.01
b1 = np.zeros((n_h, 1))}}
b2 = np.zeros((n_y, 1))
return {{{"W1": W1, "b1": b1, "W2": W2, "b2": b2}||dict(W1=W1, b1=b1, W2=W2, b2=b2)}}||\
W1 = 0.01 * rng.standard_normal(size=(n_h, n_x))
W2 = 0.01 * rng.standard_normal(size=(n_y, n_h))
<<b1 = np.zeros(shape=(n_h, 1))&&b2 = np.zeros(shape=(n_y, 1))>>
parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
return parameters||parameters = {}
parameters["W1"] = rng.standard_normal((n_h, n_x)) * 0.01
parameters["b1"] = np.zeros((n_h, 1))
parameters["W2"] = rng.standard_normal((n_y, n_h)) * 0.01
parameters["b2"] = np.zeros((n_y, 1))
return parameters}}""",
    ),
    ("04_shallow_network", "forward_propagation"): (
        """Z1 = {{W1 @ X + b1||np.dot(W1, X) + b1||np.matmul(W1, X) + b1}}
A1 = {{np.tanh(Z1)||(np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))||\
2 / (1 + np.exp(-2 * Z1)) - 1}}
Z2 = {{W2 @ A1 + b2||np.dot(W2, A1) + b2||np.matmul(W2, A1) + b2}}
A2 = {{act.sigmoid(Z2)||1 / (1 + np.exp(-Z2))}}""",
    ),
    ("04_shallow_network", "compute_cost"): (
        """m = {{Y.shape[1]||A2.shape[1]||Y.size}}
{{losses = {{-(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))||\
-Y * np.log(A2) - (1 - Y) * np.log(1 - A2)||\
-(np.multiply(Y, np.log(A2)) + np.multiply(1 - Y, np.log(1 - A2)))}}
{{return (np.sum(losses) / m).item()||return float(np.sum(losses) / m)||\
return float(np.mean(losses))||cost = np.sum(losses) / m
return float(np.squeeze(cost))}}||\
cost = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
return float(cost)||\
cost = -(1 / m) * (np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T))
return float(np.squeeze(cost))||\
return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))}}""",
    ),
    ("04_shallow_network", "backward_propagation"): (
        """dZ2 = A2 - Y
<<dW2 = {{dZ2 @ A1.T / m||np.dot(dZ2, A1.T) / m||(1 / m) * np.dot(dZ2, A1.T)}}&&\
db2 = {{np.sum(dZ2, axis=1, keepdims=True) / m||np.mean(dZ2, axis=1, keepdims=True)||\
(1 / m) * np.sum(dZ2, axis=1, keepdims=True)||dZ2.sum(axis=1).reshape(-1, 1) / m}}>>
dZ1 = {{(W2.T @ dZ2) * (1 - A1 ** 2)||np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))||\
np.multiply(np.dot(W2.T, dZ2), 1 - A1 * A1)||W2.T @ dZ2 * (1 - np.square(A1))}}
<<dW1 = {{dZ1 @ X.T / m||np.dot(dZ1, X.T) / m||(1 / m) * np.dot(dZ1, X.T)}}&&\
db1 = {{np.sum(dZ1, axis=1, keepdims=True) / m||np.mean(dZ1, axis=1, keepdims=True)||\
(1 / m) * np.sum(dZ1, axis=1, keepdims=True)||dZ1.sum(axis=1).reshape(-1, 1) / m}}>>""",
    ),
    ("04_shallow_network", "update_parameters"): (
        """{{<<W1 = parameters["W1"] - learning_rate * grads["dW1"]&&\
b1 = parameters["b1"] - learning_rate * grads["db1"]&&\
W2 = parameters["W2"] - learning_rate * grads["dW2"]&&\
b2 = parameters["b2"] - learning_rate * grads["db2"]>>
return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}||\
new = {}
for key in {{parameters||["W1", "b1", "W2", "b2"]||parameters.keys()}}:
    new[key] = parameters[key] - learning_rate * grads["d" + key]
return new||\
return {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}
||\
return {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}
}}""",
    ),
    ("05_activations", "relu"): (
        """{{return np.maximum({{np.asarray(z, dtype=float)||np.array(z, dtype=float)}}, 0.0)||\
z = np.asarray(z, dtype=float)
return np.where(z > 0, z, 0.0)||z = np.array(z, dtype=float)
return z * (z > 0)||return np.maximum(0.0, np.asarray(z, dtype=float))||\
out = np.array(z, dtype=float)
out[out < 0] = 0.0
return out}}""",
        """{{return (np.asarray(z) > 0).astype(float)||\
return np.where(np.asarray(z) > 0, 1.0, 0.0)||\
z = np.asarray(z)
grad = np.zeros(z.shape)
grad[z > 0] = 1.0
return grad||return 1.0 * (np.asarray(z) > 0)||\
return np.greater(z, 0).astype(np.float64)}}""",
    ),
    ("05_activations", "softmax"): (
        """z = {{np.asarray(z, dtype=float)||np.array(z, dtype=float)}}
{{shifted = z - {{z.max(axis=0, keepdims=True)||np.max(z, axis=0, keepdims=True)}}
e = np.exp(shifted)||e = np.exp(z - {{z.max(axis=0, keepdims=True)||np.max(z, axis=0)}})}}
{{return e / {{e.sum(axis=0, keepdims=True)||np.sum(e, axis=0, keepdims=True)||\
np.sum(e, axis=0)}}||total = np.sum(e, axis=0, keepdims=True)
return e / total}}""",
        """s = softmax(z)
{{return np.diagflat(s) - s @ s.T||return np.diag(s.ravel()) - np.dot(s, s.T)||\
J = -np.outer(s, s)
J[np.diag_indices_from(J)] += s.ravel()
return J||return np.diag(s[:, 0]) - s @ s.T}}""",
    ),
    ("06_initialization", "initialize_parameters_he"): (
        """rng = np.random.default_rng(seed)
params = {}
{{L = len(layer_dims)
for l in range(1, L):||for l in range(1, len(layer_dims)):}}
    {{n, n_prev = layer_dims[l], layer_dims[l - 1]
    params[f"W{l}"] = rng.standard_normal((n, n_prev)) * \
{{np.sqrt(2.0 / n_prev)||np.sqrt(2 / n_prev)||(2 / n_prev) ** 0.5}}
    params[f"b{l}"] = np.zeros((n, 1))||\
params["W" + str(l)] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) \
* np.sqrt(2 / layer_dims[l - 1])
    params["b" + str(l)] = np.zeros((layer_dims[l], 1))}}
return params""",
    ),
    ("06_initialization", "activation_statistics"): (
        """{{means, stds, zeros = [], [], []
for A in activations:
    A = np.asarray(A, dtype=float)
    <<means.append({{np.mean(A)||A.mean()}})&&stds.append({{np.std(A)||A.std()}})&&\
zeros.append({{np.mean(A == 0)||np.sum(A == 0) / A.size||np.count_nonzero(A == 0) / A.size}})>>
return {"mean": np.array(means), "std": np.array(stds), "zero_fraction": np.array(zeros)}||\
L = len(activations)
stats = {"mean": np.zeros(L), "std": np.zeros(L), "zero_fraction": np.zeros(L)}
for i, A in enumerate(activations):
    stats["mean"][i] = np.mean(A)
    stats["std"][i] = np.std(A)
    stats["zero_fraction"][i] = np.mean(np.asarray(A) == 0)
return stats}}""",
    ),
    ("07_deep_network", "linear_forward"): (
        """{{Z = {{W @ A_prev + b||np.dot(W, A_prev) + b||np.matmul(W, A_prev) + b}}
{{cache = (A_prev, W, b)
return Z, cache||return Z, (A_prev, W, b)}}||return {{W @ A_prev + b||np.dot(W, A_prev) + b}}, \
(A_prev, W, b)}}""",
    ),
    ("07_deep_network", "linear_backward"): (
        """A_prev, W, b = cache
m = {{A_prev.shape[1]||dZ.shape[1]}}
<<dW = {{dZ @ A_prev.T / m||np.dot(dZ, A_prev.T) / m||(1 / m) * np.dot(dZ, A_prev.T)||\
1 / m * dZ @ A_prev.T}}&&db = {{np.sum(dZ, axis=1, keepdims=True) / m||\
np.mean(dZ, axis=1, keepdims=True)||(1 / m) * np.sum(dZ, axis=1, keepdims=True)||\
dZ.sum(axis=1).reshape(-1, 1) / m}}&&dA_prev = {{W.T @ dZ||np.dot(W.T, dZ)}}>>
return dA_prev, dW, db""",
    ),
    ("07_deep_network", "linear_activation_backward"): (
        """linear_cache, Z, A = cache
{{if activation == "relu":
    dZ = {{dA * (Z > 0)||np.where(Z > 0, dA, 0.0)||dA * (Z > 0).astype(float)}}
elif activation == "sigmoid":
    dZ = {{dA * A * (1 - A)||dA * (A * (1 - A))||np.multiply(dA, A * (1 - A))}}
else:
    raise ValueError(f"unknown activation {activation!r}")
return linear_backward(dZ, linear_cache)||\
if activation == "sigmoid":
    dZ = dA * A * (1 - A)
elif activation == "relu":
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
else:
    raise ValueError("activation must be relu or sigmoid")
dA_prev, dW, db = linear_backward(dZ, linear_cache)
return dA_prev, dW, db}}""",
    ),
    ("07_deep_network", "model_forward"): (
        """{{L = len(parameters) // 2
caches = []
A = X
for l in range(1, L):
    A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
    caches.append(cache)
AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
caches.append(cache)
return AL, caches||caches = []
A = X
L = len(parameters) // 2
for l in range(1, L + 1):
    activation = "sigmoid" if l == L else "relu"
    A, cache = linear_activation_forward(
        A, parameters["W" + str(l)], parameters["b" + str(l)], activation
    )
    caches.append(cache)
return A, caches||\
num_layers = len(parameters) // 2
A_prev = X
caches = []
for layer in range(1, num_layers):
    W, b = parameters[f"W{layer}"], parameters[f"b{layer}"]
    A_prev, cache = linear_activation_forward(A_prev, W, b, activation="relu")
    caches.append(cache)
W, b = parameters[f"W{num_layers}"], parameters[f"b{num_layers}"]
AL, cache = linear_activation_forward(A_prev, W, b, activation="sigmoid")
caches.append(cache)
return AL, caches}}""",
    ),
    ("08_backpropagation", "forward_pass"): (
        """{{Z1 = {{params["W1"] @ X + params["b1"]||np.dot(params["W1"], X) + params["b1"]}}
A1 = 1 / (1 + np.exp(-Z1))
Z2 = {{params["W2"] @ A1 + params["b2"]||np.dot(params["W2"], A1) + params["b2"]}}
A2 = 1 / (1 + np.exp(-Z2))
return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}||\
W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
Z1 = {{W1 @ X + b1||np.dot(W1, X) + b1}}
A1 = {{1 / (1 + np.exp(-Z1))||1.0 / (1.0 + np.exp(-Z1))}}
Z2 = {{W2 @ A1 + b2||np.dot(W2, A1) + b2}}
A2 = {{1 / (1 + np.exp(-Z2))||1.0 / (1.0 + np.exp(-Z2))}}
cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
return cache||\
sig = lambda z: 1 / (1 + np.exp(-z))
Z1 = params["W1"] @ X + params["b1"]
Z2 = params["W2"] @ sig(Z1) + params["b2"]
return {"Z1": Z1, "A1": sig(Z1), "Z2": Z2, "A2": sig(Z2)}
}}""",
    ),
    ("08_backpropagation", "total_error"): (
        """m = {{Y.shape[1]||A2.shape[1]}}
{{return float(np.sum(0.5 * (Y - A2) ** 2) / m)||return float(0.5 * np.sum((Y - A2) ** 2) / m)||\
E = np.sum((A2 - Y) ** 2) / (2 * m)
return float(E)||return float(np.sum(np.square(Y - A2)) / (2 * m))||\
return 0.5 * float(np.mean(np.sum((Y - A2) ** 2, axis=0)))}}""",
    ),
    ("08_backpropagation", "gradient_check_1d"): (
        """approx = (f(x + epsilon) - f(x - epsilon)) / \
{{(2 * epsilon)||(2.0 * epsilon)||epsilon / 2}}
{{denominator = abs(grad) + abs(approx)
if denominator == 0:
    return 0.0
return float(abs(grad - approx) / denominator)||\
numerator = np.abs(grad - approx)
denominator = np.abs(grad) + np.abs(approx)
if denominator == 0:
    return 0.0
return float(numerator / denominator)||\
if grad == 0 and approx == 0:
    return 0.0
return float(abs(grad - approx) / \
(abs(grad) + abs(approx)))}}""",
    ),
    ("08_backpropagation", "backward_regularized"): (
        """m = X.shape[1]
grads = backward_fixed(params, X, Y)
{{return {
    "dW1": grads["dW1"] + {{lambd / m * params["W1"]||(lambd / m) * params["W1"]}},
    "db1": grads["db1"],
    "dW2": grads["dW2"] + {{lambd / m * params["W2"]||(lambd / m) * params["W2"]}},
    "db2": grads["db2"],
}||<<grads["dW1"] = grads["dW1"] + lambd / m * params["W1"]&&\
grads["dW2"] = grads["dW2"] + lambd / m * params["W2"]>>
return grads||\
out = dict(grads)
out["dW1"] = grads["dW1"] + lambd * params["W1"] / m
out["dW2"] = grads["dW2"] + lambd * params["W2"] / m
return out}}""",
    ),
}

EXERCISES = tuple(TEMPLATES)

# ---------------------------------------------------------------- the template language

_MARKS = re.compile(r"(\{\{|\}\}|\|\||<<|>>|&&)")


def _parse_template(parts: list[str], position: int, closing: str | None) -> tuple[t.Any, int]:
    """A node: ("seq", [items]) of text and ("choice" | "shuffle", [nodes])."""
    items: list[t.Any] = []
    branches: list[t.Any] = []
    while position < len(parts):
        part = parts[position]
        position += 1
        if part in ("{{", "<<"):
            node, position = _parse_template(parts, position, "}}" if part == "{{" else ">>")
            items.append(node)
        elif closing and part == closing:
            branches.append(("seq", items))
            return ("choice" if closing == "}}" else "shuffle", branches), position
        elif closing and part == ("||" if closing == "}}" else "&&"):
            branches.append(("seq", items))
            items = []
        else:
            items.append(part)
    if closing:
        raise ValueError(f"unclosed {closing!r} in a template")
    return ("seq", items), position


def expand(template: str, rng: random.Random) -> str:
    """One text the template stands for (see the module docstring)."""
    tree, _ = _parse_template([p for p in _MARKS.split(template) if p], 0, None)

    out: list[str] = []

    def walk(node: t.Any) -> None:
        if isinstance(node, str):
            out.append(node)
            return
        kind, children = node
        if kind == "seq":
            for child in children:
                walk(child)
        elif kind == "choice":
            walk(rng.choice(children))
        else:  # shuffle: the parts' lines at the indentation of the first
            indent = "".join(out).rsplit("\n", 1)[-1]
            texts = [expand_node(c) for c in children]
            rng.shuffle(texts)
            out.append(("\n" + indent).join(t.strip("\n").lstrip() for t in texts))

    def expand_node(node: t.Any) -> str:
        start = len(out)
        walk(node)
        text = "".join(out[start:])
        del out[start:]
        return text

    walk(tree)
    return "".join(out)


# ---------------------------------------------------------------- lessons and stubs


def lesson_package(lesson: str, root: Path = ROOT) -> LessonPackage:
    """The lesson package as grading builds it, from `solutions/` (locked cells with hidden
    tests) and `lessons/` (the released stubs), without nbgrader."""
    source = nbformat.read(str(root / "solutions" / lesson / f"{lesson}.ipynb"), as_version=4)
    release = nbformat.read(str(root / "lessons" / lesson / f"{lesson}.ipynb"), as_version=4)
    sources = {_grade_id(c): c.source for c in source.cells if _grade_id(c)}
    cells = package_cells(release, sources)
    return t.cast(LessonPackage, {"lesson": lesson, "cells": cells})


def _grade_id(cell: t.Any) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def stub_of(package: LessonPackage, grade_id: str) -> str:
    """The released stub of an answer cell."""
    return next(c["release_source"] for c in package["cells"] if c["grade_id"] == grade_id)


_STUB_LINE = re.compile(
    r"^(?P<indent>[ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)$", re.M
)


def fill_stub(stub: str, bodies: list[str], keep_marker: list[bool]) -> str:
    """The stub with its i-th `# YOUR CODE HERE / raise NotImplementedError()` replaced by
    `bodies[i]`, indented as the marker was (the comment kept where `keep_marker[i]`)."""
    found = list(_STUB_LINE.finditer(stub))
    if len(found) != len(bodies):
        raise ValueError(f"the stub has {len(found)} solution regions, not {len(bodies)}")
    out, last = [], 0
    for match, body, keep in zip(found, bodies, keep_marker, strict=True):
        indent = match.group("indent")
        lines = [indent + line if line.strip() else "" for line in body.strip("\n").split("\n")]
        if keep:
            lines.insert(0, f"{indent}# YOUR CODE HERE")
        out += [stub[last : match.start()], "\n".join(lines)]
        last = match.end()
    out.append(stub[last:])
    return "".join(out)


# ---------------------------------------------------------------- a student's style

COMMENTS = (
    "compute the forward pass",
    "shape (n, m)",
    "vectorized, no loop",
    "see the lecture notes",
    "TODO: check the shapes",
    "this was tricky",
    "average over the examples",
    "gradient step",
    "计算梯度",
    "前向传播",
    "注意形状",
    "broadcasting here",
    "1/m because J is a mean",
    "keepdims keeps the column shape",
    "numerically stable?",
    "from the formula in section 3",
)
NAME_STYLES = ("keep", "lower", "suffix", "long", "prefix")


@dataclass(frozen=True)
class Style:
    """How one student writes: names, comments, spacing, blank lines."""

    names: str
    comment_rate: float
    compact: bool
    blank_rate: float
    keep_marker: bool


def random_style(rng: random.Random) -> Style:
    """A student's habits, drawn at random."""
    return Style(
        names=rng.choices(NAME_STYLES, weights=(6, 1, 1, 1, 1))[0],
        comment_rate=rng.choice((0.0, 0.0, 0.15, 0.4)),
        compact=rng.random() < 0.2,
        blank_rate=rng.choice((0.0, 0.0, 0.1, 0.3)),
        keep_marker=rng.random() < 0.3,
    )


def _rename(name: str, style: str, rng: random.Random) -> str:
    if style == "lower":
        return name.lower() + ("_" if name.lower() == name else "")
    if style == "suffix":
        return f"{name}_{rng.choice(('val', 'arr', 'res', 'tmp', 'new'))}"
    if style == "long":
        return f"{rng.choice(('the', 'my', 'cur', 'this'))}_{name}"
    if style == "prefix":
        return f"_{name}"
    return name


def bound_names(code: str) -> set[str]:
    """Names the code assigns (targets, loop variables, lambdas' and comprehensions' too);
    function parameters, function names and names used in f-strings excluded."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    parameters = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.FunctionDef):
            parameters |= {a.arg for a in node.args.args + node.args.kwonlyargs}
        elif isinstance(node, ast.JoinedStr):  # tokenize does not see inside f-strings
            parameters |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return names - parameters


def rename_tokens(code: str, mapping: dict[str, str]) -> str:
    """`code` with the names of `mapping` replaced (not attributes, not keyword arguments),
    comments and layout kept."""
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    out = []
    depth = 0
    for i, tok in enumerate(tokens):
        text = tok.string
        depth += (text in "([{") - (text in ")]}") if tok.type == tokenize.OP else 0
        if tok.type == tokenize.NAME and text in mapping:
            before = tokens[i - 1].string if i else ""
            after = tokens[i + 1].string if i + 1 < len(tokens) else ""
            keyword = depth > 0 and after == "=" and before in ("(", ",")
            if before != "." and not keyword:
                text = mapping[text]
        out.append(tok._replace(string=text))
    return tokenize.untokenize(out)


def _decorate(code: str, style: Style, rng: random.Random) -> str:
    """Comments, blank lines and spacing of a style, on code whose statements are lines."""
    lines = []
    in_string = False
    for line in code.split("\n"):
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        quotes = line.count('"""') + line.count("'''")
        simple = not in_string and not quotes and stripped and not stripped.startswith("#")
        in_string ^= quotes % 2 == 1
        if simple and style.compact:
            line = re.sub(r" ([-+*/@]) (?=[\w(])", r"\1", line)
        if simple and rng.random() < style.comment_rate:
            comment = rng.choice(COMMENTS)
            if rng.random() < 0.5 and not line.rstrip().endswith(("(", ",", "\\")):
                line = f"{line}  # {comment}"
            else:
                lines.append(f"{indent}# {comment}")
        lines.append(line)
        if simple and rng.random() < style.blank_rate:
            lines.append("")
    return "\n".join(lines)


class _Rewrite(ast.NodeTransformer):
    """A student's own small habits: equivalent ways of writing an expression, each used at
    a rate of the student's own (`a + b` or `b + a`, `np.dot(a, b)` or `a @ b`, `x / m` or
    `x * (1 / m)`, `x ** 2` or `np.square(x)`, `x.T` or `np.transpose(x)`, `np.sum(x, ...)` or
    `x.sum(...)`, a call's result in a variable of its own, redundant parentheses)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rate = rng.choice((0.1, 0.2, 0.3, 0.4))
        self.extracted = 0
        self.matmul = rng.choice(("dot", "matmul", "method"))  # what `@` becomes
        self.printing = rng.random() < 0.15  # leaves a debugging print in

    def _roll(self) -> bool:
        return self.rng.random() < self.rate

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Add | ast.Mult) and not _stringy(node) and self._roll():
            return ast.BinOp(node.right, node.op, node.left)
        if isinstance(node.op, ast.Div) and isinstance(node.right, ast.Name) and self._roll():
            if self.rng.random() < 0.5:
                return _np_call("divide", node.left, node.right)
            inverse = ast.BinOp(ast.Constant(1), ast.Div(), node.right)
            return ast.BinOp(node.left, ast.Mult(), inverse)
        if (
            isinstance(node.op, ast.Mult)
            and isinstance(node.left, ast.BinOp)
            and isinstance(node.left.op, ast.Mult)
            and not _stringy(node)
            and self._roll()
        ):  # a * b * c as a * (b * c)
            inner = ast.BinOp(node.left.right, ast.Mult(), node.right)
            return ast.BinOp(node.left.left, ast.Mult(), inner)
        if (
            isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant)
            and node.right.value == 2
            and self._roll()
        ):
            return _np_call("square", node.left)
        if isinstance(node.op, ast.MatMult) and self._roll():
            if self.matmul == "method":
                method = ast.Attribute(node.left, "dot", ast.Load())
                return ast.Call(method, [node.right], [])
            return _np_call(self.matmul, node.left, node.right)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        flipped = {ast.Gt: ast.Lt, ast.Lt: ast.Gt, ast.GtE: ast.LtE, ast.LtE: ast.GtE}
        if len(node.ops) == 1 and type(node.ops[0]) in flipped and self._roll():
            return ast.Compare(node.comparators[0], [flipped[type(node.ops[0])]()], [node.left])
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        if (  # X.shape[1] as np.shape(X)[1]
            isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape"
            and isinstance(node.ctx, ast.Load)
            and self._roll()
        ):
            return ast.Subscript(_np_call("shape", node.value.value), node.slice, ast.Load())
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        name = _np_name(node)
        if name == "dot" and len(node.args) == 2 and not node.keywords and self._roll():
            return ast.BinOp(node.args[0], ast.MatMult(), node.args[1])
        if name in ("sum", "mean") and len(node.args) == 1 and node.keywords and self._roll():
            method = ast.Attribute(node.args[0], name, ast.Load())
            return ast.Call(method, [], node.keywords)
        if name == "zeros" and len(node.args) == 1 and self._roll():
            return ast.Call(node.func, [], [ast.keyword("shape", node.args[0]), *node.keywords])
        for keyword in node.keywords:  # axis=1 or the positional 1
            if keyword.arg == "axis" and name in ("sum", "mean") and len(node.args) == 1:
                if self._roll():
                    node.args.append(keyword.value)
                    node.keywords = [k for k in node.keywords if k is not keyword]
                break
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        self.generic_visit(node)
        if node.attr == "T" and isinstance(node.ctx, ast.Load) and self._roll():
            if self.rng.random() < 0.5:
                return ast.Call(ast.Attribute(node.value, "transpose", ast.Load()), [], [])
            return _np_call("transpose", node.value)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.generic_visit(node)
        node.body = self._extract(node.body)
        return node

    def _extract(self, body: list[ast.stmt]) -> list[ast.stmt]:
        """Sometimes give a numpy call inside an assignment a variable of its own; maybe
        print a result's shape (students leave debugging prints in)."""
        out: list[ast.stmt] = []
        for statement in body:
            value = statement.value if isinstance(statement, ast.Assign) else None
            if isinstance(value, ast.BinOp):
                for side in ("left", "right"):
                    operand = getattr(value, side)
                    if isinstance(operand, ast.Call) and _np_name(operand) and self._roll():
                        self.extracted += 1
                        name = f"part{self.extracted}"
                        out.append(ast.Assign([ast.Name(name, ast.Store())], operand))
                        setattr(value, side, ast.Name(name, ast.Load()))
            out.append(statement)
            targets = statement.targets if isinstance(statement, ast.Assign) else []
            if self.printing and targets and isinstance(targets[0], ast.Name) and self._roll():
                shown = _np_call("shape", ast.Name(targets[0].id, ast.Load()))
                call = ast.Call(ast.Name("print", ast.Load()), [ast.Constant("shape:"), shown], [])
                out.append(ast.Expr(call))
        return out


def _np_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr if func.value.id == "np" else None
    return None


def _np_call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load()), list(args), [])


def _stringy(node: ast.BinOp) -> bool:
    """Whether an operand may be a string or a sequence (then + and * do not commute)."""
    for operand in (node.left, node.right):
        for child in ast.walk(operand):
            if isinstance(child, ast.JoinedStr | ast.List | ast.Tuple):
                return True
            if isinstance(child, ast.Constant) and isinstance(child.value, str):
                return True
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
                if child.func.id in ("str", "list", "tuple", "len"):
                    return True
    return False


def independent_answer(exercise: tuple[str, str], stub: str, rng: random.Random) -> str:
    """One student's answer, written on their own (see the module docstring)."""
    style = random_style(rng)
    bodies = [expand(template, rng) for template in TEMPLATES[exercise]]
    code = fill_stub(stub, bodies, [style.keep_marker] * len(bodies))
    if rng.random() < 0.7:  # most students have habits of their own
        tree = _Rewrite(rng).visit(ast.parse(code))
        code = ast.unparse(ast.fix_missing_locations(tree))
    if style.names != "keep":
        stub_names = _names_in(stub)
        mapping = {
            name: _rename(name, style.names, rng)
            for name in bound_names(code)
            if name not in stub_names
        }
        code = rename_tokens(code, mapping)
    return _decorate(code, style, rng)


def _names_in(code: str) -> set[str]:
    return set(re.findall(r"[^\W\d]\w*", code))


def independent_class(
    exercise: tuple[str, str], n: int, seed: int, package: LessonPackage | None = None
) -> dict[str, str]:
    """`n` independent answers to `exercise`, by student id ("s000", "s001", ...)."""
    package = package or lesson_package(exercise[0])
    stub = stub_of(package, exercise[1])
    rng = random.Random(f"{exercise}-{seed}")
    return {f"s{i:03d}": independent_answer(exercise, stub, rng) for i in range(n)}


# ---------------------------------------------------------------- copies

LEVELS = ("light", "medium", "heavy")
DEAD_CODE = (
    "debug = False",
    "unused = None",
    "if False:\n    print('checking shapes')",
    "tmp_check = 0",
    "# print(locals())",
    "_ = None",
    "steps = []",
)


def _function_locals(code: str) -> set[str]:
    return bound_names(code)


def _rename_all(code: str, rng: random.Random, avoid: set[str]) -> str:
    """Every variable the code binds renamed to a name of another student's taste."""
    words = ("val", "tmp", "res", "x", "arr", "mat", "out", "v", "q", "term", "part")
    mapping = {}
    for name in sorted(_function_locals(code)):
        new = f"{rng.choice(words)}{rng.randint(1, 99)}"
        while new in avoid or new in mapping.values():
            new += "_"
        mapping[name] = new
    return rename_tokens(code, mapping)


def _strip_comments(code: str) -> str:
    lines = []
    for line in code.split("\n"):
        if line.strip().startswith("#"):
            continue
        lines.append(re.sub(r"\s+#[^\"']*$", "", line))
    return "\n".join(lines)


class _Reorder(ast.NodeTransformer):
    """Swap adjacent statements that neither read nor write what the other writes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _swap(self, body: list[ast.stmt]) -> list[ast.stmt]:
        body = list(body)
        for i in range(1 if _is_docstring(body[0]) else 0, len(body) - 1):
            a, b = body[i], body[i + 1]
            if not all(isinstance(s, ast.Assign | ast.AugAssign | ast.Expr) for s in (a, b)):
                continue
            wa, wb = _writes(a), _writes(b)
            ra, rb = _reads(a), _reads(b)
            if not (wa & (rb | wb)) and not (wb & ra) and self.rng.random() < 0.7:
                body[i], body[i + 1] = b, a
        return body

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.generic_visit(node)
        node.body = self._swap(node.body)
        return node

    def visit_For(self, node: ast.For) -> ast.For:
        self.generic_visit(node)
        node.body = self._swap(node.body)
        return node


def _writes(node: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        elif isinstance(n, ast.Subscript | ast.Attribute) and isinstance(n.ctx, ast.Store):
            out |= {x.id for x in ast.walk(n) if isinstance(x, ast.Name)}
        elif isinstance(n, ast.Call):  # a call may change what it gets (list.append)
            out |= {x.id for x in ast.walk(n.func) if isinstance(x, ast.Name)}
    return out


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class _DeadCode(ast.NodeTransformer):
    """Insert statements that change nothing into function bodies."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.generic_visit(node)
        body = list(node.body)
        for _ in range(self.rng.randint(1, 3)):
            snippet = ast.parse(self.rng.choice(DEAD_CODE)).body
            at = self.rng.randint(1 if ast.get_docstring(node) else 0, max(0, len(body) - 1))
            body[at:at] = snippet
        node.body = body
        return node


def _comment_lines(code: str, rng: random.Random, rate: float) -> str:
    return _decorate(code, Style("keep", rate, False, 0.0, False), rng)


def disguise(code: str, rng: random.Random, level: str, avoid: set[str]) -> str:
    """`code` disguised at `level` (see the module docstring)."""
    if level in ("medium", "heavy"):
        tree = ast.parse(code)
        if level == "heavy":
            tree = _DeadCode(rng).visit(_Reorder(rng).visit(tree))
        code = ast.unparse(ast.fix_missing_locations(tree))
    code = _rename_all(_strip_comments(code), rng, avoid)
    return _comment_lines(code, rng, rng.choice((0.1, 0.3)))


def disguised_copy(answer: str, seed: int, level: str, stub: str = "") -> str:
    """A disguised copy of a classmate's `answer` (names of `stub` are never renamed to)."""
    rng = random.Random(f"copy-{seed}-{level}")
    return disguise(answer, rng, level, _names_in(answer) | _names_in(stub))


def reference_copy(stub: str, reference: str, seed: int, level: str) -> str:
    """The exercise answered with a pasted `utils` reference: its private helpers first, then
    the exercise's function (signature and docstring from the stub) running the reference's
    body, its parameters renamed to the exercise's and extra ones set to their defaults."""
    rng = random.Random(f"reference-{seed}-{level}")
    functions = [n for n in ast.parse(reference).body if isinstance(n, ast.FunctionDef)]
    public, helpers = functions[0], functions[1:]
    for function in functions:  # a student drops the annotations
        function.returns = None
        for argument in function.args.args + function.args.kwonlyargs:
            argument.annotation = None
    target = next(n for n in ast.parse(stub).body if isinstance(n, ast.FunctionDef))
    ours = [a.arg for a in target.args.args]
    theirs = [a.arg for a in public.args.args]
    defaults = dict(zip(theirs[::-1], public.args.defaults[::-1], strict=False))
    mapping = dict(zip(theirs, ours, strict=False))
    body = [s for s in public.body if not _is_docstring(s)]
    prologue = [
        ast.Assign([ast.Name(name, ast.Store())], defaults.get(name, ast.Constant(None)))
        for name in theirs[len(ours) :]
    ]
    target.body = target.body[:1] + prologue + body if ast.get_docstring(target) else body
    code = ast.unparse(ast.fix_missing_locations(ast.Module([*helpers, target], [])))
    code = rename_tokens(code, {k: v for k, v in mapping.items() if k != v})
    return disguise(code, rng, level, _names_in(code) | _names_in(stub) | set(dir(builtins)))


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


# ---------------------------------------------------------------- correctness


def check_answers(lesson: str, answers: dict[str, list[str]]) -> dict[str, list[str | None]]:
    """Run each answer against the lesson's own test cell of its exercise (hidden tests
    included), in the namespace of the solution notebook run up to the end; per exercise,
    per answer: None when the tests pass, else the error."""
    source = nbformat.read(str(ROOT / "solutions" / lesson / f"{lesson}.ipynb"), as_version=4)
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict[str, t.Any] = {"__name__": "__main__"}
    cells = [c for c in source.cells if c.cell_type == "code"]
    quiet = contextlib.redirect_stdout(io.StringIO())
    with quiet:
        for cell in cells:
            exec(_plain(cell.source), namespace)  # noqa: S102  (the course's own notebook)
    tests = {}
    for i, cell in enumerate(cells):
        grade_id = _grade_id(cell)
        if grade_id in answers:
            following = cells[i + 1 :]
            tests[grade_id] = next(c.source for c in following if _meta(c).get("grade"))
    results: dict[str, list[str | None]] = {}
    for grade_id, codes in answers.items():
        original = next(c.source for c in cells if _grade_id(c) == grade_id)
        results[grade_id] = []
        for code in codes:
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, namespace)  # noqa: S102
                    exec(_plain(tests[grade_id]), namespace)  # noqa: S102
                results[grade_id].append(None)
            except Exception as exc:  # noqa: BLE001  (any failure is the answer's)
                results[grade_id].append(f"{type(exc).__name__}: {exc}"[:300])
            finally:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(_plain(original), namespace)  # noqa: S102
    return results


def _meta(cell: t.Any) -> dict[str, t.Any]:
    return cell.metadata.get("nbgrader", {})


def _plain(source: str) -> str:
    """A cell without IPython magics and without the solution markers' lines."""
    return "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )


# ---------------------------------------------------------------- measurement

COPIERS_PER_LEVEL = 4


@dataclass(frozen=True)
class Pair:
    """Two answers compared: similarity and evidence (see `autograder/outputs/copies.py`)."""

    exercise: str
    first: str
    second: str
    reference: bool
    similarity: float
    evidence: float


@dataclass
class LessonMeasure:
    """Every pair of one lesson's planted class that shares anything, before any threshold.

    Students `s000`...: independent; `copy-<level>-<i>`: copied student `copied[id]` in every
    exercise, disguised at `level`; `reference-<level>`: answered one exercise with a pasted
    `utils` reference (`copied[id]`: {exercise: reference path}).
    """

    lesson: str
    exercises: list[str]
    pairs: list[Pair]
    copied: dict[str, str]
    references: dict[str, dict[str, str]]

    def _independent(self, pair: Pair) -> bool:
        return pair.first[0] == "s" and (pair.reference or pair.second[0] == "s")

    def false_positives(self, threshold: float, min_evidence: float) -> dict[str, int]:
        """Per exercise: pairs with an independent answer listed at these settings."""
        out = dict.fromkeys(self.exercises, 0)
        for p in self.pairs:
            if self._independent(p) and p.similarity >= threshold and p.evidence >= min_evidence:
                out[p.exercise] += 1
        return out

    def copy_pairs(self) -> list[tuple[str, Pair | None]]:
        """(kind, the pair of a copy and what it copied, or None when they share nothing) for
        every copied answer; kind: "classmate-<level>" or "reference-<level>"."""
        found = {(p.exercise, p.first, p.second): p for p in self.pairs}
        found.update({(p.exercise, p.second, p.first): p for p in self.pairs})
        out: list[tuple[str, Pair | None]] = []
        for copier, original in self.copied.items():
            kind = "classmate-" + copier.split("-")[1]
            out += [(kind, found.get((e, copier, original))) for e in self.exercises]
        for copier, paths in self.references.items():
            out += [(copier, found.get((e, copier, path))) for e, path in paths.items()]
        return out

    def student_evidence(self, threshold: float) -> dict[tuple[str, str], tuple[int, float]]:
        """Per pair of students: (exercises at least `threshold` similar, their evidence)."""
        out: dict[tuple[str, str], tuple[int, float]] = {}
        for p in self.pairs:
            if not p.reference and p.similarity >= threshold:
                key = (min(p.first, p.second), max(p.first, p.second))
                count, bits = out.get(key, (0, 0.0))
                out[key] = (count + 1, bits + p.evidence)
        return out


def planted_lesson(
    lesson: str, n: int, seed: int
) -> tuple[LessonPackage, dict[str, dict[str, str]], dict[str, str], dict[str, dict[str, str]]]:
    """A class of `n` independent students answering the lesson's generated exercises, with
    whole-notebook copiers and reference copiers planted (see `LessonMeasure`): (package,
    submissions, copier -> original, reference copier -> {exercise: path})."""
    from autograder.outputs.references import forbidden_references, reference_source

    package = lesson_package(lesson)
    exercises = [e for (lesson_id, e) in EXERCISES if lesson_id == lesson]
    submissions: dict[str, dict[str, str]] = {f"s{i:03d}": {} for i in range(n)}
    for exercise in exercises:
        answers = independent_class((lesson, exercise), n, seed, package)
        for student, answer in answers.items():
            submissions[student][exercise] = answer
    rng = random.Random(f"plant-{lesson}-{seed}")
    copied: dict[str, str] = {}
    for level in LEVELS:
        for i in range(COPIERS_PER_LEVEL):
            copier, original = f"copy-{level}-{i}", f"s{rng.randrange(n):03d}"
            copied[copier] = original
            submissions[copier] = {
                e: disguised_copy(a, rng.randrange(10**6), level, stub_of(package, e))
                for e, a in submissions[original].items()
            }
    forbidden = forbidden_references(package)
    references: dict[str, dict[str, str]] = {}
    for level in LEVELS:
        copier = f"reference-{level}"
        for exercise in exercises:
            path = next((p for p in forbidden.get(exercise, []) if reference_source(p)), None)
            if path:
                code = reference_source(path) or ""
                stub = stub_of(package, exercise)
                answer = reference_copy(stub, code, rng.randrange(10**6), level)
                submissions.setdefault(copier, {})[exercise] = answer
                references.setdefault(copier, {})[exercise] = path
    return package, submissions, copied, references


def measure_lesson(lesson: str, n: int, seed: int, settings: t.Any) -> LessonMeasure:
    """Compare a planted class (`planted_lesson`) with `settings` (`autograder.outputs.copies.
    Settings`; every pair at least 0.3 similar is kept, to be judged afterwards)."""
    from dataclasses import replace

    from autograder.outputs.similarity import compare_lesson

    package, submissions, copied, references = planted_lesson(lesson, n, seed)
    everything = replace(settings, threshold=0.3, min_evidence=0.0)
    found = compare_lesson(package, submissions, everything)
    pairs = [
        Pair(m.exercise, m.first, m.second, m.reference, m.similarity, m.evidence)
        for m in found.matches
    ]
    exercises = [e for (lesson_id, e) in EXERCISES if lesson_id == lesson]
    return LessonMeasure(lesson, exercises, pairs, copied, references)


LESSONS = tuple(dict.fromkeys(lesson for lesson, _ in EXERCISES))
