"""The HTML report (harness.html_report): every claim, unexpected ones first, filters, no network
resource, exact replay commands, and a real browser that shows it and filters it.

The fixture ``tests/fixtures/report.json`` is a real run of the catalogue, trimmed to 16 claims,
with the fields of the newer report added by hand: sequential traces, the largest exact
discrepancy, an error, an unexpected verdict, corrected-form links, an existential witness and
claims that are not applicable.

The browser test opens the page from disk in headless Chromium (Debian's ``chromium``) driven
by Playwright's Python client; without either it is skipped. ``CLAIMS_HTML_SCREENSHOT=PATH``
also saves its screenshot at PATH (how ``docs/report.png`` is made); with
``CLAIMS_REQUIRE_BROWSER=1`` (set by CI) a missing browser fails the test instead.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness import html_report
from harness.report_html.values import escape, value_html
from tests.support import python

FIXTURE = Path(__file__).parent / "fixtures" / "report.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
NEW_FIELDS = ("hypothesis_seed", "started", "duration_s", "commit", "versions", "totals",
              "missing_functions")
NEW_CLAIM_FIELDS = ("subject", "nodeid", "shrink_seconds", "decide_seconds", "error", "corrects",
                    "corrected_by", "worst", "trace")

@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(report) -> str:
    pytest.importorskip("matplotlib", reason="the HTML report draws with matplotlib: "
                                             "pip install -e '.[report]'")
    return html_report.render(report)


class _Tags(HTMLParser):
    """Every start tag with its attributes (unescaped, as a browser reads them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _rows(page: str) -> list[dict[str, str | None]]:
    return [a for t, a in _tags(page) if t == "tbody" and a.get("class") == "claim"]


def _unexpected(c: dict) -> bool:
    return c["verdict"] == "error" or (
        c["verdict"] in ("holds", "refuted") and c["verdict"] != c["expected"])


# ---------------------------------------------------------------------------------------------
# the page as text

def test_every_claim_is_in_the_page_once(report, page):
    ids = [r["data-id"] for r in _rows(page)]
    assert sorted(ids) == sorted(c["id"] for c in report["claims"])
    assert len(ids) == len(set(ids))
    for c in report["claims"]:
        assert escape(c["statement"]) in page, c["id"]


def test_unexpected_verdicts_and_errors_come_first(report, page):
    ids = [r["data-id"] for r in _rows(page)]
    by_id = {c["id"]: c for c in report["claims"]}
    flags = [_unexpected(by_id[i]) for i in ids]
    first = flags.index(False)
    assert first >= 2 and not any(flags[first:]), ids        # fixture: an error, a refutation
    assert by_id[ids[0]]["verdict"] == "error"
    assert [r["data-unexpected"] for r in _rows(page)] == ["1" if f else "0" for f in flags]
    # not applicable last
    verdicts = [by_id[i]["verdict"] for i in ids]
    assert verdicts[-2:] == ["not applicable"] * 2


def test_rows_carry_the_data_the_filters_use(report, page):
    rows = {r["data-id"]: r for r in _rows(page)}
    for c in report["claims"]:
        r = rows[c["id"]]
        assert r["data-subject"] == c["id"].split(".")[0]
        assert (r["data-kind"], r["data-verdict"], r["data-expected"]) == (
            c["kind"], c["verdict"], c["expected"])
    options = {a.get("value") for t, a in _tags(page) if t == "option"}
    assert {c["subject"] for c in report["claims"]} <= options
    assert {"exact", "statistical", "existential", "holds", "refuted", "not applicable",
            "error"} <= options


def test_no_network_resource_of_any_kind(report, page):
    tags = _tags(page)
    for tag, attrs in tags:
        assert tag not in ("link", "iframe", "object", "embed", "img", "base"), tag
        for name, value in attrs.items():
            if name in ("src", "srcset", "action", "formaction", "poster", "data"):
                pytest.fail(f"<{tag} {name}={value!r}>")
            if name in ("href", "xlink:href"):
                assert value and value.startswith("#"), (tag, value)
            if name == "style" and value:
                assert "url(" not in value.replace("url(#", ""), value
    assert re.findall(r"url\((?!#)", page) == []
    assert "@import" not in page and "xmlns" not in page
    assert "default-src 'none'" in page                       # the browser enforces it too
    # the only addresses in the page are the text of the claims' own sources (citations)
    cited = set(re.findall(r"https?://[^\s;,)]+", json.dumps(report, ensure_ascii=False)))
    shown = set(re.findall(r"https?://[^\s;,)<\"']+", page))
    assert shown <= cited, shown - cited
    for _, attrs in tags:
        assert not any("//" in (v or "") for k, v in attrs.items() if k != "data-copy"), attrs


def test_copy_buttons_carry_the_exact_replay_commands(report, page):
    copied = [a["data-copy"] for t, a in _tags(page) if "data-copy" in a]
    replays = [c["replay"] for c in report["claims"] if c.get("replay")]
    replays += [c["error"]["replay"] for c in report["claims"]
                if c.get("error") and c["error"].get("replay")]
    assert sorted(copied) == sorted(replays)
    assert any("'" in r and '"' in r for r in copied)   # quoting survived the escaping


def test_corrected_form_is_linked_both_ways(report, page):
    ids = {a.get("id") for _, a in _tags(page)}
    links = {a["href"] for t, a in _tags(page) if t == "a" and "claimlink" in
             (a.get("class") or "")}
    for c in report["claims"]:
        for key in ("corrects", "corrected_by"):
            if c.get(key):
                assert f"#claim-{c[key]}" in links and f"claim-{c[key]}" in ids


def test_each_decision_is_drawn_and_the_drawings_are_small(report, page):
    expectations = sum(len(c["trace"]["expectations"]) for c in report["claims"]
                       if c.get("trace"))
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == expectations
    assert max(len(s) for s in svgs) < 10_000
    for junk in ("<?xml", "<metadata", "<!DOCTYPE svg", "<style type"):
        assert junk not in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r'(?:url\(#|href="#)([^)"]+)', page):
        assert ref in ids or ref.startswith("claim-"), ref
    # an exact claim's largest discrepancy against its tolerance
    assert page.count('class="meter') == sum(1 for c in report["claims"] if c.get("worst"))


