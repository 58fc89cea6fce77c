"""Mistakes lesson 08's tests must catch."""

from tests.lesson_mistakes import Mistake

LESSON = "08_backpropagation"

# ------------------------------------------------------------------ per-example loops
# Right values, so that only the loop check can catch them.
LOOPS = [
    Mistake(
        answer="forward_pass",
        source="""def forward_pass(params, X):
    m = X.shape[1]
    Z1 = np.zeros((params["W1"].shape[0], m))
    Z2 = np.zeros((params["W2"].shape[0], m))
    for i in range(m):
        Z1[:, [i]] = params["W1"] @ X[:, [i]] + params["b1"]
        Z2[:, [i]] = params["W2"] @ (1 / (1 + np.exp(-Z1[:, [i]]))) + params["b2"]
    return {"Z1": Z1, "A1": 1 / (1 + np.exp(-Z1)), "Z2": Z2, "A2": 1 / (1 + np.exp(-Z2))}""",
        test="test_forward_pass",
        message="loop",
        why="a loop over the examples where one matrix product per layer is asked for",
    ),
    Mistake(
        answer="total_error",
        source="""def total_error(A2, Y):
    m = Y.shape[1]
    total = 0.0
    for i in range(m):
        total += np.sum(0.5 * (Y[:, i] - A2[:, i]) ** 2)
    return float(total / m)""",
        test="test_total_error",
        message="loop",
        why="the error summed example by example",
    ),
    Mistake(
        answer="output_layer_backward",
        source="""def output_layer_backward(A1, A2, Y):
    m = A1.shape[1]
    dZ2 = (A2 - Y) * A2 * (1 - A2)
    dW2 = np.zeros((A2.shape[0], A1.shape[0]))
    for i in range(m):
        dW2 += dZ2[:, [i]] @ A1[:, [i]].T
    return dZ2, dW2 / m, np.sum(dZ2, axis=1, keepdims=True) / m""",
        test="test_output_layer_backward",
        message="loop",
        why="dW2 accumulated over the examples, as the Θ-notation texts do",
    ),
    Mistake(
        answer="backward_pass",
        source="""def backward_pass(params, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    dZ2, dW2, db2 = output_layer_backward(A1, cache["A2"], Y)
    dZ1 = (params["W2"].T @ dZ2) * A1 * (1 - A1)
    dW1 = np.zeros((A1.shape[0], X.shape[0]))
    for i in range(m):
        dW1 += np.outer(dZ1[:, i], X[:, i])
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1 / m, "db1": db1, "dW2": dW2, "db2": db2}""",
        test="test_backward_pass",
        message="loop",
        why="dW1 as a sum of per-example outer products",
    ),
    Mistake(
        answer="gradient_descent_step",
        source="""def gradient_descent_step(params, X, Y, learning_rate):
    m = X.shape[1]
    dW1, dW2 = 0.0, 0.0
    for i in range(m):
        x, y = X[:, [i]], Y[:, [i]]
        g = backward_pass(params, forward_pass(params, x), x, y)
        dW1, dW2 = dW1 + g["dW1"] / m, dW2 + g["dW2"] / m
    return {"W1": params["W1"] - learning_rate * dW1, "b1": params["b1"],
            "W2": params["W2"] - learning_rate * dW2, "b2": params["b2"]}""",
        test="test_gradient_descent_step",
        message="loop",
        why="the gradient averaged over per-example backward passes",
    ),
    Mistake(
        answer="train_network",
        source="""def train_network(params, X, Y, learning_rate, num_steps):
    m = X.shape[1]
    errors = []
    for step in range(num_steps + 1):
        if step:
            params = gradient_descent_step(params, X, Y, learning_rate)
        A2 = forward_pass(params, X)["A2"]
        errors.append(sum(total_error(A2[:, [i]], Y[:, [i]]) for i in range(m)) / m)
    return params, np.array(errors)""",
        test="test_train_network",
        message="loop",
        why="besides the loop over the steps, the error is averaged over the examples in a loop",
    ),
    Mistake(
        answer="backward_fixed",
        source="""def backward_fixed(params, X, Y):
    m = X.shape[1]
    cache = forward_tanh_sigmoid(params, X)
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (params["W2"].T @ dZ2) * (1 - A1 ** 2)
    dW1 = np.zeros_like(params["W1"], dtype=float)
    dW2 = np.zeros_like(params["W2"], dtype=float)
    for i in range(m):
        dW1 += dZ1[:, [i]] @ X[:, [i]].T / m
        dW2 += dZ2[:, [i]] @ A1[:, [i]].T / m
    return {"dW1": dW1, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dW2, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}""",
        test="test_backward_fixed",
        message="loop",
        why="the fixed backward pass rewritten with a loop over the examples",
    ),
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    m = Y.shape[1]
    cross_entropy = 0.0
    for i in range(m):
        cross_entropy += losses.binary_cross_entropy(A2[:, [i]], Y[:, [i]]) / m
    squares = sum(np.sum(w ** 2) for key, w in params.items() if key.startswith("W"))
    return float(cross_entropy + lambd / (2 * m) * squares)""",
        test="test_regularized_cost",
        message="loop",
        why="the cross-entropy averaged over the examples in a loop, besides the loop over layers",
    ),
    Mistake(
        answer="backward_regularized",
        source="""def backward_regularized(params, X, Y, lambd):
    m = X.shape[1]
    dW1, db1, dW2, db2 = 0.0, 0.0, 0.0, 0.0
    for i in range(m):
        g = backward_fixed(params, X[:, [i]], Y[:, [i]])
        dW1, db1 = dW1 + g["dW1"] / m, db1 + g["db1"] / m
        dW2, db2 = dW2 + g["dW2"] / m, db2 + g["db2"] / m
    return {"dW1": dW1 + lambd / m * params["W1"], "db1": db1,
            "dW2": dW2 + lambd / m * params["W2"], "db2": db2}""",
        test="test_backward_regularized",
        message="loop",
        why="the gradients averaged over per-example backward passes",
    ),
]

# --------------------------------------------------------- L2 regularization mistakes
REGULARIZATION = [
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    squares = sum(np.sum(w ** 2) for key, w in params.items() if key.startswith("W"))
    return float(losses.binary_cross_entropy(A2, Y) + lambd / 2 * squares)""",
        test="test_regularized_cost",
        message="divide the penalty by 2m",
        why="the regularization term without its 1/m",
    ),
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    m = Y.shape[1]
    squares = sum(np.sum(w ** 2) for key, w in params.items() if key.startswith("W"))
    return float(losses.binary_cross_entropy(A2, Y) + lambd / m * squares)""",
        test="test_regularized_cost",
        message="twice too large",
        why="lambda / m on the cost (the gradient's factor) instead of lambda / (2m)",
    ),
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    m = Y.shape[1]
    squares = sum(np.sum(value ** 2) for value in params.values())
    return float(losses.binary_cross_entropy(A2, Y) + lambd / (2 * m) * squares)""",
        test="test_regularized_cost",
        message="leave the biases",
        why="the biases regularized as well",
    ),
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    m = Y.shape[1]
    squares = sum(np.sum(w) ** 2 for key, w in params.items() if key.startswith("W"))
    return float(losses.binary_cross_entropy(A2, Y) + lambd / (2 * m) * squares)""",
        test="test_regularized_cost",
        message="np.sum(W ** 2)",
        why="the square of the sum of the weights instead of the sum of their squares",
    ),
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    m = Y.shape[1]
    penalty = lambd / (2 * m) * np.sum(params["W2"] ** 2)
    return float(losses.binary_cross_entropy(A2, Y) + penalty)""",
        test="test_regularized_cost",
        message="every layer",
        why="only the output layer's weights penalized",
    ),
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    m = Y.shape[1]
    squares = np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)
    return float(losses.binary_cross_entropy(A2, Y) + lambd / (2 * m) * squares)""",
        test="test_regularized_cost",
        message="layers (4, 5, 3, 1)",
        why="hard-coded for two layers: the hidden tests have three",
    ),
    Mistake(
        answer="regularized_cost",
        source="""def regularized_cost(A2, Y, params, lambd):
    penalty = losses.l2_penalty(params, lambd, Y.shape[1])
    return float(losses.binary_cross_entropy(A2, Y) + penalty)""",
        test="test_regularized_cost",
        message="l2_penalty",
        why="the penalty delegated to the utils reference",
    ),
    Mistake(
        answer="backward_regularized",
        source="""def backward_regularized(params, X, Y, lambd):
    m = X.shape[1]
    g = backward_fixed(params, X, Y)
    return {"dW1": g["dW1"] + lambd / m * params["W1"],
            "db1": g["db1"] + lambd / m * params["b1"],
            "dW2": g["dW2"] + lambd / m * params["W2"],
            "db2": g["db2"] + lambd / m * params["b2"]}""",
        test="test_backward_regularized",
        message="fails for db1, db2",
        why="the biases regularized: the gradient check names db1 and db2",
    ),
    Mistake(
        answer="backward_regularized",
        source="""def backward_regularized(params, X, Y, lambd):
    g = backward_fixed(params, X, Y)
    return {**g, "dW1": g["dW1"] + lambd * params["W1"], "dW2": g["dW2"] + lambd * params["W2"]}""",
        test="test_backward_regularized",
        message="fails for dW1, dW2",
        why="the penalty's gradient without 1/m",
    ),
    Mistake(
        answer="backward_regularized",
        source="""def backward_regularized(params, X, Y, lambd):
    m = X.shape[1]
    g = backward_fixed(params, X, Y)
    return {**g, "dW1": g["dW1"] + lambd / (2 * m) * params["W1"],
            "dW2": g["dW2"] + lambd / (2 * m) * params["W2"]}""",
        test="test_backward_regularized",
        message="fails for dW1, dW2",
        why="the cost's factor lambda / (2m) kept in the gradient",
    ),
    Mistake(
        answer="backward_regularized",
        source="""def backward_regularized(params, X, Y, lambd):
    work = {"W1": np.array(params["W1"], dtype=float), "b1": np.array(params["b1"], dtype=float),
            "W2": np.array(params["W2"], dtype=float), "b2": np.array(params["b2"], dtype=float)}

    def cost(_):
        A2 = forward_tanh_sigmoid(work, X)["A2"]
        squares = np.sum(work["W1"] ** 2) + np.sum(work["W2"] ** 2)
        return losses.binary_cross_entropy(A2, Y) + lambd / (2 * X.shape[1]) * squares

    return {"dW1": gradcheck.numerical_gradient(cost, work["W1"]),
            "db1": gradcheck.numerical_gradient(cost, work["b1"]),
            "dW2": gradcheck.numerical_gradient(cost, work["W2"]),
            "db2": gradcheck.numerical_gradient(cost, work["b2"])}""",
        test="test_backward_regularized",
        message="numerical_gradient",
        why="gradients by finite differences instead of backpropagation: the check passes them",
    ),
]

# ----------------------------------------------------------------- targeted hints
HINTS = [
    Mistake(
        answer="total_error",
        source="""def total_error(A2, Y):
    return float(np.sum((Y - A2) ** 2) / Y.shape[1])""",
        test="test_total_error",
        message="factor 1/2",
        why="the squared error without its 1/2",
    ),
    Mistake(
        answer="output_layer_backward",
        source="""def output_layer_backward(A1, A2, Y):
    m = A1.shape[1]
    dZ2 = A2 - Y
    return dZ2, dZ2 @ A1.T / m, np.sum(dZ2, axis=1, keepdims=True) / m""",
        test="test_output_layer_backward",
        message="output delta of the cross-entropy",
        why="the cross-entropy's delta A2 - Y used with the squared error",
    ),
    Mistake(
        answer="backward_pass",
        source="""def backward_pass(params, cache, X, Y):
    m = X.shape[1]
    A1 = cache["A1"]
    dZ2, dW2, db2 = output_layer_backward(A1, cache["A2"], Y)
    dZ1 = (params["W2"] @ dZ2) * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dW2, "db2": db2}""",
        test="test_backward_pass",
        message="takes the transpose",
        why="W2 instead of W2.T in the hidden delta (square W2: the shapes agree)",
    ),
    Mistake(
        answer="backward_pass",
        source="""def backward_pass(params, cache, X, Y):
    m = X.shape[1]
    Z1 = cache["Z1"]
    dZ2, dW2, db2 = output_layer_backward(cache["A1"], cache["A2"], Y)
    dZ1 = (params["W2"].T @ dZ2) * Z1 * (1 - Z1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dW2, "db2": db2}""",
        test="test_backward_pass",
        message="takes the activation A1",
        why="sigma' evaluated as z (1 - z) on Z1",
    ),
    Mistake(
        answer="gradient_check_1d",
        source="""def gradient_check_1d(f, x, grad, epsilon=1e-7):
    approx = (f(x + epsilon) - f(x)) / epsilon
    denominator = abs(grad) + abs(approx)
    return 0.0 if denominator == 0 else float(abs(grad - approx) / denominator)""",
        test="test_gradient_check_1d",
        message="one-sided",
        why="a one-sided difference",
    ),
    Mistake(
        answer="backward_fixed",
        source="""def backward_fixed(params, X, Y):
    m = X.shape[1]
    cache = forward_tanh_sigmoid(params, X)
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (params["W2"].T @ dZ2) * (1 - A1 ** 2)
    dW1 = X @ dZ1.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}""",
        test="test_backward_fixed",
        message="transposed",
        why="two bugs fixed, the transposed dW1 left: the check's diagnosis says so",
    ),
]

# --------------------------------------------------------------------- other cheats
CHEATS = [
    Mistake(
        answer="forward_pass",
        source="""def forward_pass(params, X):
    return {"Z1": np.array([[0.3775], [0.3925]]),
            "A1": np.array([[0.593269992], [0.596884378]]),
            "Z2": np.array([[1.105905967], [1.224921404]]),
            "A2": np.array([[0.75136507], [0.772928465]])}""",
        test="test_forward_pass",
        message="cache for layers",
        why="the expected output hard-coded: the hidden tests use other inputs",
    ),
    Mistake(
        answer="gradient_descent_step",
        source="""def gradient_descent_step(params, X, Y, learning_rate):
    grads = backward_pass(params, forward_pass(params, X), X, Y)
    params["W1"] -= learning_rate * grads["dW1"]
    params["W2"] -= learning_rate * grads["dW2"]
    return params""",
        test="test_gradient_descent_step",
        message="must not change",
        why="the caller's arrays updated in place",
    ),
    Mistake(
        answer="gradient_check_n",
        source="""def gradient_check_n(cost_fn, params, grads, epsilon=1e-7):
    errors = {}
    for name, value in params.items():
        theta = np.array(value, dtype=float)
        approx = np.zeros_like(theta)
        for index in np.ndindex(theta.shape):
            old = theta[index]
            theta[index] = old + epsilon
            plus = cost_fn({**params, name: theta})
            theta[index] = old - epsilon
            minus = cost_fn({**params, name: theta})
            approx[index] = (plus - minus) / (2 * epsilon)
        g = np.asarray(grads["d" + name], dtype=float)
        denominator = np.linalg.norm(g) + np.linalg.norm(approx)
        errors[name] = 0.0 if denominator == 0 else float(np.linalg.norm(g - approx) / denominator)
    return errors""",
        test="test_gradient_check_n",
        message="put back",
        why="an entry left at old - epsilon while the next one moves",
    ),
]

MISTAKES = LOOPS + REGULARIZATION + HINTS + CHEATS
