"""What the API tests share: a token for a persona of the cast (calls made with it: `calls.py`)."""

from collections.abc import Callable

import pytest

from kbs.accounts.models import User
from kbs.api.actions import create_api_token


@pytest.fixture
def token_for(cast: dict[str, User]) -> Callable[..., str]:
    """A token for the persona, named "<persona> system", with the given scopes (default: all)."""
    def make(persona: str, scopes: list[str] | None = None) -> str:
        return create_api_token(by=None, user=cast[persona], name=f"{persona} system", scopes=scopes)[1]

    return make
