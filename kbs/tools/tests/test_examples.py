"""Every example in every spec: the level, actions and fired rules are what the spec says."""

from __future__ import annotations

import pytest

from kbs.tools.engine import evaluate
from kbs.tools.spec import Example, ToolSpec, all_specs

CASES = [(spec, example) for spec in all_specs() for example in spec.examples]


@pytest.mark.parametrize(("spec", "example"), CASES, ids=[f"{s.slug}: {e.name}" for s, e in CASES])
def test_example_outcome_matches_expectations(spec: ToolSpec, example: Example) -> None:
    outcome = evaluate(spec, example.answers, example.settings)
    assert outcome.level == example.level
    assert set(outcome.actions) == set(example.actions)
    assert sorted(outcome.fired) == sorted(example.fired)
    assert "give_universal_messages" in outcome.actions
