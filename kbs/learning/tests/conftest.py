"""Fixtures for the learning tests: a private upload folder, and a review with a recommendation
recorded through the real actions. (The cast comes from kbs/conftest.py.)"""

from pathlib import Path
from typing import Any

import pytest

from kbs.accounts.models import User
from kbs.learning import actions
from kbs.learning.models import Recommendation, Review, Scope


@pytest.fixture(autouse=True)
def upload_root(settings: Any, tmp_path: Path) -> Path:
    settings.KBS_UPLOAD_ROOT = tmp_path / "uploads"
    return settings.KBS_UPLOAD_ROOT  # type: ignore[no-any-return]


@pytest.fixture
def review(cast: dict[str, User]) -> Review:
    return actions.add_review(
        by=cast["admin"], title="Out of routine", scope=Scope.NATIONAL, publisher="Child Safeguarding Practice Review Panel",
        summary="Sudden unexpected deaths in infancy when routines were disrupted.", themes=["Safer sleep"],
        source_url="https://example.org/out-of-routine",
    )


@pytest.fixture
def recommendation(cast: dict[str, User], review: Review) -> Recommendation:
    return actions.add_recommendation(by=cast["admin"], review=review, text="Plan for disrupted routines.",
                                      themes=["Disrupted routines"])
