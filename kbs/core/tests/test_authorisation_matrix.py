"""The authorisation matrix: every URL × every persona × a record in and out of scope.

The URLs come from Django's resolver, the expected outcomes from the rules in
`kbs/core/authz_matrix.py`, and the records from one world built here through the real actions:
for the records in scope, families the health-visiting agency leads on, with maternity and the
police also involved; for the records out of scope, the same made by another health-visiting agency
that no persona works for. Partnership-wide records (subject access requests in each stage, families
past their retention date, a staff account) exist in scope and are missing out of scope. Each request
runs inside a savepoint that is rolled back, so every cell sees the same world whatever an earlier
(empty) form post did; the test checks that the world is unchanged afterwards, also after real
destructive posts (disposal, deactivation, signing out everywhere, resetting two-step sign-in).

The matrix runs as production does: two-step sign-in is required, and every persona's session has
passed both steps (each persona set up an authenticator app through the real actions).
"""

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kbs.accounts import actions as account_actions
from kbs.accounts.models import Agency, AgencyType, User
from kbs.audit.models import AuditEvent
from kbs.concerns import actions as concern_actions
from kbs.concerns.models import TaskKind
from kbs.conftest import TEST_NHS_NUMBERS, baby_details, household_details
from kbs.contacts import actions as contact_actions
from kbs.contacts.crying_plans import record_crying_plan
from kbs.contacts.tests.test_crying_plans import PLAN as CRYING_PLAN
from kbs.core import authz_matrix as matrix
from kbs.core.security_figures import write_figures
from kbs.families import actions as family_actions
from kbs.families.models import Baby, Family
from kbs.learning import actions as learning_actions
from kbs.learning.models import Scope
from kbs.library import actions as library_actions
from kbs.library.files import check_upload
from kbs.library.models import Audience, Kind, Topic
from kbs.library.tests.conftest import pdf_bytes, upload
from kbs.prebirth import actions as prebirth_actions
from kbs.prebirth.clock import REFERRAL
from kbs.prebirth.models import PreBirthCase
from kbs.prebirth.tests.conftest import NO_TRIGGERS
from kbs.retention import actions as retention_actions
from kbs.retention.models import LegalHold
from kbs.retention.tests.conftest import age_family, years_ago
from kbs.subjectaccess import actions as sar_actions
from kbs.subjectaccess.models import SubjectAccessRequest
from kbs.subjectaccess.presenters import find_item
from kbs.tools import actions as tool_actions
from kbs.tools.support_plans import record_support_plan
from kbs.tools.tests.test_actions import all_actions, sample, steps
from kbs.tools.tests.test_ebm import TYPED
from kbs.tools.tests.test_plans import PLAN as SLEEP_PLAN
from kbs.tools.tests.test_support_plans import PLAN as SUPPORT_PLAN
from kbs.workforce import actions as workforce_actions
from kbs.workforce import courses
from kbs.workforce.course_content import load_course_content
from kbs.workforce.models import Booking
from kbs.workforce.tests.conftest import right_answers


def url_patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every named URL pattern Django knows, as ("app:name", pattern)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            yield from url_patterns(entry, inner)
        else:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name or f"<unnamed {entry.pattern}>"), entry


# --- the world ----------------------------------------------------------------------------------------


def _born_family(by: User, nhs_number: str, *involved: User) -> Family:
    family = family_actions.register_family(by=by, family=household_details(), baby=baby_details(nhs_number=nhs_number),
                                            reason="New birth notification")
    family_actions.add_person(by=by, family=family, details={
        "given_name": "Sophie", "family_name": "Hart", "relationship": "birth_mother", "lives_in_household": True,
        "regular_carer": True, "parental_responsibility": True, "last_seen_on": timezone.localdate(),
    })
    for user in involved:
        family_actions.record_involvement(by=user, family=family, reason="Working with the family")
    return family


def _completed(by: User, baby: Baby, slug: str, answers: dict[str, Any], **kw: Any) -> Any:
    assessment = tool_actions.start_assessment(by=by, baby=baby, tool_slug=slug)
    tool_actions.save_answers(by=by, assessment=assessment, answers=answers)
    return tool_actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=all_actions(assessment), **kw)


