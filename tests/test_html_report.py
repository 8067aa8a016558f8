"""``scan -f html:FILE``: one self-contained page, checked as text and in headless Chromium.

The text checks: nothing is fetched, text from the repository cannot act, the counts are
the JSON report's. The browser checks load the page in the system's Chromium (installed by
.ci/run): the ladder and counts after the page ran, the filters (through the URL fragment
the page reads, and by typing and clicking over the DevTools protocol), the page without its
script, and a screenshot. Without Chromium they are skipped, except in
.ci/run on a machine where it installs Chromium (MLGUARD_REQUIRE_BROWSER), where they fail.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo

SCRIPT_TAG = "<script>alert(1)</script>"
HOSTILE_PATH = "<img src=x onerror=alert(2)>.py"
RLO = "\u202e"  # right-to-left override: would show "train\u202egnp.py" as "trainyp.png"


def _pickle(module: str, name: str) -> bytes:
    """A protocol-4 pickle calling ``module.name`` (the scanner names the global in its
    finding); built here, never loaded."""
    mod, attr = module.encode(), name.encode()
    return (
        b"\x80\x04\x8c" + bytes([len(mod)]) + mod + b"\x8c" + bytes([len(attr)]) + attr + b"\x93)R."
    )


FILES: dict[str, str | bytes] = {
    "train.py": """\
        import pickle
        import yaml
        from sklearn.model_selection import train_test_split

        cfg = yaml.load(open("params.yaml"))
        data = pickle.load(open("/home/alice/data.pkl", "rb"))
        train, test = train_test_split(data)
        model = pickle.loads(open("model.bin", "rb").read())
        """,
    "model.pkl": _pickle(f"os{SCRIPT_TAG}", "system"),
    HOSTILE_PATH: "import pickle\npickle.load(open('m', 'rb'))\n",
    f"train{RLO}gnp.py": "import pickle\npickle.load(open('m', 'rb'))\n",
    "requirements.txt": "scikit-learn\npyyaml\n",
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("html") / "repo", FILES)


def _scan(cli: Any, repo: Path, out: Path) -> tuple[str, dict[str, Any]]:
    """One scan writing the HTML page and printing the JSON report."""
    page = out / "report.html"
    result = cli(["scan", repo, "--no-config", "-f", "json", "-f", f"html:{page}"])
    assert result.code == 1, result.err
    return page.read_text("utf-8"), result.json()


class Elements(HTMLParser):
    """Every element's tag and attributes, in document order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def having(self, tag: str, cls: str = "") -> list[dict[str, str | None]]:
        return [a for t, a in self.found if t == tag and (not cls or cls in (a.get("class") or ""))]


# -- the page as text ------------------------------------------------------------------


def test_the_page_fetches_nothing(cli: Any, scanned: Path, tmp_path: Path) -> None:
    page, _ = _scan(cli, scanned, tmp_path)
    elements = Elements(page)
    for tag, attrs in elements.found:
        for name in ("src", "href", "action", "poster", "data", "srcset"):
            value = attrs.get(name)
            assert value is None or not re.match(r"\s*(https?:)?//", value), (tag, name, value)
    assert [a for a in elements.having("script") if "src" in a] == []
    assert elements.having("link") == [] and elements.having("img") == []
    assert "@import" not in page and "url(" not in page
    # one inline script (the filters) and one inline style sheet
    assert len(elements.having("script")) == 1 and len(elements.having("style")) == 1


def test_text_from_the_repository_cannot_act(cli: Any, scanned: Path, tmp_path: Path) -> None:
    page, report = _scan(cli, scanned, tmp_path)
    messages = [f["message"] for f in report["findings"]]
    assert any(SCRIPT_TAG in m for m in messages)  # the message does carry the tag ...
    assert HOSTILE_PATH in {f["path"] for f in report["findings"]}
    assert SCRIPT_TAG not in page and "<img" not in page  # ... the page shows it as text
    assert "os&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;.py:2" in page
    assert page.count("<script>") == 1  # only the page's own filter script
    assert f"train{RLO}gnp.py" in {f["path"] for f in report["findings"]}
    assert RLO not in page and "train\\u202egnp.py:2" in page


