"""Known-vulnerability sources for pinned dependencies: pip-audit, or an offline OSV folder."""
