"""The public pages (no sign-in, no cookies, in the language their URL names) and the administrators'
page for marking a translation as checked.

The public pages are the same for everyone, so they may sit in shared caches for five minutes. They
must set no cookie at all: their templates never touch the session, the messages or the CSRF token,
and nothing about the reader's language is remembered (it is in the URL).
"""

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.families.access import NOT_FOUND
from kbs.public import actions
from kbs.public.catalogues import completeness
from kbs.public.languages import BY_CODE, ENGLISH, LANGUAGES, TRANSLATED, Language
from kbs.public.models import TranslationReview, awaiting_review
from kbs.public.pages import BY_SLUG, PAGES, PublicPage

CACHE_SECONDS = 300


def page_url(language: Language, slug: str = "") -> str:
    """The address of a public page in a language (English has no language in its address)."""
    if language.is_english:
        return reverse("public:page", args=[slug]) if slug else reverse("public:index")
    return reverse("public:page_in", args=[language.code, slug]) if slug else reverse("public:index_in", args=[language.code])


def _context(request: HttpRequest, language: Language, page: PublicPage) -> dict[str, Any]:
    def href(slug: str = "") -> str:
        # Absolute, so that a printed page shows where each link goes.
        return request.build_absolute_uri(page_url(language, slug))

    return {
        "title": gettext(page.title),
        "page": page,
        "pages": [{"slug": p.slug, "title": gettext(p.title), "summary": gettext(p.summary), "href": href(p.slug)}
                  for p in PAGES],
        "href": href,
        "this_url": href(page.slug),
        "language": language,
        "html_lang": language.html_lang,
        "html_dir": language.direction,
        "languages": [{"language": lang, "href": page_url(lang, page.slug), "current": lang == language}
                      for lang in LANGUAGES],
        "english_url": page_url(ENGLISH, page.slug),
        "awaiting_review": awaiting_review(language.code),
        "csc_contacts": settings.KBS_CSC_CONTACTS,
    }


@require_GET
def page(request: HttpRequest, slug: str = "", lang: str | None = None) -> HttpResponse:
    public_page = BY_SLUG.get(slug)
    if public_page is None:
        raise Http404("Page not found")
    if lang == "en":
        # English has no language in its address: send /keeping-babies-safe/en/… to the one address.
        return redirect(page_url(ENGLISH, slug), permanent=True)
    language = ENGLISH if lang is None else BY_CODE.get(lang)
    if language is None:
        raise Http404("Page not found")
    with translation.override(language.django_code):
        response = render(request, public_page.template, _context(request, language, public_page))
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    response["Content-Language"] = language.html_lang
    return response


# ---- the administrators' page -----------------------------------------------------------------


def _administrator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with MANAGE_PARTNERSHIP_SETTINGS; anyone else gets the same 404 as a missing page."""

    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_permission(cast(User, request.user), Permission.MANAGE_PARTNERSHIP_SETTINGS):
            raise Http404(NOT_FOUND)
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@_administrator
def translations(request: HttpRequest) -> HttpResponse:
    reviews = {row.language: row for row in TranslationReview.objects.select_related("reviewed_by")}
    rows = [{"language": lang, "completeness": completeness(lang.code), "review": reviews.get(lang.code),
             "url": page_url(lang)} for lang in TRANSLATED]
    return render(request, "public/translations.jinja", {"title": "Translations of the public pages and plans", "rows": rows})


@require_POST
@_administrator
def review_translation(request: HttpRequest, lang: str) -> HttpResponse:
    language = BY_CODE.get(lang)
    if language is None or language not in TRANSLATED:
        raise Http404(NOT_FOUND)
    reviewed = request.POST.get("reviewed") == "yes"
    actions.mark_translation_reviewed(by=cast(User, request.user), language=language.code, reviewed=reviewed)
    messages.success(request, f"The {language.name} translation is marked as "
                              f"{'checked by a qualified translator' if reviewed else 'awaiting review'}")
    return redirect("public:translations")
