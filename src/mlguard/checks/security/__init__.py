"""Security checks: model files, unsafe loads, secrets, containers, dependencies, bandit."""
