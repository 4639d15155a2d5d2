"""Cold-start time of the everyday commands (issue 13 asks for under 0.5 s each).

Each command runs in a fresh process, `repeat` times; the median wall time is
printed, and the median CPU time (user + system) of the process, which a loaded
machine inflates far less. A benchmark, never a test assertion: run it on an
idle machine.

    .venv/bin/python benchmarks/cold_start.py [--repeat 5]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    trimtab = str(Path(sys.executable).parent / "trimtab")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TRIMTAB_CONFIG_DIR": f"{home}/config",
               "TRIMTAB_DATA_DIR": f"{home}/data"}
        for name, argv in COMMANDS.items():
            times, cpu = [], []
            for _ in range(repeat):
                before = _children_cpu()
                start = time.perf_counter()
                subprocess.run([trimtab, *argv], env=env, capture_output=True, check=True)
                times.append(time.perf_counter() - start)
                cpu.append(_children_cpu() - before)
            print(f"{name:<24} median {statistics.median(times):.3f} s  "
                  f"(min {min(times):.3f}, max {max(times):.3f}, n={repeat}), "
                  f"CPU median {statistics.median(cpu):.3f} s")
    print(f"load average: {os.getloadavg()[0]:.1f}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