def build_scope(practitioner: User, lead: User, nhs: list[str], *involved: User) -> dict[str, Any]:
    """Every family record a URL can take, made by one agency's practitioner and lead."""
    family = _born_family(practitioner, nhs[0], *involved)
    baby = family.babies.get()
    record_crying_plan(by=practitioner, baby=baby, plan=dict(CRYING_PLAN))
    contact = contact_actions.record_contact(
        by=practitioner, family=family, present=[], deliveries=[], life_events=[],
        details={"at": timezone.now() - timedelta(hours=1), "contact_type": "home_visit", "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                 "notes": "", "shared": True},
    )
    sleep = _completed(practitioner, baby, "safer-sleep", sample("safer-sleep-high"), steps=steps())
    tool_actions.record_sleep_plan(by=practitioner, assessment=sleep, plan=dict(SLEEP_PLAN))
    ebm = _completed(practitioner, baby, "every-baby-matters", dict(TYPED))
    record_support_plan(by=practitioner, assessment=ebm, plan=SUPPORT_PLAN)
    draft = tool_actions.start_assessment(by=practitioner, baby=baby, tool_slug="safer-sleep")
    awaiting = _completed(practitioner, baby, "bruising", sample("bruising-non-mobile"),
                          steps_not_recorded_reason="The duty desk did not answer")
    concern = concern_actions.raise_concern(by=practitioner, family=family, baby=baby, category="injury",
                                            what_was_seen="A small bruise on the cheek", severity="medium")
    concern = concern_actions.decide_concern(by=lead, concern=concern, decision="refer_csc", rationale="A bruise")
    referral = concern_actions.record_referral(
        by=lead, family=family, concern=concern, to="csc", how="phone", to_whom="Duty social worker",
        made_at=timezone.now() - timedelta(minutes=30), reference="MASH-1",
    )
    task = concern_actions.create_task(
        by=lead, family=family, kind=TaskKind.REVISIT_SLEEP_PLAN, title="Revisit the safe sleep plan",
        agency=practitioner.agency,  # type: ignore[arg-type]
        due_at=timezone.now() + timedelta(days=3), assigned_to=practitioner,
    )
    unborn_family = family_actions.register_family(
        by=practitioner, family=household_details(postcode="DE1 3CD"), reason="Pregnancy booking",
        baby=baby_details(given_name="", date_of_birth=None, nhs_number="", sex="", gestation_at_birth_weeks=None,
                          birth_weight_g=None, expected_delivery_date=timezone.localdate() + timedelta(weeks=28)),
    )
    for user in involved:
        family_actions.record_involvement(by=user, family=unborn_family, reason="Working with the family")
    unborn = unborn_family.babies.get()
    _completed(practitioner, unborn, "pre-birth-screening", {**NO_TRIGGERS, "domestic_abuse": "yes"})
    case = PreBirthCase.objects.get(baby=unborn)
    prebirth_actions.save_delivery_plan(by=practitioner, case=case, values={"birthing_partner": "Jo Hart"})
    dead_family = _born_family(practitioner, nhs[1], *involved)
    dead = dead_family.babies.get()
    family_actions.record_death(by=practitioner, baby=dead, details={
        "died_on": timezone.localdate() - timedelta(days=1), "place": "home", "place_detail": "",
        "how_learned": "Phone call from the emergency department", "who_else_aware": "Police",
        "other_children": "None", "bereavement_support_offered": True, "bereavement_support_detail": "Midwife",
        "key_worker": "",
    })
    return {
        "family": family.public_id, "baby": baby.public_id, "person": family.people.get().public_id,
        "contact": contact.public_id, "assessment": sleep.public_id, "ebm_assessment": ebm.public_id,
        "draft_assessment": draft.public_id, "awaiting_assessment": awaiting.public_id,
        "concern": concern.public_id, "referral": referral.public_id, "task": task.public_id,  # type: ignore[union-attr]
        "unborn_baby": unborn.public_id, "dead_baby": dead.public_id,
    }


def _past_retention(by: User, nhs_number: str, postcode: str) -> Family:
    """A family whose baby turned 25 five years ago, last seen at one: past its retention date."""
    family = family_actions.register_family(by=by, family=household_details(postcode=postcode),
                                            baby=baby_details(nhs_number=nhs_number), reason="New birth notification")
    return age_family(family, last_contact=years_ago(29), born=years_ago(30))


def build_partnership_records(dpo: User, by: User, scope: dict[str, Any]) -> dict[str, Any]:
    """Records anyone with the permission may open, whoever's family they are about: families past
    their retention date (one reviewed for disposal, one on a legal hold), and subject access
    requests about the in-scope baby in every stage (received; gathered, with one item withheld;
    reviewed; released)."""
    reviewed_family = _past_retention(by, TEST_NHS_NUMBERS[4], "DE5 5EE")
    retention_actions.review_for_disposal(by=dpo, family=reviewed_family, reason="Past its date, nothing open")
    held_family = _past_retention(by, TEST_NHS_NUMBERS[5], "DE6 6FF")
    retention_actions.place_legal_hold(by=dpo, family=held_family, reason="A claim is expected")

    def received() -> SubjectAccessRequest:
        return sar_actions.record_request(by=dpo, requester="subject", identity_check="Passport seen at the clinic",
                                          received_on=timezone.localdate() - timedelta(days=3),
                                          nhs_number=TEST_NHS_NUMBERS[0])

    sar = received()
    in_review = sar_actions.gather_records(by=dpo, request=received())
    withheld, free = f"concern:{scope['concern']}", f"family:{scope['family']}"
    assert find_item(in_review, withheld), f"the gathered records lack {withheld}"
    assert find_item(in_review, free), f"the gathered records lack {free}"
    redaction = sar_actions.withhold(by=dpo, request=in_review, item_id=withheld, reason="serious_harm")
    reviewed = sar_actions.complete_review(by=dpo, request=sar_actions.gather_records(by=dpo, request=received()))
    released = sar_actions.release_request(
        by=dpo, request=sar_actions.complete_review(by=dpo, request=sar_actions.gather_records(by=dpo, request=received())))
    return {
        "retention_family": reviewed_family.public_id, "held_family": held_family.public_id,
        "sar": sar.public_id, "sar_in_review": in_review.public_id, "sar_reviewed": reviewed.public_id,
        "sar_released": released.public_id, "redaction": redaction.pk, "sar_item": free,
    }


def missing_records(present: dict[str, Any]) -> dict[str, Any]:
    """Well-formed ids of records that do not exist, one for each of `present`."""
    return {key: (uuid.uuid4() if isinstance(value, uuid.UUID) else 10**9 if isinstance(value, int) else value)
            for key, value in present.items()}


def set_up_two_step(user: User) -> TOTPDevice:
    """An authenticator app and recovery codes, set up as the enrolment page does (the code itself
    is checked by the page, which the MFA tests cover)."""
    device = account_actions.start_enrolment(by=user)
    account_actions.enrol_authenticator(by=user, device=device)
    return device


def build_world(cast: dict[str, User], agencies: dict[str, Agency], make_user: Callable[..., User]) -> dict[str, Any]:
    """The records in scope, out of scope, each persona's own, and the values for other arguments."""
    other = Agency.objects.create(name="Other Health Visiting", agency_type=AgencyType.HEALTH_VISITING)
    other_hv = make_user("hv-olive", "health-visitor", other)
    other_lead = make_user("lead-otto", "safeguarding-lead", other)
    training_lead = make_user("tl-tara", "training-lead", agencies["partnership"])
    world: dict[str, Any] = {
        "in": build_scope(cast["health_visitor"], cast["lead"], TEST_NHS_NUMBERS[:2], cast["midwife"], cast["police"]),
        "out": build_scope(other_hv, other_lead, TEST_NHS_NUMBERS[2:4]),
        "own": {},
        "involved_agencies": {cast["health_visitor"].agency_id, cast["midwife"].agency_id, cast["police"].agency_id},
        "lead_agency": cast["health_visitor"].agency_id,
        "devices": {key: set_up_two_step(user) for key, user in cast.items()},
    }
    # Partnership-wide records: in scope they exist, out of scope they do not. The staff account is
    # someone outside the cast with an authenticator app of their own, so resetting it does something.
    set_up_two_step(other_hv)
    partnership = {**build_partnership_records(cast["dpo"], other_hv, world["in"]), "staff_account": other_hv.pk}
    world["in"].update(partnership)
    world["out"].update(missing_records(partnership))
    # Training: everyone (and someone outside the cast) passes the e-learning, is a champion and books a place.
    load_course_content()
    modules = workforce_actions.course_modules()
    session = courses.create_session(by=training_lead, details={
        "starts_at": timezone.now() + timedelta(days=30), "ends_at": timezone.now() + timedelta(days=30, hours=3),
        "venue": "Council House", "online_link": "", "trainer": "Pat Trainer", "capacity": 20,
    })
    owners = {**cast, "other": other_hv}
    for key, user in owners.items():
        for module in modules:
            workforce_actions.submit_knowledge_check(by=user, module=module, answers=right_answers(module))
        certificate = workforce_actions.current_certificate(user)
        champion = workforce_actions.make_champion(by=training_lead, user=user, team=None, areas_covered="All",
                                                   since=timezone.localdate(), contact_phone="01332 000000")
        booking = (courses.book_place(by=user, session=session) if user.permissions
                   else Booking.objects.create(session=session, user=user, state="booked"))
        world["own"][key] = {"certificate": certificate.public_id if certificate else None, "champion": champion.pk,
                             "booking": booking.pk, "staff_member": user.pk}
    document = library_actions.add_document(
        by=cast["admin"], title="Safer sleep guidance", kind=Kind.GUIDANCE, summary="How to talk about safer sleep.",
        owner=cast["admin"], agency=agencies["partnership"], audience=Audience.PRACTITIONERS, topics=[Topic.SAFE_SLEEP],
        published_on=timezone.localdate() - timedelta(days=400), review_by=timezone.localdate() + timedelta(days=200),
        url="", file=check_upload(upload("guidance.pdf", pdf_bytes())),
    )
    review = learning_actions.add_review(
        by=cast["admin"], title="Out of routine", scope=Scope.NATIONAL, publisher="The review panel",
        summary="Deaths when routines were disrupted.", themes=["Safer sleep"], source_url="https://example.org/r",
    )
    world["fixed"] = {
        "course_session": session.pk, "document": document.pk, "version_number": 1, "review": review.pk,
        "tool": "safer-sleep", "tool_rule": "SS-SOFA", "section": "baby", "milestone": REFERRAL, "language": "pl",
        "public_page": "safer-sleep", "measure": "three-messages-at-contacts", "module": modules[0].slug,
        "module_page": 1, "course_code": "L2-PBFH", "rating_when": "before",
        # Records with no owner in the cell's sense: someone else's.
        "champion": world["own"]["other"]["champion"], "booking": world["own"]["other"]["booking"],
    }
    return world


def url_for(name: str, pattern: URLPattern, rule: matrix.Rule, world: dict[str, Any], persona: str, scope: str) -> str:
    def value(record: str, argument: str) -> Any:
        if rule.scope == "own":
            owner = persona if scope == "in" and persona in world["own"] else "other"
            if scope == "in" and world["own"].get(owner, {}).get(record) is None:
                owner = "other"
            if record in world["own"][owner]:
                return world["own"][owner][record]
        if scope in ("in", "out") and record in world[scope]:
            return world[scope][record]
        if record in world["fixed"]:
            return world["fixed"][record]
        raise AssertionError(f"{name}: no record {record!r} for the argument {argument!r}: name one in the rule's args")

    values = {argument: value(rule.record_for(argument), argument) for argument in pattern.pattern.converters}
    url = reverse(name, kwargs=values) + rule.path_suffix
    # A pattern that reverses to a path another pattern answers first would test the wrong view.
    answered_by = resolve(url).view_name
    assert answered_by == name, f"{name}: {url} is answered by {answered_by}; give the rule a path_suffix"
    if rule.query:
        url += "?" + urlencode({parameter: value(record, parameter) for parameter, record in rule.query.items()})
    return url


class _QuickPdf:
    """Stands in for WeasyPrint: who may download a PDF is decided before it is drawn, and drawing
    each one (about half a second) would triple the matrix's time. The PDFs have their own tests."""

    def __init__(self, **_: Any) -> None:
        pass

    def write_pdf(self) -> bytes:
        return b"%PDF-1.4\n% stand-in drawn by the authorisation matrix\n"


# --- asking -------------------------------------------------------------------------------------------


def _redirect_path(response: Any) -> str | None:
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    return str(urlparse(response["Location"]).path)


def is_sign_in_redirect(response: Any) -> bool:
    return _redirect_path(response) == reverse(django_settings.LOGIN_URL)


def is_two_step_redirect(response: Any) -> bool:
    """Sent to enter a code or set up an app: for a session that has passed both steps, a refusal."""
    return _redirect_path(response) in {reverse(n) for n in ("accounts:mfa_verify", "accounts:mfa_enrol",
                                                             "accounts:mfa_recovery")}


def session_key(client: Client) -> str:
    cookie = client.cookies.get(django_settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else ""


def ended_session(response: Any, key: str) -> bool:
    """The response replaced or deleted the session cookie the request came with."""
    cookie = response.cookies.get(django_settings.SESSION_COOKIE_NAME)
    return bool(key) and cookie is not None and cookie.value != key


def ask(client: Client, url: str, method: str = "get", data: dict[str, Any] | None = None) -> Any:
    """GET the URL, or POST `data` (an empty form unless given). Rolled back afterwards."""
    cookies = SimpleCookie()
    cookies.load(client.cookies.output(header="", sep=";"))
    with transaction.atomic():
        response = client.get(url) if method == "get" else client.post(url, data or {})
        response.close()  # a file download holds its file open until closed
        transaction.set_rollback(True)
    client.cookies = cookies  # a sign-out (rolled back in the database) must not sign the client out
    return response


def verdict(cell: matrix.Cell, method: str, response: Any, key: str = "") -> str:
    """"allow", "refuse" or "error" for what happened (`key`: the session the request was made in)."""
    status = response.status_code
    if status >= 500:
        return "error"
    if cell.rule.signs_out and cell.persona != "anonymous" and is_sign_in_redirect(response) \
            and ended_session(response, key):
        return "allow"  # signed out, as asked
    if cell.refusal == "sign_in" and is_sign_in_redirect(response):
        return "refuse"
    if status == cell.refusal or (status == 404 and cell.persona != "anonymous"):
        return "refuse"
    if is_sign_in_redirect(response) or is_two_step_redirect(response) or status in (401, 403, 404, 405):
        return "refuse"
    if method == "get" and status >= 400:
        return "error"  # a page that should just show could not
    return "allow"


def is_json(response: Any) -> bool:
    return bool(response.get("Content-Type", "").startswith("application/json"))


def world_state() -> dict[str, Any]:
    """What the requests must leave as they found it: every table's row count, and the states that
    destructive actions change without adding or removing rows."""
    state: dict[str, Any] = {
        model._meta.label: model._default_manager.count() for model in apps.get_models() if model._meta.managed
    }
    state["active accounts"] = sorted(User.objects.filter(is_active=True).values_list("pk", flat=True))
    state["roles held"] = sorted(User.roles.through.objects.values_list("user_id", "role_id"))
    state["request stages"] = sorted(SubjectAccessRequest.objects.values_list("pk", "stage"))
    state["active holds"] = sorted(LegalHold.objects.filter(lifted_at__isnull=True).values_list("pk", flat=True))
    state["family postcodes"] = sorted(Family.objects.values_list("pk", "postcode"))
    state["last audit event"] = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return state


def changes(before: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What differs in the world from `before`: (before, now) for each thing that changed."""
    now = world_state()
    return {key: (was, now[key]) for key, was in before.items() if now[key] != was}


def destructive_posts(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    """(persona, URL, valid body, where success goes) for the changes that cannot be undone or that
    end someone's access: each must really happen inside its request and be rolled back after it."""
    staff, family = world["in"]["staff_account"], world["in"]["retention_family"]
    return [
        ("dpo", reverse("retention:dispose", args=[family]), {"confirm": "on"},
         reverse("retention:family", args=[family])),
        ("dpo", reverse("retention:place_hold", args=[family]), {"reason": "A claim"},
         reverse("retention:family", args=[family])),
        ("dpo", reverse("subjectaccess:release", args=[world["in"]["sar_reviewed"]]), {},
         reverse("subjectaccess:request", args=[world["in"]["sar_reviewed"]])),
        ("admin", reverse("staff:deactivate", args=[staff]), {"reason": "Left the service"},
         reverse("staff:person", args=[staff])),
        ("admin", reverse("staff:remove_role", args=[staff]), {"role": "health-visitor", "reason": "Moved role"},
         reverse("staff:person", args=[staff])),
        ("admin", reverse("staff:sign_out_person", args=[staff]), {}, reverse("staff:person", args=[staff])),
        ("admin", reverse("accounts:reset_mfa", args=[staff]), {"reason": "Lost phone"}, reverse("accounts:locked_out")),
        ("health_visitor", reverse("staff:sign_out_everywhere"), {}, reverse("accounts:sign_in")),
    ]


def judge(cell: matrix.Cell, method: str, url: str, response: Any, key: str, problems: dict[str, list[str]]) -> None:
    """Add what is wrong with this answer, if anything, to `problems`."""
    seen = verdict(cell, method, response, key)
    detail = f"{cell.describe()}: {method.upper()} {url} gave {response.status_code}"
    if seen == "error":
        problems["server error" if response.status_code >= 500 else "wrong status"].append(detail)
    elif cell.allowed and seen == "refuse":
        problems["unexpected refusal"].append(detail)
    elif not cell.allowed and seen == "allow":
        problems["unexpected allow"].append(detail)
    elif not cell.allowed and response.status_code != cell.refusal and not (
        cell.refusal == "sign_in" and is_sign_in_redirect(response)
    ):
        problems["wrong status"].append(f"{detail}, expected the refusal {cell.refusal}")
    if cell.rule.kind == matrix.API and not is_json(response):
        problems["API answer not in JSON"].append(f"{detail} as {response.get('Content-Type')}")


@pytest.mark.usefixtures("keep_test_connection")
def test_authorisation_matrix_has_no_unexpected_allows_or_refusals(
    cast: dict[str, User], agencies: dict[str, Agency], make_user: Callable[..., User], settings: Any, tmp_path: Path,
    monkeypatch: Any,
) -> None:
    started = time.monotonic()
    monkeypatch.setattr("kbs.core.pdf.HTML", _QuickPdf)
    settings.KBS_UPLOAD_ROOT = tmp_path / "uploads"
    settings.KBS_MFA_REQUIRED = True  # as in production: every session must have passed both steps
    patterns = dict(url_patterns())
    missing = matrix.missing_rules(list(patterns))
    stale = matrix.stale_rules(list(patterns), django_settings.DEMO_MODE)

    world = build_world(cast, agencies, make_user)
    clients: dict[str, Client] = {"anonymous": Client()}
    users: dict[str, Any] = {"anonymous": None}
    for key, user in cast.items():
        clients[key] = Client()
        clients[key].force_login(user)
        session = clients[key].session
        session[DEVICE_ID_SESSION_KEY] = world["devices"][key].persistent_id  # passed the second step
        session.save()
        users[key] = user
    before = world_state()

    def involved(user: Any) -> bool:
        return user.agency_id in world["involved_agencies"]

    def of_lead_agency(user: Any) -> bool:
        return bool(user.agency_id == world["lead_agency"])

    counts: Counter[str] = Counter()
    seconds: dict[str, float] = {}
    problems: dict[str, list[str]] = {"unexpected allow": [], "unexpected refusal": [], "server error": [],
                                      "wrong status": [], "API answer not in JSON": [],
                                      "destructive post did not succeed": [], "destructive post escaped its rollback": []}
    for name, pattern in sorted(patterns.items()):
        rule = matrix.BY_NAME.get(name)
        if rule is None:
            continue  # reported below, after every URL that has a rule has been asked
        for cell in matrix.cells(rule, users, involved, of_lead_agency):
            url = url_for(name, pattern, rule, world, cell.persona, cell.scope)
            counts["cells"] += 1
            counts["expected_allows" if cell.allowed else "expected_refusals"] += 1
            # The GET, or an empty POST where the view takes only POST, is the cell's answer. Where
            # the view takes both, an empty POST is asked too: if the GET is refused, the POST must
            # be refused as well (a form handled before its access check would slip through it);
            # if the GET is allowed, the POST may still be narrower (only a champion logs their own
            # briefings), so it must only not fail. A method the view does not take (405) is skipped.
            answered: list[str] = []
            for method in ("get", "post"):
                asked = time.monotonic()
                key = session_key(clients[cell.persona])
                response = ask(clients[cell.persona], url, method)
                seconds[name] = seconds.get(name, 0.0) + time.monotonic() - asked
                if response.status_code == 405:
                    continue
                counts["requests"] += 1
                if not answered:
                    judge(cell, method, url, response, key, problems)
                elif response.status_code >= 500:
                    problems["server error"].append(f"{cell.describe()}: POST {url} gave {response.status_code}")
                elif not cell.allowed and not (rule.anyone_may_post and cell.persona == "anonymous"):
                    judge(cell, method, url, response, key, problems)
                answered.append(method)
            if not answered:
                problems["wrong status"].append(f"{cell.describe()}: {url} takes neither GET nor POST")

    # Every cell saw the same world; so must whatever runs after this test's requests.
    problems["the requests changed the world (a request escaped its rollback)"] = [
        f"{key}: {was} became {now}" for key, (was, now) in changes(before).items()]
    # The changes that cannot be undone: each happens inside its request, and is rolled back with it.
    for persona, url, data, goes_to in destructive_posts(world):
        key = session_key(clients[persona])
        response = ask(clients[persona], url, "post", data)
        if _redirect_path(response) != goes_to:
            problems["destructive post did not succeed"].append(
                f"{persona} POST {url} gave {response.status_code} {response.get('Location', '')}, expected {goes_to}")
        if changed := changes(before):
            problems["destructive post escaped its rollback"].append(f"{persona} POST {url}: {sorted(changed)}")
        if goes_to == reverse("accounts:sign_in") and not ended_session(response, key):
            problems["destructive post did not succeed"].append(f"{persona} POST {url} did not end the session")
        if ask(clients[persona], reverse("staff:account")).status_code != 200:
            problems["destructive post escaped its rollback"].append(f"{persona} cannot carry on after POST {url}")

    figures = {
        "urls": len(patterns) - len(missing), "personas": len(users), "cells": counts["cells"],
        "expected_allows": counts["expected_allows"], "expected_refusals": counts["expected_refusals"],
        "unexpected_allows": len(problems["unexpected allow"]), "unexpected_refusals": len(problems["unexpected refusal"]),
    }
    write_figures("authorisation-matrix", figures)
    slowest = ", ".join(f"{name} {spent:.1f} s" for name, spent in sorted(seconds.items(), key=lambda i: -i[1])[:8])
    print(f"authorisation-matrix: {figures}, {counts['requests']} requests, in {time.monotonic() - started:.1f} s; "
          f"slowest: {slowest}")
    if missing:
        problems["URL with no rule in kbs/core/authz_matrix.py RULES (add one line each, e.g. "
                 f"family(\"{missing[0]}\", EDIT_FAMILY) or Rule(\"{missing[0]}\", needs=STAFF))"] = missing
    if stale:
        problems["rule in kbs/core/authz_matrix.py for a URL that no longer exists"] = stale
    found = {kind: rows for kind, rows in problems.items() if rows}
    assert not found, "\n".join(f"{kind} ({len(rows)}):\n  " + "\n  ".join(rows) for kind, rows in found.items())
    assert counts["expected_allows"]
    assert counts["expected_refusals"]