def test_counts_and_level_are_the_json_reports(cli: Any, scanned: Path, tmp_path: Path) -> None:
    page, report = _scan(cli, scanned, tmp_path)
    doc = Elements(page)
    violations = [f for f in report["findings"] if f["kind"] == "violation"]
    assert f'<b id="count-violations">{report["counts"]["violations"]}</b>' in page
    assert f'<b id="count-gaps">{report["counts"]["practice_gaps"]}</b>' in page
    assert len(doc.having("li", "finding")) == len(violations) > 3
    assert len(doc.having("tr")) > report["counts"]["practice_gaps"]
    gap_rows = [a for t, a in doc.found if t == "tr" and a.get("data-rule")]
    assert len(gap_rows) == report["counts"]["practice_gaps"]
    groups = {a["data-rule"] for a in doc.having("section", "rule-group")}
    assert groups == {f["rule_id"] for f in violations}
    maturity = report["maturity"]
    assert f'Level <span id="level">{maturity["level"]}</span> of 3' in page
    assert f'<b id="score">{maturity["score"]}/100</b>' in page
    mts = report["ml_test_score"]["score"]
    assert f'<span id="mts-score">{mts:g}</span>' in page
    # each violation at its place, with the code it matched
    for f in violations:
        loc = html.escape(f"{f['path']}:{f['line']}").replace(RLO, "\\u202e")
        assert f'<code class="loc">{loc}</code>' in page
    assert '<code class="loc">train.py:5</code>' in page
    assert "<pre><code>yaml.load(...)</code></pre>" in page
    # the ladder: four rungs, the current one is the JSON's level, the next lists the gaps
    rungs = doc.having("li", "rung")
    assert [r["data-level"] for r in rungs] == ["3", "2", "1", "0"]
    current = [r["data-level"] for r in rungs if r["data-state"] == "current"]
    assert current == [str(maturity["level"])]
    for gap in maturity["missing"]:
        assert f'<li data-rule="{gap["rule_id"]}">' in page
    kind = maturity["kind"]
    assert f"Repository kind: <b>{kind['name']}</b>" in page


