"""What is in the scanned repository: the file inventory, safe reads, globs, test paths, and
git through plumbing only (``gitrun`` is the one runner and cannot start other programs)."""
