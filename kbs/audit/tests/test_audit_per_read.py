"""Every read of a family's, baby's or person's record writes exactly one audit event.

A hypothesis state machine plays random sequences of requests by random members of the test cast
through the real URLs: reading record pages (family, baby, person, contact, assessment outcome,
chronology), searching (find a baby, my families), being refused (a family the persona's agency is
not involved with: a 404 that, as ADR 3 and 4 have it, writes nothing), writing (adding a person,
recording an involvement, taking emergency access, which change who may read what) and opening pages
with no personal data (home, library, public pages). After every step the audit trail must hold, for
each record, exactly as many VIEW events as the machine made successful reads of it, one SEARCH event
per search, and no other read event at all.

Each sequence runs inside a savepoint that is rolled back at its end (the audit table refuses DELETE,
so pytest-django's flush between examples is not an option); the cast and the families are built once.
"""

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from kbs.accounts.models import Agency, AgencyType, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS, baby_details, household_details
from kbs.contacts import actions as contact_actions
from kbs.core.security_figures import write_figures
from kbs.families import actions as family_actions
from kbs.families.models import Person
from kbs.tools.tests.test_actions import completed

PERSONAS = ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo", "outsider"]
FAMILIES = ["ours", "theirs"]  # ours: health visiting leads, maternity involved; theirs: another agency's
# Pages about one record: (URL name, record kind, the audit row's object_type).
RECORD_PAGES = [
    ("families:family", "family", "family"),
    ("chronology:family", "family", "family"),
    ("families:baby", "baby", "baby"),
    ("families:person", "person", "person"),
    ("contacts:contact", "contact", "contact"),
    ("tools:assessment", "assessment", "assessment"),
]
NON_PERSONAL = ["home", "library:home", "public:index", "core:accessibility", "workforce:home", "core:privacy"]
READ_ACTIONS = [Action.VIEW, Action.SEARCH, Action.EXPORT]

FIGURES: Counter[str] = Counter()
EXAMPLES = int(os.environ.get("KBS_AUDIT_MACHINE_EXAMPLES", "20"))
STEPS = int(os.environ.get("KBS_AUDIT_MACHINE_STEPS", "15"))


def build_world(cast: dict[str, User], make_user: Callable[..., User]) -> dict[str, Any]:
    """Two families with a baby, a person, a contact and an assessment each, made through the actions."""
    other = Agency.objects.create(name="Other Health Visiting", agency_type=AgencyType.HEALTH_VISITING)
    owners = {"ours": cast["health_visitor"], "theirs": make_user("hv-olive", "health-visitor", other)}
    world: dict[str, Any] = {"records": {}, "family": {}, "agencies": {}}
    for index, (key, owner) in enumerate(owners.items()):
        family = family_actions.register_family(
            by=owner, family=household_details(), baby=baby_details(nhs_number=TEST_NHS_NUMBERS[index]),
            reason="New birth notification",
        )
        person = family_actions.add_person(by=owner, family=family, details={
            "given_name": "Sophie", "family_name": "Hart", "relationship": "birth_mother", "lives_in_household": True,
            "regular_carer": True, "parental_responsibility": True,
        })
        if key == "ours":
            family_actions.record_involvement(by=cast["midwife"], family=family, reason="Postnatal care")
        contact = contact_actions.record_contact(
            by=owner, family=family, present=[], deliveries=[], life_events=[],
            details={"at": timezone.now(), "contact_type": "home_visit", "setting": "home", "baby_seen": True,
                     "sleep_place_observed": "cot", "language": "English", "interpreter_used": False, "notes": "",
                     "shared": True},
        )
        world["family"][key] = family
        world["agencies"][key] = set(family.involvements.values_list("agency_id", flat=True))
        world["records"][key] = {
            "family": [family.public_id], "baby": [family.babies.get().public_id], "person": [person.public_id],
            "contact": [contact.public_id], "assessment": [completed(owner, family).public_id],
        }
    world["nhs_number"] = TEST_NHS_NUMBERS[0]
    return world


