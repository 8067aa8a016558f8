"""Rule logic: the declarative vocabulary and Python checks, one module per family."""
