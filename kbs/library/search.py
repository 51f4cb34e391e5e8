"""Full-text search of the library, on whichever database the service runs on (ADR 10).

Each document's searchable text is its title (weighted highest), then its summary, kind, topic tags
and the learning from reviews that changed it. `index_document` keeps the index in step; every
library and learning action that changes what a document says calls it in the same transaction.

- PostgreSQL: a stored tsvector column (English stemming, title weight A, the rest weight B) with
  a GIN index, queried with websearch_to_tsquery and ranked by ts_rank.
- SQLite: an FTS5 table (porter stemming) with the document id as its rowid, ranked by bm25 with
  the title weighted ten times the rest.

Both stem "bruising" and "bruise" alike, so either word finds both.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet

from kbs.library.models import Document, Kind, Topic

CONFIG = "english"
FTS_TABLE = "library_document_fts"
MAX_RESULTS = 100
# PostgreSQL's English configuration drops these; FTS5 keeps every word, so we drop them here to
# make "the bruising guidance" find the same documents on both databases.
STOP_WORDS = frozenset(
    "a about an and are as at be but by for from has have how i if in into is it its of on or our so "
    "that the their then there these they this to was we were what when where which who why will with "
    "you your".split()
)


def learning_text(document: Document) -> str:
    """The reviews, recommendations, themes and change notes that changed this document."""
    from kbs.learning.models import Change  # the learning app links to documents, not the reverse

    parts: list[str] = []
    changes = (
        Change.objects.filter(document=document)
        .select_related("recommendation__review")
        .prefetch_related("recommendation__themes")
        .order_by("pk")
    )
    for change in changes:
        recommendation = change.recommendation
        parts += [recommendation.review.title, recommendation.text, change.note]
        parts += [theme.name for theme in recommendation.themes.all()]
    return "\n".join(part for part in parts if part)


def compose(document: Document) -> str:
    topics = [Topic(code).label for code in document.topics if code in Topic.values]
    return "\n".join(
        part for part in [document.summary, Kind(document.kind).label, " ".join(topics), learning_text(document)] if part
    )


def index_document(document: Document) -> None:
    """Bring the document's entry in the search index up to date. Call inside the action's transaction."""
    text = compose(document)
    Document.objects.filter(pk=document.pk).update(search_text=text)
    document.search_text = text
    if connection.vendor == "postgresql":
        Document.objects.filter(pk=document.pk).update(
            search_vector=SearchVector("title", weight="A", config=CONFIG)
            + SearchVector("search_text", weight="B", config=CONFIG)
        )
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [document.pk])  # noqa: S608 - constant name
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608 - constant name
                [document.pk, document.title, text],
            )


def words(query: str) -> list[str]:
    return [word for word in re.findall(r"\w+", query.lower()) if word not in STOP_WORDS]


def fts5_query(query: str) -> str:
    """The person's words as an FTS5 query: each one quoted (so nothing they type is syntax), all required."""
    return " ".join(f'"{word}"' for word in words(query))


def search(documents: QuerySet[Document], query: str) -> list[Document]:
    """The documents among `documents` that match `query`, best first."""
    if not words(query):
        return []
    if connection.vendor == "postgresql":
        wanted = SearchQuery(query, config=CONFIG, search_type="websearch")
        return list(
            documents.filter(search_vector=wanted)
            .annotate(rank=SearchRank(F("search_vector"), wanted))
            .order_by("-rank", "title", "pk")[:MAX_RESULTS]
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "  # noqa: S608 - constant name
                f"ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), rowid",
                [fts5_query(query)],
            )
            ranked = [row[0] for row in cursor.fetchall()]
        found = {document.pk: document for document in documents.filter(pk__in=ranked)}
        return [found[pk] for pk in ranked if pk in found][:MAX_RESULTS]
    # Any other database: plain containment of every word, no ranking.
    condition = Q()
    for word in words(query):
        condition &= Q(title__icontains=word) | Q(search_text__icontains=word)
    return list(documents.filter(condition)[:MAX_RESULTS])
