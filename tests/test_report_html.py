"""report.html: written by every run, rebuilt by ``polyverify report DIR``, self-contained, escaped,
each paper in its own order (the page is checked in a real browser in test_report_browser.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from polyverify.cli import main
from polyverify.paper_sections import OTHER, SECTIONS, locate, position
from polyverify.registry import select
from polyverify.report_html import el, math_markup, render_html

from .report_data import EXPECTED, HOSTILE, PAPER_ORDER, WITH_FIGURE, make_report

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    make_report(out)
    return out


class _Page(HTMLParser):
    """Tags, attributes and text of a page, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts = 0
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def test_a_run_writes_the_page_beside_the_other_files(folder):
    for name in ("report.html", "report.json", "report.md", "values.tex"):
        assert (folder / name).stat().st_size > 0, name
    page = _parse((folder / "report.html").read_text(encoding="utf-8"))
    claims = [a["id"] for t, a in page.tags if t == "article"]
    assert sorted(claims) == sorted(EXPECTED)
    verdicts = {a["id"]: a["data-verdict"] for t, a in page.tags if t == "article"}
    assert verdicts == EXPECTED


def test_each_paper_in_its_own_order_every_claim_under_its_section(folder):
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    order = [a["id"] for t, a in page.tags if t == "article"]
    assert order == PAPER_ORDER
    # each claim sits inside the section element of the section it cites
    expected_section = {"topic.intro": "sec-incidental-1.1", "topic.needs_cuda": "sec-incidental-2.3",
                        "topic.broken": "sec-incidental-2.3", "topic.erratum": "sec-incidental-2.4",
                        "topic.refuted": "sec-incidental-2.4", "topic.hostile": "sec-incidental-2.5",
                        "topic.appendix": "sec-incidental-C.2", "coding.early": "sec-coding-2-efficient",
                        "coding.late": "sec-coding-S2.3"}
    current = None
    for tag, attrs in page.tags:
        if tag == "section" and (attrs.get("id") or "").startswith("sec-"):
            current = attrs["id"]
        if tag == "article":
            assert current == expected_section[attrs["id"]], attrs["id"]
    # paper 1 comes before paper 2, and a section's parent heading is shown (§2 before §2.4)
    assert html.index('id="paper-incidental"') < html.index('id="paper-coding"')
    assert html.index('id="sec-incidental-2"') < html.index('id="sec-incidental-2.4"')


def test_the_page_needs_nothing_from_outside(folder):
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            v = attrs.get(name)
            if v is not None:
                assert v.startswith(("#", "data:image/png;base64,")), (tag, name, v[:60])
        assert tag != "link", "no external style sheet"
    assert page.scripts == 1 and 'src=' not in re.search(r"<script>.*?</script>", html, re.S).group(0)[:20]
    # every claim with a figure has it embedded; math is MathML (no script renders it)
    assert sorted(a["alt"].removeprefix("evidence of ") for t, a in page.tags if t == "img") == WITH_FIGURE
    assert len([1 for t, a in page.tags if t == "math"]) >= 2 * len(EXPECTED)
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'; img-src data:;")


def test_a_script_in_a_claim_title_is_shown_as_text(folder):
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    assert page.scripts == 1  # only the page's own filter script
    text = "".join(page.text)
    assert f"{HOSTILE} & <b>bold</b>" in text  # the title, as text
    assert f"statement {HOSTILE}" in text
    assert HOSTILE in text.split("statement")[0] or text.count(HOSTILE) >= 3  # title, statement, \text{...}
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "javascript:" not in html  # \href in a form is dropped, its text kept


def test_mathml_output_is_rebuilt_through_a_whitelist():
    m = math_markup(r"\text{<img src=x onerror=alert(1)>} + \href{javascript:alert(1)}{y} + \frac{a}{b}")
    assert m is not None and m.startswith("<math")
    assert "<img" not in m and "javascript" not in m
    assert "&lt;img src=x onerror=alert(1)&gt;" in m.replace("\xa0", " ")  # \text keeps its spaces as NBSP
    assert "<mfrac>" in m
    assert math_markup(r"\frac{1}{") is None  # unreadable LaTeX: the caller shows it as text
    assert el("td", {"title": '"><script>'}, "<x>") == '<td title="&quot;&gt;&lt;script&gt;">&lt;x&gt;</td>'
    with pytest.raises(ValueError, match="attribute name"):
        el("td", {'onclick="x"': 1})


