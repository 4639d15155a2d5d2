"""Cold-start time of the everyday commands (issue 13 asks under 0.5 s each, issue 16 0.4 s).

Each command runs in a fresh process, `repeat` times; printed are the median
CPU time (user + system) of the process, which a loaded machine inflates less
than the wall time (on this 2-core VM still by about 1.4× at a load average of
5), and the median wall time. A benchmark, never a test assertion.

`--tree DIR` (repeatable) runs the commands of another checkout too (its `src`
first on PYTHONPATH, e.g. a `git worktree` of an older commit): the trees take
turns inside every round, so a change of load hits them alike. `--python EXE`
runs another interpreter, e.g. one without the dev venv's numba-cuda `.pth`
file, which costs every start of the dev venv 20-40 ms and a user's install
without the [gpu] extra does not have. Before the rounds, each tree gets a
user's first day (`trimtab init`, then the demo's paper rebalance), so that
`config` loads a policy and reads a journal and `journal` prints a real table,
and each tree's `src` is byte-compiled: with PYTHONDONTWRITEBYTECODE set (as in
this project's sessions) a module edited since its `.pyc` was written is
compiled again in every process, which an installed package never does.

    .venv/bin/python benchmarks/cold_start.py [--repeat 7] [--tree /tmp/before]
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
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run")
    args = parser.parse_args()
    trees = ["installed", *args.tree]
    for tree in (ROOT, *args.tree):  # as pip would have: a stale .pyc is recompiled per run
        subprocess.run([args.python, "-m", "compileall", "-q", str(Path(tree) / "src")],
                       check=True)
    with tempfile.TemporaryDirectory() as home:
        envs = {tree: _environment(Path(home) / str(n), tree) for n, tree in enumerate(trees)}
        for env in envs.values():
            for argv in SETUP:
                subprocess.run([args.python, "-c", ENTRY, *argv], env=env,
                               capture_output=True, check=True)
        cpu: dict[tuple[str, str], list[float]] = {}
        wall: dict[tuple[str, str], list[float]] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(args.repeat):
            for name, argv in COMMANDS.items():
                for tree, env in envs.items():
                    spent, took = _once([args.python, "-c", ENTRY, *argv], env)
                    cpu.setdefault((name, tree), []).append(spent)
                    wall.setdefault((name, tree), []).append(took)
            loads.append(os.getloadavg()[0])
    for (name, tree), times in cpu.items():
        print(f"{name:<22} {tree:<24} CPU median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}), wall median "
              f"{statistics.median(wall[name, tree]):.3f} s, n={len(times)}")
    print(f"load average (1 min) during the rounds: {min(loads):.1f}-{max(loads):.1f}; "
          f"python: {args.python}")


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
