"""The library and learning demo data: loading twice changes nothing, and every change links to
something real."""

from collections.abc import Callable

from kbs.accounts.models import Agency, User
from kbs.learning import references
from kbs.learning.demo import REVIEWS, load_learning_demo
from kbs.learning.models import Change, ChangeKind, Review
from kbs.library.demo import DOCUMENTS, load_library_demo
from kbs.library.models import Document, DocumentVersion


def test_demo_loads_once_and_links_only_real_things(agencies: dict[str, Agency], make_user: Callable[..., User]) -> None:
    make_user("demo-administrator", "administrator", agencies["partnership"])
    make_user("demo-safeguarding-lead", "safeguarding-lead", agencies["hv"])
    first = (load_library_demo(), load_learning_demo())
    counts = (Document.objects.count(), DocumentVersion.objects.count(), Review.objects.count(), Change.objects.count())
    second = (load_library_demo(), load_learning_demo())
    assert counts == (len(DOCUMENTS), first[0]["versions"], len(REVIEWS), first[1]["changes"])
    assert second == ({"documents": 0, "versions": 0}, {"reviews": 0, "changes": 0})
    assert (Document.objects.count(), DocumentVersion.objects.count(), Review.objects.count(), Change.objects.count()) == counts
    for change in Change.objects.all():
        if change.kind == ChangeKind.DOCUMENT:
            assert change.document is not None
        else:
            references.check(change.kind, change.reference)
    assert Change.objects.filter(kind=ChangeKind.TOOL_RULE, reference="bruising:BR-NON-MOBILE").exists()


def test_demo_needs_the_personas(db: None) -> None:
    assert load_library_demo() == {"documents": 0, "versions": 0}
    assert load_learning_demo() == {"reviews": 0, "changes": 0}
