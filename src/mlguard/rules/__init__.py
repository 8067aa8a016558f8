"""What is checked: rule specs and the catalogue, bandit and zizmor rule generation, policies
and config discovery, the enforced floor, rule selection, rule docs and their schemas."""
