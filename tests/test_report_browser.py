"""report.html in a real browser: headless Chromium opens the page from disk, offline.

Marked ``browser`` and skipped, with the reason, where no Chromium is installed (``.ci/run``
installs Debian's ``chromium`` when it is absent). The driver is :mod:`tests.headless_chromium`
(the DevTools protocol over a pipe, standard library only).
"""

from __future__ import annotations

import json

import pytest

from .headless_chromium import Chromium, find_chromium
from .report_data import EXPECTED, HOSTILE, WITH_FIGURE, make_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None,
                       reason="no Chromium found: install Debian's 'chromium' (as .ci/run does) or set $CHROMIUM"),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser-report")
    make_report(out)
    url = (out / "report.html").as_uri()
    with Chromium.launch() as browser:
        p = browser.open(url)
        p.url = url
        yield p


def _visible_ids(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('article.claim')].filter(a => a.offsetParent !== null).map(a => a.id)")


def _click(page, selector: str) -> None:
    """A real mouse click at the centre of the element (scrolled into view first)."""
    box = page.evaluate("(() => { const e = document.querySelector(" + json.dumps(selector) + ");"
                        " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                        " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    for kind in ("mousePressed", "mouseReleased"):
        page.browser.call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
                          session=page.session)


def test_no_console_errors_no_dialogs_and_no_network_requests(page):
    events = page.events
    errors = [e for e in events if e["method"] == "Runtime.exceptionThrown"
              or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert", "warning"))
              or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] in ("error", "warning"))]
    assert errors == []
    assert [e for e in events if e["method"] == "Page.javascriptDialogOpening"] == []  # no alert() ran
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    assert urls and urls[0] == page.url
    # besides the page itself only its embedded data: figures load; nothing goes to a network
    assert [u for u in urls[1:] if not u.startswith("data:image/png;base64,")] == []
    assert len(urls) - 1 == len(WITH_FIGURE)


def test_every_claim_is_shown_under_its_section(page):
    assert sorted(_visible_ids(page)) == sorted(EXPECTED)
    placed = page.evaluate("Object.fromEntries([...document.querySelectorAll('article.claim')]"
                           ".map(a => [a.id, a.closest('section.psec').id]))")
    assert placed["topic.intro"] == "sec-incidental-1.1" and placed["coding.late"] == "sec-coding-S2.3"
    heads = page.evaluate("[...document.querySelectorAll('section.psec > .sechead')].map(h => h.offsetHeight)")
    assert heads and all(h > 0 for h in heads)


def test_every_math_element_is_rendered_as_mathml_with_a_size(page):
    sizes = page.evaluate("[...document.querySelectorAll('math')].map(m => { const r = m.getBoundingClientRect();"
                          " return [m.constructor.name, r.width, r.height]; })")
    assert len(sizes) >= 2 * len(EXPECTED)
    assert all(kind == "MathMLElement" and w > 0 and h > 0 for kind, w, h in sizes), sizes


def test_every_figure_is_loaded(page):
    imgs = page.evaluate("Promise.all([...document.images].map(i => i.decode().then(() => [i.complete, i.naturalWidth, i.naturalHeight])))")
    assert len(imgs) == len(WITH_FIGURE)
    assert all(done and w > 100 and h > 100 for done, w, h in imgs), imgs
    svg = page.evaluate("(() => { const r = document.querySelector('svg.sections').getBoundingClientRect(); return [r.width, r.height]; })()")
    assert svg[0] > 0 and svg[1] > 0


def test_a_verdict_filter_click_hides_the_other_verdicts(page):
    _click(page, "button.only[data-verdict='erratum']")
    shown = _visible_ids(page)
    assert sorted(shown) == sorted(c for c, v in EXPECTED.items() if v == "erratum")
    # sections left without a claim in view are hidden too (paper 1 §1.1 holds only a verified claim)
    assert page.evaluate("document.getElementById('sec-incidental-1.1').offsetParent") is None
    assert page.evaluate("document.getElementById('f-count').textContent") == f"{len(shown)} of {len(EXPECTED)} claims shown"
    _click(page, "#show-all")
    assert sorted(_visible_ids(page)) == sorted(EXPECTED)
    _click(page, "#filters input[value='verified']")  # untick one verdict
    assert sorted(_visible_ids(page)) == sorted(c for c, v in EXPECTED.items() if v != "verified")
    _click(page, "#show-all")


def test_the_search_box_and_the_paper_filter(page):
    page.evaluate("document.getElementById('f-search').focus()")
    page.browser.call("Input.insertText", {"text": "hostile"}, session=page.session)
    assert _visible_ids(page) == ["topic.hostile"]
    page.evaluate("(() => { const s = document.getElementById('f-search'); s.value = '';"
                  " s.dispatchEvent(new Event('input')); const p = document.getElementById('f-paper');"
                  " p.value = 'coding'; p.dispatchEvent(new Event('change')); })()")
    assert sorted(_visible_ids(page)) == ["coding.early", "coding.late"]
    assert page.evaluate("document.getElementById('paper-incidental').offsetParent") is None
    _click(page, "#show-all")
    assert sorted(_visible_ids(page)) == sorted(EXPECTED)


def test_a_script_in_a_claim_title_is_shown_as_text(page):
    title = page.evaluate("document.querySelector('article[id=\"topic.hostile\"] h4').textContent")
    assert title == f"{HOSTILE} & <b>bold</b>"
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.querySelectorAll('article b').length") == page.evaluate(
        "document.querySelectorAll('article .outcome b, article .res b, article .method b, article .domain b').length")


def test_a_link_to_a_claim_hidden_by_the_filters_shows_it(page):
    _click(page, "button.only[data-verdict='verified']")
    assert "topic.erratum" not in _visible_ids(page)
    # the page's own hashchange listener was added first, so it has run when this one resolves
    page.evaluate("new Promise(r => { window.addEventListener('hashchange', () => r(), {once: true});"
                  " location.hash = '#topic.erratum'; })")
    assert "topic.erratum" in _visible_ids(page)
    assert page.evaluate("document.querySelector(':target').id") == "topic.erratum"
