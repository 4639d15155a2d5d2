"""Cold-start time of the everyday commands (issue 13 asks under 0.5 s each, issue 16 0.4 s).

Each command runs in a fresh process, `repeat` times; printed are the median
CPU time (user + system) of the process, which a loaded machine inflates less
than the wall time (on this 2-core VM still by about 1.4× at a load average of
5), and the median wall time. A benchmark, never a test assertion.

`--tree DIR` (repeatable) runs the commands of another checkout too (its `src`
first on PYTHONPATH, e.g. a `git worktree` of an older commit), and `--python
EXE` (repeatable) another interpreter, e.g. one without the dev venv's
numba-cuda `.pth` file, which costs every start of the dev venv 20-40 ms and a
user's install without the [gpu] extra does not have. Every variant (tree ×
interpreter) takes its turn inside every round, so a change of load hits them
alike. Before the rounds, each variant gets a user's first day (`trimtab
init`, then the demo's paper rebalance), so that `config` loads a policy and
reads a journal and `journal` prints a real table, and each tree's `src` is
byte-compiled: with PYTHONDONTWRITEBYTECODE set (as in this project's
sessions) a module edited since its `.pyc` was written is compiled again in
every process, which an installed package never does.

    .venv/bin/python benchmarks/cold_start.py [--repeat 7] [--tree /tmp/before]
        [--python .venv/bin/python --python /tmp/user/bin/python]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
COMMANDS = {
    "--help": ["--help"],
    "config": ["config"],
    "journal": ["journal", "--limit", "5"],
    "check (snapshot file)": ["check", "-p", str(EXAMPLES / "moderate.toml"), "-s",
                              str(EXAMPLES / "snapshot-spot.json"), "--json"],
}
# a user's first day: a policy and config in the config directory, one plan in the journal
SETUP = (["init", "--profile", "moderate", "--venue", "paper", "--yes"],
         ["rebalance", "--paper-prices", "history:2025-01-31", "--paper-start",
          str(EXAMPLES / "paper-start.json"), "--yes"])
# what the `trimtab` console script runs
ENTRY = "from trimtab.cli.main import run; run()"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tree", action="append", default=[],
                        help="another checkout to time alongside the installed trimtab")
    parser.add_argument("--python", action="append", default=[],
                        help="an interpreter to run (repeatable; default this one)")
    args = parser.parse_args()
    pythons = args.python or [sys.executable]
    for tree in (ROOT, *args.tree):  # as pip would have: a stale .pyc is recompiled per run
        subprocess.run([pythons[0], "-m", "compileall", "-q", str(Path(tree) / "src")],
                       check=True)
    variants = [(python, tree) for python in pythons for tree in ["installed", *args.tree]]
    with tempfile.TemporaryDirectory() as home:
        envs = {v: _first_day(pythons[0], Path(home) / str(n), v[1])
                for n, v in enumerate(variants)}
        cpu, wall, loads = _rounds(args.repeat, envs)
    for (name, (python, tree)), times in cpu.items():
        print(f"{name:<22} {tree:<16} {python:<28} CPU median {statistics.median(times):.3f} s"
              f" (min {min(times):.3f}, max {max(times):.3f}), wall median "
              f"{statistics.median(wall[name, (python, tree)]):.3f} s, n={len(times)}")
    print(f"load average (1 min) during the rounds: {min(loads):.1f}-{max(loads):.1f}")


Variant = tuple[str, str]  # (interpreter, tree)


def _rounds(repeat: int, envs: dict[Variant, dict[str, str]]) -> tuple[
        dict[tuple[str, Variant], list[float]], dict[tuple[str, Variant], list[float]],
        list[float]]:
    """CPU and wall times of every command for every variant, the variants taking turns."""
    cpu: dict[tuple[str, Variant], list[float]] = {}
    wall: dict[tuple[str, Variant], list[float]] = {}
    loads = [os.getloadavg()[0]]
    for _ in range(repeat):
        for name, argv in COMMANDS.items():
            for (python, tree), env in envs.items():
                spent, took = _once([python, "-c", ENTRY, *argv], env)
                cpu.setdefault((name, (python, tree)), []).append(spent)
                wall.setdefault((name, (python, tree)), []).append(took)
        loads.append(os.getloadavg()[0])
    return cpu, wall, loads


def _first_day(python: str, home: Path, tree: str) -> dict[str, str]:
    """The environment of one variant, after `init` and a paper rebalance in it."""
    env = _environment(home, tree)
    for argv in SETUP:
        subprocess.run([python, "-c", ENTRY, *argv], env=env, capture_output=True, check=True)
    return env


def _environment(home: Path, tree: str) -> dict[str, str]:
    env = {**os.environ, "TRIMTAB_CONFIG_DIR": str(home / "config"),
           "TRIMTAB_DATA_DIR": str(home / "data")}
    if tree != "installed":
        env["PYTHONPATH"] = str(Path(tree).resolve() / "src")
    return env


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU and wall seconds of one run of `argv` in a fresh process."""
    before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    return _children_cpu() - before, time.perf_counter() - start


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
