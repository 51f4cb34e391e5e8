"""A whole escalation, through the pages as people use them (without a browser).

A housing officer sees something worrying on a visit and raises a concern; housing's safeguarding
lead decides to refer to children's social care and records the referral; nobody acknowledges it
in time, so the clock escalates it; the acknowledgement and outcome arrive and the lead closes the
concern. Along the way the other agencies see the concern only once it is decided.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, AgencyType, User
from kbs.chronology.models import Entry
from kbs.concerns import actions
from kbs.concerns.models import Concern, Referral
from kbs.core.clocks import working_days_deadline
from kbs.families import actions as family_actions
from kbs.families.models import Family


def test_housing_concern_to_referral_to_closure(
    family: Family, cast: dict[str, User], make_user: Callable[..., User], mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    housing = Agency.objects.create(name="Test Housing", agency_type=AgencyType.HOUSING)
    officer = make_user("ho-hana", "practitioner", housing)
    lead = make_user("hl-hugo", "safeguarding-lead", housing)
    family_actions.record_involvement(by=officer, family=family, reason="Tenancy support")
    officer_client, lead_client, midwife_client = Client(), Client(), Client()
    officer_client.force_login(officer)
    lead_client.force_login(lead)
    midwife_client.force_login(cast["midwife"])

    # The officer raises a concern from the family page.
    family_page = officer_client.get(family.get_absolute_url()).content.decode()
    raise_url = reverse("concerns:raise", args=[family.public_id])
    assert raise_url in family_page
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(raise_url, {
            "baby": str(family.babies.first().public_id), "category": "housing", "severity": "medium",  # type: ignore[union-attr]
            "what_was_seen": "No heating, damp in the baby's room, Moses basket beside a portable gas heater",
        })
    concern = Concern.objects.get()
    assert response["Location"] == concern.get_absolute_url()
    assert [m.to for m in mailoutbox] == [[lead.email]]  # housing's lead is told, nobody else

    # Not yet decided: maternity cannot see it; housing's lead has it in the inbox.
    assert midwife_client.get(concern.get_absolute_url()).status_code == 404
    assert concern.get_absolute_url() in lead_client.get(reverse("concerns:inbox")).content.decode()

    # The lead decides to refer to children's social care.
    response = lead_client.post(reverse("concerns:decide", args=[concern.public_id]), {
        "decision": "refer_csc", "rationale": "Cold, damp home and an unsafe heater next to a sleeping baby",
    })
    assert response.status_code == 302
    assert midwife_client.get(concern.get_absolute_url()).status_code == 200
    assert concern.get_absolute_url() not in lead_client.get(reverse("concerns:inbox")).content.decode()

    # The lead phones the front door and records the referral.
    made = timezone.localtime() - timedelta(minutes=15)
    response = lead_client.post(reverse("concerns:record_referral_for_concern", args=[concern.public_id]), {
        "to": "csc", "how": "phone", "to_whom": "Duty social worker", "reference": "",
        "day-day": str(made.day), "day-month": str(made.month), "day-year": str(made.year), "time": f"{made:%H:%M}",
    })
    referral = Referral.objects.get()
    assert response["Location"] == referral.get_absolute_url()

    # The clock runs out: two working days later nothing has come back.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        escalated = actions.escalate_overdue(now=working_days_deadline(timezone.now(), 2))
    assert referral in escalated
    assert [m.to for m in mailoutbox] == [[lead.email]]
    assert referral.get_absolute_url() in mailoutbox[0].body
    overdue_page = lead_client.get(reverse("concerns:overdue")).content.decode()
    assert referral.get_absolute_url() in overdue_page

    # The lead cannot close the concern while the referral is open.
    response = lead_client.post(reverse("concerns:close", args=[concern.public_id]), {"note": "Done"})
    assert response.status_code == 400

    # The acknowledgement, then the outcome, arrive.
    now = timezone.localtime()
    assert lead_client.post(reverse("concerns:acknowledge", args=[referral.public_id]), {
        "day-day": str(now.day), "day-month": str(now.month), "day-year": str(now.year), "time": f"{now:%H:%M}",
        "reference": "CSC-2026-0042",
    }).status_code == 302
    assert referral.get_absolute_url() not in lead_client.get(reverse("concerns:overdue")).content.decode()
    assert lead_client.post(reverse("concerns:outcome", args=[referral.public_id]), {
        "outcome": "child_in_need", "note": "Child and family assessment; housing to move the family",
    }).status_code == 302

    # Now the concern can be closed, saying what was done.
    response = lead_client.post(reverse("concerns:close", args=[concern.public_id]), {
        "note": "Referred to CSC; child and family assessment started; emergency repairs booked",
    })
    assert response.status_code == 302
    concern.refresh_from_db()
    referral.refresh_from_db()
    assert (concern.state, referral.state, referral.reference) == ("closed", "outcome_recorded", "CSC-2026-0042")
    assert [t.to_state for t in concern.transitions.all()] == ["raised", "decided", "closed"]
    assert [t.to_state for t in referral.transitions.all()] == ["made", "acknowledged", "outcome_recorded"]
    assert [t.by for t in concern.transitions.all()] == [officer, lead, lead]

    # The chronology kept the raise to housing, and shares the rest.
    shared = list(Entry.objects.filter(family=family, source_id__in=[str(concern.public_id), str(referral.public_id)])
                  .order_by("id").values_list("shared", flat=True))
    assert shared == [False, True, True, True, True, True]

    # Nothing is left in anyone's work list.
    assert "Mark as done" not in lead_client.get(reverse("concerns:my_work")).content.decode()
