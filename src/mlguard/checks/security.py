"""Security checks beyond the declarative vocabulary."""

from __future__ import annotations
