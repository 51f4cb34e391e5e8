"""The language of a family's printed plans (safe sleep, coping with crying, support).

A plan prints in the language on the family's record unless the practitioner asks for another with
`?lang=` (usually `?lang=en`, to have an English copy too). The practitioner's own pages stay in
English and offer both downloads.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from kbs.core.pdf import pdf_download
from kbs.families.models import Family
from kbs.public.languages import BY_CODE, Language, language_for
from kbs.public.models import awaiting_review


def plan_language(request: HttpRequest, family: Family) -> Language:
    """The language asked for in `?lang=`, if it is one we have; otherwise the family's own."""
    asked = BY_CODE.get(request.GET.get("lang", ""))
    return asked or language_for(family.language)


def print_context(language: Language) -> dict[str, Any]:
    """What a print template needs to know about its language: the html element's lang and dir, and
    whether to say that the translation has not been checked yet."""
    return {
        "print_lang": language.html_lang,
        "print_dir": language.direction,
        "translation_notice": awaiting_review(language.code),
    }


def plan_pdf_download(request: HttpRequest, *, family: Family, template: str, context: Callable[[], dict[str, Any]],
                      filename: str, audit: dict[str, Any]) -> HttpResponse:
    """A family's plan as a PDF in `plan_language`, with the language in its EXPORT audit row.
    `context` is called inside the language, since it translates the tool's messages too."""
    language = plan_language(request, family)
    audit = {**audit, "family": family, "detail": {**audit.get("detail", {}), "language": language.code}}
    with translation.override(language.django_code):
        return pdf_download(request, template=template, context=context() | print_context(language),
                            filename=filename, audit=audit)


def download_links(family: Family, pdf_url: str) -> list[dict[str, str]]:
    """The PDF links for a practitioner's page: the family's language first, then English."""
    language = language_for(family.language)
    if language.is_english:
        return [{"href": pdf_url, "text": "Download the plan (PDF)"}]
    return [
        {"href": f"{pdf_url}?lang={language.code}", "text": f"Download the plan in {language.name} (PDF)"},
        {"href": f"{pdf_url}?lang=en", "text": "Download the plan in English (PDF)"},
    ]
