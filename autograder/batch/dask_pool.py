"""Grade jobs on a Dask distributed cluster: `grade ... --scheduler ADDRESS`.

ADDRESS is a running scheduler (`tcp://host:8786`) or `local:N`, a `LocalCluster` of N
single-thread worker processes on this machine (Dask's dashboard included). Without
`--scheduler` the local process pool (`pool.py`) grades: no cluster needed.

- **JSON in and out.** A task is `grade_json(package_text, job_text) -> result_text`: the
  function is referenced by its import path, its arguments and result are JSON text.
  Nothing of ours is pickled.
- **The package travels once per worker.** It is the result of a task every grading task
  depends on: a worker fetches it once, holds it while the batch runs, and parses it once
  (a task rather than scattered data, so that Dask can make it again when every worker
  that held it has died).
- **Every worker is checked first.** Each reports its environment (`environment.py`); a
  worker without the sandbox, or with other code, Python or packages, is refused with the
  difference named, before any job runs.
- **Faults.** A worker that dies: Dask runs its jobs again on another worker (jobs are pure,
  the result is the same). A submission that kills worker after worker: after Dask's
  `allowed-failures` (3) Dask gives up on it, and on every job that was queued on the same
  workers when they died. Those jobs are graded again once the batch is done, one at a time,
  so that no job shares a worker with another: a job that still kills its workers alone gets
  `failed: worker`, and the students who were only its neighbours are graded. A lost
  scheduler: `ClusterLost` is raised; the grading process has stored every result that
  arrived, so a rerun (with a scheduler) finishes the batch.
- The grading process stays the only writer: results come back to it, which writes them as
  they arrive.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

from ..common import canonical_hash
from ..job.jobs import failed_result
from ..reasons import Reason
from ..schema import Job, LessonPackage, Result
from .environment import Environment, environment_report, mismatches
from .worker import run_job

_PACKAGES: dict[str, LessonPackage] = {}  # per worker process: parsed packages, by hash


class ClusterError(Exception):
    """The cluster cannot grade (unreachable, refused); the message says why."""


class ClusterLost(ClusterError):
    """The scheduler went away during the batch."""


def grade_json(package_text: str, job_text: str) -> str:
    """A Dask task: grade one job (JSON text) against a package (JSON text); result text."""
    job: Job = json.loads(job_text)
    package = _PACKAGES.get(job["package"])
    if package is None:
        package = json.loads(package_text)
        _PACKAGES[package["hash"]] = package
    return json.dumps(run_job({package["hash"]: package}, job))


def package_text(text: str) -> str:
    """A Dask task: the lesson package's JSON text, which every grading task depends on, so
    that each worker receives it once (and the scheduler can make it again)."""
    return text


def worker_environment(sandboxed: bool) -> Environment:
    """A Dask task run on each worker: its environment report."""
    return environment_report(sandboxed)


@contextlib.contextmanager
def dask_client(address: str, log_path: Path) -> Iterator[t.Any]:
    """A `distributed.Client` on `address` (`tcp://host:port`), or on a new LocalCluster of
    N single-thread worker processes for `local:N`; closed (the cluster too) at the end.
    Dask's own log goes to `log_path` (the grading log), not to the terminal.
    `ClusterError` when the scheduler cannot be reached."""
    from distributed import Client, LocalCluster

    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    dask_log = logging.getLogger("distributed")
    dask_log.addHandler(handler)
    propagate, dask_log.propagate = dask_log.propagate, False
    cluster = None
    try:
        try:
            if address.startswith("local:"):
                count = _positive(address.split(":", 1)[1], address)
                cluster = LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster)
                print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr)
            else:
                client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):  # the scheduler may be gone already
                client.close(timeout=10)
            if cluster is not None:
                cluster.close(timeout=30)
    finally:
        dask_log.removeHandler(handler)
        dask_log.propagate = propagate
        handler.close()


def _positive(text: str, address: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ClusterError(f"--scheduler local:N needs a positive N, got {address!r}")
    return count


def check_workers(client: t.Any, sandboxed: bool) -> Environment:
    """Refuse a cluster without workers, or with a worker that would grade differently;
    return this process's report."""
    reference = environment_report(False)
    workers = client.scheduler_info().get("workers", {})
    if not workers:
        raise ClusterError(f"the Dask scheduler {client.scheduler.address} has no workers")
    reports = client.run(worker_environment, sandboxed)
    problems = []
    for address, report in sorted(reports.items()):
        found = mismatches(reference, report)
        threads = workers.get(address, {}).get("nthreads", 1)
        if threads != 1:
            found.append(f"{threads} threads: one kernel per core needs --nthreads 1")
        if found:
            problems.append(f"worker {address} ({report['host']}): {'; '.join(found)}")
    if problems:
        raise ClusterError("refusing the Dask cluster: " + " | ".join(problems))
    return reference


