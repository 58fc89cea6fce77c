"""Run a student's kernel in a bubblewrap sandbox with resource limits.

The grader (nbclient, outside) talks to the kernel (inside) over ZMQ `ipc` sockets that the
kernel creates in a private tmpfs of the sandbox; the grader reaches them through
`/proc/<sandbox pid>/root`, so the sandbox needs no network and no writable host directory.

Inside the sandbox the kernel sees a read-only `/usr`, the Python installation, the
virtual environment and the course's `utils` package, a new `/proc` and `/dev`, and one
size-limited tmpfs at `/tmp` (its working directory and HOME): not the course, the
gradebook, the grader's files or other students' work. It has its own network (no
interfaces but loopback), PID, IPC and UTS namespaces and dies with the grader.

Limits are rlimits set by a small bootstrap before `ipykernel` starts: address space
(memory), processes, CPU seconds, file size, open files. Run by root, the bootstrap also
switches to an unused uid of its own (root is exempt from RLIMIT_NPROC, and a uid per
sandbox keeps sandboxes from counting each other's processes); run by a normal user,
bubblewrap's user namespace gives the same per-sandbox count.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import typing as t
from dataclasses import asdict, dataclass
from pathlib import Path

from ..common import ONE_BLAS_THREAD
from ..config import CourseError
from ..limits import Limits

INSTALL_HINT = "apt-get install bubblewrap (Debian, Ubuntu) or dnf install bubblewrap (Fedora)"
UNSAFE_HINT = "or pass --unsafe to grade without isolation"

# Paths inside the sandbox.
INSIDE_IPC_DIR = "/run/ipc"
INSIDE_CONNECTION_FILE = "/run/kernel.json"
INSIDE_HOME = "/tmp/home"
INSIDE_WORK = "/tmp/work"

# Longest directory for the unsandboxed kernel's sockets (`<dir>/k-<port>`, 107 bytes at most).
MAX_SOCKET_DIR = 90

# First uid used for sandboxes when the grader runs as root: far above real accounts.
ROOT_UID_BASE = 2_000_000

BOOTSTRAP = r"""
import json, os, resource, sys
spec = json.loads(sys.argv[1])
for name, value in spec["rlimits"].items():
    soft, hard = value if isinstance(value, list) else (value, value)
    resource.setrlimit(getattr(resource, name), (soft, hard))
if spec["uid"] is not None:
    os.setgroups([])
    os.setresgid(spec["uid"], spec["uid"], spec["uid"])
    os.setresuid(spec["uid"], spec["uid"], spec["uid"])
os.umask(0o077)
os.execv(spec["argv"][0], spec["argv"])
"""


def rlimits(limits: Limits) -> dict[str, int | list[int]]:
    """The rlimits of a kernel, by `resource` name."""
    cpu = limits.notebook_timeout + 5
    return {
        "RLIMIT_AS": limits.memory_mb * 2**20,
        "RLIMIT_NPROC": limits.processes,
        "RLIMIT_CPU": [cpu, cpu + 5],
        "RLIMIT_FSIZE": limits.disk_mb * 2**20,
        "RLIMIT_NOFILE": 512,
        "RLIMIT_CORE": 0,
    }


def kernel_env(home: str, work: str, path: str) -> dict[str, str]:
    """The kernel's environment: nothing inherited from the grader."""
    return {
        "HOME": home,
        "PATH": path,
        "IPYTHONDIR": f"{home}/.ipython",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
        "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
        "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        **ONE_BLAS_THREAD,
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PWD": work,
    }


def _python_paths() -> list[Path]:
    """Host paths the kernel's Python needs: installation, venv, the `utils` package."""
    import utils

    paths = [Path(sys.base_prefix), Path(sys.prefix), Path(utils.__file__).parent]
    resolved: list[Path] = []
    for path in paths:
        for candidate in {path, path.resolve()}:
            if candidate.is_relative_to("/usr") or candidate in resolved:
                continue
            resolved.append(candidate)
    return resolved


def _check_exposure(paths: list[Path], private: list[Path]) -> None:
    """Refuse to bind a path that would show a private directory (solutions, grading)."""
    for path in paths:
        for secret in private:
            if secret.resolve().is_relative_to(path.resolve()):
                raise CourseError(
                    f"the sandbox would expose {secret}: it lies inside {path}, which the "
                    "kernel needs read-only; move the virtual environment out of the course"
                )


def _parents(path: Path) -> list[str]:
    """`path`'s ancestors below `/`, outermost first."""
    return [str(p) for p in reversed(path.parents) if str(p) != "/"]


