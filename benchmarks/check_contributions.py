"""CPU time of `trimtab check` for a policy with [[contributions]] (it names the next date).

The domain used to import numpy for the backtest's per-bar flows, so naming the next
contribution cost a check numpy's import. Fresh processes, `repeat` times; the median
CPU time (user + system), which a loaded machine inflates far less than wall time. A
benchmark, never a test assertion (`tests/cli/test_startup.py` holds the imports).

    .venv/bin/python benchmarks/check_contributions.py [--repeat 7] [--src OTHER/src]

`--src` runs another checkout's sources (e.g. a `git worktree` of an older commit)
with this interpreter, to compare.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CONTRIBUTION = '\n[[contributions]]\nevery = "monthly"\namount = 500\n'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        policy = Path(home) / "policy.toml"
        policy.write_text((EXAMPLES / "moderate.toml").read_text(encoding="utf-8")
                          + CONTRIBUTION, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(args.src), "TRIMTAB_CONFIG_DIR": f"{home}/c",
               "TRIMTAB_DATA_DIR": f"{home}/d"}
        argv = [sys.executable, "-m", "trimtab", "check", "-p", str(policy), "-s",
                str(EXAMPLES / "snapshot-spot.json"), "--json"]
        cpu = []
        for _ in range(args.repeat):
            before = _children_cpu()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            cpu.append(_children_cpu() - before)
    print(f"{args.src}: CPU median {statistics.median(cpu):.3f} s "
          f"(min {min(cpu):.3f}, max {max(cpu):.3f}, n={args.repeat}); "
          f"load average {os.getloadavg()[0]:.1f}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
