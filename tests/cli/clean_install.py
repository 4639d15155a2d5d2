"""A clean virtual environment with `pip install .` in it, fast enough for every test run.

The slow parts of a clean install are fetching some forty wheels from the
index (about 25 s) and compiling their bytecode. The wheels are downloaded
once into a wheelhouse in the user's cache, named by a hash of the
project's dependency and build requirements and the interpreter, so any
change to a range fetches afresh; each run then makes a new venv without
packages and lets pip resolve and install `.` from that wheelhouse alone
(`--no-index`: a dependency missing from pyproject fails as it would for a
user), without bytecode compilation. The running pip installs into the new
venv (`--python`), which spares the venv its own copy of pip. Cost per run:
benchmarks/README.md.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import platformdirs

ROOT = Path(__file__).resolve().parents[2]


def requirements() -> list[str]:
    """What `pip install .` needs: the project's dependencies and its build requirements."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [*project["project"]["dependencies"], *project["build-system"]["requires"]]


def wheelhouse() -> Path:
    """The downloaded wheels for this pyproject and interpreter (fetched the first time)."""
    key = hashlib.sha256("\n".join([sys.version, *requirements()]).encode()).hexdigest()[:16]
    house = platformdirs.user_cache_path("trimtab-tests") / f"wheelhouse-{key}"
    if house.is_dir():
        return house
    house.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=house.parent))
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", str(partial),
                    *requirements()], check=True)
    try:
        partial.rename(house)  # whole or not at all: a run stopped half-way leaves no house
    except OSError:
        shutil.rmtree(partial)  # another run finished first
    return house


def clean_install(venv: Path) -> Path:
    """A new venv at `venv` with `pip install .` done in it; its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-index", "--find-links", str(wheelhouse()), "--no-compile", str(ROOT)],
                   check=True)
    return venv / "bin"