@dataclass
class KernelLaunch:
    """How to start one kernel: command, working directory, environment, where its sockets are.

    `ipc_base` is the socket prefix the kernel binds (`<ipc_base>-<port>`), as the kernel
    sees it; the grader finds the sockets at `host_view(sandbox_pid) + ipc_base`.
    """

    argv: list[str]
    cwd: str
    env: dict[str, str]
    ipc_base: str
    sandboxed: bool
    uid: int | None = None

    def host_ipc_base(self, sandbox_pid: int | None) -> str:
        """The socket prefix as the grader reaches it."""
        if not self.sandboxed:
            return self.ipc_base
        return f"/proc/{sandbox_pid}/root{self.ipc_base}"

    def to_json(self) -> dict[str, t.Any]:
        """The plan as a plain dict (a kernel spec's provisioner config)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, t.Any]) -> KernelLaunch:
        """The plan from `to_json`'s dict."""
        return cls(**data)


_FONT_CACHE: list[Path] = []


def font_cache(parent: Path | None = None) -> Path | None:
    """matplotlib's font list, built once per process in a private directory (in `parent`).

    Every kernel gets a fresh HOME; without this file matplotlib would rebuild its font
    cache in each one (time, and a notice on stderr). None when it cannot be built.
    """
    if not _FONT_CACHE:
        import atexit

        folder = Path(tempfile.mkdtemp(prefix="fonts-", dir=parent))
        atexit.register(shutil.rmtree, folder, True)
        env = {"MPLCONFIGDIR": str(folder), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        subprocess.run(
            [sys.executable, "-c", "import matplotlib.font_manager"],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        found = sorted(folder.glob("fontlist-*.json"))
        _FONT_CACHE.append(found[0] if found else folder / "missing")
    cache = _FONT_CACHE[0]
    return cache if cache.is_file() else None


@functools.lru_cache
def _bwrap_version(bwrap: str) -> tuple[int, ...]:
    """bubblewrap's version, e.g. (0, 8, 0); (0,) when it cannot be read."""
    try:
        text = subprocess.run(
            [bwrap, "--version"], capture_output=True, text=True, timeout=10
        ).stdout
        return tuple(int(n) for n in text.split()[-1].split("."))
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return (0,)


def bwrap_path() -> str | None:
    """The bubblewrap executable, if installed."""
    return shutil.which("bwrap")


def plan_kernel(
    scratch: Path,
    connection_file: Path,
    limits: Limits,
    sandboxed: bool,
    extra_files: list[Path] | None = None,
    private: list[Path] | None = None,
    fonts: Path | None = None,
) -> KernelLaunch:
    """Build the command that starts an ipykernel under `limits`, sandboxed or not.

    `scratch` is a host directory private to this job (the unsandboxed kernel's working
    directory and socket directory); `connection_file` the Jupyter connection file the
    kernel reads; `extra_files` are bound read-only into the kernel's working directory
    (data files released with the lesson); `private` are directories that must stay
    invisible (refused if the Python environment contains one of them); `fonts` is
    matplotlib's font list for the kernel's HOME (see `font_cache`).
    """
    python = sys.executable
    kernel_argv = [
        python,
        "-m",
        "ipykernel_launcher",
        "-f",
        INSIDE_CONNECTION_FILE if sandboxed else str(connection_file),
        "--HistoryManager.enabled=False",
        "--IPKernelApp.quiet=True",
    ]
    uid = ROOT_UID_BASE + os.getpid() if sandboxed and os.geteuid() == 0 else None
    spec = {"rlimits": rlimits(limits), "uid": uid, "argv": kernel_argv}
    boot = [python, "-c", BOOTSTRAP, json.dumps(spec)]
    venv_bin = str(Path(python).parent)
    if not sandboxed:
        home = scratch / "home"
        home.mkdir(exist_ok=True)
        if fonts is not None:
            (home / ".matplotlib").mkdir()
            shutil.copyfile(fonts, home / ".matplotlib" / fonts.name)
        for extra in extra_files or []:
            shutil.copyfile(extra, scratch / extra.name)
        env = kernel_env(str(home), str(scratch), f"{venv_bin}:/usr/bin:/bin")
        env["TMPDIR"] = str(scratch)
        sockets = (
            scratch
            if len(str(scratch)) <= MAX_SOCKET_DIR
            else Path(
                tempfile.mkdtemp(prefix="agk-")  # a Unix socket path has at most 107 bytes
            )
        )
        return KernelLaunch(boot, str(scratch), env, str(sockets / "k"), sandboxed=False)

    bwrap = bwrap_path()
    if bwrap is None:
        raise CourseError(
            f"the sandbox needs bubblewrap (bwrap), which is not installed: {INSTALL_HINT}, "
            f"{UNSAFE_HINT}"
        )
    python_paths = _python_paths()
    _check_exposure(python_paths, private or [])
    args = [bwrap]
    if uid is None:  # a normal user: a user namespace of the sandbox's own
        args += ["--unshare-user", "--unshare-all", "--cap-drop", "ALL"]
        if _bwrap_version(bwrap) >= (0, 8):
            args += ["--disable-userns"]  # no nested user namespaces for student code
    else:  # root: no user namespace, the bootstrap drops to `uid`
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        args += ["--unshare-cgroup-try"]
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/localtime"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # /tmp before the Python paths: a virtual environment under /tmp (a CI clone) is then
    # bound on top of the private tmpfs instead of being hidden by it.
    args += ["--perms", "1777", "--size", str(limits.disk_mb * 2**20), "--tmpfs", "/tmp"]
    made: set[str] = set()
    for path in python_paths:
        for parent in _parents(path):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", parent]
        args += ["--ro-bind", str(path), str(path)]
    args += ["--perms", "1777", "--dir", INSIDE_HOME, "--perms", "1777", "--dir", INSIDE_WORK]
    if fonts is not None:
        mpl = f"{INSIDE_HOME}/.matplotlib"
        args += ["--perms", "1777", "--dir", mpl, "--ro-bind", str(fonts), f"{mpl}/{fonts.name}"]
    args += ["--perms", "1777", "--size", str(2**20), "--tmpfs", INSIDE_IPC_DIR]
    args += ["--ro-bind", str(connection_file), INSIDE_CONNECTION_FILE]
    for extra in extra_files or []:
        args += ["--ro-bind", str(extra), f"{INSIDE_WORK}/{extra.name}"]
    args += ["--chdir", INSIDE_WORK, "--clearenv"]
    for key, value in kernel_env(INSIDE_HOME, INSIDE_WORK, f"{venv_bin}:/usr/bin:/bin").items():
        args += ["--setenv", key, value]
    args += ["--", *boot]
    return KernelLaunch(args, str(scratch), {}, f"{INSIDE_IPC_DIR}/k", sandboxed=True, uid=uid)


SYSCTL = Path("/proc/sys")
README_SECTION = "autograder/README.md, 'Where grading is safe'"


def _sysctl(name: str, root: Path = SYSCTL) -> str | None:
    try:
        return (root / name).read_text().strip()
    except OSError:
        return None


def userns_problem(detail: str, root: Path = SYSCTL) -> str:
    """Why bubblewrap, run by a normal user, could not create its user namespace, and the
    fix; `detail` is bubblewrap's last line of error, `root` where the sysctls are."""
    if _sysctl("kernel/apparmor_restrict_unprivileged_userns", root) == "1":
        return (
            "AppArmor restricts unprivileged user namespaces here "
            "(kernel.apparmor_restrict_unprivileged_userns = 1, as on Ubuntu 23.10 and later): "
            f"give bwrap the AppArmor profile shown in {README_SECTION}, or grade as root"
        )
    if _sysctl("kernel/unprivileged_userns_clone", root) == "0":
        return (
            "unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone = "
            "0): as root, `sysctl -w kernel.unprivileged_userns_clone=1` (and put it in "
            "/etc/sysctl.d/ to keep it), or grade as root"
        )
    if _sysctl("user/max_user_namespaces", root) == "0":
        return (
            "user namespaces are switched off (user.max_user_namespaces = 0): as root, "
            "`sysctl -w user.max_user_namespaces=15000` (and put it in /etc/sysctl.d/), or "
            "grade as root"
        )
    return (
        f"bubblewrap could not create its namespaces ({detail}); a container or a security "
        "policy may forbid user namespaces for normal users: grade as root, or on a machine "
        f"that allows them ({README_SECTION})"
    )


def sandbox_problem(private: list[Path] | None = None) -> str | None:
    """Why the sandbox cannot run here (a one-line message naming the cause and the fix), or
    None when it can.

    Starts one throw-away sandbox that imports numpy as the kernel would.
    """
    if sys.platform != "linux":
        return (
            f"the sandbox needs Linux and bubblewrap, and this is {sys.platform}: grade on "
            f"Linux, or in a Linux virtual machine or container ({README_SECTION}), "
            f"{UNSAFE_HINT}"
        )
    if bwrap_path() is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}, {UNSAFE_HINT}"
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        scratch = Path(tmp)
        cf = scratch / "kernel.json"
        cf.write_text("{}")
        try:
            launch = plan_kernel(scratch, cf, Limits(), sandboxed=True, private=private)
        except CourseError as exc:
            return str(exc)
        if launch.uid is not None:
            os.chown(cf, launch.uid, launch.uid)
        boot = launch.argv.index("--") + 1
        spec = json.loads(launch.argv[boot + 3])
        spec["argv"] = [sys.executable, "-c", "import numpy, utils"]
        argv = launch.argv[: boot + 3] + [json.dumps(spec)]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=tmp)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start a sandbox ({exc}); {UNSAFE_HINT}"
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            if launch.uid is None and detail.startswith("bwrap:"):
                return f"{userns_problem(detail)}; {UNSAFE_HINT}"
            return f"the sandbox could not start Python ({detail}); {UNSAFE_HINT}"
    return None


def require_sandbox(private: list[Path] | None = None) -> None:
    """Raise `CourseError` naming what is missing when the sandbox cannot run."""
    problem = sandbox_problem(private)
    if problem:
        raise CourseError(f"cannot grade safely: {problem}")