def _lost(exc: BaseException) -> bool:
    """Whether `exc` says the scheduler is gone."""
    from distributed.comm.core import CommClosedError

    text = str(exc).lower()
    return isinstance(exc, (CommClosedError, OSError, TimeoutError)) or (
        "scheduler" in text and ("lost" in text or "closed" in text)
    )


def _worker_failed(package: LessonPackage, job: Job, what: str) -> Result:
    return failed_result(package, job, [Reason.WORKER(f"{what}; see the workers' logs")])


def _submit(client: t.Any, shared: dict[str, t.Any], job: Job, alone: bool = False) -> t.Any:
    """The future of `job`'s grading task (a new key when it is graded again `alone`)."""
    key = f"grade-{canonical_hash([job['key'], job.get('fingerprint', '')])[:24]}"
    return client.submit(
        grade_json,
        shared[job["package"]],
        json.dumps(job),
        key=f"{key}-alone" if alone else key,
        pure=False,
    )


def _outcome(future: t.Any, package: LessonPackage, job: Job) -> Result:
    """`job`'s result, or `failed: worker` when its task raised. Dask's `KilledWorker` and a
    lost scheduler propagate."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        text = future.result()
    except (KilledWorker, FutureCancelledError):
        raise
    except Exception as exc:  # noqa: BLE001  (a task that failed: that student only)
        if _lost(exc):
            raise
        what = f"the grading task failed ({type(exc).__name__}: {str(exc)[:300]})"
        return _worker_failed(package, job, what)
    return t.cast(Result, json.loads(text))


def run_on_dask(
    client: t.Any, packages: dict[str, LessonPackage], jobs: list[Job]
) -> Iterator[tuple[Job, Result]]:
    """Grade `jobs` on the cluster; yield (job, result) as each finishes (see the module
    docstring). Raises `ClusterLost` when the scheduler goes away."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    if not jobs:
        return
    shared = {  # a task, not scattered data: when every worker holding it dies, Dask remakes it
        key: client.submit(package_text, json.dumps(package), key=f"package-{key[:24]}", pure=False)
        for key, package in packages.items()
    }
    by_future = {_submit(client, shared, job): job for job in jobs}
    killers: list[Job] = []
    try:
        for future in as_completed(list(by_future)):
            job = by_future[future]
            try:
                result = _outcome(future, packages[job["package"]], job)
            except KilledWorker:
                killers.append(job)  # or a neighbour of the job that killed its workers
                continue
            yield job, result
        for job in killers:  # alone on the cluster: no neighbour dies with it
            package = packages[job["package"]]
            try:
                result = _outcome(_submit(client, shared, job, alone=True), package, job)
            except KilledWorker as exc:
                what = (
                    "the submission's grading killed Dask workers again and again, also when "
                    f"graded alone ({exc})"
                )
                result = _worker_failed(package, job, what)
            yield job, result
    except FutureCancelledError as exc:
        raise ClusterLost(f"lost the Dask scheduler ({exc})") from None
    except Exception as exc:
        if _lost(exc):
            raise ClusterLost(f"lost the Dask scheduler ({type(exc).__name__}: {exc})") from None
        raise