def test_without_a_hypothesis_seed_the_header_says_where_its_seed_comes_from(report, page):
    assert "<code>--hypothesis-seed=90312</code>" in page
    unseeded = {**report, "hypothesis_seed": None}
    assert "Hypothesis is seeded from the run seed" in html_report.render(unseeded)


def test_the_page_is_the_same_for_the_same_report(report, page):
    assert html_report.render(report) == page


def test_examples_are_shown_readably():
    law = {"__type__": "strategies.laws:Law",
           "fields": {"family": "three_point", "loc": 0.0, "scale": 1.0, "q": 0.5,
                      "df": 10.0, "s": 0.5}}
    shown = value_html({"a": law, "x": {"__float__": "inf"}})
    assert "three_point" in shown and "q=" in shown and "df=" not in shown.split("title=")[0]
    assert ">inf<" in shown
    matrix = {"__ndarray__": "float64", "shape": [2, 3], "data": [1.0, 2.0, 3.0, 4, 5, 6]}
    assert value_html(matrix).count("<tr>") == 2
    big = {"__ndarray__": "float64", "shape": [100], "data": [0.5] * 100}
    assert "<details" in value_html(big)


def test_a_report_without_the_newer_fields_renders(report, page):
    old = copy.deepcopy(report)
    for key in NEW_FIELDS:
        old.pop(key, None)
    for c in old["claims"]:
        for key in NEW_CLAIM_FIELDS:
            c.pop(key, None)
        if c["verdict"] == "error":
            c["verdict"] = "refuted"
    page = html_report.render(old)
    assert sorted(r["data-id"] for r in _rows(page)) == sorted(c["id"] for c in old["claims"])
    # a refuted statistical claim is still drawn, from its counterexample's evidence
    assert len(re.findall(r"<svg", page)) == sum(
        len(c["counterexample"]["evidence"]) for c in old["claims"]
        if c["kind"] == "statistical" and c.get("counterexample"))


