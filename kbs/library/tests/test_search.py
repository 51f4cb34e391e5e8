"""Full-text search. These run on whichever database the suite runs on: SQLite (FTS5) by default,
PostgreSQL (tsvector) with DATABASE_URL; the same answers are expected from both."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.learning import actions as learning_actions
from kbs.learning.demo import load_learning_demo
from kbs.learning.models import ChangeKind, Scope
from kbs.library import access, actions, search
from kbs.library.demo import BRUISING_BRIEF, BRUISING_GUIDANCE, BRUISING_LEAFLET, BRUISING_TOOL, load_library_demo
from kbs.library.models import Audience, Document, Kind, Topic
from kbs.library.tests.conftest import checked_pdf


@pytest.fixture
def shelf(make_document: Callable[..., Document]) -> dict[str, Document]:
    return {
        "guidance": make_document("Practice guidance on bruising in babies", topics=[Topic.BRUISING],
                                  summary="What to do the same day when you see a mark on a baby who is not mobile."),
        "leaflet": make_document("My baby has a mark", kind=Kind.LEAFLET, audience=Audience.PUBLIC, topics=[Topic.BRUISING],
                                 summary="Why a doctor needs to see a baby with a bruise quickly."),
        "tool": make_document("Bruising tool", kind=Kind.TOOL, url="/tools/#bruising", with_file=False,
                              topics=[Topic.BRUISING], summary="Record the mark and see the same-day steps."),
        "sleep": make_document("Safer sleep guidance", topics=[Topic.SAFE_SLEEP],
                               summary="Back to sleep in a clear, flat, separate space."),
        "dogs": make_document("Dogs and babies", audience=Audience.PUBLIC, topics=[Topic.DOGS],
                              summary="Never leave a baby alone with a dog."),
        "audit": make_document("Reunification audit", audience=Audience.PARTNERSHIP, topics=[Topic.DEATH],
                               summary="Audit of bruising referrals for partnership staff."),
    }


def titles(found: list[Document]) -> set[str]:
    return {d.title for d in found}


def test_search_finds_by_stem_in_title_summary_and_tags(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    found = access.find(cast["health_visitor"], query="bruising")
    # The leaflet says "bruise" (same stem); the tool is tagged Bruising; the audit is partnership-only.
    assert titles(found) == {"Practice guidance on bruising in babies", "My baby has a mark", "Bruising tool"}
    assert titles(access.find(cast["health_visitor"], query="bruise")) == titles(found)


def test_search_ranks_title_matches_first(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    found = access.find(cast["health_visitor"], query="bruising")
    assert found[-1].title == "My baby has a mark"  # "bruise" only in its summary and tag


def test_search_needs_every_word(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    assert titles(access.find(cast["health_visitor"], query="bruising tool")) == {"Bruising tool"}
    assert titles(access.find(cast["health_visitor"], query="the safer sleep")) == {"Safer sleep guidance"}
    assert access.find(cast["health_visitor"], query="bruising dogs") == []


def test_search_shows_partnership_documents_only_to_partnership_staff(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    assert "Reunification audit" in titles(access.find(cast["analyst"], query="bruising"))
    assert "Reunification audit" in titles(access.find(cast["admin"], query="audit"))
    assert access.find(cast["police"], query="audit") == []


@pytest.mark.parametrize("query", ['"', "bruis*", "OR", "NEAR(a b)", "a:b", "-bruising", "'); DROP TABLE x; --", "∑ 😀"])
def test_search_treats_anything_typed_as_words(cast: dict[str, User], shelf: dict[str, Document], query: str) -> None:
    access.find(cast["health_visitor"], query=query)  # no error, whatever comes back


def test_search_of_only_common_words_finds_nothing(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    assert access.find(cast["health_visitor"], query="the and of") == []


def test_topic_filter_with_and_without_a_query(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    assert titles(access.find(cast["health_visitor"], topic=Topic.DOGS)) == {"Dogs and babies"}
    assert titles(access.find(cast["health_visitor"], query="guidance", topic=Topic.SAFE_SLEEP)) == {"Safer sleep guidance"}


def test_no_query_lists_every_visible_document_by_title(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    found = access.find(cast["health_visitor"])
    assert [d.title for d in found] == sorted(d.title for d in shelf.values() if d.audience != Audience.PARTNERSHIP)


def test_search_finds_documents_by_the_learning_that_changed_them(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    assert access.find(cast["health_visitor"], query="invisible men") == []
    review = learning_actions.add_review(by=cast["admin"], title="The myth of invisible men", scope=Scope.NATIONAL,
                                         summary="Men who harm babies.")
    recommendation = learning_actions.add_recommendation(by=cast["admin"], review=review, text="Engage fathers.",
                                                         themes=["Men in the baby's life"])
    learning_actions.record_change(by=cast["admin"], recommendation=recommendation, kind=ChangeKind.DOCUMENT,
                                   document=shelf["sleep"], changed_on=timezone.localdate())
    assert titles(access.find(cast["health_visitor"], query="invisible men")) == {"Safer sleep guidance"}
    assert titles(access.find(cast["health_visitor"], query="fathers")) == {"Safer sleep guidance"}


def test_a_new_version_keeps_the_document_findable(cast: dict[str, User], shelf: dict[str, Document]) -> None:
    actions.add_version(by=cast["admin"], document=shelf["dogs"], file=checked_pdf("Dogs v2"), change_note="Updated",
                        review_by=timezone.localdate() + timedelta(days=90))
    assert titles(access.find(cast["health_visitor"], query="dogs")) == {"Dogs and babies"}


def test_the_index_is_the_database_own(shelf: dict[str, Document]) -> None:
    """The search really uses the database's full-text engine, not a fallback."""
    assert connection.vendor in {"sqlite", "postgresql"}
    document = Document.objects.get(pk=shelf["sleep"].pk)
    if connection.vendor == "postgresql":
        assert document.search_vector is not None
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT title FROM {search.FTS_TABLE} WHERE rowid = %s", [document.pk])  # noqa: S608
            assert cursor.fetchone() == ("Safer sleep guidance",)


def test_demo_search_for_bruising_finds_the_four(agencies: dict[str, Agency], make_user: Callable[..., User],
                                                  cast: dict[str, User]) -> None:
    make_user("demo-administrator", "administrator", agencies["partnership"])
    make_user("demo-safeguarding-lead", "safeguarding-lead", agencies["hv"])
    load_library_demo()
    load_learning_demo()
    found = titles(access.find(cast["health_visitor"], query="bruising"))
    assert found == {BRUISING_GUIDANCE, BRUISING_LEAFLET, BRUISING_TOOL, BRUISING_BRIEF}
