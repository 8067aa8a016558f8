"""Per-file analyzers: each reads one kind of file into small typed facts."""
