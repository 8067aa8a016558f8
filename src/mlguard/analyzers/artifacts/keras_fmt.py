"""Keras models: ``config.json`` of ``.keras`` archives and ``model_config`` in HDF5 files.

Lambda layers carry marshalled Python bytecode that runs when the model is deserialized
(HDF5 always, ``.keras`` with ``safe_mode=False``); objects from modules outside Keras are
imported by name. Configs are JSON, read as Keras reads them (``json.loads``: escapes
resolved, UTF-8/16/32 detected, keys in any order). HDF5 and SavedModel
``keras_metadata.pb`` are not parsed as containers: the file is streamed and every JSON
object in it (attribute strings are stored contiguously) is decoded and checked; a
``model_config`` that cannot be decoded makes the file unscannable rather than passed.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from mlguard.analyzers.artifacts.profiles import DANGEROUS_MODULES
from mlguard.analyzers.artifacts.streams import CHUNK, Meter, Unscannable
from mlguard.model import Severity

Emit = Callable[[Severity, str, str], None]
KERAS_MODULES = ("keras", "tf_keras", "keras_hub", "keras_nlp", "keras_cv", "tensorflow.keras")
_CONFIG_START = re.compile(rb'\{[ \t\r\n]*"')
_STDLIB = frozenset(sys.stdlib_module_names)
_TAIL = 64  # bytes kept between chunks so a start marker split across them is still seen
MAX_CONFIG = 64 * 1024 * 1024
_MAX_DEPTH = 200


def _walk(
    node: Any, in_lambda: bool = False, depth: int = 0
) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every dict of the config, and whether it sits inside a Lambda layer."""
    if depth > _MAX_DEPTH:
        raise Unscannable("Keras config nested too deeply")
    if isinstance(node, dict):
        yield node, in_lambda
        inside = in_lambda or _is_lambda(node)
        for value in node.values():
            yield from _walk(value, inside, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, in_lambda, depth + 1)


def _is_lambda(node: dict[str, Any]) -> bool:
    for key in ("class_name", "registered_name"):
        value = node.get(key)
        if isinstance(value, str) and re.split(r"[.>]", value)[-1] == "Lambda":
            return True
    return False


def _outside_keras(module: str) -> bool:
    return not any(module == m or module.startswith(m + ".") for m in KERAS_MODULES)


def check_config(config: Any, emit: Emit) -> None:
    """Lambda layers and references to code outside Keras in a parsed model config."""
    for node, in_lambda in _walk(config):
        cls = node.get("class_name")
        if _is_lambda(node) or (cls == "__lambda__" and not in_lambda):
            name = _layer_name(node)
            emit(
                Severity.ERROR,
                f"keras:lambda:{name}",
                f"Lambda layer {name!r} (serialized Python bytecode runs when the model loads)",
            )
        module = node.get("module")
        if isinstance(module, str) and isinstance(cls, str) and _outside_keras(module):
            target = (
                f"{module}.{node['config']}"
                if cls == "function" and isinstance(node.get("config"), str)
                else f"{module}.{cls}"
            )
            root = module.split(".")[0]
            dangerous = root in DANGEROUS_MODULES or root in _STDLIB
            severity = Severity.ERROR if dangerous else Severity.WARNING
            emit(
                severity,
                f"keras:module:{target}",
                f"config references {target}, outside Keras (imported when the model loads)",
            )


def _layer_name(node: dict[str, Any]) -> str:
    config = node.get("config")
    if isinstance(config, dict) and isinstance(config.get("name"), str):
        return str(config["name"])
    return "?"


def check_config_json(data: bytes, emit: Emit) -> None:
    try:
        config = json.loads(data)  # bytes: json detects UTF-8/16/32 as Keras's load does
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Unscannable(f"Keras config.json is not valid JSON ({type(exc).__name__})") from exc
    check_config(config, emit)


_DECODER = json.JSONDecoder()


def _decode_at(buf: bytes, start: int) -> tuple[Any, int] | None:
    """The JSON value at ``start`` and its end, ``None`` when ``buf`` ends inside it.

    Raises ``ValueError`` when the bytes there are not JSON at all.
    """
    text = buf.decode("latin-1")
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text) - 1 or exc.msg.startswith("Unterminated string"):
            return None
        raise
    return value, end


def scan_hdf5(stream: Meter, emit: Emit) -> None:
    """Find and check every JSON model config stored in an HDF5 file's attributes."""
    buf = b""
    saw_attribute = parsed = False
    want = CHUNK
    while True:
        try:
            chunk = stream.read(want)
        except Unscannable:
            if parsed:
                return
            raise
        buf += chunk
        saw_attribute = saw_attribute or b"model_config" in buf
        buf, found, pending = _configs(buf, emit, final=not chunk)
        parsed = parsed or found
        want = max(CHUNK, len(buf)) if pending else CHUNK
        if not chunk:
            break
    if saw_attribute and not parsed:
        raise Unscannable("HDF5 model_config attribute found but its JSON could not be decoded")


def _lambda_fallback(raw: bytes, emit: Emit) -> None:
    if b'"Lambda"' in raw:
        emit(Severity.ERROR, "keras:lambda:?", "Lambda layer in model_config (undecodable JSON)")


def _configs(buf: bytes, emit: Emit, final: bool) -> tuple[bytes, bool, bool]:
    """Check the complete configs in ``buf``; return (tail to keep, any found, pending)."""
    found = False
    while True:
        match = _CONFIG_START.search(buf)
        if match is None:
            return buf[-_TAIL:], found, False
        start = match.start()
        try:
            decoded = _decode_at(buf, start)
        except (ValueError, RecursionError):
            _lambda_fallback(buf[start : start + MAX_CONFIG], emit)
            buf = buf[start + 1 :]
            continue
        if decoded is None:
            if final or len(buf) - start > MAX_CONFIG:
                _lambda_fallback(buf[start:], emit)
                raise Unscannable("HDF5 model_config JSON is truncated or too large")
            return buf[start:], found, True
        value = decoded[0]
        if isinstance(value, dict):
            check_config(value, emit)
            found = found or _mentions_class(value)
            buf = buf[decoded[1] :]
        else:
            buf = buf[start + 1 :]


def _mentions_class(value: Any, depth: int = 0) -> bool:
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return "class_name" in value or any(_mentions_class(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_class(v, depth + 1) for v in value)
    return False


def scan_saved_model_metadata(stream: Meter, emit: Emit) -> None:
    """``keras_metadata.pb`` of a TF SavedModel: per-layer JSON inside protobuf strings;
    ``tf.keras.models.load_model`` rebuilds Lambda layers from it (running their code).
    Every JSON object in it is decoded and checked like a model config."""

    def saved_model(severity: Severity, key: str, message: str) -> None:
        if key.startswith("keras:lambda:"):
            key, message = (
                "keras:lambda:saved-model",
                "Lambda layer (its code runs when tf.keras loads the SavedModel)",
            )
        emit(severity, key, message)

    buf = b""
    while True:
        chunk = stream.read(CHUNK)
        buf += chunk
        buf, _found, _pending = _configs(buf, saved_model, final=not chunk)
        if not chunk:
            break
