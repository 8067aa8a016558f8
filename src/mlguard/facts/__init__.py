"""Repository-level facts computed once per scan: CI and pipeline automation, declared
dependencies, import names."""