def test_errata_show_both_forms_and_their_difference(folder):
    html = (folder / "report.html").read_text(encoding="utf-8")
    art = re.search(r'<article[^>]*id="coding.early".*?</article>', html, re.S).group(0)
    assert 'class="form printed"' in art and 'class="form derived"' in art
    assert "REJECTED" in art and "not rejected" in art
    assert "printed − derived = " in art  # x^2 + 1 - x^2 = 1
    assert "<mn>1</mn>" in art.split("printed − derived = ")[1][:200]
    assert "<details" in art and "<details open" not in art  # evidence collapsed by default
    # the norms of a printed form survive (Markdown tables garbled them as \|)
    err = re.search(r'<article[^>]*id="topic.erratum".*?</article>', html, re.S).group(0)
    assert "\\|" not in err and "<math" in err


def test_polyverify_report_rebuilds_the_page_from_the_folder(folder, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("report.json",):
        (copy / name).write_bytes((folder / name).read_bytes())
    (copy / "figures").mkdir()
    for f in (folder / "figures").iterdir():
        (copy / "figures" / f.name).write_bytes(f.read_bytes())
    r = subprocess.run([sys.executable, "-m", "polyverify", "report", str(copy)], capture_output=True, text=True,
                       cwd=ROOT, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    assert (copy / "report.html").read_text(encoding="utf-8") == (folder / "report.html").read_text(encoding="utf-8")
    assert (copy / "values.tex").read_text(encoding="utf-8") == (folder / "values.tex").read_text(encoding="utf-8")


@pytest.mark.parametrize("setup, message", [
    (lambda d: None, "has no report.json"),
    (lambda d: (d / "report.json").write_text("{not json"), "not valid JSON"),
    (lambda d: (d / "report.json").write_text('{"results": 3}'), "list of results"),
    (lambda d: (d / "report.json").write_text('{"results": [{"claim_id": "no.such", "verdict": "verified"}]}'),
     "'no.such' is not registered"),
])
def test_polyverify_report_on_a_bad_folder_exits_2_with_one_line(tmp_path, capsys, setup, message):
    setup(tmp_path)
    assert main(["report", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and message in err
    assert not (tmp_path / "report.html").exists()


def test_render_refuses_a_result_without_its_claim_entry(folder):
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    del data["claims"]["topic.intro"]
    with pytest.raises(ValueError, match="'topic.intro'"):
        render_html(data)


def test_the_summary_markdown_is_short_and_links_into_the_page(folder):
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "](report.html#coding.early)" in md and "## Errata" in md
    assert "| claim | verdict |" in md and md.count("\n| [`") == len(EXPECTED)
    assert "Evidence" not in md and "*Method:*" not in md  # the detail lives in the page and the JSON


def test_every_registered_claim_has_a_known_section_of_its_paper():
    for c in select(None, suite="full"):
        sec = locate(c.source.paper, c.source.section, c.source.equation)
        assert sec is not OTHER[c.source.paper] and sec.key in SECTIONS[c.source.paper], (c.id, c.source.section)


def test_sections_are_read_from_the_first_reference():
    assert locate("incidental", "§3.2, App. C.1").key == "3.2"
    assert locate("incidental", "App. C.2").key == "C.2"
    assert locate("incidental", "Appendix B (derived)").key == "B"
    assert locate("incidental", "Figs 4, 5 (captions)").key == "3"
    assert locate("incidental", "§2.5.1").key == "2.5"  # nearest enclosing section
    assert locate("coding", "Supplementary §2.5").key == "S2.5"
    assert locate("coding", "Methods, Statistics").key == "4"
    assert locate("coding", "§2 Dropout incentivizes fast decay of eigenspectrum").key == "2:dropout"
    assert locate("coding", "main text §2", "eq. 4").key == "2:projections"
    assert locate("incidental", "nowhere") is OTHER["incidental"]
    other = locate("third", "§1")  # a registered paper without a table: one section holds its claims
    assert (other.paper, other.key) == ("third", "all")
    with pytest.raises(ValueError, match="paper must be a non-empty paper key"):
        locate("", "§1")
    assert position("after eq. 1") > position("eq. 1") > position("before eq. 1")


def test_a_claim_without_evidence_shows_why(folder):
    html = (folder / "report.html").read_text(encoding="utf-8")
    broken = re.search(r'<article[^>]*id="topic.broken".*?</article>', html, re.S).group(0)
    assert "<b>Reason </b>" in broken and "the simulation broke" in broken and "<img" not in broken
    skipped = re.search(r'<article[^>]*id="topic.needs_cuda".*?</article>', html, re.S).group(0)
    assert 'data-verdict="skipped"' in skipped and "cuda" in skipped
