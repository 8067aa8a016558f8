"""Which build of mlguard is running: its version and a signature of its own code.

Cached facts and memoised results are keyed by this, not by the version alone: an editable
install (``pip install -e .``) changes its code without changing its version, and results
computed by older code must not come back. The signature hashes the path, size and
modification time of every file of the installed package, once per process.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from mlguard import __version__

PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def build_id() -> str:
    """``<version>+<code signature>``."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        st = path.stat()
        rel = path.relative_to(PACKAGE).as_posix()
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogatepass"))
    return f"{__version__}+{h.hexdigest()[:16]}"
