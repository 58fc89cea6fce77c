"""Mistakes lesson 02's tests must catch, and right answers they must accept."""

from tests.lesson_mistakes import Accepted, Mistake

LESSON = "02_vectorization"

_PROPAGATE_TAIL = """
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost"""

MISTAKES = [
    Mistake(
        answer="l1_loss",
        source="""def l1_loss(yhat, y):
    total = 0.0
    for p, q in zip(yhat.ravel(), y.ravel()):
        total += abs(q - p)
    return total""",
        test="test_l1_loss",
        message="loop",
        why="a per-entry loop where the exercise asks for vectorized code",
    ),
    Mistake(
        answer="l1_loss",
        source="""def l1_loss(yhat, y):
    return np.sum(list(map(abs, (y - yhat).ravel())))""",
        test="test_l1_loss",
        message="map()",
        why="map runs a Python-level call per entry",
    ),
    Mistake(
        answer="l2_loss",
        source="""from functools import reduce as fold


def l2_loss(yhat, y):
    return fold(lambda s, d: s + d * d, (y - yhat).ravel(), 0.0)""",
        test="test_l2_loss",
        message="functools.reduce()",
        why="an aliased functools.reduce is still a loop",
    ),
    Mistake(
        answer="l2_loss",
        source="""def l2_loss(yhat, y):
    d = y - yhat
    return np.dot(d, d.T)""",
        test="test_l2_loss",
        message=".item()",
        why="np.dot of a (1, m) row with its transpose is a (1, 1) array, not a number",
    ),
    Mistake(
        answer="propagate_one_loop",
        source="""def propagate_one_loop(w, b, X, Y):
    n_x, m = X.shape
    cost, dw, db = 0.0, np.zeros((n_x, 1)), 0.0
    for i in range(m):
        z_i = b
        for j in range(n_x):
            z_i += w[j, 0] * X[j, i]
        a_i = 1 / (1 + np.exp(-z_i))
        cost += -(Y[0, i] * np.log(a_i) + (1 - Y[0, i]) * np.log(1 - a_i))
        dz_i = a_i - Y[0, i]
        dw += X[:, i:i + 1] * dz_i
        db += dz_i
    return {"dw": dw / m, "db": db / m}, cost / m""",
        test="test_propagate_one_loop",
        message="at most 1 loop expected",
        why="the loop over the features kept next to the loop over the examples",
    ),
    Mistake(
        answer="propagate_one_loop",
        source="""def propagate_one_loop(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))"""
        + _PROPAGATE_TAIL,
        test="test_propagate_one_loop",
        message="no python loop found",
        why="the fully vectorized step 2 where step 1 keeps the loop over the examples",
    ),
    Mistake(
        answer="propagate",
        source="""def propagate(w, b, X, Y):
    m = X.shape[1]
    A = np.zeros((1, m))
    for i in range(m):
        A[0, i] = 1 / (1 + np.exp(-(np.dot(w[:, 0], X[:, i]) + b)))"""
        + _PROPAGATE_TAIL,
        test="test_propagate",
        message="loop",
        why="a per-example loop for A, the rest vectorized",
    ),
    Mistake(
        answer="propagate",
        source="""def _activations(w, b, X, i=0):
    if i == X.shape[1]:
        return []
    return [1 / (1 + np.exp(-(np.dot(w[:, 0], X[:, i]) + b)))] + _activations(w, b, X, i + 1)


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = np.array([_activations(w, b, X)])"""
        + _PROPAGATE_TAIL,
        test="test_propagate",
        message="recursion",
        why="a per-example recursion in a helper instead of a loop",
    ),
    Mistake(
        answer="propagate",
        source="""def propagate(w, b, X, Y):
    m = X.shape[1]
    Z = np.apply_along_axis(lambda x: np.dot(w[:, 0], x) + b, 0, X).reshape(1, -1)
    A = 1 / (1 + np.exp(-Z))"""
        + _PROPAGATE_TAIL,
        test="test_propagate",
        message="np.apply_along_axis",
        why="np.apply_along_axis calls a Python function once per example",
    ),
    Mistake(
        answer="predict_digits",
        source="""def predict_digits(W, b, X):
    Z = np.array([np.dot(W[k], X) + b[k, 0] for k in range(W.shape[0])])
    A = 1 / (1 + np.exp(-Z))
    return A, np.argmax(A, axis=0).reshape(1, -1)""",
        test="test_predict_digits",
        message="loop",
        why="a loop over the detectors instead of one matrix product",
    ),
    Mistake(
        answer="predict_digits",
        source="""def predict_digits(W, b, X):
    A = 1 / (1 + np.exp(-(np.dot(W, X) + b)))
    return A, np.argmax(A, axis=1).reshape(1, -1)""",
        test="test_predict_digits",
        message="one label per row",
        why="argmax along the rows: one label per detector instead of one per example",
    ),
    Mistake(
        answer="time_sizes",
        source="""def time_sizes(fn, make_input, sizes, repeats=3, clock=time.perf_counter):
    times = np.zeros(len(sizes))
    for k, m in enumerate(sizes):
        args = make_input(m)
        durations = []
        for _ in range(repeats):
            start = clock()
            fn(*args)
            durations.append(clock() - start)
        times[k] = np.mean(durations)
    return times""",
        test="test_time_sizes",
        message="mean of the timed calls",
        why="the mean of the repeats instead of the fastest",
    ),
    Mistake(
        answer="time_sizes",
        source="""def time_sizes(fn, make_input, sizes, repeats=3, clock=time.perf_counter):
    times = np.zeros(len(sizes))
    for k, m in enumerate(sizes):
        best = math.inf
        for _ in range(repeats):
            start = clock()
            fn(*make_input(m))
            best = min(best, clock() - start)
        times[k] = best
    return times""",
        test="test_time_sizes",
        message="include building the input",
        why="the input is built inside the timed region",
    ),
    Mistake(
        answer="time_sizes",
        source="""def time_sizes(fn, make_input, sizes, repeats=3, clock=time.perf_counter):
    times = np.zeros(len(sizes))
    for k, m in enumerate(sizes):
        args = make_input(m)
        best = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            fn(*args)
            best = min(best, time.perf_counter() - start)
        times[k] = best
    return times""",
        test="test_time_sizes",
        message="clock argument was never read",
        why="the real clock instead of the clock argument",
    ),
]

ACCEPTED = [
    Accepted(
        answer="time_sizes",
        source="""def time_sizes(fn, make_input, sizes, repeats=3, clock=time.perf_counter):
    times = []
    for m in sizes:
        args = make_input(m)
        fn(*args)                                 # warm-up, not timed
        durations = []
        for _ in range(repeats):
            start = clock()
            fn(*args)
            durations.append(clock() - start)
        times.append(min(durations))
    return np.array(times, dtype=float)""",
        test="test_time_sizes",
        why="an untimed warm-up call before the timed ones",
    ),
    Accepted(
        answer="time_sizes",
        source="""def time_sizes(fn, make_input, sizes, repeats=3, clock=time.perf_counter):
    times = np.empty(len(sizes))
    for k, m in enumerate(sizes):
        args = make_input(m)
        readings = [clock()]
        for _ in range(repeats):                  # one reading between two calls
            fn(*args)
            readings.append(clock())
        times[k] = np.min(np.diff(readings))
    return times""",
        test="test_time_sizes",
        why="one clock reading between consecutive calls, shared by both",
    ),
]
