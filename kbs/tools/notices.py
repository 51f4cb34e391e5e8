"""E-mails to the practitioner's own safeguarding lead about urgent outcomes, after the commit."""

from django.conf import settings
from django.core.mail import send_mail

from kbs.families.notices import safeguarding_lead_addresses
from kbs.tools.models import Assessment


def _link(assessment: Assessment) -> str:
    # Links only: names stay out of e-mail.
    return f"{settings.KBS_BASE_URL}{assessment.get_absolute_url()}"


def urgent_outcome(assessment: Assessment, level: str) -> int:
    agency = assessment.created_by.agency
    if agency is None:
        return 0
    recipients = safeguarding_lead_addresses(agency)
    if not recipients:
        return 0
    body = (
        f"{assessment.created_by} is completing a {assessment.tool_slug} assessment whose outcome is {level.upper()}.\n"
        "Same-day safeguarding steps are needed. Please make sure they happen today.\n\n"
        f"Assessment: {_link(assessment)}\n"
    )
    return send_mail(f"Keeping Babies Safe: {level} outcome needs same-day action", body, None, recipients)


def sign_off_needed(assessment: Assessment) -> int:
    agency = assessment.created_by.agency
    if agency is None:
        return 0
    recipients = safeguarding_lead_addresses(agency)
    if not recipients:
        return 0
    body = (
        f"{assessment.created_by} could not record the same-day steps for a {assessment.level.upper()} "
        f"{assessment.tool_slug} assessment and has given a reason.\n"
        f"Their reason: {assessment.steps_not_recorded_reason}\n\n"
        f"Please review and sign off: {_link(assessment)}\n"
    )
    return send_mail("Keeping Babies Safe: an urgent assessment needs your sign-off", body, None, recipients)
