"""The Jinja2 environment: our templates first, then the NHS.UK frontend macros."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext, ngettext, npgettext, pgettext
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from kbs.core import fast_filters, presenters
from kbs.core.forms import error_summary_items, field_kind, field_params
from kbs.core.navigation import nav_items
from kbs.public.i18n import FILTERS as I18N_FILTERS
from kbs.tools import presenters as tool_presenters
from kbs.tools.labels import action_label


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    # The NHS.UK macros are written for Nunjucks and rely on chained lookups of missing values.
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    options["undefined"] = ChainableUndefined
    options.setdefault("extensions", [])
    # `_("…")` and {% trans %} mark text for translation (public pages, printed plans). Pages are
    # rendered in English unless a view chooses a language with translation.override.
    options["extensions"] = [*options["extensions"], "jinja2.ext.i18n"]
    # Always escape, whatever the settings pass in (they say True too): a template can never be
    # rendered unescaped by a settings mistake.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )
    env.globals.update(
        {
            "static": static,
            "static_url": settings.STATIC_URL,
            "url": url,
            "csrf_token_value": get_token,
            "get_messages": messages.get_messages,
            "field_kind": field_kind,
            "field_params": field_params,
            "error_summary_items": error_summary_items,
            "nav_items": nav_items,
            "gestation": presenters.gestation,
            "demo_mode": settings.DEMO_MODE,
        }
    )
    env.globals.update(tool_presenters.GLOBALS)
    env.filters.update(presenters.FILTERS)
    env.filters["indent"] = fast_filters.indent
    env.filters["action_label"] = action_label
    env.filters.update(I18N_FILTERS)
    return env
