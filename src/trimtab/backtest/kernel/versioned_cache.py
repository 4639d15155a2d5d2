# numba.core.config fills its names at import time, out of mypy's sight
# mypy: disable-error-code="attr-defined"
"""The kernels' numba cache, in a folder named by a digest of every kernel file.

numba keys a cached function on its own file only. A loop inlines rules
from other files (`spot`, `rebalance`, `conventions`): edit a rule, or
upgrade trimtab over an old `__pycache__` (pip leaves numba's files behind),
and the loop's cached machine code still runs the old rule, with no error
and wrong figures. Naming the cache folder by the digest of all the kernel's
files makes any change of any of them a new folder, so nothing stale is
ever loaded; an old folder is only disk space.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import platformdirs
from numba.core import config

KERNEL = Path(__file__).resolve().parent


def sources_digest(folder: Path = KERNEL) -> str:
    """A digest of the text of every module of the kernel package."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def use_versioned_cache() -> str | None:
    """Point numba's cache at `<NUMBA_CACHE_DIR or the user's cache>/kernel-<digest>`;
    the folder, or None when it cannot be made (numba then keeps its own default)."""
    base = Path(config.CACHE_DIR) if config.CACHE_DIR else Path(
        platformdirs.user_cache_dir("trimtab", appauthor=False)) / "numba"
    folder = base / f"kernel-{sources_digest()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    config.CACHE_DIR = str(folder)
    return str(folder)
