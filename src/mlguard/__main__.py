"""Run mlguard as ``python -m mlguard``."""

import sys
from pathlib import Path

# `python -m` puts the current directory first on sys.path. In CI that directory is the
# untrusted checkout being scanned: a click.py or yaml.py in it would be imported (and
# run) instead of the real library. mlguard itself is already imported at this point.
if not sys.flags.safe_path and sys.path and sys.path[0] in ("", str(Path.cwd())):
    del sys.path[0]

from mlguard.cli import main

main()
