"""utils.nn training step vs PyTorch on CPU, float64, at course size.

    python benchmarks/bench_torch.py

Network 64-32-16-10 (ReLU hidden layers, softmax output, cross-entropy cost) on 1,797
examples (the size of the 8x8 digits set; random data of that shape). One step is a forward
and a backward pass giving every parameter gradient:

    utils.nn:  AL, caches = model_forward(X, params, "relu", "softmax")
               grads = model_backward(AL, Y, caches, "relu", "softmax")
    PyTorch:   the same layers (W @ A + b, column-major examples as in the course) with
               autograd, cross_entropy on the logits, loss.backward()

Both start from the same parameters and data; the script checks that the gradients agree,
then times the two steps in alternation and prints the ratio (target: utils.nn at most
1.2x PyTorch's time). Without torch it prints why it skipped and exits 0.

Threads: both libraries use their defaults (all cores); `OMP_NUM_THREADS=1` makes both
single-threaded (OpenBLAS under numpy and torch both read it).
"""

from __future__ import annotations

import os
import sys

import numpy as np
from _common import interleaved, machine

from utils.init import initialize_parameters
from utils.nn import model_backward, model_forward

LAYER_DIMS = [64, 32, 16, 10]
M = 1797
ROUNDS, STEPS = 60, 20  # 60 alternating rounds of 20 steps each
TARGET = 1.2


def main() -> int:
    try:
        import torch
    except ImportError:
        print("skipped: torch not installed (pip install torch==2.13.0)")
        return 0

    rng = np.random.default_rng(0)
    X = rng.standard_normal((LAYER_DIMS[0], M))
    labels = rng.integers(0, LAYER_DIMS[-1], M)
    Y = np.eye(LAYER_DIMS[-1])[:, labels]
    params = initialize_parameters(LAYER_DIMS, method="he", seed=0)
    L = len(LAYER_DIMS) - 1

    def numpy_step():
        AL, caches = model_forward(X, params, "relu", "softmax")
        return model_backward(AL, Y, caches, "relu", "softmax")

    X_t = torch.from_numpy(X.copy())
    labels_t = torch.from_numpy(labels)
    params_t = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in params.items()}

    def torch_step():
        for p in params_t.values():
            p.grad = None
        A = X_t
        for layer in range(1, L):
            A = torch.relu(params_t[f"W{layer}"] @ A + params_t[f"b{layer}"])
        Z = params_t[f"W{L}"] @ A + params_t[f"b{L}"]
        loss = torch.nn.functional.cross_entropy(Z.T, labels_t)  # mean over the m examples
        loss.backward()

    grads = numpy_step()
    torch_step()
    worst = max(float(np.max(np.abs(grads[f"d{k}"] - p.grad.numpy()))) for k, p in params_t.items())

    for _ in range(50):  # warm up both (allocator, thread pools)
        numpy_step()
        torch_step()
    times = interleaved({"utils.nn": (numpy_step, STEPS), "torch": (torch_step, STEPS)}, ROUNDS)
    best = {name: t.min() for name, t in times.items()}
    median = {name: float(np.median(t)) for name, t in times.items()}
    ratio = best["utils.nn"] / best["torch"]

    print(f"machine: {machine()}")
    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    print(
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"numpy BLAS threads: {blas}; float64 on CPU"
    )
    print(
        f"network {'-'.join(map(str, LAYER_DIMS))}, relu + softmax, m = {M:,}: "
        f"forward + backward step, {ROUNDS} rounds of {STEPS} steps"
    )
    for name in times:
        print(f"  {name:<9} best {best[name] * 1e3:7.3f} ms   median {median[name] * 1e3:7.3f} ms")
    print(
        f"ratio utils.nn / torch: {ratio:.2f}x best, "
        f"{median['utils.nn'] / median['torch']:.2f}x median (target <= {TARGET}x)"
    )
    print(f"largest gradient difference: {worst:.1e}")
    print("target met" if ratio <= TARGET and worst < 1e-10 else "TARGET NOT MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
