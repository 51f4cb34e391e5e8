"""A change's reference must name a real tool rule, Level 2 module or message."""

import pytest

from kbs.learning import references
from kbs.learning.models import ChangeKind
from kbs.tools.spec import all_specs
from kbs.workforce.course_content import read_course


def test_every_rule_of_every_tool_is_a_valid_reference() -> None:
    for spec in all_specs():
        for rule_id in spec.rule_ids:
            references.check(ChangeKind.TOOL_RULE, f"{spec.slug}:{rule_id}")


def test_every_level2_module_is_a_valid_reference() -> None:
    for module in read_course():
        references.check(ChangeKind.TRAINING_MODULE, module.slug)


@pytest.mark.parametrize("code", ["safe_sleep", "safe_handling", "safe_space"])
def test_the_three_messages_are_valid_references(code: str) -> None:
    references.check(ChangeKind.MESSAGE, code)


@pytest.mark.parametrize(("kind", "reference", "message"), [
    (ChangeKind.TOOL_RULE, "bruising:BR-NOT-A-RULE", "has no rule 'BR-NOT-A-RULE'"),
    (ChangeKind.TOOL_RULE, "bruising:br-non-mobile", "has no rule"),
    (ChangeKind.TOOL_RULE, "no-such-tool:BR-NON-MOBILE", "There is no tool called 'no-such-tool'"),
    (ChangeKind.TOOL_RULE, "BR-NON-MOBILE", "like bruising:BR-NON-MOBILE"),
    (ChangeKind.TOOL_RULE, "bruising:", "like bruising:BR-NON-MOBILE"),
    (ChangeKind.TRAINING_MODULE, "no-such-module", "no Level 2 training module"),
    (ChangeKind.MESSAGE, "safe_driving", "must be one of safe_sleep, safe_handling, safe_space"),
    (ChangeKind.DOCUMENT, "something", "links the document itself"),
    ("poster", "x", "Unknown kind"),
])
def test_invalid_references_are_refused_with_a_reason(kind: str, reference: str, message: str) -> None:
    with pytest.raises(references.InvalidReference, match=message):
        references.check(kind, reference)


def test_target_labels_and_links() -> None:
    rule = references.target(ChangeKind.TOOL_RULE, "bruising:BR-NON-MOBILE")
    assert rule.label == "Bruising and skin marks on babies: rule BR-NON-MOBILE, Bruise or possible bruise on a non-mobile baby"
    assert rule.url == "/tools/bruising/rules/BR-NON-MOBILE/"
    module = references.target(ChangeKind.TRAINING_MODULE, "bruising-and-injury")
    assert module.url == "/training/e-learning/bruising-and-injury/"
    assert references.target(ChangeKind.MESSAGE, "safe_sleep") == references.Target("The safe sleep message", None)
