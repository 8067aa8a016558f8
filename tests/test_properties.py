"""Property-based tests: any input to a loader or analyzer gives a result or a clean error.

Each property is bounded (at most 150 examples, small inputs) so the suite stays quick.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlguard.analyzers.configs import parse_json, parse_toml, parse_yaml
from mlguard.analyzers.notebook import NotebookFacts, parse_notebook
from mlguard.analyzers.python_ast import PyFacts, analyze_source
from mlguard.checks.base import CheckContext, Outcome
from mlguard.checks.reproducibility.dependencies import dependencies_pinned
from mlguard.errors import ConfigError
from mlguard.facts.files import Facts
from mlguard.repo import globs
from mlguard.rules import regexliterals
from mlguard.rules.catalog import Catalog, RuleSpec, load_rule_file
from mlguard.rules.config import discover
from mlguard.rules.policy import build, read_layer

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=True,  # the same examples on every run: CI never fails by chance
)
CATALOG = Catalog.load()
SCRATCH = Path(tempfile.mkdtemp(prefix="mlguard-props-"))
atexit.register(shutil.rmtree, SCRATCH, True)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["SEC001", "REP003", "*", "tag:security", "security", "error", "1"]),
)
keys = st.one_of(
    st.sampled_from(
        [
            "name",
            "extends",
            "rules",
            "select",
            "ignore",
            "configure",
            "severity",
            "params",
            "maturity",
            "required",
            "gates",
            "gate_cap",
            "fail",
            "on",
            "below_level",
            "paths",
            "exclude",
            "settings",
            "max_text_kb",
            "policy",
            "rule_paths",
            "id",
            "check",
            "docs",
            "1",
            "2",
            "why",
            "fix",
            "any_file",
            "file_contains",
            "pattern",
            "files",
        ]
    ),
    st.text(max_size=8),
    st.integers(0, 3),
)
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=20,
)
VALID_POLICY = (
    "name: p\nextends: default\nrules:\n  ignore: [SEC003]\n  configure:\n"
    "    SEC001: {severity: warning}\nfail: {on: warning, below_level: 1}\n"
)


def _mutations(base: str) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(0, len(base)), st.integers(0, 8), st.text(max_size=8)).map(
        lambda t: base[: t[0]] + t[2] + base[t[0] + t[1] :]
    )


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, default_flow_style=False, allow_unicode=True)


yaml_texts = st.one_of(st.text(max_size=200), trees.map(_dump), _mutations(VALID_POLICY))


def _write(name: str, text: str) -> Path:
    path = SCRATCH / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@BOUNDED
@given(yaml_texts)
def test_policy_loader_gives_a_policy_or_a_config_error(text: str) -> None:
    path = _write("policy.yaml", text)
    try:
        layer = read_layer(path, "policy.yaml")
        policy = build([layer], CATALOG)
    except ConfigError as exc:
        assert exc.source == "policy.yaml" or "policy" in exc.source
        return
    assert isinstance(policy.fail_on, str) and isinstance(policy.exclude, tuple)


@BOUNDED
@given(yaml_texts)
def test_config_discovery_gives_a_config_or_a_config_error(text: str) -> None:
    root = SCRATCH / "cfg"
    root.mkdir(exist_ok=True)
    (root / ".mlguard.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        found = discover(root, None, False)
    except ConfigError:
        return
    assert found is not None


@BOUNDED
@given(
    st.one_of(
        trees.map(_dump),
        _mutations((Path(__file__).parents[1] / "rules" / "TST001.yaml").read_text()),
    )
)
def test_rule_loader_gives_a_rule_or_a_config_error(text: str) -> None:
    path = _write("XRUL001.yaml", text)
    try:
        rule = load_rule_file(path)
    except ConfigError:
        return
    assert isinstance(rule, RuleSpec)


@BOUNDED
@given(st.text(max_size=300))
def test_yaml_toml_json_parsers_never_raise(text: str) -> None:
    for parse in (parse_yaml, parse_toml, parse_json):
        docs, error = parse(text)
        assert isinstance(docs, list) and isinstance(error, str)
        assert bool(docs) or error or not text.strip() or parse is parse_yaml


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=30,
)
cells = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw", 3])},
    optional={
        "source": st.one_of(st.text(max_size=80), st.lists(st.text(max_size=40), max_size=5)),
        "outputs": st.lists(json_values, max_size=3),
        "execution_count": st.one_of(st.none(), st.integers(0, 9)),
    },
)
notebooks = st.fixed_dictionaries(
    {"cells": st.lists(st.one_of(cells, json_values), max_size=5)},
    optional={"nbformat": st.integers(), "metadata": json_values},
)


@BOUNDED
@given(
    st.one_of(
        st.text(max_size=300),
        json_values.map(lambda v: __import__("json").dumps(v)),
        notebooks.map(lambda v: __import__("json").dumps(v, indent=1)),
    )
)
def test_notebook_parser_gives_facts_or_an_error_string(text: str) -> None:
    facts = parse_notebook(text)
    assert isinstance(facts, NotebookFacts)
    if not facts.error:
        analyzed = analyze_source(facts.source)
        assert isinstance(analyzed, PyFacts)
        for call in analyzed.calls:
            assert facts.file_line(call.line) >= 1


PY_TOKENS = [
    "import ",
    "from ",
    " as ",
    "def ",
    "class ",
    "lambda",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "=",
    "+",
    "-",
    "*",
    "**",
    "@",
    "\n",
    "    ",
    "x",
    "np",
    "torch.load",
    "pickle",
    "'s'",
    '"""',
    "0",
    "1.5",
    "yield",
    "await",
    "async ",
    "f'{x}'",
    "\\",
    "#",
    "if ",
    "else",
    "return ",
    "*args",
    "**kw",
    "weights_only=True",
    ";",
    "\t",
    "\r\n",
    "\x00",
    "\ufeff",
]
python_like = st.lists(st.sampled_from(PY_TOKENS), max_size=60).map("".join)