def test_without_matplotlib_render_says_how_to_install_it(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(html_report.ReportDependencyError, match=re.escape(
            "pip install -e '.[report]'")):
        html_report.render(report)


def test_module_imports_without_matplotlib_and_the_command_gives_the_hint(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from harness import html_report\n"
            f"sys.exit(html_report.main([{str(FIXTURE)!r}, {str(tmp_path / 'r.html')!r}]))")
    out = python("-c", code)
    assert out.returncode == 2, out.stderr
    assert "pip install -e '.[report]'" in out.stderr
    assert not (tmp_path / "r.html").exists()


def test_command_line_renders_a_saved_report(tmp_path, report, page):
    out = tmp_path / "r.html"
    assert html_report.main([str(FIXTURE), str(out)]) == 0
    assert len(_rows(out.read_text(encoding="utf-8"))) == len(report["claims"])


# ---------------------------------------------------------------------------------------------
# a real browser

def _browser():
    """Playwright's sync API and Debian's Chromium, or a skip that says how to install them."""
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append("the Playwright client (pip install -e '.[browser]')")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install -y chromium)")
    if missing:
        why = "browser test needs " + " and ".join(missing)
        if os.environ.get("CLAIMS_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return sync_playwright


VISIBLE_IDS = """() => Array.from(document.querySelectorAll('tbody.claim'))
    .filter(c => c.getClientRects().length > 0).map(c => c.dataset.id)"""


def test_browser_shows_every_claim_and_each_filter_changes_what_is_shown(report, page,
                                                                         tmp_path):
    sync_playwright = _browser()
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    claims = {c["id"]: c for c in report["claims"]}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.grant_permissions(["clipboard-read", "clipboard-write"])
            tab = context.new_page()
            errors, requests = [], []
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("request", lambda r: requests.append(r.url))
            tab.goto(path.as_uri())

            def shown() -> list[str]:
                return tab.evaluate(VISIBLE_IDS)

            assert sorted(shown()) == sorted(claims)
            assert tab.inner_text("#shown") == str(len(claims))
            # each filter shows exactly its claims, and fewer than all
            cases = [("#f-subject", "init", lambda c: c["id"].startswith("init.")),
                     ("#f-kind", "exact", lambda c: c["kind"] == "exact"),
                     ("#f-verdict", "refuted", lambda c: c["verdict"] == "refuted"),
                     ("#f-verdict", "not applicable", lambda c: c["verdict"] == "not applicable")]
            for selector, value, keep in cases:
                tab.select_option(selector, value)
                want = sorted(i for i, c in claims.items() if keep(c))
                assert sorted(shown()) == want and 0 < len(want) < len(claims), (selector, value)
                assert tab.inner_text("#shown") == str(len(want))
                tab.click("#f-reset")
                assert len(shown()) == len(claims)
            tab.select_option("#f-subject", "init")          # filters combine
            tab.select_option("#f-kind", "statistical")
            assert sorted(shown()) == sorted(i for i, c in claims.items()
                                             if i.startswith("init.")
                                             and c["kind"] == "statistical")
            tab.click("#f-reset")
            tab.check("#f-unexpected")
            assert sorted(shown()) == sorted(i for i, c in claims.items() if _unexpected(c))
            tab.click("#f-reset")
            tab.fill("#f-text", "momentum")
            assert sorted(shown()) == sorted(i for i in claims if "momentum" in i)
            tab.click("#f-reset")
            tab.click('.chip[data-verdict="error"]')          # a total is a filter too
            assert shown() == [i for i, c in claims.items() if c["verdict"] == "error"]
            tab.click("#f-reset")

            # unexpected first, in the order the page was built
            order = shown()
            assert [_unexpected(claims[i]) for i in order] == sorted(
                (_unexpected(claims[i]) for i in order), reverse=True)

            # a statistical claim opens on its drawing
            stat = next(i for i, c in claims.items() if c.get("trace")
                        and c["verdict"] == c["expected"] == "holds")
            row = tab.locator(f'tbody[data-id="{stat}"]')
            assert not row.locator("svg").first.is_visible()
            row.locator(".toggle").click()
            box = row.locator("svg").first.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 80

            # the corrected form is one click away, even when filtered out
            wrong = next(i for i, c in claims.items() if c.get("corrected_by"))
            tab.select_option("#f-subject", wrong.split(".")[0])
            right = claims[wrong]["corrected_by"]
            tab.locator(f'tbody[data-id="{wrong}"] .toggle').click()
            tab.locator(f'tbody[data-id="{wrong}"] a.claimlink').click()
            tab.wait_for_function("id => !document.getElementById('claim-' + id).rows[1]"
                                  ".hidden", arg=right)

            # the copy button puts the exact replay command on the clipboard
            refuted = next(i for i, c in claims.items() if c.get("replay")
                           and c["kind"] == "statistical")
            tab.click("#f-reset")
            row = tab.locator(f'tbody[data-id="{refuted}"]')
            row.locator(".toggle").click()
            row.locator("button.copy").click()
            tab.wait_for_function("b => b.textContent !== 'Copy'",
                                  arg=row.locator("button.copy").element_handle())
            assert tab.evaluate("navigator.clipboard.readText()") == claims[refuted]["replay"]

            # the unexpected refutation expanded at the top, for the screenshot
            tab.evaluate("history.replaceState(null, '', location.pathname)")
            tab.reload()
            first_refuted = next(i for i in shown() if claims[i]["verdict"] == "refuted")
            tab.locator(f'tbody[data-id="{first_refuted}"] .toggle').click()
            tab.evaluate("window.scrollTo(0, 0)")
            tab.set_viewport_size({"width": 1280, "height": 1400})
            shot = tmp_path / "report.png"
            tab.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            extra = os.environ.get("CLAIMS_HTML_SCREENSHOT")
            if extra:
                tab.screenshot(path=extra)

            assert errors == []
            assert [u for u in requests if u != path.as_uri()] == []
        finally:
            browser.close()
