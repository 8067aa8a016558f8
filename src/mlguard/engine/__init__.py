"""Plans and runs one scan: the analysis pool of worker processes, the on-disk facts cache,
the whole-scan memo and progress reporting. ``scan.scan`` is the entry point."""
