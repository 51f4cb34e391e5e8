"""The named cast that demos, browser tests and people trying the service sign in as.

Personas exist only in demo mode. They have no usable password: the only way in is the persona
buttons on the demo sign-in page.
"""

from dataclasses import dataclass

from kbs.accounts.models import User

HEALTH_VISITING_AGENCY = "Derbyshire Community Health Services NHS Foundation Trust"
MATERNITY_AGENCY = "University Hospitals of Derby and Burton NHS Foundation Trust"
GP_PRACTICE = "Riverside Medical Practice, Derby"
SOCIAL_CARE_AGENCY = "Derby City Council Children's Social Care"
POLICE_AGENCY = "Derbyshire Constabulary"
PARTNERSHIP = "Derby and Derbyshire Safeguarding Children Partnership"


@dataclass(frozen=True)
class Persona:
    key: str
    username: str
    first_name: str
    last_name: str
    job_title: str
    role_slug: str
    agency_name: str
    team_name: str
    # One short sentence, shown as the hint under the persona's sign-in button.
    description: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


PERSONAS: list[Persona] = [
    Persona(
        key="health-visitor",
        username="demo-health-visitor",
        first_name="Helen",
        last_name="Marsh",
        job_title="Health visitor",
        role_slug="health-visitor",
        agency_name=HEALTH_VISITING_AGENCY,
        team_name="Derby City South 0-19 Team",
        description="Sees families her health visiting service works with, and leads on most of them.",
    ),
    Persona(
        key="midwife",
        username="demo-midwife",
        first_name="Priya",
        last_name="Sharma",
        job_title="Community midwife",
        role_slug="midwife",
        agency_name=MATERNITY_AGENCY,
        team_name="Community Midwifery Derby",
        description="Sees every pregnancy the maternity service has booked, and some recent births.",
    ),
    Persona(
        key="gp",
        username="demo-gp",
        first_name="James",
        last_name="Okafor",
        job_title="GP partner",
        role_slug="gp",
        agency_name=GP_PRACTICE,
        team_name="",
        description="Sees families his practice has recorded that it works with.",
    ),
    Persona(
        key="social-worker",
        username="demo-social-worker",
        first_name="Laura",
        last_name="Bennett",
        job_title="Social worker",
        role_slug="practitioner",
        agency_name=SOCIAL_CARE_AGENCY,
        team_name="Referral and Assessment Team",
        description="Sees only the families Derby City children's social care is working with.",
    ),
    Persona(
        key="police-officer",
        username="demo-police-officer",
        first_name="Mark",
        last_name="Wilson",
        job_title="Police constable",
        role_slug="practitioner",
        agency_name=POLICE_AGENCY,
        team_name="Derby Response",
        description="Sees few families: can check whether a baby is known, or take emergency access.",
    ),
    Persona(
        key="safeguarding-lead",
        username="demo-safeguarding-lead",
        first_name="Ruth",
        last_name="Adeyemi",
        job_title="Named nurse for safeguarding children",
        role_slug="safeguarding-lead",
        agency_name=HEALTH_VISITING_AGENCY,
        team_name="Safeguarding Children Team",
        description="Sees every family her trust is or was involved with, and is told of emergency access.",
    ),
    Persona(
        key="analyst",
        username="demo-analyst",
        first_name="Tom",
        last_name="Fletcher",
        job_title="Partnership analyst",
        role_slug="analyst",
        agency_name=PARTNERSHIP,
        team_name="Business Unit",
        description="Sees partnership figures only, never a name or a single family.",
    ),
    Persona(
        key="administrator",
        username="demo-administrator",
        first_name="Aisha",
        last_name="Rahman",
        job_title="Partnership business manager",
        role_slug="administrator",
        agency_name=PARTNERSHIP,
        team_name="Business Unit",
        description="Looks after settings, staff roles and the whole audit trail; sees no family records.",
    ),
    Persona(
        key="dpo",
        username="demo-data-protection-officer",
        first_name="Gareth",
        last_name="Lloyd",
        job_title="Data protection officer",
        role_slug="data-protection-officer",
        agency_name=PARTNERSHIP,
        team_name="Information Governance",
        description="Handles subject access requests, retention reviews and legal holds.",
    ),
]

PERSONAS_BY_KEY: dict[str, Persona] = {persona.key: persona for persona in PERSONAS}


def persona(key: str) -> Persona:
    """The persona with this key; KeyError for an unknown key."""
    return PERSONAS_BY_KEY[key]


def persona_user(key: str) -> User:
    """The signed-in user behind a persona (the demo data must be loaded). KeyError for an unknown
    key; User.DoesNotExist if the demo data have not been loaded."""
    return User.objects.select_related("agency", "team").get(username=PERSONAS_BY_KEY[key].username)
