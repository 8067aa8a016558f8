"""CI/CD checks: what CI runs, deployment and promotion, workflow hardening, zizmor."""
