"""The certificate PDF, and the e-mails that remind people before a training record expires."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.core.pdf import render_pdf
from kbs.core.presenters import day
from kbs.workforce.models import Certificate, CourseCode, ReminderSent, TrainingRecord

# How each course is named on its certificate: (what kind of course, its title).
CERTIFICATE_TITLES = {
    CourseCode.L2_PBFH: ("Level 2 e-learning", "Protecting Babies from Harm"),
    CourseCode.L3_KBS: ("Level 3 course", "Keeping Babies Safe"),
}

# How many days before expiry each reminder goes. Each goes once per training record.
REMINDER_DAYS = (60, 14)


def certificate_pdf(certificate: Certificate, *, by: User) -> bytes:
    """The certificate as a PDF. Downloading it is an export, so it goes in the audit trail."""
    html = render_to_string("workforce/certificate_pdf.jinja", {
        "title": f"Certificate: {certificate.get_course_code_display()}",
        "certificate": certificate,
        "holder": certificate.user,
        "kind": CERTIFICATE_TITLES[CourseCode(certificate.course_code)][0],
        "course_name": CERTIFICATE_TITLES[CourseCode(certificate.course_code)][1],
    })
    pdf = render_pdf(html)
    record_event(
        by=by, action=Action.EXPORT, obj=certificate,
        summary=f"Downloaded the {certificate.course_code} certificate of {certificate.user}",
    )
    return pdf


def certificate_file_name(certificate: Certificate) -> str:
    return f"kbs-certificate-{certificate.course_code.lower()}-{certificate.issued_on:%Y-%m-%d}.pdf"


@dataclass(frozen=True)
class ReminderCounts:
    sent: int
    skipped: int


def _due_reminder(days_left: int) -> int | None:
    """The reminder due with `days_left` days to go: the tightest lead time that has been reached.
    (If the command did not run for a while, the 60-day reminder is not sent at 10 days.)"""
    reached = [d for d in REMINDER_DAYS if days_left <= d]
    return min(reached) if reached and days_left > 0 else None


def _superseded(record: TrainingRecord) -> bool:
    """True when the person has a newer record of the same course that runs for longer."""
    return TrainingRecord.objects.filter(
        user_id=record.user_id, course_code=record.course_code, expires_on__gt=record.expires_on
    ).exists() or TrainingRecord.objects.filter(
        user_id=record.user_id, course_code=record.course_code, expires_on__isnull=True,
        completed_on__gt=record.completed_on,
    ).exists()


def _message(record: TrainingRecord, days_left: int) -> tuple[str, str]:
    course = record.get_course_code_display()
    link = settings.KBS_BASE_URL + (
        reverse("workforce:elearning") if record.course_code == CourseCode.L2_PBFH else reverse("workforce:home")
    )
    what = "take the refresher" if record.course_code == CourseCode.L2_PBFH else "book a place on a course"
    subject = f"Keeping Babies Safe: your training expires in {days_left} days"
    body = (
        f"Your {course} training expires on {day(record.expires_on)}.\n\n"
        f"To keep your training up to date, {what} before then: {link}\n"
    )
    return subject, body


def send_training_reminders(*, today: date | None = None) -> ReminderCounts:
    """E-mail everyone whose training record expires in 60 or 14 days. Each reminder goes once a
    record (the database holds that rule); nothing is sent for a record already replaced by a newer
    one, or to someone whose account is closed."""
    today = today or timezone.localdate()
    horizon = date.fromordinal(today.toordinal() + max(REMINDER_DAYS))
    records = TrainingRecord.objects.filter(
        expires_on__gt=today, expires_on__lte=horizon, user__is_active=True
    ).select_related("user").order_by("expires_on", "pk")
    sent = skipped = 0
    for record in records:
        assert record.expires_on is not None
        days_left = (record.expires_on - today).days
        due = _due_reminder(days_left)
        if due is None or not record.user.email or _superseded(record):
            skipped += 1
            continue
        if ReminderSent.objects.filter(record=record, days_before=due).exists():
            continue
        subject, body = _message(record, days_left)
        try:
            with transaction.atomic():
                # Written first: if two runs overlap, the second fails here and sends nothing.
                ReminderSent.objects.create(record=record, days_before=due, sent_at=timezone.now())
                send_mail(subject, body, None, [record.user.email])
                record_event(
                    by=None, action=Action.CREATE, obj=record, actor_name="Training reminders",
                    summary=f"E-mailed {record.user} a {due}-day reminder that their {record.course_code} training expires",
                )
        except IntegrityError:
            continue
        sent += 1
    return ReminderCounts(sent=sent, skipped=skipped)
