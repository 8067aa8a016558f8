"""What each rule needs before it can run, read from declarations (nothing is run).

A rule needs the Python analysis when its check does (declared when a Python check is
registered; known statically for the declarative vocabulary) or when a trait it applies
under does. The engine starts the analysis in worker processes, evaluates the rules that
need none meanwhile, then the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlguard.checks import registry
from mlguard.checks.declarative import PYTHON_KINDS
from mlguard.facts.traits import PYTHON_TRAITS
from mlguard.rules.spec import RuleSpec


def _check_needs_python(node: Any) -> bool:
    if isinstance(node, list):
        return any(_check_needs_python(item) for item in node)
    if not isinstance(node, Mapping):
        return False
    for key, value in node.items():
        if key == "python":
            # loads the check's module only: a scan answered from the whole-scan memo loads
            # none, a scan with the security rules alone no other category's
            if registry.needs_python(value):
                return True
        elif key in PYTHON_KINDS or _check_needs_python(value):
            return True
    return False


def needs_python(rule: RuleSpec) -> bool:
    """Whether evaluating ``rule`` asks for Python facts (imports, calls, AST facts)."""
    if any(trait in PYTHON_TRAITS for trait in rule.applies_when):
        return True
    return _check_needs_python(rule.check)
