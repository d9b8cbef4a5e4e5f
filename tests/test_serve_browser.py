"""The editors' preview page in a real headless browser (the system's Chromium).

Loads ``/`` from a real server on the demo corpus, picks an article by searching its
title, checks the rendered box against the library's answer and against the box the
README shows under its screenshot, then previews a draft. The screenshot is saved to
the test's temporary folder; ``RECOMMENDER_REFRESH_SCREENSHOT=1`` also copies it to
``docs/serve-preview.png``, the image the README shows.

Skips, saying why, when Playwright or a Chromium binary is missing (``./run test``
installs Debian's ``chromium`` when it can).
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")
playwright = pytest.importorskip("playwright.sync_api",
                                 reason="Playwright is not installed (the dev extra)")

from serve_helpers import ROOT, running_server  # noqa: E402

from recommender import RelatedIndex, read_articles  # noqa: E402
from recommender.demo import demo_corpus_path  # noqa: E402
from recommender.records import Article  # noqa: E402

ARTICLE = "en-coffee-1"
SCREENSHOT = ROOT / "docs" / "serve-preview.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    for candidate in (os.environ.get("RECOMMENDER_CHROMIUM"), "chromium", "chromium-browser",
                      "google-chrome"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    pytest.skip("no Chromium found (install Debian's package: apt-get install -y chromium, "
                "or set RECOMMENDER_CHROMIUM); the preview page was not tested in a browser")


def _readme_box() -> list[str]:
    """The box the README shows under the screenshot: ``1. Title (reason)`` lines."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(f"<!-- preview-box: {ARTICLE} -->", 1)[1].split("\n\n", 1)[0]
    return [re.sub(r"^\d+\. ", "", line.strip()) for line in block.strip().splitlines()]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    index = RelatedIndex.build(read_articles(demo_corpus_path()))
    path = tmp_path_factory.mktemp("browser") / "demo"
    index.save(path)
    with running_server(path) as url:
        yield url, index


def test_preview_page_shows_the_box_readers_would_see(site, tmp_path):
    url, index = site
    executable = _chromium()
    expected = index.related(ARTICLE, k=5, explain=True)
    draft = Article(id="draft", title="Frost in Brazil lifts arabica coffee prices",
                    tags=("Coffee",))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            page.goto(url + "/")
            page.wait_for_function("document.getElementById('status').textContent"
                                   ".includes('140 articles')")
            page.fill("#search", "arabica coffee")
            page.click(f"#results li[data-id='{ARTICLE}']")
            page.wait_for_selector("#box li.item")
            items = page.locator("#box li.item")
            titles = [items.nth(i).locator("a").inner_text() for i in range(items.count())]
            reasons = [items.nth(i).get_attribute("data-reason") for i in range(items.count())]
            whys = [items.nth(i).locator(".why").inner_text() for i in range(items.count())]
            links = page.locator("#links li").all_inner_texts()
            page.screenshot(path=str(tmp_path / "serve-preview.png"), full_page=True)
            if os.environ.get("RECOMMENDER_REFRESH_SCREENSHOT"):
                shutil.copyfile(tmp_path / "serve-preview.png", SCREENSHOT)

            assert titles == [r.title for r in expected]
            assert reasons == [r.reason for r in expected]
            assert all(whys), whys  # every item says why it is there
            curated = index.table.curated[index.position(ARTICLE)]
            assert links == [index.title(i) for i in curated]
            assert [f"{t} ({r})" for t, r in zip(titles, reasons, strict=True)] == \
                _readme_box(), "the README's box is not what the page shows: refresh it"

            page.fill("#draft-title", draft.title)
            page.fill("#draft-tags", "Coffee")
            page.click("#draft-submit")
            page.wait_for_function("document.getElementById('box-title').textContent"
                                   f" === {draft.title!r}")
            shown = page.locator("#box li.item a").all_inner_texts()
            assert shown == [r.title for r in index.similar(draft, k=5)]
        finally:
            browser.close()
    assert (tmp_path / "serve-preview.png").stat().st_size > 10_000
    assert SCREENSHOT.is_file(), "docs/serve-preview.png (the README's image) is missing"
