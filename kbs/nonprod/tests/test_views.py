"""Persona sign-in, demo mode only."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kbs.audit.models import Action, AuditEvent
from kbs.nonprod.demo import load_demo_data
from kbs.nonprod.personas import PERSONAS


@pytest.fixture
def demo(db: Any) -> None:
    load_demo_data(families=6)


def test_persona_page_lists_every_persona(client: Client, demo: None) -> None:
    response = client.get(reverse("nonprod:personas"))
    assert response.status_code == 200
    for persona in PERSONAS:
        assert persona.job_title in response.content.decode()


@pytest.mark.parametrize("persona", [p.key for p in PERSONAS])
def test_persona_sign_in_signs_in_and_audits(client: Client, demo: None, persona: str) -> None:
    response = client.post(reverse("nonprod:personas"), {"persona": persona})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.SIGN_IN).count() == 1
    assert client.get(response.url, follow=True).status_code == 200


def test_persona_sign_in_refuses_an_unknown_persona(client: Client, demo: None) -> None:
    assert client.post(reverse("nonprod:personas"), {"persona": "root"}).status_code == 404


def test_persona_sign_in_before_demo_load_is_not_found(client: Client, db: Any) -> None:
    assert client.post(reverse("nonprod:personas"), {"persona": PERSONAS[0].key}).status_code == 404
