"""Shared package of the course.

Reference implementations, gradient checkers, test-cell checks, data sets, plots and
widgets. Modules are imported on demand:

    from utils.activations import sigmoid
    from utils import checks
"""
