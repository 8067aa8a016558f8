"""Pipeline checks: declared, modular, triggered, gated, with lineage."""
