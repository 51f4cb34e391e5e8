"""Who may open which page: one rule per named URL, and the matrix of cells generated from them.

`kbs/core/tests/test_authorisation_matrix.py` walks every URL pattern Django knows, asks every
persona of the test cast (and someone not signed in) for it, with a record in the persona's scope and
one out of it, and compares what happened with what these rules say. A URL with no rule here fails
that test, so a new page cannot escape the matrix: adding one is one line in `RULES`.

A rule says what a signed-in person needs (`needs`), whether the URL is about a family's record
(`scope="family"`: the person's agency must be involved), about a person's own record
(`scope="own"`: their own, or anyone's with `others`) or about a partnership-wide record that anyone
with `needs` may open (`scope="exists"`: a subject access request, a family under retention review,
a staff account), and how a refusal looks. Refusals are the same 404 as a missing record for people
signed in (403 where a page deliberately says "you cannot see this", like the dashboard) and a
redirect to sign in for everyone else. The JSON API (`kind=API`) answers in its own error shape:
401 without a token or session, 403 for a role that cannot use the API, and 404, as the pages do,
for a caller who may use the API but not this operation or record.

`args` names the records the test fills a URL's arguments with; an argument not named there takes
the record named like it in `DEFAULT_ARGS` (family_id → "family", and so on).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kbs.accounts.permissions import Permission as P
from kbs.accounts.permissions import has_permission

# --- what a person needs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """A named test on a signed-in user (named so that failures read well)."""

    name: str
    test: Callable[[Any], bool]

    def __call__(self, user: Any) -> bool:
        return bool(user is not None and user.is_authenticated and self.test(user))

    def __repr__(self) -> str:
        return self.name


def needs_permission(permission: P) -> Need:
    return Need(permission.value, lambda user: has_permission(user, permission))


def any_of(*permissions: P) -> Need:
    return Need(" or ".join(p.value for p in permissions),
                lambda user: any(has_permission(user, p) for p in permissions))


SIGNED_IN = Need("signed in", lambda user: True)
# Staff: signed in and holding a role that grants anything (kbs.workforce.access.is_staff).
STAFF = Need("staff", lambda user: user.is_active and bool(user.permissions))
NOBODY = Need("nobody", lambda user: False)

VIEW_FAMILY = needs_permission(P.VIEW_FAMILY)
EDIT_FAMILY = needs_permission(P.EDIT_FAMILY)
REGISTER_FAMILY = needs_permission(P.REGISTER_FAMILY)
FIND_BABY = needs_permission(P.FIND_BABY)
RECORD_INVOLVEMENT = needs_permission(P.RECORD_INVOLVEMENT)
BREAK_GLASS = needs_permission(P.BREAK_GLASS)
COMPLETE_ASSESSMENT = needs_permission(P.COMPLETE_ASSESSMENT)
RECORD_BIRTHMARK = needs_permission(P.RECORD_BIRTHMARK)
RECORD_DEATH = needs_permission(P.RECORD_DEATH)
SIGN_OFF_URGENT = needs_permission(P.SIGN_OFF_URGENT)
DECIDE_CONCERN = needs_permission(P.DECIDE_CONCERN)
VIEW_AGGREGATES = needs_permission(P.VIEW_AGGREGATES)
MANAGE_SETTINGS = needs_permission(P.MANAGE_PARTNERSHIP_SETTINGS)
MANAGE_TRAINING = needs_permission(P.MANAGE_TRAINING)
MANAGE_LIBRARY = needs_permission(P.MANAGE_LIBRARY)
USE_API = needs_permission(P.USE_API)
DASHBOARD = any_of(P.VIEW_AGGREGATES, P.VIEW_AGENCY_DASHBOARD)
SEARCH_AUDIT = any_of(P.SEARCH_AUDIT_ALL, P.SEARCH_AUDIT_AGENCY)
MANAGE_ROLES = needs_permission(P.MANAGE_ROLES)
MANAGE_RETENTION = needs_permission(P.MANAGE_RETENTION)
MANAGE_SUBJECT_ACCESS = needs_permission(P.MANAGE_SUBJECT_ACCESS)
# Information-governance reviewers read the role descriptions (issue 9, part 3): administrators,
# the data protection officer, and anyone who may search the whole audit trail.
ROLE_READERS = any_of(P.MANAGE_ROLES, P.MANAGE_SUBJECT_ACCESS, P.MANAGE_RETENTION, P.SEARCH_AUDIT_ALL)
IMPORT_BIRTHS = Need("register_family and edit_family", lambda user: has_permission(user, P.REGISTER_FAMILY)
                     and has_permission(user, P.EDIT_FAMILY) and user.agency_id is not None)
FIND_BABY_BY_API = Need("use_api and find_baby",
                        lambda user: has_permission(user, P.USE_API) and has_permission(user, P.FIND_BABY))
VIEW_FAMILY_BY_API = Need("use_api and view_family",
                          lambda user: has_permission(user, P.USE_API) and has_permission(user, P.VIEW_FAMILY))
EDIT_FAMILY_BY_API = Need("use_api and edit_family",
                          lambda user: has_permission(user, P.USE_API) and has_permission(user, P.EDIT_FAMILY))

# --- kinds of URL ------------------------------------------------------------------------------------

PUBLIC = "public"        # anyone, signed in or not (statements, public pages, sign in and out)
DEMO = "demo"            # demo mode only (persona sign-in); open to anyone there
PROTECTED = "protected"  # signed in, and `needs`
API = "api"              # the JSON API: a token or a signed-in session, and `needs`; JSON refusals

# Scopes: None (one cell per persona), "family" (in scope: a record of a family the persona's agency
# is involved with), "any_family" (either family: finding a baby and asking for access need no
# involvement), "own" (in scope: the persona's own record; out: someone else's, open to `others`),
# "exists" (a partnership-wide record: in scope, one that exists, open to everyone with `needs`; out
# of scope, a well-formed id of one that does not, which must look exactly like a refusal).
SCOPES = (None, "family", "any_family", "own", "exists")


def api_refusal(user: Any) -> int:
    """How the API refuses someone signed in: 403 for a role that cannot use the API at all, 404
    (as the pages do) for one that can but may not have this operation or record."""
    return 404 if has_permission(user, P.USE_API) else 403

# The record the test fills each URL argument with, unless a rule names another.
DEFAULT_ARGS = {
    "family_id": "family", "baby_id": "baby", "person_id": "person", "contact_id": "contact",
    "assessment_id": "assessment", "concern_id": "concern", "referral_id": "referral", "task_id": "task",
    "section_id": "section", "code": "milestone", "lang": "language", "page": "module_page",
    "course": "course_code", "when": "rating_when", "number": "version_number", "document_id": "document",
    "review_id": "review", "rule_id": "tool_rule", "session_id": "course_session", "booking_id": "booking",
    "champion_id": "champion", "user_id": "staff_member", "public_id": "certificate",
    "request_id": "sar", "redaction_id": "redaction",
}


@dataclass(frozen=True)
class Rule:
    name: str
    needs: Need = SIGNED_IN
    kind: str = PROTECTED
    scope: str | None = None
    # With scope="family": only people of the agency that owns the record (the family's lead agency).
    own_agency: bool = False
    # With scope="own": who may open someone else's record.
    others: Need = NOBODY
    # What a signed-in person is refused with: a status, or a function of the user that gives one.
    refusal: int | Callable[[Any], int] = 404
    anonymous: str | int = "sign_in"  # what someone not signed in gets: a redirect to sign in, or a status
    args: dict[str, str] = field(default_factory=dict)
    # Query parameters the page needs (parameter → record), like the URL's arguments.
    query: dict[str, str] = field(default_factory=dict)
    # Added to the reversed URL, for a catch-all pattern that would otherwise reverse to another view's path.
    path_suffix: str = ""
    # Success signs the person out: a redirect to sign in that ends the session is an allow.
    signs_out: bool = False
    # A POST needs no sign-in although a GET does (signing out: someone not signed in is just told
    # they have signed out).
    anyone_may_post: bool = False

    def __post_init__(self) -> None:
        assert self.scope in SCOPES, f"{self.name}: unknown scope {self.scope!r}"
        assert self.kind in (PUBLIC, DEMO, PROTECTED, API), f"{self.name}: unknown kind {self.kind!r}"

    def record_for(self, argument: str) -> str:
        return self.args.get(argument, DEFAULT_ARGS.get(argument, argument))

    def refusal_for(self, user: Any) -> str | int:
        """What this persona (None: not signed in) is refused with."""
        if user is None:
            return self.anonymous
        return self.refusal(user) if callable(self.refusal) else self.refusal


def public(name: str, **kw: Any) -> Rule:
    return Rule(name, kind=PUBLIC, **kw)


def demo(name: str) -> Rule:
    return Rule(name, kind=DEMO)


def family(name: str, needs: Need = VIEW_FAMILY, **kw: Any) -> Rule:
    return Rule(name, needs=needs, scope="family", **kw)


def own(name: str, needs: Need = STAFF, others: Need = MANAGE_TRAINING, **kw: Any) -> Rule:
    return Rule(name, needs=needs, scope="own", others=others, **kw)


def exists(name: str, needs: Need, **kw: Any) -> Rule:
    return Rule(name, needs=needs, scope="exists", **kw)


def api(name: str, needs: Need = USE_API, **kw: Any) -> Rule:
    return Rule(name, needs=needs, kind=API, refusal=api_refusal, anonymous=401, **kw)


RULES: list[Rule] = [
    # core, accounts and the demo
    Rule("home", needs=SIGNED_IN),
    Rule("core:overview", needs=VIEW_AGGREGATES),
    public("core:accessibility"), public("core:privacy"), public("core:cookies"), public("core:health"),
    public("core:hello"),
    public("core:security"), public("core:security_txt"),
    public("accounts:sign_in"), public("accounts:signed_out"),
    Rule("accounts:sign_out", needs=SIGNED_IN, anyone_may_post=True),
    demo("nonprod:personas"),
    # two-step sign-in and passwords: each person's own (the matrix's sessions have passed both
    # steps, so the code pages send them on); lockouts and resets for administrators only
    Rule("accounts:mfa_verify", needs=SIGNED_IN),
    Rule("accounts:mfa_recovery", needs=SIGNED_IN),
    Rule("accounts:mfa_enrol", needs=SIGNED_IN),
    Rule("accounts:recovery_codes", needs=SIGNED_IN),
    Rule("accounts:change_password", needs=SIGNED_IN),
    Rule("accounts:locked_out", needs=MANAGE_ROLES),
    exists("accounts:reset_mfa", MANAGE_ROLES, args={"user_id": "staff_account"}),
    # staff administration (administrators), the role descriptions (information governance) and
    # everyone's own account
    Rule("staff:list", needs=MANAGE_ROLES),
    exists("staff:person", MANAGE_ROLES, args={"person_id": "staff_account"}),
    exists("staff:grant_role", MANAGE_ROLES, args={"person_id": "staff_account"}),
    exists("staff:remove_role", MANAGE_ROLES, args={"person_id": "staff_account"}),
    exists("staff:deactivate", MANAGE_ROLES, args={"person_id": "staff_account"}),
    exists("staff:reactivate", MANAGE_ROLES, args={"person_id": "staff_account"}),
    exists("staff:sign_out_person", MANAGE_ROLES, args={"person_id": "staff_account"}),
    Rule("staff:roles", needs=ROLE_READERS),
    Rule("staff:account", needs=SIGNED_IN),
    Rule("staff:sign_out_everywhere", needs=SIGNED_IN, signs_out=True),
    # families, babies and people
    Rule("families:mine", needs=VIEW_FAMILY),
    Rule("families:register", needs=REGISTER_FAMILY),
    family("families:family"),
    family("families:edit_household", EDIT_FAMILY),
    family("families:add_person", EDIT_FAMILY),
    family("families:person"),
    family("families:edit_person", EDIT_FAMILY),
    family("families:baby"),
    family("families:edit_baby", EDIT_FAMILY),
    family("families:record_birth", EDIT_FAMILY, args={"baby_id": "unborn_baby"}),
    family("families:record_birthmark", RECORD_BIRTHMARK),
    family("families:record_death", RECORD_DEATH),
    family("families:death", args={"baby_id": "dead_baby"}),
    family("families:death_pack", args={"baby_id": "dead_baby"}),
    Rule("families:find", needs=FIND_BABY),
    Rule("families:involve", needs=RECORD_INVOLVEMENT, scope="any_family"),
    Rule("families:break_glass", needs=BREAK_GLASS, scope="any_family"),
    # contacts and the coping-with-crying plan
    family("contacts:record", EDIT_FAMILY),
    family("contacts:contact"),
    Rule("contacts:gaps", needs=VIEW_FAMILY),
    family("contacts:historic"),
    family("contacts:crying_plan"),
    family("contacts:crying_plan_new", EDIT_FAMILY),
    family("contacts:crying_plan_pdf"),
    # tools and assessments
    Rule("tools:catalogue", needs=any_of(P.COMPLETE_ASSESSMENT, P.MANAGE_PARTNERSHIP_SETTINGS)),
    Rule("tools:settings", needs=MANAGE_SETTINGS),
    family("tools:start", COMPLETE_ASSESSMENT, args={"slug": "tool"}),
    Rule("tools:sign_off_list", needs=SIGN_OFF_URGENT),
    family("tools:assessment"),
    family("tools:section", COMPLETE_ASSESSMENT, args={"assessment_id": "draft_assessment"}),
    family("tools:check", COMPLETE_ASSESSMENT, args={"assessment_id": "draft_assessment"}),
    family("tools:complete", COMPLETE_ASSESSMENT, args={"assessment_id": "draft_assessment"}),
    family("tools:discard", COMPLETE_ASSESSMENT, args={"assessment_id": "draft_assessment"}),
    family("tools:correct", COMPLETE_ASSESSMENT),
    family("tools:sign_off", SIGN_OFF_URGENT, own_agency=True, args={"assessment_id": "awaiting_assessment"}),
    family("tools:fhir_response"),
    family("tools:plan"),
    family("tools:plan_new", COMPLETE_ASSESSMENT),
    family("tools:plan_pdf"),
    family("tools:support_plan", args={"assessment_id": "ebm_assessment"}),
    family("tools:support_plan_new", COMPLETE_ASSESSMENT, args={"assessment_id": "ebm_assessment"}),
    family("tools:support_plan_pdf", args={"assessment_id": "ebm_assessment"}),
    # concerns, referrals and tasks
    family("concerns:raise", EDIT_FAMILY),
    family("concerns:record_referral", EDIT_FAMILY),
    Rule("concerns:inbox", needs=DECIDE_CONCERN),
    Rule("concerns:overdue", needs=DECIDE_CONCERN),
    family("concerns:concern"),
    family("concerns:decide", DECIDE_CONCERN, own_agency=True),
    family("concerns:close", DECIDE_CONCERN, own_agency=True),
    family("concerns:record_referral_for_concern", EDIT_FAMILY, own_agency=True),
    family("concerns:referral"),
    family("concerns:acknowledge", EDIT_FAMILY, own_agency=True),
    family("concerns:outcome", EDIT_FAMILY, own_agency=True),
    Rule("concerns:my_work", needs=VIEW_FAMILY),
    family("concerns:task", own_agency=True),
    # The task is assigned to the lead agency's practitioner; its lead may act on it too.
    family("concerns:complete_task", EDIT_FAMILY, own_agency=True),
    family("concerns:cancel_task", DECIDE_CONCERN, own_agency=True),
    # pre-birth cases
    family("prebirth:case", args={"baby_id": "unborn_baby"}),
    family("prebirth:record_milestone", EDIT_FAMILY, args={"baby_id": "unborn_baby"}),
    family("prebirth:premature", EDIT_FAMILY, args={"baby_id": "unborn_baby"}),
    family("prebirth:close", EDIT_FAMILY, args={"baby_id": "unborn_baby"}),
    family("prebirth:plan", args={"baby_id": "unborn_baby"}),
    family("prebirth:plan_edit", EDIT_FAMILY, args={"baby_id": "unborn_baby"}),
    family("prebirth:plan_pdf", args={"baby_id": "unborn_baby"}),
    Rule("prebirth:settings", needs=MANAGE_SETTINGS),
    # chronology
    family("chronology:family"), family("chronology:family_csv"), family("chronology:family_pdf"),
    family("chronology:baby"), family("chronology:baby_csv"), family("chronology:baby_pdf"),
    # training
    Rule("workforce:home", needs=STAFF),
    Rule("workforce:elearning", needs=STAFF),
    Rule("workforce:refresher", needs=STAFF),
    own("workforce:certificate"),
    Rule("workforce:module", needs=STAFF, args={"slug": "module"}),
    Rule("workforce:module_page", needs=STAFF, args={"slug": "module"}),
    Rule("workforce:check", needs=STAFF, args={"slug": "module"}),
    Rule("workforce:people", needs=MANAGE_TRAINING),
    own("workforce:person"),
    Rule("workforce:champions", needs=STAFF),
    Rule("workforce:manage_champions", needs=MANAGE_TRAINING),
    Rule("workforce:my_briefings", needs=STAFF),  # every staff persona is a champion in the test
    Rule("workforce:remove_champion", needs=MANAGE_TRAINING),
    own("workforce:briefings"),
    Rule("workforce:confidence", needs=STAFF),
    Rule("workforce:rate", needs=STAFF),
    Rule("workforce:course", needs=STAFF),
    Rule("workforce:course_session_new", needs=MANAGE_TRAINING),
    Rule("workforce:course_session", needs=STAFF),
    Rule("workforce:course_session_book", needs=STAFF),
    Rule("workforce:course_session_cancel", needs=MANAGE_TRAINING),
    Rule("workforce:course_attendance", needs=MANAGE_TRAINING),
    own("workforce:booking_cancel"),
    own("workforce:offer_accept", others=NOBODY),
    own("workforce:offer_decline", others=NOBODY),
    Rule("workforce:records_mine", needs=STAFF),
    Rule("workforce:records_import", needs=MANAGE_TRAINING),
    own("workforce:records_person"),
    Rule("workforce:coverage", needs=any_of(P.MANAGE_TRAINING, P.VIEW_AGGREGATES)),
    # the dashboard and report: a deliberate "you cannot see this page" (403)
    Rule("insights:dashboard", needs=DASHBOARD, refusal=403),
    Rule("insights:how_we_measure", needs=DASHBOARD, refusal=403),
    Rule("insights:report", needs=DASHBOARD, refusal=403),
    Rule("insights:report_pdf", needs=DASHBOARD, refusal=403),
    Rule("insights:measure_csv", needs=DASHBOARD, refusal=403, args={"slug": "measure"}),
    # the library (a download has no sign-in: public documents are for anyone, so others are a 404)
    Rule("library:home", needs=STAFF),
    Rule("library:add_document", needs=MANAGE_LIBRARY),
    Rule("library:document", needs=STAFF),
    Rule("library:add_version", needs=MANAGE_LIBRARY),
    Rule("library:download", needs=STAFF, anonymous=404),
    Rule("library:reviews_due", needs=STAFF),
    # learning from reviews
    Rule("learning:reviews", needs=STAFF),
    Rule("learning:review", needs=STAFF),
    Rule("learning:rule", needs=STAFF, args={"slug": "tool"}),
    # the public pages and their translations
    public("public:index"), public("public:index_in"),
    public("public:page_in", args={"slug": "public_page"}), public("public:page", args={"slug": "public_page"}),
    Rule("public:translations", needs=MANAGE_SETTINGS),
    Rule("public:review_translation", needs=MANAGE_SETTINGS),
    # the audit trail
    Rule("audit:search", needs=SEARCH_AUDIT),
    # retention review and legal holds: the data protection officer, for any family
    Rule("retention:list", needs=MANAGE_RETENTION),
    exists("retention:family", MANAGE_RETENTION, args={"family_id": "retention_family"}),
    exists("retention:place_hold", MANAGE_RETENTION, args={"family_id": "retention_family"}),
    exists("retention:lift_hold", MANAGE_RETENTION, args={"family_id": "held_family"}),
    exists("retention:review", MANAGE_RETENTION, args={"family_id": "retention_family"}),
    exists("retention:dispose", MANAGE_RETENTION, args={"family_id": "retention_family"}),
    # subject access requests: the data protection officer, each page on a request in the stage it is for
    Rule("subjectaccess:list", needs=MANAGE_SUBJECT_ACCESS),
    Rule("subjectaccess:new", needs=MANAGE_SUBJECT_ACCESS),
    exists("subjectaccess:request", MANAGE_SUBJECT_ACCESS),
    exists("subjectaccess:extend", MANAGE_SUBJECT_ACCESS),
    exists("subjectaccess:gather", MANAGE_SUBJECT_ACCESS),
    exists("subjectaccess:review", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_in_review"}),
    exists("subjectaccess:withhold", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_in_review"},
           query={"item": "sar_item"}),
    exists("subjectaccess:stop_withholding", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_in_review"}),
    exists("subjectaccess:complete_review", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_in_review"}),
    exists("subjectaccess:reopen_review", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_reviewed"}),
    exists("subjectaccess:release", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_reviewed"}),
    exists("subjectaccess:download_json", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_released"}),
    exists("subjectaccess:download_pdf", MANAGE_SUBJECT_ACCESS, args={"request_id": "sar_released"}),
    # importing births (kbs.imports): people who may register families, each seeing only their own files
    Rule("imports:births", needs=IMPORT_BIRTHS),
    Rule("imports:births_checking", needs=IMPORT_BIRTHS),
    Rule("imports:births_confirm", needs=IMPORT_BIRTHS),
    Rule("imports:births_report", needs=IMPORT_BIRTHS),
    # importing historic contacts (kbs/imports/contacts_*.py): the same people as births
    Rule("imports:contacts", needs=IMPORT_BIRTHS),
    Rule("imports:contacts_confirm", needs=IMPORT_BIRTHS),
    Rule("imports:contacts_report", needs=IMPORT_BIRTHS),
    # the API's page for people: a page like any other (404, sign-in)
    Rule("api:docs", needs=USE_API),
    # API tokens: administrators only (rotating and revoking are POSTs naming the token in the form)
    Rule("api_tokens:list", needs=MANAGE_ROLES),
    Rule("api_tokens:new", needs=MANAGE_ROLES),
    Rule("api_tokens:rotate", needs=MANAGE_ROLES),
    Rule("api_tokens:revoke", needs=MANAGE_ROLES),
    # the API: JSON answers; 401 without a token or session, 403 for a role that cannot use the API
    api("api:openapi-json"),
    api("api:tools"),
    api("api:tool", args={"slug": "tool"}),
    api("api:evaluate", args={"slug": "tool"}),
    # Finding a baby refuses a role that may use the API but not find babies with 404, as the page does.
    api("api:find_baby", needs=FIND_BABY_BY_API),
    # Contacts (issue 10, part 1): a family's contacts and one contact, as the pages that show them
    api("api:family_contacts", needs=VIEW_FAMILY_BY_API, scope="family"),
    api("api:contact", needs=VIEW_FAMILY_BY_API, scope="family"),
    # Assessments (issue 10, part 1): a baby's (list; recording needs edit_family and complete_assessment too,
    # refused with 404 before the body is read) and one assessment, as the pages that show them
    api("api:baby_assessments", needs=VIEW_FAMILY_BY_API, scope="family"),
    api("api:assessment", needs=VIEW_FAMILY_BY_API, scope="family"),
    # Families, people, concerns and tasks (issue 10, part 1), as the pages that show them. Raising a
    # concern needs edit_family, and completing a task being its assignee or the agency's lead: both
    # are refused with 404 before the body is read. Tasks are the lead agency's own.
    api("api:families", needs=VIEW_FAMILY_BY_API),
    api("api:family", needs=VIEW_FAMILY_BY_API, scope="family"),
    api("api:person", needs=VIEW_FAMILY_BY_API, scope="family"),
    api("api:family_concerns", needs=VIEW_FAMILY_BY_API, scope="family"),
    api("api:concern", needs=VIEW_FAMILY_BY_API, scope="family"),
    api("api:tasks", needs=VIEW_FAMILY_BY_API),
    api("api:task", needs=VIEW_FAMILY_BY_API, scope="family", own_agency=True),
    api("api:complete_task", needs=EDIT_FAMILY_BY_API, scope="family", own_agency=True),
    # Any other path under /api/v1/ is "not found", in the API's shape, for everyone.
    Rule("api:not_found", kind=API, needs=NOBODY, refusal=404, anonymous=404, path_suffix="no-such-operation"),
    # /api/v1/ itself is django-ninja's root, there only so operations know their prefix: "not found"
    # for everyone. (It answers with the HTML page, not the API's shape, so it is not kind=API.)
    Rule("api:api-root", needs=NOBODY, anonymous=404),
    # FHIR R4 at /api/fhir/ (issue 10, part 3): as the v1 API, with records as the pages that show them
    api("api:fhir:openapi-json"),
    api("api:fhir:questionnaire", args={"slug": "tool"}),
    api("api:fhir:questionnaire_response", needs=VIEW_FAMILY_BY_API, scope="family"),
    # Posting a QuestionnaireResponse (the baby is named in the body): practitioners who may record assessments
    api("api:fhir:questionnaire_responses", needs=Need(
        "use_api, edit_family and complete_assessment", lambda user: has_permission(user, P.USE_API)
        and has_permission(user, P.EDIT_FAMILY) and has_permission(user, P.COMPLETE_ASSESSMENT))),
    api("api:fhir:patient", needs=VIEW_FAMILY_BY_API, scope="family"),
    api("api:fhir:related_person", needs=VIEW_FAMILY_BY_API, scope="family"),
    Rule("api:fhir:api-root", needs=NOBODY, anonymous=404),
]

BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
assert len(BY_NAME) == len(RULES), "a URL name has two rules"


# --- the generator ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One URL asked by one persona about one record, with what should happen."""

    rule: Rule
    persona: str         # a key of the test cast, or "anonymous"
    scope: str           # "in", "out" or "-" (no record)
    allowed: bool
    refusal: str | int   # when refused: 404, 403, 401 or "sign_in"

    def describe(self) -> str:
        return f"{self.rule.name} as {self.persona} ({self.scope})"


