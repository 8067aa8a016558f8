"""Repository-level facts computed once per scan from analyzer output."""