def test_the_page_is_deterministic(cli: Any, scanned: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _scan(cli, scanned, tmp_path / "a")[0] == _scan(cli, scanned, tmp_path / "b")[0]


def test_nothing_to_scan_and_html_on_stdout(cli: Any, tmp_path: Path) -> None:
    empty = make_repo(tmp_path / "empty", {})
    result = cli(["scan", empty, "--no-config", "-f", "html"])
    assert result.code == 0, result.err
    assert result.out.startswith("<!DOCTYPE html>") and "nothing found to scan" in result.out


# -- the page in Chromium --------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("MLGUARD_REQUIRE_BROWSER"):
        pytest.fail("chromium is not installed, though .ci/run could install it (apt-get)")
    pytest.skip(
        "chromium is not installed (apt-get install chromium as root; .ci/run does it where "
        "it can): the browser tests need it"
    )


def _browse(page: Path, profile: Path, *args: str, fragment: str = "") -> str:
    """Run headless Chromium on ``page`` (no network, a throwaway profile) and return what
    it prints: with ``--dump-dom``, the document after its script ran."""
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
        page.resolve().as_uri() + fragment,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _dom(page: Path, tmp_path: Path, fragment: str = "") -> Elements:
    return Elements(_browse(page, tmp_path / "profile", "--dump-dom", fragment=fragment))


def _shown(doc: Elements) -> list[dict[str, str | None]]:
    return [a for a in doc.having("li", "finding") if "hidden" not in a]


def test_chromium_shows_the_ladder_and_the_counts(cli: Any, scanned: Path, tmp_path: Path) -> None:
    _, report = _scan(cli, scanned, tmp_path)
    doc = _dom(tmp_path / "report.html", tmp_path)
    rungs = doc.having("li", "rung")
    assert [r["data-level"] for r in rungs] == ["3", "2", "1", "0"]
    assert [r["data-level"] for r in rungs if r["data-state"] == "current"] == [
        str(report["maturity"]["level"])
    ]
    violations = report["counts"]["violations"]
    assert doc.having("body")[0]["data-shown"] == str(violations)  # the script ran
    assert len(_shown(doc)) == violations
    form = next(a for t, a in doc.found if a.get("id") == "filters")
    assert "hidden" not in form  # the filters show once the script runs


@pytest.mark.parametrize(
    ("fragment", "keep"),
    [
        ("#severity=error", lambda f: f["severity"] == "error"),
        ("#severity=warning,note", lambda f: f["severity"] in ("warning", "note")),
        ("#rule=SEC001", lambda f: f["rule_id"] == "SEC001"),
        ("#category=reproducibility", lambda f: f["category"] == "reproducibility"),
        ("#q=home/alice", lambda f: "home/alice" in f["message"]),
        ("#q=onerror", lambda f: "onerror" in f["path"]),
        ("#rule=SEC001&q=nothing-matches-this", lambda f: False),
    ],
)
def test_chromium_filters_the_findings(
    cli: Any, scanned: Path, tmp_path: Path, fragment: str, keep: Any
) -> None:
    _, report = _scan(cli, scanned, tmp_path)
    want = [
        (f["rule_id"], f["severity"])
        for f in report["findings"]
        if f["kind"] == "violation" and keep(f)
    ]
    doc = _dom(tmp_path / "report.html", tmp_path, fragment)
    shown = _shown(doc)
    assert sorted((a["data-rule"], a["data-severity"]) for a in shown) == sorted(want)
    assert doc.having("body")[0]["data-shown"] == str(len(want))
    visible_groups = {
        a["data-rule"] for a in doc.having("section", "rule-group") if "hidden" not in a
    }
    assert visible_groups == {rule for rule, _ in want}
    none_note = next(a for t, a in doc.found if a.get("id") == "none-shown")
    assert ("hidden" in none_note) == bool(want)


class Page:
    """The page open in headless Chromium, driven over the DevTools protocol through a pipe
    (``--remote-debugging-pipe``: JSON messages ending in NUL on file descriptors 3 and 4),
    so the tests can type and click as a reader does."""

    def __init__(self, page: Path, profile: Path) -> None:
        to_chrome, self._writer = os.pipe()
        self._reader, from_chrome = os.pipe()

        def pipes() -> None:  # in the child: its descriptors 3 and 4
            os.dup2(to_chrome, 3)
            os.dup2(from_chrome, 4)

        self.proc = subprocess.Popen(  # preexec_fn: the pipes must be fds 3 and 4
            [
                _chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=pipes,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._id = 0
        target = self._call("Target.createTarget", url=page.resolve().as_uri())["targetId"]
        self._session = self._call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        deadline = time.monotonic() + 30
        url = page.resolve().as_uri()
        # a new target starts on about:blank, which is "complete" at once: wait for the page
        while self.eval("location.href") != url or self.eval("document.readyState") != "complete":
            assert time.monotonic() < deadline, "the page did not load"
            time.sleep(0.05)

    def _call(self, method: str, session: str = "", **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._reader, 1 << 16)
                assert chunk, "chromium closed the pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply["error"]
                return dict(reply["result"])

    def eval(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self._call(
            "Runtime.evaluate", self._session, expression=expression, returnByValue=True
        )
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def close(self) -> None:
        try:
            self._call("Browser.close")
        finally:
            self.proc.wait(timeout=30)
            os.close(self._writer)
            os.close(self._reader)


SHOWN = "Array.from(document.querySelectorAll('li.finding:not([hidden])'), li => li.dataset.rule)"


def test_chromium_filters_as_the_reader_types_and_clicks(
    cli: Any, scanned: Path, tmp_path: Path
) -> None:
    _, report = _scan(cli, scanned, tmp_path)
    violations = [f for f in report["findings"] if f["kind"] == "violation"]
    page = Page(tmp_path / "report.html", tmp_path / "profile")
    try:
        assert len(page.eval(SHOWN)) == len(violations)
        # typing in the search box (one input event, as a keystroke sends)
        page.eval(
            "(() => { const q = document.querySelector('#filters [name=q]');"
            " q.value = 'PICKLE'; q.dispatchEvent(new Event('input', {bubbles: true})); })()"
        )
        want = [f["rule_id"] for f in violations if "pickle" in f["message"].lower()]
        assert sorted(page.eval(SHOWN)) == sorted(want) and want
        assert page.eval("document.getElementById('shown').textContent") == str(len(want))
        assert page.eval("location.hash") == "#q=PICKLE"  # a link to this view
        # unticking "error" with a click
        page.eval("document.querySelector('#filters [value=error]').click()")
        want = [
            f["rule_id"]
            for f in violations
            if "pickle" in f["message"].lower() and f["severity"] != "error"
        ]
        assert sorted(page.eval(SHOWN)) == sorted(want)
        # clearing the search, then choosing a category
        page.eval(
            "(() => { const f = document.getElementById('filters');"
            " f.elements.q.value = ''; f.elements.q.dispatchEvent(new Event('input',"
            " {bubbles: true})); f.elements.category.value = 'data';"
            " f.elements.category.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )
        want = [
            f["rule_id"] for f in violations if f["category"] == "data" and f["severity"] != "error"
        ]
        assert sorted(page.eval(SHOWN)) == sorted(want) and want
        groups = "Array.from(document.querySelectorAll('section.rule-group:not([hidden])'))"
        assert page.eval(groups + ".map(g => g.dataset.rule)") == sorted(set(want))
    finally:
        page.close()


def test_chromium_takes_a_screenshot(cli: Any, scanned: Path, tmp_path: Path) -> None:
    _scan(cli, scanned, tmp_path)
    shot = tmp_path / "shot.png"
    _browse(
        tmp_path / "report.html",
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,1400",
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000


def test_a_repository_without_ml_code_is_not_assessed(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "plain", {"app.py": "print('hello')\n"})
    page_file = tmp_path / "plain.html"
    result = cli(["scan", repo, "--no-config", "-f", "json", "-f", f"html:{page_file}"])
    maturity = result.json()["maturity"]
    assert maturity["assessed"] is False, maturity
    page = page_file.read_text("utf-8")
    assert '<span id="level">not assessed</span>' in page and "Not assessed:" in page
    assert f"this one is <b>{maturity['kind']['name']}</b>" in page
    rungs = Elements(page).having("li", "rung")
    assert len(rungs) == 4 and {r["data-state"] for r in rungs} == {"ahead"}


def test_chromium_without_javascript_shows_everything(
    cli: Any, scanned: Path, tmp_path: Path
) -> None:
    """The page with its script removed (Chromium's --dump-dom itself needs JavaScript, so
    the script is taken out rather than JavaScript switched off)."""
    page, report = _scan(cli, scanned, tmp_path)
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<script>.*?</script>", "", page, flags=re.S), "utf-8")
    doc = _dom(bare, tmp_path)
    assert doc.having("script") == [] and "data-shown" not in doc.having("body")[0]
    assert len(_shown(doc)) == report["counts"]["violations"]  # every finding is there
    form = next(a for t, a in doc.found if a.get("id") == "filters")
    assert "hidden" in form  # and no control that would do nothing
    assert len(doc.having("li", "rung")) == 4
