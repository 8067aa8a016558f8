"""Repository-level facts computed once per scan from several files (CI, pipelines)."""
