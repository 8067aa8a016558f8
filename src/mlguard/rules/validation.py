"""Read a YAML file and validate it against one of mlguard's schemas, with file:line errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlguard.errors import ConfigError
from mlguard.rules.schemas import load_schema
from mlguard.safeio.safefs import NotRegular, read_bounded
from mlguard.safeio.yamlio import YamlDoc, YamlProblem, load_one

if TYPE_CHECKING:
    import jsonschema

MAX_CONFIG_BYTES = 1024 * 1024
MAX_MESSAGE = 300


def read_yaml(path: Path, label: str | None = None) -> YamlDoc:
    """Parse one YAML document from ``path`` or raise :class:`ConfigError`."""
    source = label or str(path)
    raw = read_config_bytes(path, source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(source, "not UTF-8 text") from None
    return parse_yaml(text, source)


def read_config_bytes(path: Path, source: str) -> bytes:
    """The bytes of a config file: a regular file (FIFOs and devices are refused, never
    opened for a blocking read) of at most ``MAX_CONFIG_BYTES``."""
    try:
        raw = read_bounded(path, MAX_CONFIG_BYTES, follow=True)
    except NotRegular as exc:
        raise ConfigError(source, f"not a regular file ({exc})") from None
    except OSError as exc:
        raise ConfigError(source, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(source, f"file is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    return raw


def parse_yaml(text: str, source: str) -> YamlDoc:
    try:
        return load_one(text)
    except YamlProblem as exc:
        raise ConfigError(source, f"invalid YAML: {exc.message}", exc.line) from None


def string_keys(value: Any) -> Any:
    """The same data with integer mapping keys as strings (``1:`` in YAML is an int).

    Other non-string keys (booleans, null, lists) are left for the schema to reject.
    """
    if isinstance(value, dict):
        return {
            (str(k) if isinstance(k, int) and not isinstance(k, bool) else k): string_keys(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [string_keys(v) for v in value]
    return value


def _bad_key(value: Any, path: list[str | int]) -> tuple[list[str | int], Any] | None:
    if isinstance(value, dict):
        for key, child in value.items():
            if not isinstance(key, str):
                return path, key
            found = _bad_key(child, [*path, key])
            if found:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _bad_key(child, [*path, index])
            if found:
                return found
    return None


def validate(doc: YamlDoc, schema: str, source: str, data: Any = None) -> None:
    """Raise :class:`ConfigError` listing every schema violation, each with its line."""
    instance = doc.data if data is None else data
    bad = _bad_key(instance, [])
    if bad is not None:
        key_path, key = bad
        where = ".".join(str(p) for p in key_path) or "top level"
        raise ConfigError(source, f"{where}: key {key!r} must be a string", doc.line_of(key_path))
    validator = _jsonschema().Draft202012Validator(load_schema(schema))
    errors = sorted(validator.iter_errors(instance), key=_error_order)
    if errors:
        raise ConfigError.collect([_problem(doc, source, error) for error in errors])


def _jsonschema() -> Any:
    """jsonschema, imported on first validation (0.15 s): a run that reads only mlguard's own
    rule and policy files, which tests validate, never needs it.

    jsonschema imports its optional format checkers when it is imported; rfc3987-syntax
    (pulled in by some environments) compiles about forty grammars then, 2-3 s, for "iri"
    formats mlguard's schemas never use. It is only left out when nothing imported it yet."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import jsonschema

    return jsonschema


def _problem(doc: YamlDoc, source: str, error: jsonschema.ValidationError) -> ConfigError:
    path: list[str | int] = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        if extra:
            path.append(extra[0])
    where = ".".join(str(p) for p in error.absolute_path) or "top level"
    message = _describe(error)
    if len(message) > MAX_MESSAGE:  # jsonschema quotes the offending value whole
        message = message[: MAX_MESSAGE - 3] + "..."
    return ConfigError(source, f"{where[:MAX_MESSAGE]}: {message}", doc.line_of(path))


def _error_order(error: jsonschema.ValidationError) -> tuple[int, str]:
    return (len(error.absolute_path), error.message)


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return f"unknown key ({error.message.split('(')[-1].rstrip(')')})"
    if error.validator == "oneOf" and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        return deepest.message
    return error.message
