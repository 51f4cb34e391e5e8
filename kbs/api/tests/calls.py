"""Calls to the API with a bearer token, for the API tests."""

import json
from typing import Any

from django.test import Client


def get(client: Client, path: str, token: str | None) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})


def post_json(client: Client, path: str, token: str | None, data: Any, **headers: str) -> Any:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(path, data=json.dumps(data), content_type="application/json", headers=headers)
