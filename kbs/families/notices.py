"""E-mails to safeguarding leads about who has come to a family's record, sent after the commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from kbs.accounts.models import Agency, User
from kbs.families.models import BreakGlass, Family, Involvement


def lead_agency(family: Family) -> Agency | None:
    """The agency leading on the family now: the flagged lead, else the longest-standing active one."""
    involvement = (
        Involvement.objects.filter(family=family, ended_on__isnull=True)
        .select_related("agency")
        .order_by("-is_lead_agency", "started_on", "id")
        .first()
    )
    return involvement.agency if involvement else None


def safeguarding_lead_addresses(agency: Agency) -> list[str]:
    leads = User.objects.filter(agency=agency, is_active=True, roles__slug="safeguarding-lead").exclude(email="")
    addresses = sorted({lead.email for lead in leads})
    if not addresses and agency.safeguarding_email:
        addresses = [agency.safeguarding_email]
    return addresses


def _family_link(family: Family) -> str:
    # Names and addresses stay out of e-mail: the lead follows the link and signs in.
    return f"{settings.KBS_BASE_URL}{reverse('families:family', args=[family.public_id])}"


def break_glass_taken(grant: BreakGlass) -> int:
    agency = lead_agency(grant.family)
    if agency is None:
        return 0
    recipients = safeguarding_lead_addresses(agency)
    if not recipients:
        return 0
    taker = grant.user
    body = (
        f"{taker} ({taker.agency or 'no agency'}) took emergency access to a family your agency leads on.\n\n"
        f"Their reason: {grant.reason}\n\n"
        f"Access ends at {grant.expires_at:%H:%M on %d %B %Y}.\n"
        f"Family record: {_family_link(grant.family)}\n"
    )
    return send_mail("Keeping Babies Safe: emergency access taken", body, None, recipients)


def involvement_recorded(involvement: Involvement) -> int:
    others = (
        Involvement.objects.filter(family=involvement.family, ended_on__isnull=True)
        .exclude(agency_id=involvement.agency_id)
        .select_related("agency")
    )
    recipients = sorted({address for other in others for address in safeguarding_lead_addresses(other.agency)})
    if not recipients:
        return 0
    body = (
        f"{involvement.agency} has recorded that it is working with a family your agency is involved with.\n\n"
        f"Their reason: {involvement.reason}\n\n"
        f"Family record: {_family_link(involvement.family)}\n"
    )
    return send_mail("Keeping Babies Safe: another agency is involved", body, None, recipients)
