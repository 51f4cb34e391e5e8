"""The public "Keeping babies safe" pages: open to everyone, no cookies, cacheable, in four languages."""

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.public import actions
from kbs.public.languages import BY_CODE, LANGUAGES, TRANSLATED
from kbs.public.pages import PAGES
from kbs.public.views import page_url

ALL_PAGES = [(lang.code, page.slug) for lang in LANGUAGES for page in PAGES]
# A sentence from each language's pages that only a translation would hold.
KNOWN = {
    "en": ("coping-with-crying", "Infant crying is normal, and it will stop"),
    "pl": ("coping-with-crying", "Płacz niemowlęcia jest normalny i minie"),
    "ur": ("coping-with-crying", "بچے کا رونا معمول کی بات ہے، اور یہ رک جائے گا"),
    "ro": ("coping-with-crying", "Plânsul bebelușului este normal și va trece"),
}
NOTICE = "This translation has not yet been checked by a qualified translator."


def _url(code: str, slug: str = "") -> str:
    return page_url(BY_CODE[code], slug)


def _text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.mark.parametrize(("code", "slug"), ALL_PAGES)
def test_public_page_opens_without_sign_in_and_sets_no_cookie(client: Client, db: Any, code: str, slug: str) -> None:
    response = client.get(_url(code, slug))
    assert response.status_code == 200
    assert not response.cookies, f"{_url(code, slug)} set {list(response.cookies)}"
    assert "Set-Cookie" not in str(response.serialize_headers())
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_public_page_for_signed_in_staff_is_the_same_and_sets_no_cookie(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("en", "safer-sleep"))
    assert response.status_code == 200
    assert not response.cookies
    page = _text(response)
    assert "Sign out" not in page
    assert "Harriet" not in page
    assert "csrfmiddlewaretoken" not in page


def test_public_page_makes_at_most_one_query(client: Client, db: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(1):
        assert client.get(_url("pl", "safer-sleep")).status_code == 200
    with django_assert_max_num_queries(0):
        assert client.get(_url("en", "safer-sleep")).status_code == 200


@pytest.mark.parametrize("code", list(KNOWN))
def test_each_language_shows_its_own_words(client: Client, db: Any, code: str) -> None:
    slug, sentence = KNOWN[code]
    response = client.get(_url(code, slug))
    assert sentence in _text(response)
    assert response["Content-Language"] == ("en-GB" if code == "en" else code)
    for other, (_, other_sentence) in KNOWN.items():
        if other != code:
            assert other_sentence not in _text(response)


def test_urdu_page_reads_right_to_left(client: Client, db: Any) -> None:
    response = client.get(_url("ur", "safer-sleep"))
    assert re.search(r'<html lang="ur"[^>]*\bdir="rtl"', response.content.decode())
    for code in ("en", "pl", "ro"):
        assert 'dir="rtl"' not in re.search(r"<html[^>]*>", client.get(_url(code)).content.decode()).group(0)


def test_html_lang_names_the_language(client: Client, db: Any) -> None:
    for code, expected in (("en", "en-GB"), ("pl", "pl"), ("ro", "ro")):
        assert f'<html lang="{expected}"' in client.get(_url(code, "safe-home")).content.decode()


def test_language_links_go_to_the_same_page_in_each_language(client: Client, db: Any) -> None:
    page = client.get(_url("pl", "safe-handling")).content.decode()
    for lang in LANGUAGES:
        if lang.code != "pl":
            assert f'href="{_url(lang.code, "safe-handling")}" hreflang="{lang.html_lang}"' in page


@pytest.mark.parametrize("url", ["/keeping-babies-safe/fr/", "/keeping-babies-safe/de/safer-sleep/",
                                 "/keeping-babies-safe/pl/no-such-page/", "/keeping-babies-safe/no-such-page/"])
def test_unknown_language_or_page_is_not_found(client: Client, db: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert not response.cookies


def test_english_has_no_language_in_its_address(client: Client, db: Any) -> None:
    response = client.get("/keeping-babies-safe/en/safe-home/")
    assert response.status_code == 301
    assert response["Location"] == "/keeping-babies-safe/safe-home/"


def test_english_pages_have_no_translation_notice(client: Client, db: Any) -> None:
    assert NOTICE not in _text(client.get(_url("en", "safer-sleep")))


@pytest.mark.parametrize("code", [lang.code for lang in TRANSLATED])
def test_translation_notice_shows_until_marked_reviewed(client: Client, cast: dict[str, User], code: str) -> None:
    assert NOTICE in _text(client.get(_url(code, "safer-sleep")))  # in English, and in the language too
    actions.mark_translation_reviewed(by=cast["admin"], language=code)
    assert NOTICE not in _text(client.get(_url(code, "safer-sleep")))
    others = [lang.code for lang in TRANSLATED if lang.code != code]
    assert all(NOTICE in _text(client.get(_url(other))) for other in others)


def test_safer_sleep_covers_grandparents_and_out_of_routine(client: Client, db: Any) -> None:
    page = _text(client.get(_url("en", "safer-sleep")))
    for words in ("For grandparents and other carers", "When your routine changes", "holidays and travel",
                  "After drinking alcohol or taking drugs", "When you are very tired", "visiting family or friends"):
        assert words in page


def test_coping_with_crying_has_the_four_icon_messages(client: Client, db: Any) -> None:
    page = _text(client.get(_url("en", "coping-with-crying")))
    for words in ("Infant crying is normal", "Comforting methods can help", "It's OK to walk away", "Never, ever shake a baby"):
        assert words in page


def test_safe_home_covers_dogs(client: Client, db: Any) -> None:
    assert "Never leave your baby alone with a dog" in _text(client.get(_url("en", "safe-home")))


def test_worried_page_gives_999_and_the_configured_numbers(client: Client, db: Any, settings: Any) -> None:
    settings.KBS_CSC_CONTACTS = [
        {"area": "Testshire", "phone": "01632 960111", "out_of_hours": "01632 960222", "example": False},
        {"area": "Sampleton (example)", "phone": "01632 960333", "out_of_hours": "", "example": True},
    ]
    page = client.get(_url("en", "worried-about-a-baby")).content.decode()
    text = " ".join(html.unescape(page).split())
    assert "Call 999 now if a baby is in danger" in text
    assert 'href="tel:01632960111"' in page
    assert 'href="tel:01632960222"' in page
    assert 'href="tel:01632960333"' in page
    assert text.count("Example: not a real number") == 1


def test_worried_page_without_numbers_says_to_call_the_council(client: Client, db: Any, settings: Any) -> None:
    settings.KBS_CSC_CONTACTS = []
    text = _text(client.get(_url("pl", "worried-about-a-baby")))
    assert "Zadzwoń do swojego urzędu gminy" in text


def test_demo_numbers_are_marked_as_examples(settings: Any) -> None:
    assert settings.KBS_CSC_CONTACTS, "development has demo numbers"
    assert all(row["example"] and "(example)" in row["area"] for row in settings.KBS_CSC_CONTACTS)


def test_staff_footer_links_the_statements_and_the_public_pages(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["health_visitor"])
    page = client.get(reverse("families:mine")).content.decode()
    for name in ("core:accessibility", "core:privacy", "core:cookies", "public:index"):
        assert f'href="{reverse(name)}"' in page
