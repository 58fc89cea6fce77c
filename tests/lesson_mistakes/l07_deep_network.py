"""Mistakes lesson 07's tests must catch."""

from tests.lesson_mistakes import Mistake

LESSON = "07_deep_network"

_TRAINING_SIGNATURE = (
    "(X, Y, layer_dims, learning_rate=0.1, num_iterations=1000, seed=0, "
    "record_every=100, progress=False):"
)

MISTAKES = [
    Mistake(
        answer="count_parameters",
        source="""def count_parameters(layer_dims):
    n = layer_dims
    return sum(n[l] * n[l - 1] + n[l] for l in range(1, len(n)))""",
        test="test_count_parameters",
        message="loop",
        why="a loop over the layers where slices of an array of sizes line them up",
    ),
    Mistake(
        answer="count_parameters",
        source="""def count_parameters(layer_dims):
    dims = np.array(layer_dims)
    return int(np.sum(dims[1:] * dims[:-1]))""",
        test="test_count_parameters",
        message="weights only",
        why="the biases forgotten",
    ),
    Mistake(
        answer="count_parameters",
        source="""def count_parameters(layer_dims):
    dims = np.array(layer_dims)
    return int(np.sum(dims[1:] * dims[:-1]) + np.sum(dims))""",
        test="test_count_parameters",
        message="input layer",
        why="biases counted for the input layer too",
    ),
    Mistake(
        answer="linear_forward",
        source="""def linear_forward(A_prev, W, b):
    Z = np.zeros((W.shape[0], A_prev.shape[1]))
    for i in range(A_prev.shape[1]):
        Z[:, i:i + 1] = W @ A_prev[:, i:i + 1] + b
    return Z, (A_prev, W, b)""",
        test="test_linear_forward",
        message="loop",
        why="Z computed one example (column) at a time",
    ),
    Mistake(
        answer="linear_activation_forward",
        source="""def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = np.empty_like(Z)
    for i in range(Z.shape[1]):
        z = Z[:, i]
        A[:, i] = np.maximum(z, 0) if activation == "relu" else 1 / (1 + np.exp(-z))
    return A, (linear_cache, Z, A)""",
        test="test_linear_activation_forward",
        message="loop",
        why="the activation applied one example at a time",
    ),
    Mistake(
        answer="model_forward",
        source="""def model_forward(X, parameters):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        activation = "relu" if l < L else "sigmoid"
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        columns = [linear_activation_forward(A[:, [i]], W, b, activation)[0]
                   for i in range(A.shape[1])]
        A_next = np.hstack(columns)
        caches.append(((A, W, b), W @ A + b, A_next))
        A = A_next
    return A, caches""",
        test="test_model_forward",
        message="loop",
        why="each layer run on one example at a time, inside the loop over the layers",
    ),
    Mistake(
        answer="model_forward",
        source="""def model_forward(X, parameters):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    return A, caches""",
        test="test_model_forward",
        message="ReLU on the output layer",
        why="ReLU on the output layer instead of the sigmoid",
    ),
    Mistake(
        answer="model_forward",
        source="""def model_forward(X, parameters):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "sigmoid")
        caches.append(cache)
    return A, caches""",
        test="test_model_forward",
        message="sigmoid in every layer",
        why="the sigmoid in the hidden layers too",
    ),
    Mistake(
        answer="linear_backward",
        source="""def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    for i in range(m):
        dW += dZ[:, [i]] @ A_prev[:, [i]].T
        db += dZ[:, [i]]
    return W.T @ dZ, dW / m, db / m""",
        test="test_linear_backward",
        message="loop",
        why="dW and db summed over the examples in a loop instead of by the matrix product",
    ),
    Mistake(
        answer="linear_activation_backward",
        source="""def linear_activation_backward(dA, cache, activation):
    linear_cache, Z, A = cache
    dZ = np.empty_like(dA)
    for i in range(dA.shape[1]):
        if activation == "relu":
            dZ[:, i] = dA[:, i] * (Z[:, i] > 0)
        else:
            dZ[:, i] = dA[:, i] * A[:, i] * (1 - A[:, i])
    return linear_backward(dZ, linear_cache)""",
        test="test_linear_activation_backward",
        message="loop",
        why="dZ computed one example at a time",
    ),
    Mistake(
        answer="model_backward",
        source="""def model_backward(AL, Y, caches):
    L = len(caches)
    m = AL.shape[1]
    grads = {}
    for i in range(m):
        column = [((A_prev[:, [i]], W, b), Z[:, [i]], A[:, [i]]) for (A_prev, W, b), Z, A in caches]
        dA, dW, db = linear_backward(AL[:, [i]] - Y[:, [i]], column[L - 1][0])
        parts = {f"dW{L}": dW, f"db{L}": db}
        for l in range(L - 1, 0, -1):
            dA, parts[f"dW{l}"], parts[f"db{l}"] = linear_activation_backward(
                dA, column[l - 1], "relu")
        for key, value in parts.items():
            grads[key] = grads.get(key, 0) + value / m
    return grads""",
        test="test_model_backward",
        message="loop",
        why="the backward pass run for one example at a time and the gradients averaged",
    ),
    Mistake(
        answer="model_backward",
        source="""def model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(AL - Y, caches[L - 1][0])
    grads[f"dA{L - 1}"] = dA
    for l in range(L - 1, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            grads[f"dA{l}"], caches[l - 1], "relu")
        grads[f"dA{l - 1}"] = dA
    return grads""",
        test="test_model_backward",
        message="extra key 'dA0'",
        why="the dA of every layer, and of the input, stored in the gradient dict",
    ),
    Mistake(
        answer="two_layer_model",
        source="def two_layer_model"
        + _TRAINING_SIGNATURE
        + """
    parameters = ref_init.initialize_parameters(layer_dims, "he", seed)
    costs = []
    m = X.shape[1]
    for i in range(num_iterations):
        A1, cache1 = linear_activation_forward(X, parameters["W1"], parameters["b1"], "relu")
        A2, cache2 = linear_activation_forward(A1, parameters["W2"], parameters["b2"], "sigmoid")
        if i % record_every == 0:
            costs.append(ref_nn.compute_cost(A2, Y))
        grads = {"dW1": 0.0, "db1": 0.0, "dW2": 0.0, "db2": 0.0}
        for j in range(m):
            x = X[:, [j]]
            a1, c1 = linear_activation_forward(x, parameters["W1"], parameters["b1"], "relu")
            a2, c2 = linear_activation_forward(a1, parameters["W2"], parameters["b2"], "sigmoid")
            dA1, dW2, db2 = linear_backward(a2 - Y[:, [j]], c2[0])
            _, dW1, db1 = linear_activation_backward(dA1, c1, "relu")
            grads = {"dW1": grads["dW1"] + dW1 / m, "db1": grads["db1"] + db1 / m,
                     "dW2": grads["dW2"] + dW2 / m, "db2": grads["db2"] + db2 / m}
        parameters = ref_nn.update_parameters(parameters, grads, learning_rate)
    return parameters, costs""",
        test="test_two_layer_model",
        message="loop",
        why="the gradients accumulated one example at a time",
    ),
    Mistake(
        answer="two_layer_model",
        source="def two_layer_model"
        + _TRAINING_SIGNATURE
        + """
    return ref_nn.train(X, Y, layer_dims, learning_rate, num_iterations, seed=seed,
                        record_every=record_every, progress=progress)""",
        test="test_two_layer_model",
        message="utils.nn.train",
        why="the reference training function instead of the student's own network",
    ),
    Mistake(
        answer="two_layer_model",
        source="def two_layer_model"
        + _TRAINING_SIGNATURE
        + """
    parameters = ref_init.initialize_parameters(layer_dims, "he", seed)
    costs = []
    for i in range(num_iterations):
        A1, cache1 = ref_nn.activation_forward(X, parameters["W1"], parameters["b1"], "relu")
        A2, cache2 = ref_nn.activation_forward(A1, parameters["W2"], parameters["b2"], "sigmoid")
        if i % record_every == 0:
            costs.append(ref_nn.compute_cost(A2, Y))
        dA1, dW2, db2 = ref_nn.linear_backward(A2 - Y, cache2[0])
        _, dW1, db1 = ref_nn.activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = ref_nn.update_parameters(parameters, grads, learning_rate)
    return parameters, costs""",
        test="test_two_layer_model",
        message="utils.nn.activation_forward",
        why="the reference layer functions of utils.nn instead of the student's own",
    ),
    Mistake(
        answer="L_layer_model",
        source="def L_layer_model"
        + _TRAINING_SIGNATURE
        + """
    parameters = ref_init.initialize_parameters(layer_dims, "he", seed)
    costs = []
    m = X.shape[1]
    for i in range(num_iterations):
        if i % record_every == 0:
            costs.append(ref_nn.compute_cost(model_forward(X, parameters)[0], Y))
        grads = {}
        for j in range(m):
            AL, caches = model_forward(X[:, [j]], parameters)
            for key, value in model_backward(AL, Y[:, [j]], caches).items():
                grads[key] = grads.get(key, 0) + value / m
        parameters = ref_nn.update_parameters(parameters, grads, learning_rate)
    return parameters, costs""",
        test="test_L_layer_model",
        message="loop",
        why="forward and backward passes run one example at a time and the gradients averaged",
    ),
    Mistake(
        answer="L_layer_model",
        source="def L_layer_model"
        + _TRAINING_SIGNATURE
        + """
    return ref_nn.train(X, Y, layer_dims, learning_rate, num_iterations, seed=seed,
                        record_every=record_every, progress=progress)""",
        test="test_L_layer_model",
        message="utils.nn.train",
        why="the reference training function instead of the student's own network",
    ),
    Mistake(
        answer="L_layer_model",
        source="def L_layer_model"
        + _TRAINING_SIGNATURE
        + """
    parameters = ref_init.initialize_parameters(layer_dims, "he", seed)
    costs = []
    for i in range(num_iterations):
        AL, caches = ref_nn.model_forward(X, parameters)
        if i % record_every == 0:
            costs.append(ref_nn.compute_cost(AL, Y))
        grads = ref_nn.model_backward(AL, Y, caches)
        parameters = ref_nn.update_parameters(parameters, grads, learning_rate)
    return parameters, costs""",
        test="test_L_layer_model",
        message="utils.nn.model_",
        why="the reference model_forward and model_backward instead of the student's own",
    ),
    Mistake(
        answer="L_layer_model",
        source="def L_layer_model"
        + _TRAINING_SIGNATURE
        + """
    parameters = ref_init.initialize_parameters(layer_dims, "he", seed)
    costs = []
    L = len(layer_dims) - 1
    m = X.shape[1]
    for i in range(num_iterations):
        AL, caches = model_forward(X, parameters)
        if i % record_every == 0:
            costs.append(ref_nn.compute_cost(AL, Y))
        grads = {}
        dZ = AL - Y
        for l in range(L, 0, -1):
            (A_prev, W, b), _, _ = caches[l - 1]
            grads[f"dW{l}"] = dZ @ A_prev.T / m
            grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if l > 1:
                dZ = (W.T @ dZ) * (caches[l - 2][1] > 0)
        parameters = ref_nn.update_parameters(parameters, grads, learning_rate)
    return parameters, costs""",
        test="test_L_layer_model",
        message="planted bug",
        why="a backward pass written again inside the model, not the student's model_backward",
    ),
]
