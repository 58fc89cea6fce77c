"""Mistakes lesson 04's tests must catch."""

from tests.lesson_mistakes import Mistake

LESSON = "04_shallow_network"

MISTAKES = [
    Mistake(
        answer="gate_unit",
        source="""def gate_unit(gate):
    if gate == "AND":
        return np.array([[20.0, 20.0]]), np.array([[-30.0]])
    units = {"OR": ([[2.0, 2.0]], -1.0), "NAND": ([[-2.0, -2.0]], 3.0),
             "NOR": ([[-2.0, -2.0]], 1.0)}
    w, b = units[gate]
    return np.array(w), np.array([[b]])""",
        test="test_gate_unit",
        message="4.6",
        why="the right signs but weights too small: outputs like 0.73 instead of 0.99",
    ),
    Mistake(
        answer="gate_unit",
        source="""def gate_unit(gate):
    if gate == "AND":
        return np.array([[20.0, 20.0]]), np.array([[-30.0]])
    units = {"OR": ([[20.0, 20.0]], -10.0), "NAND": ([[-20.0, -20.0]], 30.0),
             "NOR": ([[-20.0, -20.0]], 30.0)}
    w, b = units[gate]
    return np.array(w), np.array([[b]])""",
        test="test_gate_unit",
        message="but the gate gives",
        why="NOR built like NAND: wrong at the corners (0, 1) and (1, 0)",
    ),
    Mistake(
        answer="xnor_network",
        source="""def xnor_network():
    w_and, b_and = gate_unit("AND")
    w_or, b_or = gate_unit("OR")
    return {"W1": np.vstack([w_and, w_or]), "b1": np.vstack([b_and, b_or]),
            "W2": w_or, "b2": b_or}""",
        test="test_xnor_network",
        message="but the gate gives",
        why="an OR unit in place of NOR in the hidden layer: the network computes OR",
    ),
    Mistake(
        answer="xnor_network",
        source="""def xnor_network():
    w_and, b_and = gate_unit("AND")
    w_nor, b_nor = gate_unit("NOR")
    w_or, b_or = gate_unit("OR")
    return {"W1": np.vstack([w_and, w_nor]), "b1": np.vstack([b_and, b_nor]),
            "W2": w_or.T, "b2": b_or}""",
        test="test_xnor_network",
        message="transposed",
        why="the output unit's weights as a column (n_h, 1) instead of a row (1, n_h)",
    ),
    Mistake(
        answer="forward_propagation",
        source="""def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    m = X.shape[1]
    Z1 = np.zeros((W1.shape[0], m))
    Z2 = np.zeros((W2.shape[0], m))
    for i in range(m):
        Z1[:, i:i + 1] = W1 @ X[:, i:i + 1] + b1
        Z2[:, i:i + 1] = W2 @ np.tanh(Z1[:, i:i + 1]) + b2
    A1 = np.tanh(Z1)
    A2 = act.sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache""",
        test="test_forward_propagation",
        message="loop",
        why="a per-example loop where the lesson asks for vectorized code",
    ),
    Mistake(
        answer="compute_cost",
        source="""def compute_cost(A2, Y):
    m = Y.shape[1]
    total = 0.0
    for i in range(m):
        total += -(Y[0, i] * np.log(A2[0, i]) + (1 - Y[0, i]) * np.log(1 - A2[0, i]))
    return float(total / m)""",
        test="test_compute_cost",
        message="loop",
        why="a per-example loop where the lesson asks for vectorized code",
    ),
    Mistake(
        answer="compute_cost",
        source="""def compute_cost(A2, Y):
    m = Y.shape[1]
    return -(Y @ np.log(A2).T + (1 - Y) @ np.log(1 - A2).T) / m""",
        test="test_compute_cost",
        message=".item()",
        why="a (1, 1) array from the matrix-product form: the hint must say .item(), not float()",
    ),
    Mistake(
        answer="backward_one_example",
        source="""def backward_one_example(parameters, x, y):
    a2, cache = forward_propagation(x, parameters)
    a1 = cache["A1"]
    dz2 = a2 - y
    dz1 = (parameters["W2"].T @ dz2) * a1 * (1 - a1)
    return {"dW1": dz1 @ x.T, "db1": dz1, "dW2": dz2 @ a1.T, "db2": dz2}""",
        test="test_backward_one_example",
        message="1 - A1**2",
        why="the sigmoid's derivative a1 (1 - a1) in place of tanh's",
    ),
    Mistake(
        answer="backward_propagation",
        source="""def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    grads = {"dW1": 0.0, "db1": 0.0, "dW2": 0.0, "db2": 0.0}
    for i in range(m):
        x, a1, dz2 = X[:, i:i + 1], A1[:, i:i + 1], A2[:, i:i + 1] - Y[:, i:i + 1]
        dz1 = (W2.T @ dz2) * (1 - a1 ** 2)
        grads["dW2"] = grads["dW2"] + dz2 @ a1.T / m
        grads["db2"] = grads["db2"] + dz2 / m
        grads["dW1"] = grads["dW1"] + dz1 @ x.T / m
        grads["db1"] = grads["db1"] + dz1 / m
    return grads""",
        test="test_backward_propagation",
        message="loop",
        why="a per-example loop (a sum of outer products) where vectorized code is asked for",
    ),
    Mistake(
        answer="backward_propagation",
        source="""def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}""",
        test="test_backward_propagation",
        message="1 - A1**2",
        why="the sigmoid's derivative A1 (1 - A1) in place of tanh's",
    ),
    Mistake(
        answer="backward_propagation",
        source="""def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    S1 = act.sigmoid(cache["Z1"])
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2.T @ dZ2) * S1 * (1 - S1)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}""",
        test="test_backward_propagation",
        message="sigmoid(Z1) * (1 - sigmoid(Z1))",
        why="the sigmoid's derivative of Z1 in place of tanh's",
    ),
    Mistake(
        answer="update_parameters",
        source="""def update_parameters(parameters, grads, learning_rate=1.2):
    for key in ("W1", "b1", "W2", "b2"):
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters""",
        test="test_update_parameters",
        message="changed the caller's",
        why="an in-place update that changes the caller's arrays",
    ),
    Mistake(
        answer="nn_model",
        source="""def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, seed=0,
             print_cost=False):
    n_x, n_h, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    m = X.shape[1]
    costs = []
    for i in range(num_iterations):
        A2, _ = forward_propagation(X, parameters)
        if i % 100 == 0:
            costs.append(compute_cost(A2, Y))
        grads = {"dW1": 0.0, "db1": 0.0, "dW2": 0.0, "db2": 0.0}
        for j in range(m):
            g = backward_one_example(parameters, X[:, j:j + 1], Y[:, j:j + 1])
            grads = {key: grads[key] + g[key] / m for key in grads}
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs""",
        test="test_nn_model",
        message="loop",
        why="a loop over the examples inside the loop over the iterations",
    ),
    Mistake(
        answer="nn_model",
        source="""def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, seed=0,
             print_cost=False):
    return ref_nn.train(X, Y, [X.shape[0], n_h, Y.shape[0]], learning_rate, num_iterations,
                        hidden="tanh", init="random", seed=seed, progress=False)""",
        test="test_nn_model",
        message="calls utils.nn.train",
        why="training with the course's reference instead of the student's own functions",
    ),
]
