"""Fixtures for the workforce tests: the course content, a training lead, and helpers that take the
e-learning through the real actions. (The cast comes from kbs/conftest.py.)"""

import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from kbs.accounts.models import Agency, User
from kbs.workforce import actions
from kbs.workforce.course_content import load_course_content
from kbs.workforce.models import Module


@pytest.fixture
def training_lead(agencies: dict[str, Agency], make_user: Callable[..., User]) -> User:
    return make_user("tl-tara", "training-lead", agencies["partnership"])


@pytest.fixture
def course(db: Any) -> list[Module]:
    load_course_content()
    return actions.course_modules()


def right_answers(module: Module) -> dict[int, int]:
    return {q.pk: q.correct_index for q in module.questions.all()}


def wrong_answers(module: Module, how_many: int) -> dict[int, int]:
    """Right answers except for the first `how_many` questions."""
    answers = right_answers(module)
    for question in list(module.questions.order_by("order"))[:how_many]:
        answers[question.pk] = (question.correct_index + 1) % len(question.choices)
    return answers


@pytest.fixture
def pass_all(course: list[Module]) -> Callable[[User], actions.CheckResult]:
    def take(user: User) -> actions.CheckResult:
        result = None
        for module in course:
            result = actions.submit_knowledge_check(by=user, module=module, answers=right_answers(module))
        assert result is not None
        return result

    return take


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30)
    return " ".join(done.stdout.decode().split())
