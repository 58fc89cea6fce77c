"""Mistakes lesson 05's tests must catch."""

from tests.lesson_mistakes import Mistake

LESSON = "05_activations"

MISTAKES = [
    Mistake(
        answer="sigmoid",
        source="""def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index in np.ndindex(z.shape):
        v = z[index]
        out[index] = 1.0 / (1.0 + np.exp(-v)) if v >= 0 else np.exp(v) / (1.0 + np.exp(v))
    return out


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)""",
        test="test_sigmoid",
        message="loop",
        why="an entry-by-entry loop where the lesson asks for vectorized code",
    ),
    Mistake(
        answer="sigmoid",
        source="""import math


def _one(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


sigmoid_scalar = np.vectorize(_one, otypes=[float])


def sigmoid(z):
    return sigmoid_scalar(np.asarray(z, dtype=float))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)""",
        test="test_sigmoid",
        message="np.vectorize",
        why="np.vectorize, a Python loop in disguise",
    ),
    Mistake(
        answer="tanh",
        source="""def tanh(z):
    z = np.asarray(z, dtype=float)
    flat = [np.sign(v) * (1 - np.exp(-2 * abs(v))) / (1 + np.exp(-2 * abs(v))) for v in z.ravel()]
    return np.array(flat, dtype=float).reshape(z.shape)


def tanh_grad(z):
    t = tanh(z)
    return 1.0 - t * t""",
        test="test_tanh",
        message="loop",
        why="a list comprehension over the entries where the lesson asks for vectorized code",
    ),
    Mistake(
        answer="relu",
        source="""def relu(z):
    z = np.asarray(z, dtype=float)
    return np.array(list(map(lambda v: max(v, 0.0), z.ravel())), dtype=float).reshape(z.shape)


def relu_grad(z):
    return (np.asarray(z) > 0).astype(float)""",
        test="test_relu",
        message="map()",
        why="map over the entries, a loop in disguise",
    ),
    Mistake(
        answer="leaky_relu",
        source="""def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index in np.ndindex(z.shape):
        out[index] = 1.0 if z[index] > 0 else alpha
    return out""",
        test="test_leaky_relu",
        message="loop",
        why="a loop over the entries in the derivative",
    ),
    Mistake(
        answer="softmax",
        source="""def softmax(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for i in range(z.shape[1]):
        e = np.exp(z[:, i] - z[:, i].max())
        out[:, i] = e / e.sum()
    return out


def softmax_jacobian(z):
    s = softmax(z)
    return np.diagflat(s) - s @ s.T""",
        test="test_softmax",
        message="loop",
        why="a loop over the examples (columns) where the lesson asks for vectorized code",
    ),
    Mistake(
        answer="softmax",
        source="""def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_jacobian(z):
    s = softmax(z)
    return np.diag(s) - s @ s.T""",
        test="test_softmax",
        message="np.diagflat",
        why="np.diag of a (K, 1) column, which is not a diagonal matrix",
    ),
    Mistake(
        answer="softmax_backward",
        source="""def softmax_backward(dS, Z):
    dZ = np.zeros_like(Z, dtype=float)
    for i in range(Z.shape[1]):
        dZ[:, i:i + 1] = softmax_jacobian(Z[:, i:i + 1]).T @ dS[:, i:i + 1]
    return dZ""",
        test="test_softmax_backward",
        message="loop",
        why="the Jacobian column by column: right values, but a loop over the examples",
    ),
    Mistake(
        answer="softmax_backward",
        source="""def softmax_backward(dS, Z):
    S = softmax(Z)
    return dS * S * (1 - S)""",
        test="test_softmax_backward",
        message="diagonal of the Jacobian only",
        why="the elementwise derivative s(1 - s), ignoring how each score moves the other outputs",
    ),
    Mistake(
        answer="softmax_backward",
        source="""def softmax_backward(dS, Z):
    S = softmax(Z)
    return S * (dS - np.sum(S * dS, axis=1, keepdims=True))""",
        test="test_softmax_backward",
        message="axis=0",
        why="the sum along the rows instead of down each column",
    ),
    Mistake(
        answer="softmax_backward",
        source="""def softmax_backward(dS, Z):
    S = softmax(Z)
    Y = (dS < 0).astype(float)
    return S - Y""",
        test="test_softmax_backward",
        message="softmax_backward(dS, Z)",
        why="returning the cross-entropy shortcut S - Y for every dS",
    ),
    Mistake(
        answer="relu_unit_backward",
        source="""def relu_unit_backward(dA, X, w, b):
    m = X.shape[1]
    dw = np.zeros_like(w, dtype=float)
    db = np.zeros_like(b, dtype=float)
    for i in range(m):
        x = X[:, i:i + 1]
        dz = dA[:, i:i + 1] * relu_grad(w @ x + b)
        dw = dw + dz @ x.T / m
        db = db + dz / m
    return dw, db""",
        test="test_relu_unit_backward",
        message="loop",
        why="a per-example loop where the lesson asks for vectorized code",
    ),
    Mistake(
        answer="dead_bias",
        source="""def dead_bias(w, X, margin=1.0):
    largest = max((w @ X[:, i]).item() for i in range(X.shape[1]))
    return np.array([[-largest - margin]])""",
        test="test_dead_bias",
        message="loop",
        why="the maximum over the examples with a Python loop",
    ),
]
