from django.urls import include, path, re_path

from kbs.api import views
from kbs.api.v1 import api
from kbs.api.v1.fhir import fhir_api

app_name = "api"
urlpatterns = [
    path("docs", views.docs, name="docs"),
    path("v1/", include(api.urls[0])),
    path("fhir/", include((fhir_api.urls[0], "fhir"))),  # FHIR R4 resources (issue 10, part 3)
    # Anything else under v1 answers in the API's own error shape, not with the HTML "not found" page.
    re_path(r"^v1/", views.not_found, name="not_found"),
]
