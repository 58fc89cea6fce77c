"""Mistakes lesson 03's tests must catch."""

from tests.lesson_mistakes import Mistake

LESSON = "03_broadcasting"

MISTAKES = [
    Mistake(
        answer="broadcast_shape",
        source="""def broadcast_shape(shape_a, shape_b):
    return np.broadcast_shapes(shape_a, shape_b)""",
        test="test_broadcast_shape",
        message="calls numpy.broadcast_shapes",
        why="numpy's own broadcast_shapes instead of the rules",
    ),
    Mistake(
        answer="broadcast_shape",
        source="""def broadcast_shape(shape_a, shape_b):
    n = max(len(shape_a), len(shape_b))
    a = tuple(shape_a) + (1,) * (n - len(shape_a))          # padded on the RIGHT
    b = tuple(shape_b) + (1,) * (n - len(shape_b))
    result = []
    for len_a, len_b in zip(a, b):
        if len_a != len_b and 1 not in (len_a, len_b):
            raise ValueError("lengths differ and neither is 1")
        result.append(max(len_a, len_b))
    return tuple(result)""",
        test="test_broadcast_shape",
        message="is padded to (1, 4)",
        why="rule 1 applied on the wrong side",
    ),
    Mistake(
        answer="calorie_percentages",
        source="""def calorie_percentages(A):
    P = np.zeros(A.shape)
    for j in range(A.shape[1]):
        P[:, j] = 100 * A[:, j] / np.sum(A[:, j])
    return P""",
        test="test_calorie_percentages",
        message="loop",
        why="a loop over the foods where one broadcast division does it",
    ),
    Mistake(
        answer="calorie_percentages",
        source="""def calorie_percentages(A):
    return 100 * A / np.sum(A, axis=1, keepdims=True)""",
        test="test_calorie_percentages",
        message="each row sums to 100",
        why="the totals along the wrong axis",
    ),
    Mistake(
        answer="normalize_columns",
        source="""def normalize_columns(X):
    return np.column_stack([x / np.linalg.norm(x) for x in X.T])""",
        test="test_normalize_columns",
        message="comprehension",
        why="a per-example comprehension where broadcasting does it",
    ),
    Mistake(
        answer="normalize_columns",
        source="""def normalize_columns(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)""",
        test="test_normalize_columns",
        message="the rows have length 1",
        why="the rows normalized instead of the examples (columns)",
    ),
    Mistake(
        answer="normalize_columns",
        source="""def normalize_columns(X):
    X /= np.linalg.norm(X, axis=0, keepdims=True)
    return X""",
        test="test_normalize_columns",
        message="do not change it",
        why="an in-place division changes the caller's X",
    ),
    Mistake(
        answer="squared_distances",
        source="""def squared_distances(X, C):
    D = np.zeros((C.shape[1], X.shape[1]))
    for j in range(C.shape[1]):
        for i in range(X.shape[1]):
            D[j, i] = np.sum((X[:, i] - C[:, j]) ** 2)
    return D""",
        test="test_squared_distances",
        message="loop",
        why="two loops over centres and examples, with the right values",
    ),
    Mistake(
        answer="squared_distances",
        source="""def squared_distances(X, C):
    return np.array([np.sum((X - C[:, [j]]) ** 2, axis=0) for j in range(C.shape[1])])""",
        test="test_squared_distances",
        message="comprehension",
        why="a loop over the centres, broadcasting only over the examples",
    ),
    Mistake(
        answer="squared_distances",
        source="""def squared_distances(X, C):
    return np.sum((X[:, np.newaxis, :] - C[:, :, np.newaxis]) ** 2, axis=0).T""",
        test="test_squared_distances",
        message="transposed",
        why="the (m, k) matrix instead of (k, m): one row per example",
    ),
    Mistake(
        answer="squared_distances",
        source="""def squared_distances(X, C):
    return np.sqrt(np.sum((X[:, np.newaxis, :] - C[:, :, np.newaxis]) ** 2, axis=0))""",
        test="test_squared_distances",
        message="not squared distances",
        why="the distances, with the square root taken",
    ),
    Mistake(
        answer="squared_distances",
        source="""def squared_distances(X, C):
    return np.sum(X ** 2, axis=0) + np.sum(C ** 2, axis=0) - 2 * np.dot(C.T, X)""",
        test="test_squared_distances",
        message="keepdims",
        why="rank-1 squared lengths: an error when m != k",
    ),
    Mistake(
        answer="image2vector",
        source="""def image2vector(image):
    return image.reshape(-1)""",
        test="test_image2vector",
        message="rank-1",
        why="a rank-1 (n,) array instead of an (n, 1) column",
    ),
    Mistake(
        answer="image2vector",
        source="""def image2vector(image):
    return np.array([[value] for value in image.flat])""",
        test="test_image2vector",
        message="comprehension",
        why="a loop over the pixels where one reshape does it",
    ),
    Mistake(
        answer="center_features",
        source="""def center_features(X):
    assert X.ndim == 2, f"X must be 2-D, got shape {X.shape}"
    return np.array([row - np.mean(row) for row in X])""",
        test="test_center_features",
        message="comprehension",
        why="a loop over the features where one broadcast subtraction does it",
    ),
    Mistake(
        answer="center_features",
        source="""def center_features(X):
    assert X.ndim == 2, f"X must be 2-D, got shape {X.shape}"
    return X - np.mean(X, axis=1)""",
        test="test_center_features",
        message="got the mean of feature j subtracted",
        why="the rank-1 bug of the lesson: the means broadcast as a row",
    ),
    Mistake(
        answer="center_features",
        source="""def center_features(X):
    return X - np.mean(X, axis=-1, keepdims=True)""",
        test="test_center_features",
        message="guard it with",
        why="no guard: a rank-1 X is not refused with an assert",
    ),
]
