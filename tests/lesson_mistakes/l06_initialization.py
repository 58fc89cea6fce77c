"""Mistakes lesson 06's tests must catch."""

from tests.lesson_mistakes import Mistake

LESSON = "06_initialization"

MISTAKES = [
    Mistake(
        answer="initialize_parameters_zeros",
        source="""def initialize_parameters_zeros(layer_dims):
    params = {}
    for l in range(1, len(layer_dims)):
        W = np.empty((layer_dims[l], layer_dims[l - 1]))
        for i in range(layer_dims[l]):
            for j in range(layer_dims[l - 1]):
                W[i, j] = 0.0
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params""",
        test="test_initialize_parameters_zeros",
        message="loop",
        why="the weights filled entry by entry where one np.zeros call makes the array",
    ),
    Mistake(
        answer="initialize_parameters_zeros",
        source="""def initialize_parameters_zeros(layer_dims):
    return ref_init.initialize_parameters(list(layer_dims), "zeros")""",
        test="test_initialize_parameters_zeros",
        message="utils.init.initialize_parameters",
        why="delegating to the reference initialization",
    ),
    Mistake(
        answer="unit_spread",
        source="""def unit_spread(M):
    M = np.asarray(M, dtype=float)
    return float(max(M[:, c].max() - M[:, c].min() for c in range(M.shape[1])))""",
        test="test_unit_spread",
        message="loop",
        why="a loop over the columns where max and min with axis=0 reduce them all at once",
    ),
    Mistake(
        answer="unit_spread",
        source="""def unit_spread(M):
    M = np.asarray(M, dtype=float)
    return float(np.max(np.max(M, axis=1) - np.min(M, axis=1)))""",
        test="test_unit_spread",
        message="within a row",
        why="the spread within each row (axis=1) instead of between the rows",
    ),
    Mistake(
        answer="track_symmetry",
        source="""def track_symmetry(X, Y, params, learning_rate=0.5, num_iterations=100,
                   hidden="sigmoid"):
    spreads = {"W1": [], "b1": [], "dW1": [], "db1": []}
    for _ in range(num_iterations):
        AL, caches = nn.model_forward(X, params, hidden)
        grads = nn.model_backward(AL, Y, caches, hidden)
        params = nn.update_parameters(params, grads, learning_rate)
        spreads["W1"].append(unit_spread(params["W1"]))
        spreads["b1"].append(unit_spread(params["b1"]))
        spreads["dW1"].append(unit_spread(grads["dW1"]))
        spreads["db1"].append(unit_spread(grads["db1"]))
    return params, spreads""",
        test="test_track_symmetry",
        message="BEFORE the update",
        why="the spreads of the parameters recorded after the update instead of before it",
    ),
    Mistake(
        answer="initialize_parameters_random",
        source="""def initialize_parameters_random(layer_dims, scale=0.01, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        rows = [rng.standard_normal(layer_dims[l - 1]) * scale for _ in range(layer_dims[l])]
        params[f"W{l}"] = np.array(rows)
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params""",
        test="test_initialize_parameters_random",
        message="loop",
        why="the weights drawn row by row (the same numbers) instead of as one matrix",
    ),
    Mistake(
        answer="initialize_parameters_random",
        source="""def initialize_parameters_random(layer_dims, scale=0.01, seed=0):
    params = {}
    for l in range(1, len(layer_dims)):
        rng = np.random.default_rng(seed)
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * scale
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params""",
        test="test_initialize_parameters_random",
        message="ONE generator",
        why="a new generator for every layer, so every layer starts the same sequence again",
    ),
    Mistake(
        answer="activation_statistics",
        source="""def activation_statistics(activations):
    means, stds, zeros = [], [], []
    for A in activations:
        A = np.asarray(A, dtype=float)
        count = 0
        for value in A.ravel():
            if value == 0:
                count += 1
        means.append(np.mean(A))
        stds.append(np.std(A))
        zeros.append(count / A.size)
    return {"mean": np.array(means), "std": np.array(stds), "zero_fraction": np.array(zeros)}""",
        test="test_activation_statistics",
        message="loop",
        why="the zeros counted value by value instead of with np.mean(A == 0)",
    ),
    Mistake(
        answer="activation_statistics",
        source="""def activation_statistics(activations):
    means, stds, zeros = [], [], []
    for A in activations:
        A = np.asarray(A, dtype=float)
        means.append(np.mean(A))
        stds.append(np.std(A, ddof=1))
        zeros.append(np.mean(A == 0))
    return {"mean": np.array(means), "std": np.array(stds), "zero_fraction": np.array(zeros)}""",
        test="test_activation_statistics",
        message="sample standard deviation",
        why="the sample standard deviation (ddof=1) instead of np.std's population version",
    ),
    Mistake(
        answer="initialize_parameters_xavier",
        source="""def initialize_parameters_xavier(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        W = np.zeros((n, n_prev))
        for i in range(n):
            for j in range(n_prev):
                W[i, j] = rng.standard_normal() * np.sqrt(1.0 / n_prev)
        params[f"W{l}"] = W
        params[f"b{l}"] = np.zeros((n, 1))
    return params""",
        test="test_initialize_parameters_xavier",
        message="loop",
        why="the weights drawn one entry at a time (the same numbers) instead of as one matrix",
    ),
    Mistake(
        answer="initialize_parameters_he",
        source="""def initialize_parameters_he(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        params[f"W{l}"] = rng.standard_normal((n, n_prev)) * np.sqrt(1.0 / n_prev)
        params[f"b{l}"] = np.zeros((n, 1))
    return params""",
        test="test_initialize_parameters_he",
        message="0.7071 times the expected values",
        why="Xavier's factor sqrt(1 / n[l-1]) where He's sqrt(2 / n[l-1]) is asked for",
    ),
    Mistake(
        answer="initialize_parameters_he",
        source="""def initialize_parameters_he(layer_dims, seed=0):
    return ref_init.initialize_parameters(layer_dims, "he", seed)""",
        test="test_initialize_parameters_he",
        message="utils.init.initialize_parameters",
        why="delegating to the reference initialization",
    ),
]
