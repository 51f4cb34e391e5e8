"""Pages render with production's static files storage, where every static() name must be in the
manifest of hashed names (a name missing from it is a 500 on every page)."""

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

MANIFEST = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}


@pytest.mark.django_db
def test_pages_render_with_the_manifest_storage(tmp_path: Path, settings: Any, cast: dict[str, Any]) -> None:
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, **MANIFEST}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=settings.STORAGES):
        call_command("collectstatic", "--no-input", verbosity=0)
        anonymous = Client()
        for url in (reverse("accounts:sign_in"), reverse("public:index")):
            response = anonymous.get(url)
            assert response.status_code == 200, url
            assert b"/static/nhsuk/assets/images/favicon.ico" in response.content
            assert b"nhsuk-frontend.min." in response.content  # a hashed name from the manifest
        staff = Client()
        staff.force_login(cast["analyst"])
        assert staff.get(reverse("insights:dashboard")).status_code == 200