def _allowed(rule: Rule, user: Any, scope: str, involved: bool, own_agency: bool) -> bool:
    if rule.kind in (PUBLIC, DEMO):
        return True
    if user is None:
        return False
    if rule.scope == "own" and scope == "out":
        return rule.others(user)
    if not rule.needs(user):
        return False
    if rule.scope == "family":
        return scope == "in" and involved and (own_agency or not rule.own_agency)
    if rule.scope == "exists":
        return scope == "in"
    return True


def cells(rule: Rule, personas: dict[str, Any], involved: Callable[[Any], bool],
          of_lead_agency: Callable[[Any], bool]) -> Iterator[Cell]:
    """Every cell of one rule: each persona (None is someone not signed in) × each scope.

    `involved(user)` says whether the user's agency is involved with the in-scope family and
    `of_lead_agency(user)` whether it is the agency that owns the in-scope records."""
    scopes = ("in", "out") if rule.scope else ("-",)
    for key, user in personas.items():
        refusal = rule.refusal_for(user)
        for scope in scopes:
            allowed = _allowed(rule, user, scope, user is not None and involved(user),
                               user is not None and of_lead_agency(user))
            yield Cell(rule, key, scope, allowed, refusal)


def missing_rules(url_names: list[str]) -> list[str]:
    """URL names that have no rule: each must get one line in RULES."""
    return sorted(name for name in set(url_names) if name not in BY_NAME)


def stale_rules(url_names: list[str], demo_mode: bool) -> list[str]:
    """Rules for URL names that no longer exist (demo pages are only there in demo mode)."""
    known = set(url_names)
    return sorted(r.name for r in RULES if r.name not in known and (demo_mode or r.kind != DEMO))
