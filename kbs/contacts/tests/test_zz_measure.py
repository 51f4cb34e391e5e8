from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kbs.contacts.tests.conftest import ALL_THREE


def test_measure(client, cast, family, mother, add_person, record):
    client.force_login(cast["health_visitor"])
    for size in (0, 1, 30):
        people = [mother] + [add_person(family, f"C{n}-{size}", "other_adult", regular_carer=True) for n in range(size)]
        for _ in range(size):
            record(family, given={p: ALL_THREE for p in people})
        for url in (family.get_absolute_url(), reverse("contacts:gaps")):
            with CaptureQueriesContext(connection) as q:
                client.get(url)
            print("SIZE", size, url[:20], len(q.captured_queries))
