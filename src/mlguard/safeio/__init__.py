"""Reading and writing hostile input safely: YAML without object construction, bounded text
reads, confined paths, atomic writes, escaping, and offsets turned into line numbers."""
