"""Find and read the user's config: ``--config``, ``MLGUARD_CONFIG``, ``.mlguard.yaml``,
``.github/mlguard.yaml`` or ``[tool.mlguard]`` in ``pyproject.toml`` (first found wins).

A config found inside the scanned repository is the repository's, so as untrusted as the
rest of it: it is used only when it really lies inside the repository (not through a
symlink), and every path it names (``rule_paths``, ``policy``, ``extends``) must too.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mlguard.errors import ConfigError
from mlguard.rules.policy import Layer, read_layer
from mlguard.rules.validation import read_config_bytes, string_keys, validate
from mlguard.safeio.tomllines import toml_doc

CANDIDATES = (".mlguard.yaml", ".mlguard.yml", ".github/mlguard.yaml", ".github/mlguard.yml")


@dataclass(frozen=True)
class UserConfig:
    layer: Layer
    policy: str | None
    rule_paths: tuple[Path, ...]
    confine: Path | None = None  # paths the config names must resolve inside this directory
    baseline: Path | None = None  # ``baseline:``, resolved against the config's folder


def discover(
    root: Path,
    explicit: str | None,
    no_config: bool,
    *,
    use_env: bool = True,
    label: str = "",
    confine_all: bool = False,
) -> UserConfig | None:
    """The config that applies to a scan of ``root``, or ``None``.

    ``label`` prefixes the file names in messages (``origin/main:.mlguard.yaml``);
    ``confine_all`` confines even an explicit config's paths to ``root`` (a config read
    from a git revision into a temporary directory)."""
    if no_config:
        return None
    chosen = explicit or (os.environ.get("MLGUARD_CONFIG") if use_env else None) or None
    if chosen:
        path = Path(chosen)
        source = label + (path.relative_to(root).as_posix() if confine_all else str(path))
        if not path.is_file():
            raise ConfigError(source, "config file not found")
        return _from_layer(read_layer(path, source), confine=root if confine_all else None)
    for name in CANDIDATES:
        path = root / name
        if _inside(path, root):
            return _from_layer(read_layer(path, label + name), confine=root)
    pyproject = root / "pyproject.toml"
    if _inside(pyproject, root):
        return _from_pyproject(pyproject, root, label)
    return None


def inside(path: Path, root: Path) -> bool:
    """``path`` resolves to a location inside ``root`` (symlinks and ``..`` included)."""
    return path.resolve().is_relative_to(root.resolve())


def _inside(path: Path, root: Path) -> bool:
    """A regular file, not a symlink, really inside ``root``."""
    return path.is_file() and not path.is_symlink() and inside(path, root)


def _from_pyproject(path: Path, root: Path, label: str = "") -> UserConfig | None:
    try:
        text = read_config_bytes(path, "pyproject.toml").decode("utf-8")
        data = tomllib.loads(text)
    except (ConfigError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None  # a broken pyproject.toml is a finding for rules, not a config error
    section = data.get("tool", {}).get("mlguard")
    if section is None:
        return None
    source = f"{label}pyproject.toml"
    doc = toml_doc(string_keys(section), text)
    if not isinstance(section, dict):
        raise ConfigError(source, "[tool.mlguard] must be a table", doc.line_of([]))
    try:
        validate(doc, "policy", source)
    except ConfigError as exc:
        more = tuple((line, f"[tool.mlguard] {text}") for line, text in exc.more)
        raise ConfigError(source, f"[tool.mlguard] {exc.problem}", exc.line, more) from None
    return _from_layer(Layer(source, doc, root), confine=root)


def _from_layer(layer: Layer, confine: Path | None) -> UserConfig:
    data = layer.data
    paths = []
    for index, ref in enumerate(data.get("rule_paths", [])):
        path = (layer.base_dir / ref).resolve()
        files = sorted(path.glob("*.y*ml")) if path.is_dir() else []
        if confine is not None and not all(inside(p, confine) for p in [path, *files]):
            raise ConfigError(
                layer.source,
                f"rule_paths: {ref!r} points outside the scanned repository",
                layer.doc.line_of(["rule_paths", index]),
            )
        paths.append(path)
    if "extends" in data:
        raise ConfigError(
            layer.source, "extends: use 'policy:' in a config file", layer.doc.line_of(["extends"])
        )
    baseline = None
    if "baseline" in data:
        baseline = layer.base_dir / data["baseline"]
        if confine is not None and not inside(baseline, confine):
            raise ConfigError(
                layer.source,
                f"baseline: {data['baseline']!r} points outside the scanned repository",
                layer.doc.line_of(["baseline"]),
            )
    return UserConfig(layer, data.get("policy"), tuple(paths), confine, baseline)
