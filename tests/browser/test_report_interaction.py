"""The report driven like a person would, over the DevTools protocol: hover text of names and quotes, a
click on a quote showing its speaker, typing a search; no console error or exception on the way."""
from __future__ import annotations

import json

import pytest

from tests.browser.chromium import page_url
from tests.browser.devtools import Browser


@pytest.fixture()
def browser():
    with Browser(width=1280, height=900) as b:
        yield b


def _title_under_pointer(browser: Browser, selector: str) -> str:
    return browser.evaluate(
        f"(() => {{ const el = document.querySelector({json.dumps(selector)}); return el.title; }})()")


def test_hover_and_click_in_the_seed_article(seed_report, browser):
    html_path, position, _ = seed_report
    browser.open(page_url(html_path, f"article/{position}"))
    browser.wait_for(f"document.getElementById('article').getAttribute('data-article') === '{position}'")

    person = "#article .body .ent.per[data-role]"
    assert _title_under_pointer(browser, person) == ""  # made when the pointer comes
    browser.hover(person)
    browser.wait_for(f"document.querySelector({json.dumps(person)}).title !== ''")
    assert _title_under_pointer(browser, person) == "شخص: سيرغي لافروف — وزير الخارجية الروسي"

    partial = "#article .body .q-partial"
    browser.hover(partial)
    browser.wait_for(f"document.querySelector({json.dumps(partial)}).title !== ''")
    assert _title_under_pointer(browser, partial) == "اقتباس جزئي — إبراهيم الجعفري (تأكيده)"

    # A click on the quote shows its speaker's mention (scrolled to, outlined for a moment).
    ref = browser.evaluate(f"document.querySelector({json.dumps(partial)}).getAttribute('data-speaker-ref')")
    browser.click(partial)
    browser.wait_for(f"document.getElementById('{ref}').classList.contains('flash')", timeout=5)
    assert browser.evaluate(f"document.getElementById('{ref}').getAttribute('data-canonical')") == "إبراهيم الجعفري"
    assert browser.errors() == []


def test_typing_a_search_filters_the_list(seed_report, browser):
    html_path, _, result = seed_report
    browser.open(page_url(html_path, "articles"))
    assert browser.evaluate("document.querySelectorAll('#list > li').length") == len(result["articles"]) == 14
    browser.evaluate("document.getElementById('filter-field').value = 'agency'")
    browser.type_text("#filter-q", "KUNA")
    browser.wait_for("location.hash.indexOf('q=KUNA') >= 0")
    kuna = [a for a in result["articles"] if a["agency"] == "KUNA"]
    assert browser.evaluate("document.querySelectorAll('#list > li').length") == len(kuna) == 3
    # Diacritics and alef forms do not matter: إبراهيم written أبراهيم with a fatha finds the speaker.
    browser.open(page_url(html_path, "articles?f=speaker&q=" + "أبرَاهيم"))
    assert browser.evaluate("document.querySelectorAll('#list > li').length") == 2
    assert browser.errors() == []
