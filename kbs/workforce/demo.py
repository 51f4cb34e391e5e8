"""Workforce demo data: the Level 2 course content and a champion in each agency's first team.

Called by the demo loader (`kbs.nonprod.demo`) after staff exist; safe to call again. Only the
course content is loaded outside demo mode, by the `load_course_content` command.
"""

from datetime import timedelta

from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.workforce import actions
from kbs.workforce.course_content import load_course_content
from kbs.workforce.models import Champion


def load_workforce_demo(*, by: User | None = None) -> dict[str, int]:
    """Load the course content, then name one champion per agency (a front-line member of its
    first team with staff) and record a first briefing for each. Returns counts."""
    counts = load_course_content()
    today = timezone.localdate()
    made = 0
    for number, agency in enumerate(Agency.objects.order_by("name")):
        if Champion.objects.filter(agency=agency, active=True).exists():
            continue
        candidate = (
            User.objects.filter(agency=agency, is_active=True, team__isnull=False, roles__isnull=False)
            .exclude(username__startswith="demo-").order_by("team__name", "last_name", "pk").first()
        )
        if candidate is None:
            continue
        actor = by or candidate
        champion = actions.make_champion(
            by=actor, user=candidate, team=candidate.team, areas_covered="",
            since=today - timedelta(days=90 + 30 * number), contact_phone=f"01332 {600100 + number:06d}"[:12],
        )
        actions.record_briefing(
            by=candidate, champion=champion, given_on=today - timedelta(days=14), audience=f"{candidate.team} meeting",
            topic="The three messages: safe sleep, safe handling and safe space", attendees=8,
        )
        made += 1
    return {**counts, "champions": made}
