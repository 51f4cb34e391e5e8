from django.conf import settings
from django.urls import include, path

from kbs.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("", include("kbs.core.urls")),
    path("", include("kbs.accounts.urls")),
    path("", include("kbs.families.urls")),
    path("", include("kbs.contacts.urls")),
    path("", include("kbs.tools.urls")),
    path("", include("kbs.concerns.urls")),
    path("", include("kbs.prebirth.urls")),
    path("", include("kbs.chronology.urls")),
    path("", include("kbs.workforce.urls")),
    path("", include("kbs.insights.urls")),
    path("", include("kbs.library.urls")),
    path("", include("kbs.learning.urls")),
    path("", include("kbs.public.urls")),
    path("", include("kbs.staff.urls")),
    path("audit/", include("kbs.audit.urls")),
    path("api/", include("kbs.api.urls")),
    path("api-tokens/", include("kbs.api.tokens_urls")),
    path("", include("kbs.subjectaccess.urls")),
    path("", include("kbs.retention.urls")),
    path("", include("kbs.imports.urls")),
]
if settings.DEMO_MODE:
    urlpatterns.append(path("demo/", include("kbs.nonprod.urls")))

handler404 = "kbs.core.views.not_found"
handler500 = "kbs.core.views.server_error"
handler403 = "kbs.core.views.not_found"
