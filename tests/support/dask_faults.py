"""Loaded into the tests' Dask workers (`dask worker --preload`, see `dask_cluster.py`): the
submission of the student `kills-workers` kills the worker process that grades it, as a
crash of the grading process would. Only the tests' workers load this file."""

import os

from autograder.batch import dask_pool

# Dask may load a preload file more than once in a process: keep the real task function.
_grade_json = getattr(dask_pool, "_real_grade_json", dask_pool.grade_json)
dask_pool._real_grade_json = _grade_json  # type: ignore[attr-defined]


def _killing_grade_json(package_text: str, job_text: str) -> str:
    if '"student": "kills-workers"' in job_text:
        os._exit(13)
    return _grade_json(package_text, job_text)


dask_pool.grade_json = _killing_grade_json