@BOUNDED
@given(st.one_of(st.text(max_size=300), python_like))
def test_python_analyzer_gives_facts_for_any_text(text: str) -> None:
    facts = analyze_source(text, "x.py")
    assert isinstance(facts, PyFacts)
    assert all(c.line >= 1 for c in facts.calls)


REQ_TOKENS = [
    "numpy",
    "torch",
    "==",
    ">=",
    "1.0",
    "[extra]",
    " ",
    "#",
    "-r other.txt",
    "\n",
    "--hash=sha256:ab",
    ";",
    "python_version<'3.12'",
    "\\",
    "@ https://x/y.whl",
    "-e .",
]


@BOUNDED
@given(
    st.one_of(
        st.text(max_size=200), st.lists(st.sampled_from(REQ_TOKENS), max_size=30).map("".join)
    )
)
def test_requirements_check_gives_an_outcome_for_any_text(text: str) -> None:
    root = SCRATCH / "req"
    root.mkdir(exist_ok=True)
    (root / "requirements.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
    repo = Facts(root, use_git=False)
    outcome = dependencies_pinned(CheckContext(repo))
    assert isinstance(outcome, Outcome)


GLOB_ATOMS = ["*", "**", "**/", "/", "a", "b", "?", ".", "{a,ab}", "a*", "**a"]


@BOUNDED
@given(
    st.lists(st.sampled_from(GLOB_ATOMS), min_size=1, max_size=12).map("".join),
    st.lists(st.sampled_from(["a", "b", "/", "."]), max_size=16).map("".join),
)
def test_glob_regex_and_linear_automaton_agree(pattern: str, path: str) -> None:
    path = path.strip("/") or "a"
    assert globs.match(path, pattern) == globs._automaton(globs.tokens(pattern), path)
    assert globs.match(path, pattern) == (globs.compile_glob(pattern).match(path) is not None)


@BOUNDED
@given(
    st.lists(st.sampled_from(GLOB_ATOMS), min_size=1, max_size=8).map("".join),
    st.lists(st.sampled_from(GLOB_ATOMS), min_size=1, max_size=8).map("".join),
    st.lists(
        st.lists(st.sampled_from(["a", "b", "/", "."]), max_size=10).map("".join), max_size=12
    ),
)
def test_glob_select_keeps_the_paths_a_plain_regex_matches(
    first: str, second: str, paths: list[str]
) -> None:
    paths = sorted({p.strip("/") or "a" for p in paths})
    plain = [p for p in paths if any(globs.compile_glob(g).match(p) for g in (first, second))]
    assert globs.select(paths, (first, second)) == plain


REGEX_ATOMS = ["a", "b", "ab", "K", "s", r"\b", "^", "$", ".", "[ab]", r"\s*", "(?i:ab)"]
REGEX_ATOMS += ["(?=a)", "(a|b)", "(ab|c)", "a+", "b?", "(?:ab)*", "(?>ab)", "(a|)", "|"]


@BOUNDED
@given(
    st.lists(st.sampled_from(REGEX_ATOMS), min_size=1, max_size=6).map("".join),
    st.booleans(),
    st.data(),
)
def test_required_text_never_hides_a_matching_line(
    pattern: str, ignore_case: bool, data: st.DataObject
) -> None:
    regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    text = data.draw(st.from_regex(regex) | st.text(alphabet="abKsS \n.\u017f\u212a"))
    matches = any(regex.search(line) for line in text.splitlines())
    needed = regexliterals.required_text(pattern, ignore_case)
    assert regexliterals.may_match(text, needed, ignore_case) or not matches


def test_required_text_is_no_shortcut_for_non_ascii_case_folding() -> None:
    # re.IGNORECASE matches 's' to the long s and 'k' to the Kelvin sign
    for pattern, text in (("s", "x\u017fx"), ("k", "\u212a")):
        assert re.search(pattern, text, re.IGNORECASE)
        needed = regexliterals.required_text(pattern, True)
        assert regexliterals.may_match(text, needed, True)
