"""Everything KBS holds about one person, gathered for a subject access request.

`gather(babies, people)` is the one place that decides what is in a subject access export. It reads
the records and returns a plain, JSON-ready document; it writes nothing (the action that calls it,
`kbs.subjectaccess.actions.gather_records`, writes the audit). The number of queries does not grow
with the number of records: each kind of record is one query, with its parts prefetched.

The subject is every Baby row and every Person row found for them (a person may be in more than one
family, each time as a separate row). What is gathered, app by app, after going through every
model in KBS:

- families: the subject's own Baby and Person rows; the household details (Family) of each family
  they belong to; the agencies involved with those families (Involvement); a baby's birthmarks
  (Birthmark) and death record (Death). Break-glass grants are in the audit of who looked.
- contacts: contacts a person was present at (for a baby: every contact with the baby's family),
  with the life events recorded at them, the messages given to the subject (MessageDelivery), and
  the crying plans for the subject's babies (CryingPlan).
- tools: assessments of the subject's babies (Assessment), with their safe sleep and support plans.
- concerns: concerns about the subject's babies or about the family as a whole (Concern) with their
  history (Transition), referrals made about those concerns or about the family (Referral), and
  tasks about the subject's babies or the family (Task).
- chronology: entries about the subject's babies or the family as a whole (Entry), except those
  written about another person in the family or about a contact that was not gathered.
- prebirth: pre-birth cases for the subject's babies, their milestones and delivery safety plans.
- audit: who did what to the subject's records: the events on their families, on their babies and
  on their own Person rows (not events on other people in the family), with who, agency and when.

"The subject's babies" are the babies a subject baby is, or, for a person who is a parent, has
parental responsibility or is an adult carer in a family, every baby of that family ("their baby").
For anyone else in the family (a sibling, a friend) only family-wide records and records they were
part of are gathered.

Not gathered, because they hold nothing about families: accounts (staff), workforce (training),
insights (counts only), library, learning, public, api, and the partnership's tool settings.
PreBirth CaseTask rows only link a case to a task, and the tasks are gathered.

The document (its JSON is what is released, so this shape is stable; `FORMAT_VERSION` changes if it
ever must):

    {"format": "kbs-subject-access", "format_version": 1,
     "subject": {"name", "nhs_number", "date_of_birth"},
     "gathered_at": ISO 8601,
     "sections": [{"key", "title", "description",
                   "items": [{"id", "title", "fields": [{"key", "label", "value"}]}]}]}

The released JSON is this document with the redactions applied (kbs/subjectaccess/redaction.py:
a withheld item becomes {"id": "withheld-N", "title": "[withheld: reason]", "withheld": "[withheld:
reason]", "fields": []}; a withheld field keeps its key and label, its value becomes "[withheld:
reason]" and it gains "withheld": true) and two more keys: "withheld": {"items", "fields"} (counts)
and "request": {"reference", "received_on", "due_on", "released_at", "released_by"}.

Every value is text, written as a person would read it. An item's `id` ("contact:<uuid>") and a
field's `key` are stable between gatherings, so redactions made on one gathering still apply to the
next.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import Model, Prefetch, Q
from django.utils import timezone

from kbs.audit.models import AuditEvent
from kbs.chronology.models import Entry
from kbs.concerns.models import Concern, Referral, Task, Transition
from kbs.contacts.models import Contact, CryingPlan, HistoricContact, MessageDelivery
from kbs.core.presenters import day, moment, nhs_number
from kbs.families.models import Baby, Birthmark, Death, Family, Involvement, Person, Relationship
from kbs.prebirth.models import MilestoneRecord, PreBirthCase
from kbs.tools.models import Assessment, SafeSleepPlan, SupportPlan

FORMAT = "kbs-subject-access"
FORMAT_VERSION = 1
PARENT_RELATIONSHIPS = frozenset({
    Relationship.BIRTH_MOTHER, Relationship.FATHER, Relationship.MOTHERS_PARTNER, Relationship.STEP_PARENT,
})

Document = dict[str, Any]
Item = dict[str, Any]


def text(value: Any) -> str:
    """A value as a person reads it."""
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {text(v)}" for k, v in value.items()) or "None"
    if isinstance(value, list | tuple):
        return "; ".join(text(v) for v in value) or "None"
    return str(value)


def item(item_id: str, title: str, fields: Iterable[tuple[str, str, Any]]) -> Item:
    return {"id": item_id, "title": title, "fields": [{"key": k, "label": label, "value": text(v)} for k, label, v in fields]}


def section(key: str, title: str, description: str, items: list[Item]) -> dict[str, Any]:
    return {"key": key, "title": title, "description": description, "items": items}


def _person_name(person: Person) -> str:
    return f"{person.given_name} {person.family_name}"


def _is_parent_or_carer(person: Person) -> bool:
    return person.relationship in PARENT_RELATIONSHIPS or person.parental_responsibility or person.is_adult_carer


def gather(babies: list[Baby], people: list[Person], *, subject: dict[str, str]) -> Document:
    """The structured document of everything held about the subject (`babies` and `people` are the
    rows found for them, with `family` loaded). Reads only; the caller audits."""
    family_ids = {b.family_id for b in babies} | {p.family_id for p in people}
    subject_person_ids = {p.pk for p in people}
    carer_family_ids = {p.family_id for p in people if _is_parent_or_carer(p)}
    baby_families = {b.family_id for b in babies}
    families = list(Family.objects.filter(pk__in=family_ids).order_by("id"))
    their_babies = list(
        Baby.objects.filter(Q(pk__in=[b.pk for b in babies]) | Q(family_id__in=carer_family_ids)).order_by("id")
    )
    baby_ids = {b.pk for b in their_babies}
    baby_names = {b.pk: b.display_name for b in their_babies}
    about = Q(baby_id__in=baby_ids) | Q(family_id__in=family_ids, baby__isnull=True)

    contact_items, contact_sources = _contacts(family_ids, baby_families, subject_person_ids)
    own_people = {str(p.public_id) for p in people}
    sections = [
        section("own_records", "Your records", "The records KBS keeps about you yourself.",
                _own_records(babies, people)),
        section("household", "Household", "The household you belong to, and the agencies working with it.",
                _household(families)),
        section("contacts", "Contacts", "Visits, appointments and calls that were about you or that you were at.",
                contact_items),
        section("historic_contacts", "Contacts recorded in other systems",
                "Contacts with your baby that another organisation's system recorded and sent to KBS, as it sent them.",
                _historic_contacts(baby_ids, baby_names)),
        section("assessments", "Assessments and plans", "Assessments of your baby and the plans made with them.",
                _assessments(baby_ids, baby_names)),
        section("concerns", "Concerns and referrals", "Concerns raised about your baby or your household, and referrals made.",
                _concerns(about, family_ids, baby_names)),
        section("tasks", "Tasks", "Work practitioners set themselves about your baby or your household.",
                _tasks(about, baby_names)),
        section("chronology", "Chronology", "The running record of events about your baby or your household.",
                _chronology(about, baby_names, own_people, contact_sources)),
        section("prebirth", "Pre-birth work", "Work done before your baby was born.", _prebirth(baby_ids, baby_names)),
        section("audit", "Who looked at or changed your records",
                "Every time someone opened, changed or downloaded your records in KBS: who, their agency and when.",
                _audit(family_ids, {str(b.public_id) for b in their_babies}, people)),
    ]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "subject": subject,
        "gathered_at": timezone.now().isoformat(),
        "sections": sections,
    }


def _own_records(babies: list[Baby], people: list[Person]) -> list[Item]:
    items = []
    baby_ids = [b.pk for b in babies]
    marks: dict[int, list[Birthmark]] = {}
    for mark in Birthmark.objects.filter(baby_id__in=baby_ids).select_related("confirmed_by"):
        marks.setdefault(mark.baby_id, []).append(mark)
    deaths = {d.baby_id: d for d in Death.objects.filter(baby_id__in=baby_ids).select_related("recorded_by", "recorded_by_agency")}
    for baby in babies:
        items.append(item(f"baby:{baby.public_id}", "Baby record", [
            ("given_name", "Given name", baby.given_name),
            ("family_name", "Family name", baby.family_name),
            ("nhs_number", "NHS number", nhs_number(baby.nhs_number) if baby.nhs_number else ""),
            ("date_of_birth", "Date of birth", baby.date_of_birth),
            ("expected_delivery_date", "Expected date of delivery", baby.expected_delivery_date),
            ("sex", "Sex", baby.get_sex_display()),
            ("gestation_at_birth_weeks", "Weeks of pregnancy at birth", baby.gestation_at_birth_weeks),
            ("birth_weight_g", "Birth weight in grams", baby.birth_weight_g),
            ("multiple_birth", "Twin or more", baby.multiple_birth),
            ("mobility", "Moving about", baby.get_mobility_display()),
            ("created_at", "Record made", baby.created_at),
        ]))
        for mark in marks.get(baby.pk, []):
            items.append(item(f"birthmark:{mark.public_id}", f"Birthmark seen {day(mark.observed_on)}", [
                ("kind", "Kind", mark.get_kind_display()),
                ("regions", "Where on the body", mark.regions),
                ("size_mm", "Size in millimetres", mark.size_mm),
                ("colour", "Colour", mark.colour),
                ("description", "Description", mark.description),
                ("confirmed_by", "Confirmed by", f"{mark.confirmed_by} ({mark.confirmed_by_role})"),
            ]))
        death = deaths.get(baby.pk)
        if death is not None:
            items.append(item(f"death:{baby.public_id}", "Death", [
                ("died_on", "Date", death.died_on),
                ("place", "Where", death.get_place_display()),
                ("place_detail", "Which hospital, or where", death.place_detail),
                ("how_learned", "How the practitioner found out", death.how_learned),
                ("who_else_aware", "Who else already knew", death.who_else_aware),
                ("other_children", "Other children and who is caring for them", death.other_children),
                ("bereavement_support_offered", "Bereavement support offered", death.bereavement_support_offered),
                ("bereavement_support_detail", "What support, and from whom", death.bereavement_support_detail),
                ("key_worker", "Key worker", death.key_worker),
                ("recorded_by", "Recorded by", f"{death.recorded_by} ({death.recorded_by_agency})"),
                ("recorded_at", "Recorded", death.recorded_at),
            ]))
    for person in people:
        items.append(item(f"person:{person.public_id}", "Your details as someone in a baby's life", [
            ("given_name", "Given name", person.given_name),
            ("family_name", "Family name", person.family_name),
            ("nhs_number", "NHS number", nhs_number(person.nhs_number) if person.nhs_number else ""),
            ("date_of_birth", "Date of birth", person.date_of_birth),
            ("relationship", "Relationship to the baby", person.get_relationship_display()),
            ("lives_in_household", "Lives in the household", person.lives_in_household),
            ("regular_carer", "Looks after the baby regularly", person.regular_carer),
            ("parental_responsibility", "Parental responsibility", person.parental_responsibility),
            ("last_seen_on", "Last seen by a practitioner", person.last_seen_on),
            ("created_at", "Record made", person.created_at),
        ]))
    return items


def _household(families: list[Family]) -> list[Item]:
    items = []
    involvements: dict[int, list[Involvement]] = {}
    for involvement in (
        Involvement.objects.filter(family_id__in=[f.pk for f in families])
        .select_related("agency", "team").order_by("started_on", "id")
    ):
        involvements.setdefault(involvement.family_id, []).append(involvement)
    for family in families:
        items.append(item(f"family:{family.public_id}", "Household", [
            ("address_line_1", "Address line 1", family.address_line_1),
            ("address_line_2", "Address line 2", family.address_line_2),
            ("town", "Town", family.town),
            ("postcode", "Postcode", family.postcode),
            ("language", "Language", family.language),
            ("interpreter_needed", "Interpreter needed", family.interpreter_needed),
        ]))
        for involvement in involvements.get(family.pk, []):
            items.append(item(f"involvement:{involvement.pk}", f"{involvement.agency} working with the household", [
                ("agency", "Agency", involvement.agency),
                ("team", "Team", involvement.team),
                ("lead", "Lead agency", involvement.is_lead_agency),
                ("reason", "Reason", involvement.reason),
                ("lawful_basis", "Lawful basis", involvement.get_lawful_basis_display()),
                ("started_on", "Started", involvement.started_on),
                ("ended_on", "Ended", involvement.ended_on),
            ]))
    return items


def _contacts(family_ids: set[int], baby_family_ids: set[int], person_ids: set[int]) -> tuple[list[Item], set[tuple[str, str]]]:
    """The contacts gathered, and each as a chronology source (the contact and its life events)."""
    contacts = (
        Contact.objects.filter(Q(family_id__in=baby_family_ids) | Q(family_id__in=family_ids, present__in=person_ids))
        .distinct()
        .select_related("agency", "practitioner")
        .prefetch_related(
            Prefetch("present", queryset=Person.objects.order_by("id")),
            "life_events",
            Prefetch("deliveries", queryset=MessageDelivery.objects.filter(person_id__in=person_ids).order_by("id"),
                     to_attr="subject_deliveries"),
        )
        .order_by("at", "id")
    )
    items = []
    sources: set[tuple[str, str]] = set()
    for contact in contacts:
        sources.add(("contact", str(contact.public_id)))
        sources.update(("lifeevent", str(e.pk)) for e in contact.life_events.all())
        present = list(contact.present.all())
        others = [_person_name(p) for p in present if p.pk not in person_ids]
        items.append(item(f"contact:{contact.public_id}", f"Contact on {day(contact.at)}", [
            ("at", "When", contact.at),
            ("contact_type", "Kind of contact", contact.get_contact_type_display()),
            ("setting", "Where", contact.get_setting_display()),
            ("agency", "Agency", contact.agency),
            ("practitioner", "Practitioner", contact.practitioner),
            ("you_were_present", "You were there", any(p.pk in person_ids for p in present)),
            ("others_present", "Others there", others or "No one else recorded"),
            ("baby_seen", "Baby seen", contact.baby_seen),
            ("sleep_place_observed", "Where the baby was sleeping", contact.get_sleep_place_observed_display()),
            ("language", "Language", contact.language),
            ("interpreter_used", "Interpreter used", contact.interpreter_used),
            ("notes", "Notes", contact.notes),
            ("life_events", "Changes to routine or circumstances",
             [f"{e.get_kind_display()}{': ' + e.note if e.note else ''}" for e in contact.life_events.all()] or "None"),
            ("messages_given_to_you", "Messages given to you",
             [f"{d.get_message_display()} (leaflet given: {text(d.leaflet_given)}, understanding checked: "
              f"{text(d.understanding_checked)})" for d in contact.subject_deliveries] or "None"),
        ]))
    return items, sources


def _historic_contacts(baby_ids: set[int], baby_names: dict[int, str]) -> list[Item]:
    rows = HistoricContact.objects.filter(baby_id__in=baby_ids).order_by("contact_date", "contact_time", "id")
    return [item(f"historic-contact:{h.pk}", f"{h} about {baby_names[h.baby_id]}" if h.baby_id else str(h), [
        ("source", "Sent by", f"{h.source_system} (reference {h.source_reference})"),
        ("when", "When", f"{h.contact_date:%d %B %Y}{f', {h.contact_time:%H:%M}' if h.contact_time else ''}"),
        ("agency", "Agency", h.agency_code),
        ("contact_type", "Kind of contact", h.get_contact_type_display()),
        ("setting", "Where", h.get_setting_display()),
        ("baby_seen", "Baby seen", h.baby_seen),
        ("sleep_place_observed", "Where the baby was sleeping", h.get_sleep_place_observed_display()),
        ("safe_sleep_given_to", "Safe sleep message given to", h.safe_sleep_given_to or "No one recorded"),
        ("safe_handling_given_to", "Safe handling message given to", h.safe_handling_given_to or "No one recorded"),
        ("safe_space_given_to", "Safe space message given to", h.safe_space_given_to or "No one recorded"),
        ("notes", "Notes", h.notes or ""),
    ]) for h in rows]


def _assessments(baby_ids: set[int], baby_names: dict[int, str]) -> list[Item]:
    assessments = (
        Assessment.objects.filter(baby_id__in=baby_ids)
        .select_related("created_by", "completed_by", "signed_off_by")
        .prefetch_related(
            Prefetch("sleep_plans", queryset=SafeSleepPlan.objects.select_related("created_by").order_by("id")),
            Prefetch("support_plans", queryset=SupportPlan.objects.select_related("created_by").order_by("id")),
        )
        .order_by("created_at", "id")
    )
    items = []
    for a in assessments:
        outcome = a.outcome or {}
        items.append(item(f"assessment:{a.public_id}", f"Assessment ({a.tool_slug}) of {baby_names[a.baby_id]}, started {day(a.created_at)}", [
            ("tool", "Tool and version", f"{a.tool_slug} {a.tool_version}"),
            ("status", "Status", a.get_status_display()),
            ("level", "Level", a.level),
            ("answers", "Answers", a.answers),
            ("outcome", "Outcome", [f.get("title", "") for f in outcome.get("flags", [])] if outcome else ""),
            ("confirmed_actions", "Actions agreed", a.confirmed_actions),
            ("actions_not_taken_reason", "Why actions were not taken", a.actions_not_taken_reason),
            ("csc_referral_reference", "Children's social care reference", a.csc_referral_reference),
            ("medical_review", "Medical review", f"{moment(a.medical_review_at)}, {a.medical_review_where}" if a.medical_review_at else ""),
            ("sign_off_note", "Sign-off note", a.sign_off_note),
            ("correction_reason", "Why this corrects an earlier assessment", a.correction_reason),
            ("created_by", "Started by", a.created_by),
            ("completed_by", "Completed by", a.completed_by),
            ("completed_at", "Completed", a.completed_at),
        ]))
        for plan in a.sleep_plans.all():
            items.append(item(f"sleep-plan:{plan.pk}", f"Safe sleep plan of {day(plan.created_at)}", [
                ("night_sleep_place", "Where the baby will sleep at night", plan.night_sleep_place),
                ("day_sleep_place", "Where the baby will sleep in the day", plan.day_sleep_place),
                ("out_of_routine_plan", "When the routine changes", plan.out_of_routine_plan),
                ("agreed_with", "Agreed with", plan.agreed_with),
                ("other_actions", "Anything else agreed", plan.other_actions),
                ("review_on", "To be looked at again", plan.review_on),
                ("created_by", "Made by", plan.created_by),
            ]))
        for support in a.support_plans.all():
            items.append(item(f"support-plan:{support.pk}", f"Support plan of {day(support.created_at)}", [
                ("areas", "Areas", support.areas),
                ("actions", "Actions", support.actions),
                ("agreed_with", "Agreed with", support.agreed_with),
                ("created_by", "Made by", support.created_by),
            ]))
    for crying in CryingPlan.objects.filter(baby_id__in=baby_ids).select_related("created_by").order_by("created_at", "id"):
        items.append(item(f"crying-plan:{crying.public_id}", f"Coping with crying plan for {baby_names[crying.baby_id]}", [
            ("soothing", "What we will try to soothe the baby", crying.soothing),
            ("who_to_call", "Who to call for help", crying.who_to_call),
            ("if_stressed", "What to do if the crying gets too much", crying.if_stressed),
            ("agreed_with", "Agreed with", crying.agreed_with),
            ("created_by", "Made by", crying.created_by),
            ("created_at", "Made", crying.created_at),
        ]))
    return items


def _about(record: Model, baby_names: dict[int, str]) -> str:
    baby_id = getattr(record, "baby_id", None)
    return baby_names.get(baby_id, "") if baby_id else "The household"


def _concerns(about: Q, family_ids: set[int], baby_names: dict[int, str]) -> list[Item]:
    concerns = list(
        Concern.objects.filter(about)
        .select_related("agency", "raised_by", "decided_by")
        .prefetch_related(Prefetch("transitions", queryset=Transition.objects.select_related("by").order_by("at", "id")))
        .order_by("raised_at", "id")
    )
    items = []
    for c in concerns:
        items.append(item(f"concern:{c.public_id}", f"Concern raised {day(c.raised_at)}", [
            ("about", "About", _about(c, baby_names)),
            ("agency", "Agency", c.agency),
            ("raised_by", "Raised by", c.raised_by),
            ("raised_at", "Raised", c.raised_at),
            ("category", "Kind of concern", c.get_category_display()),
            ("what_was_seen", "What was seen or heard", c.what_was_seen),
            ("severity", "Severity", c.get_severity_display()),
            ("state", "State", c.get_state_display()),
            ("decision", "Decision", c.get_decision_display()),
            ("rationale", "Why", c.rationale),
            ("decided_by", "Decided by", c.decided_by),
            ("history", "History", [f"{moment(t.at)}: {t.from_state or 'new'} to {t.to_state} by {t.by}"
                                    + (f" ({t.note})" if t.note else "") for t in c.transitions.all()]),
        ]))
    referrals = (
        Referral.objects.filter(Q(concern__in=[c.pk for c in concerns]) | Q(family_id__in=family_ids, concern__isnull=True))
        .select_related("agency", "made_by").order_by("made_at", "id")
    )
    for r in referrals:
        items.append(item(f"referral:{r.public_id}", f"Referral made {day(r.made_at)}", [
            ("agency", "Agency", r.agency),
            ("made_by", "Made by", r.made_by),
            ("made_at", "Made", r.made_at),
            ("to", "To", r.get_to_display()),
            ("how", "How", r.get_how_display()),
            ("to_whom", "Who took the referral", r.to_whom),
            ("reference", "Reference", r.reference),
            ("state", "State", r.get_state_display()),
            ("acknowledged_at", "Acknowledged", r.acknowledged_at),
            ("outcome", "Outcome", r.get_outcome_display()),
            ("outcome_note", "Outcome note", r.outcome_note),
        ]))
    return items


def _tasks(about: Q, baby_names: dict[int, str]) -> list[Item]:
    tasks = Task.objects.filter(about).select_related("agency", "assigned_to", "completed_by").order_by("created_at", "id")
    return [
        item(f"task:{t.public_id}", f"Task set {day(t.created_at)}", [
            ("about", "About", _about(t, baby_names)),
            ("title", "Task", t.title),
            ("kind", "Kind", t.get_kind_display()),
            ("agency", "Agency", t.agency),
            ("assigned_to", "Given to", t.assigned_to),
            ("due_at", "Due", t.due_at),
            ("state", "State", t.get_state_display()),
            ("completed_at", "Done", t.completed_at),
            ("completion_note", "Note", t.completion_note),
        ])
        for t in tasks
    ]


def _chronology(about: Q, baby_names: dict[int, str], own_people: set[str], contacts: set[tuple[str, str]]) -> list[Item]:
    # An entry written about another person in the family, or about a contact the subject was not
    # part of, is someone else's record (and names them).
    entries = (
        Entry.objects.filter(about)
        .exclude(Q(source_type="person") & ~Q(source_id__in=own_people))
        .select_related("agency").order_by("at", "id")
    )
    return [
        item(f"chronology:{e.pk}", f"Chronology entry of {day(e.at)}", [
            ("about", "About", _about(e, baby_names)),
            ("at", "When", e.at),
            ("kind", "Kind", e.get_kind_display()),
            ("significance", "Significance", e.get_significance_display()),
            ("agency", "Agency", e.agency),
            ("who", "Who", e.actor_name),
            ("summary", "What happened", e.summary),
        ])
        for e in entries
        if e.source_type not in {"contact", "lifeevent"} or (e.source_type, e.source_id) in contacts
    ]


def _prebirth(baby_ids: set[int], baby_names: dict[int, str]) -> list[Item]:
    cases = (
        PreBirthCase.objects.filter(baby_id__in=baby_ids)
        .select_related("agency", "opened_by", "delivery_plan")
        .prefetch_related(Prefetch("milestones", queryset=MilestoneRecord.objects.select_related("by").order_by("done_on", "id")))
        .order_by("opened_at", "id")
    )
    items = []
    for case in cases:
        items.append(item(f"prebirth:{case.public_id}", f"Pre-birth case for {baby_names[case.baby_id]}", [
            ("agency", "Agency", case.agency),
            ("opened_by", "Opened by", case.opened_by),
            ("opened_at", "Opened", case.opened_at),
            ("trigger_found_on", "Reason found", case.trigger_found_on),
            ("premature_birth_likely", "Early birth likely", case.premature_birth_likely),
            ("state", "State", case.get_state_display()),
            ("close_reason", "Why it was closed", case.close_reason),
            ("milestones", "Steps done", [f"{m.get_code_display()} on {day(m.done_on)} by {m.by}"
                                          + (f": {m.note}" if m.note else "") for m in case.milestones.all()]),
        ]))
        plan = getattr(case, "delivery_plan", None)
        if plan is not None:
            items.append(item(f"delivery-plan:{case.public_id}", "Delivery safety plan", [
                ("birthing_partner", "Birthing partner", plan.birthing_partner),
                ("exclusions_needed", "Anyone to be kept out of the unit", plan.exclusions_needed),
                ("excluded_people", "Who, and why", plan.excluded_people),
                ("labour_contacts", "Who to call in labour", plan.labour_contacts),
                ("discharge_arrangements", "Discharge arrangements", plan.discharge_arrangements),
                ("baby_goes_to", "Where the baby will go", plan.baby_goes_to),
                ("contact_arrangements", "Contact arrangements", plan.contact_arrangements),
                ("safe_sleep_arrangements", "Safe sleep arrangements", plan.safe_sleep_arrangements),
                ("agreed_with_parents", "Agreed with the parents", plan.agreed_with_parents),
                ("agreed_on", "Date agreed", plan.agreed_on),
                ("shared_with", "Shared with", plan.shared_with),
                ("completed", "Complete", plan.completed),
            ]))
    return items


def _audit(family_ids: set[int], their_babies: set[str], people: list[Person]) -> list[Item]:
    # Events on other people in the family (their names are in the summaries) are theirs, not the
    # subject's; so are events on babies that are not the subject's.
    own_people = {str(p.public_id) for p in people}
    events = (
        AuditEvent.objects.filter(family_id__in=family_ids)
        .exclude(Q(object_type="person") & ~Q(object_id__in=own_people))
        .exclude(Q(object_type="baby") & ~Q(object_id__in=their_babies))
        .select_related("actor_agency")
        .order_by("at", "id")
    )
    items = []
    for event in events:
        items.append(item(f"audit:{event.pk}", f"{event.get_action_display()} {moment(event.at)}", [
            ("at", "When", event.at),
            ("who", "Who", event.actor_name or "KBS itself"),
            ("agency", "Agency", event.actor_agency),
            ("action", "What they did", event.get_action_display()),
            ("summary", "Details", event.summary),
        ]))
    return items