class AuditPerRead(RuleBasedStateMachine):
    """The model: who may see which family, and how many reads of each record the machine made."""

    world: dict[str, Any] = {}
    clients: dict[str, Client] = {}
    cast: dict[str, User] = {}

    @initialize()
    def start(self) -> None:
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.baseline = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.agencies = {key: set(ids) for key, ids in self.world["agencies"].items()}
        self.emergency: set[tuple[str, str]] = set()
        self.records = {key: {kind: list(ids) for kind, ids in kinds.items()} for key, kinds in self.world["records"].items()}
        self.reads: Counter[tuple[str, str]] = Counter()
        self.searches = 0
        FIGURES["sequences"] += 1

    def teardown(self) -> None:
        if hasattr(self, "savepoint"):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

    # --- the model --------------------------------------------------------------------------------

    def may_see(self, persona: str, family: str) -> bool:
        user = self.cast[persona]
        if not has_permission(user, Permission.VIEW_FAMILY):
            return False
        return user.agency_id in self.agencies[family] or (persona, family) in self.emergency

    def request(self, persona: str, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
        FIGURES["steps"] += 1
        client = self.clients[persona]
        response = client.get(url, data or {}) if method == "get" else client.post(url, data or {})
        response.close()
        assert response.status_code < 500, f"{persona} {method.upper()} {url} gave {response.status_code}"
        return response

    # --- reads --------------------------------------------------------------------------------------

    @rule(persona=st.sampled_from(PERSONAS), family=st.sampled_from(FAMILIES), page=st.sampled_from(RECORD_PAGES),
          pick=st.integers(min_value=0, max_value=5))
    def read_record(self, persona: str, family: str, page: tuple[str, str, str], pick: int) -> None:
        name, kind, object_type = page
        ids = self.records[family][kind]
        record_id = ids[pick % len(ids)]
        response = self.request(persona, "get", reverse(name, args=[record_id]))
        if self.may_see(persona, family):
            assert response.status_code == 200, f"{persona} could not read {name} of {family}: {response.status_code}"
            self.reads[(object_type, str(record_id))] += 1
            FIGURES["reads"] += 1
        else:
            assert response.status_code == 404, f"{persona} read {name} of {family}: {response.status_code}"

    @rule(persona=st.sampled_from(PERSONAS))
    def find_a_baby(self, persona: str) -> None:
        response = self.request(persona, "get", reverse("families:find"), {"nhs_number": self.world["nhs_number"]})
        if has_permission(self.cast[persona], Permission.FIND_BABY):
            assert response.status_code == 200
            self.searches += 1
            FIGURES["reads"] += 1
        else:
            assert response.status_code == 404

    @rule(persona=st.sampled_from(PERSONAS))
    def search_my_families(self, persona: str) -> None:
        response = self.request(persona, "get", reverse("families:mine"), {"q": "Hart"})
        if has_permission(self.cast[persona], Permission.VIEW_FAMILY):
            assert response.status_code == 200
            self.searches += 1
            FIGURES["reads"] += 1
        else:
            assert response.status_code == 404

    @rule(persona=st.sampled_from(PERSONAS), name=st.sampled_from(NON_PERSONAL))
    def non_personal_page(self, persona: str, name: str) -> None:
        self.request(persona, "get", reverse(name))

    # --- writes -------------------------------------------------------------------------------------

    @rule(persona=st.sampled_from(PERSONAS), family=st.sampled_from(FAMILIES))
    def add_person(self, persona: str, family: str) -> None:
        public_id = self.world["family"][family].public_id
        response = self.request(persona, "post", reverse("families:add_person", args=[public_id]), {
            "given_name": "Jack", "family_name": "Hart", "relationship": "birth_father",
        })
        if response.status_code == 302:
            assert self.may_see(persona, family)
            assert has_permission(self.cast[persona], Permission.EDIT_FAMILY)
            newest = Person.objects.filter(family__public_id=public_id).order_by("-id").first()
            assert newest is not None
            self.records[family]["person"].append(newest.public_id)
        else:
            assert response.status_code in (400, 404), response.status_code

    @rule(persona=st.sampled_from(PERSONAS), family=st.sampled_from(FAMILIES))
    def record_involvement(self, persona: str, family: str) -> None:
        public_id = self.world["family"][family].public_id
        response = self.request(persona, "post", reverse("families:involve", args=[public_id]),
                                {"reason": "Working with the family", "lawful_basis": "public_task"})
        if has_permission(self.cast[persona], Permission.RECORD_INVOLVEMENT):
            assert response.status_code == 302, response.status_code
            self.agencies[family].add(self.cast[persona].agency_id)
        else:
            assert response.status_code == 404

    @rule(persona=st.sampled_from(PERSONAS), family=st.sampled_from(FAMILIES))
    def break_glass(self, persona: str, family: str) -> None:
        public_id = self.world["family"][family].public_id
        response = self.request(persona, "post", reverse("families:break_glass", args=[public_id]),
                                {"reason": "Police called to the address tonight"})
        if has_permission(self.cast[persona], Permission.BREAK_GLASS):
            assert response.status_code == 302, response.status_code
            self.emergency.add((persona, family))
        else:
            assert response.status_code == 404

    # --- the invariant ------------------------------------------------------------------------------

    @invariant()
    def one_audit_event_per_read(self) -> None:
        if not hasattr(self, "baseline"):
            return
        events = AuditEvent.objects.filter(id__gt=self.baseline)
        seen = Counter(
            (object_type, object_id)
            for object_type, object_id in events.filter(action=Action.VIEW).values_list("object_type", "object_id")
        )
        searches = events.filter(action=Action.SEARCH).count()
        all_reads = events.filter(action__in=READ_ACTIONS).count()
        refused = events.filter(action=Action.REFUSED).count()
        missing = sum(max(0, n - seen[key]) for key, n in self.reads.items()) + max(0, self.searches - searches)
        extra = (sum(max(0, n - self.reads[key]) for key, n in seen.items()) + max(0, searches - self.searches)
                 + max(0, all_reads - sum(seen.values()) - searches) + refused)
        FIGURES["missing_events"] += missing
        FIGURES["extra_events"] += extra
        assert (missing, extra) == (0, 0), (
            f"audit events do not match the reads: expected {dict(self.reads)} and {self.searches} searches; "
            f"found {dict(seen)}, {searches} searches, {all_reads} read events in all, {refused} refusals"
        )


@pytest.mark.usefixtures("keep_test_connection")
def test_every_read_writes_exactly_one_audit_event(
    cast: dict[str, User], make_user: Callable[..., User],
) -> None:
    FIGURES.clear()
    AuditPerRead.cast = cast
    AuditPerRead.world = build_world(cast, make_user)
    AuditPerRead.clients = {}
    for key in PERSONAS:
        AuditPerRead.clients[key] = Client()
        AuditPerRead.clients[key].force_login(cast[key])
    try:
        run_state_machine_as_test(AuditPerRead, settings=settings_for_machine())
    finally:
        figures = {key: FIGURES[key] for key in ("sequences", "steps", "reads", "missing_events", "extra_events")}
        write_figures("audit-per-read", figures)
        print(f"audit-per-read: {figures}")
    assert FIGURES["reads"] > 0
    assert (FIGURES["missing_events"], FIGURES["extra_events"]) == (0, 0)


def settings_for_machine() -> settings:
    return settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow], derandomize=False)

