"""Mistakes lesson 01's tests must catch."""

from tests.lesson_mistakes import Mistake

LESSON = "01_logistic_regression"

MISTAKES = [
    Mistake(
        answer="initialize_with_zeros",
        source="""def initialize_with_zeros(dim):
    return np.zeros(dim), 0.0""",
        test="test_initialize_with_zeros",
        message="rank-1",
        why="np.zeros(dim) gives a rank-1 array, not a (dim, 1) column",
    ),
    Mistake(
        answer="logistic_graph",
        source="""def logistic_graph(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = sigmoid(z)
    loss = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    da = -y / a + (1 - y) / (1 - a)
    dz = da
    return ({"z": z, "a": a, "loss": loss},
            {"da": da, "dz": dz, "dw1": x1 * dz, "dw2": x2 * dz, "db": dz})""",
        test="test_logistic_graph",
        message="multiply da by the sigmoid's slope",
        why="the chain rule's second factor, the sigmoid's slope a(1 - a), is forgotten",
    ),
    Mistake(
        answer="logistic_graph",
        source="""def logistic_graph(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = sigmoid(z)
    loss = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    da = -y / a + (1 - y) / (1 - a)
    dz = da * a * (1 - a)
    return ({"z": z, "a": a, "loss": loss},
            {"da": da, "dz": dz, "dw1": w1 * dz, "dw2": w2 * dz, "db": dz})""",
        test="test_logistic_graph",
        message="dw1 = x1 · dz",
        why="the weights in place of the inputs as the local derivative of z",
    ),
    Mistake(
        answer="logistic_graph",
        source="""def logistic_graph(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = sigmoid(z)
    loss = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    da = y / a - (1 - y) / (1 - a)
    dz = a - y
    return ({"z": z, "a": a, "loss": loss},
            {"da": da, "dz": dz, "dw1": x1 * dz, "dw2": x2 * dz, "db": dz})""",
        test="test_logistic_graph",
        message="derivative of the loss with respect to a",
        why="da with the sign of the log-likelihood, not of the loss",
    ),
    Mistake(
        answer="propagate_loop",
        source="""def propagate_loop(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": np.sum(dZ) / m}, cost""",
        test="test_propagate_loop",
        message="no python loop found",
        why="the vectorized version where the exercise asks for the loop",
    ),
    Mistake(
        answer="propagate_loop",
        source="""def propagate_loop(w, b, X, Y):
    n_x, m = X.shape
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    dw = np.zeros((n_x, 1))
    for j in range(n_x):                      # a loop, but over the features
        dw[j, 0] = np.dot(X[j], dZ[0]) / m
    return {"dw": dw, "db": np.sum(dZ) / m}, cost""",
        test="test_propagate_loop",
        message="does not run once per example",
        why="a loop over the features only, vectorized over the examples",
    ),
    Mistake(
        answer="propagate_loop",
        source="""def propagate_loop(w, b, X, Y):
    for _ in range(1):
        grads, cost = ref.propagate_loop(w, b, X, Y)
    return grads, cost""",
        test="test_propagate_loop",
        message="calls utils.logistic.propagate_loop",
        why="the course's reference called inside a token loop",
    ),
    Mistake(
        answer="optimize",
        source="""def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009,
             record_every=100):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate_loop(w, b, X, Y)
        if i % record_every == 0:
            costs.append(cost)
        w -= learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
    return {"w": w, "b": b}, grads, costs""",
        test="test_optimize",
        message="must not change",
        why="an in-place update changes the caller's w",
    ),
    Mistake(
        answer="optimize",
        source="""def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009,
             record_every=100):
    costs = []
    for i in range(num_iterations):
        grads, cost = ref.propagate(w, b, X, Y)
        if i % record_every == 0:
            costs.append(cost)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
    return {"w": w, "b": b}, grads, costs""",
        test="test_optimize",
        message="calls utils.logistic.propagate",
        why="the course's vectorized propagate instead of the student's own",
    ),
    Mistake(
        answer="predict",
        source="""def predict(w, b, X):
    Y_prediction = np.zeros((1, X.shape[1]))
    for i in range(X.shape[1]):
        a = sigmoid(np.dot(w[:, 0], X[:, i]) + b)
        Y_prediction[0, i] = 1.0 if a > 0.5 else 0.0
    return Y_prediction""",
        test="test_predict",
        message="loop",
        why="a per-example loop where the exercise asks for vectorized code",
    ),
    Mistake(
        answer="predict",
        source="""def _label(a):
    return 1.0 if a > 0.5 else 0.0


def predict(w, b, X):
    return np.vectorize(_label)(sigmoid(np.dot(w.T, X) + b)).astype(float)""",
        test="test_predict",
        message="np.vectorize",
        why="np.vectorize is a Python loop in disguise",
    ),
    Mistake(
        answer="predict",
        source="""def _column_labels(w, b, X):
    return [float(sigmoid(np.dot(w[:, 0], x) + b) > 0.5) for x in X.T]


def predict(w, b, X):
    return np.array([_column_labels(w, b, X)])""",
        test="test_predict",
        message="comprehension",
        why="a per-example comprehension hidden in a helper",
    ),
    Mistake(
        answer="model",
        source="""def model(X_train, Y_train, X_test, Y_test, num_iterations=2000,
          learning_rate=0.5, record_every=100):
    return ref.model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate,
                     record_every)""",
        test="test_model",
        message="calls utils.logistic.model",
        why="the course's reference model instead of the student's functions",
    ),
]
