"""Invented demo data: the partnership's agencies, their staff, the personas and a few hundred families.

Nothing here is real. Names come from lists written for this module, addresses are made-up house
numbers on common street names with postcodes that only have the right shape, and NHS numbers come
from the 999 test range, which is never issued to a patient.

Families, babies, people and involvements are written through `kbs.families.actions`, so the demo
audit trail looks like the one real use would leave. Agencies, teams and users are set-up data with
no actions of their own and are created directly. What practitioners have done since (contacts and
the three messages, assessments, birthmarks, concerns, referrals and tasks, pre-birth cases, the
family support tools and one baby's death) is added afterwards by `demo_activity`,
`demo_assessments`, `demo_concerns`, `demo_prebirth` and `demo_support`, through the apps' actions too.

The data depend only on the seed and today's date (ages and due dates are relative to today), so a
demo always has babies of the same ages.
"""

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from kbs.accounts.models import Agency, AgencyType, Role, Team, User
from kbs.accounts.roles import sync_roles
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.concerns.models import Concern, Referral, Task
from kbs.contacts.models import Contact, CryingPlan, MessageDelivery
from kbs.core.validators import NHS_NUMBER_WEIGHTS
from kbs.families import actions
from kbs.families.models import Baby, Birthmark, Death, Family, Involvement, Mobility, Person, Relationship, Sex
from kbs.nonprod.demo_activity import Cast, Contacts, load_households
from kbs.nonprod.demo_assessments import Assessments
from kbs.nonprod.demo_concerns import add_concerns
from kbs.nonprod.demo_prebirth import add_prebirth
from kbs.nonprod.demo_support import add_support
from kbs.nonprod.personas import (
    GP_PRACTICE,
    HEALTH_VISITING_AGENCY,
    MATERNITY_AGENCY,
    PARTNERSHIP,
    PERSONAS,
    POLICE_AGENCY,
    SOCIAL_CARE_AGENCY,
)
from kbs.prebirth.models import DeliverySafetyPlan, PreBirthCase
from kbs.tools.models import Assessment, SupportPlan

# The first family always has this shape, so that browser tests and demos can rely on it: Amelia,
# 10 weeks old, lives with her mother Sophie and her father Daniel, whom no practitioner has seen
# yet; her grandmother Janet looks after her regularly. Only the health visiting service (the
# health-visitor persona's agency) is involved, and it leads. The police are not involved.
DEMO_BABY_NAME = "Amelia Hart"
DEMO_BABY_NHS_NUMBER = "9994242423"
DEMO_BABY_AGE_DAYS = 70
DEMO_FAMILY_ADDRESS = ("27 Brook Street", "Derby", "DE23 6WQ")
DEMO_MOTHER_NAME = "Sophie Hart"
DEMO_FATHER_NAME = "Daniel Hart"
DEMO_GRANDMOTHER_NAME = "Janet Hart"

DEFAULT_SEED = 20261126


# --- Agencies and teams -----------------------------------------------------------------------------

CITY_EARLY_HELP = "Derby City Council Early Help"
CITY_HOUSING = "Derby City Council Housing"
COUNTY_SOCIAL_CARE = "Derbyshire County Council Children's Services"
COUNTY_EARLY_HELP = "Derbyshire County Council Early Help"
ICB = "NHS Derby and Derbyshire Integrated Care Board"
CHESTERFIELD_MATERNITY = "Chesterfield Royal Hospital NHS Foundation Trust"
CHESTERFIELD_ED = "Chesterfield Royal Hospital NHS Foundation Trust Emergency Department"
MENTAL_HEALTH = "Derbyshire Healthcare NHS Foundation Trust"
PROBATION = "Probation Service East Midlands"
CAFCASS = "Cafcass"
VOLUNTARY = "Little Steps Family Support"
GP_CHESTERFIELD = "Hollybrook Surgery, Chesterfield"
GP_BELPER = "Millstone Health Centre, Belper"
GP_GLOSSOP = "Kinder Edge Surgery, Glossop"


@dataclass(frozen=True)
class AgencySpec:
    name: str
    agency_type: str
    # The e-mail domain; every address in it is invented.
    domain: str
    teams: tuple[str, ...]
    # Job title and role slug of the agency's front-line staff.
    job_title: str = "Practitioner"
    role_slug: str = "practitioner"
    staff_per_team: int = 1
    has_lead: bool = True


AGENCIES: list[AgencySpec] = [
    AgencySpec(
        HEALTH_VISITING_AGENCY, AgencyType.HEALTH_VISITING, "dchs.example.nhs.uk",
        ("Derby City North 0-19 Team", "Derby City South 0-19 Team", "Chesterfield 0-19 Team",
         "Derbyshire Dales 0-19 Team", "Amber Valley 0-19 Team", "Erewash 0-19 Team", "High Peak 0-19 Team"),
        "Health visitor", "health-visitor", staff_per_team=2,
        has_lead=False,  # the safeguarding-lead persona is this agency's lead
    ),
    AgencySpec(
        MATERNITY_AGENCY, AgencyType.MATERNITY, "uhdb.example.nhs.uk",
        ("Community Midwifery Derby", "Community Midwifery County", "Royal Derby Maternity Unit"),
        "Community midwife", "midwife", staff_per_team=2,
    ),
    AgencySpec(
        CHESTERFIELD_MATERNITY, AgencyType.MATERNITY, "crh.example.nhs.uk",
        ("Community Midwifery Chesterfield",), "Community midwife", "midwife", staff_per_team=2,
    ),
    AgencySpec(
        CHESTERFIELD_ED, AgencyType.EMERGENCY_DEPARTMENT, "crh-ed.example.nhs.uk",
        ("Emergency Department",), "Consultant paediatrician", "paediatrician", staff_per_team=2,
    ),
    AgencySpec(
        MENTAL_HEALTH, AgencyType.ADULT_MENTAL_HEALTH, "dhcft.example.nhs.uk",
        ("Perinatal Mental Health Team",), "Perinatal mental health nurse", staff_per_team=2,
    ),
    AgencySpec(
        ICB, AgencyType.PARTNERSHIP, "ddicb.example.nhs.uk",
        ("Designated Professionals for Safeguarding",), "Designated nurse", "safeguarding-lead", staff_per_team=0,
    ),
    AgencySpec(GP_PRACTICE, AgencyType.GP_PRACTICE, "riverside.example.nhs.uk", ("",), "GP", "gp"),
    AgencySpec(GP_CHESTERFIELD, AgencyType.GP_PRACTICE, "hollybrook.example.nhs.uk", ("",), "GP", "gp", 2),
    AgencySpec(GP_BELPER, AgencyType.GP_PRACTICE, "millstone.example.nhs.uk", ("",), "GP", "gp", 2),
    AgencySpec(GP_GLOSSOP, AgencyType.GP_PRACTICE, "kinderedge.example.nhs.uk", ("",), "GP", "gp", 2),
    AgencySpec(
        SOCIAL_CARE_AGENCY, AgencyType.CHILDRENS_SOCIAL_CARE, "derby-csc.example.gov.uk",
        ("Referral and Assessment Team", "Multi-Agency Safeguarding Hub"), "Social worker", staff_per_team=2,
    ),
    AgencySpec(
        CITY_EARLY_HELP, AgencyType.EARLY_HELP, "derby-earlyhelp.example.gov.uk",
        ("Early Help North", "Early Help South"), "Early help practitioner",
    ),
    AgencySpec(
        CITY_HOUSING, AgencyType.HOUSING, "derby-housing.example.gov.uk", ("Housing Options",), "Housing officer",
        staff_per_team=2,
    ),
    AgencySpec(
        COUNTY_SOCIAL_CARE, AgencyType.CHILDRENS_SOCIAL_CARE, "derbyshire-cs.example.gov.uk",
        ("Chesterfield Locality Team", "Amber Valley and Erewash Locality Team", "High Peak and Dales Locality Team"),
        "Social worker",
    ),
    AgencySpec(
        COUNTY_EARLY_HELP, AgencyType.EARLY_HELP, "derbyshire-earlyhelp.example.gov.uk",
        ("Early Help North Derbyshire", "Early Help South Derbyshire"), "Early help practitioner",
    ),
    AgencySpec(
        POLICE_AGENCY, AgencyType.POLICE, "derbyshire.example.police.uk",
        ("Derby Response", "Chesterfield Response", "Public Protection Unit"), "Police constable",
    ),
    AgencySpec(
        PROBATION, AgencyType.PROBATION, "probation-em.example.gov.uk",
        ("Derby Probation Delivery Unit", "Derbyshire Probation Delivery Unit"), "Probation officer",
    ),
    # Cafcass advises the family court on children's welfare. The agency types have no court
    # category, and its family court advisers are social workers, so it sits with social care.
    AgencySpec(
        CAFCASS, AgencyType.CHILDRENS_SOCIAL_CARE, "cafcass.example.gov.uk", ("Cafcass Midlands",),
        "Family court adviser",
    ),
    AgencySpec(
        VOLUNTARY, AgencyType.VOLUNTARY_SECTOR, "littlesteps.example.org.uk", ("Family Support",),
        "Family support worker", staff_per_team=2,
    ),
    AgencySpec(PARTNERSHIP, AgencyType.PARTNERSHIP, "ddscp.example.gov.uk", ("Business Unit", "Information Governance"), staff_per_team=0,
               has_lead=False),
]


@dataclass(frozen=True)
class Area:
    town: str
    districts: tuple[str, ...]
    health_visiting_team: str
    midwifery: tuple[str, str]  # (maternity agency, community midwifery team)
    social_care: str
    early_help: str
    gp_practice: str
    weight: int

    @property
    def in_city(self) -> bool:
        return self.town == "Derby"


_UHDB_CITY = (MATERNITY_AGENCY, "Community Midwifery Derby")
_UHDB_COUNTY = (MATERNITY_AGENCY, "Community Midwifery County")
_CRH = (CHESTERFIELD_MATERNITY, "Community Midwifery Chesterfield")

AREAS: list[Area] = [
    Area("Derby", ("DE1", "DE3", "DE21", "DE22"), "Derby City North 0-19 Team", _UHDB_CITY, SOCIAL_CARE_AGENCY,
         CITY_EARLY_HELP, GP_PRACTICE, 26),
    Area("Derby", ("DE23", "DE24"), "Derby City South 0-19 Team", _UHDB_CITY, SOCIAL_CARE_AGENCY,
         CITY_EARLY_HELP, GP_PRACTICE, 28),
    Area("Chesterfield", ("S40", "S41", "S42", "S43", "S44"), "Chesterfield 0-19 Team", _CRH, COUNTY_SOCIAL_CARE,
         COUNTY_EARLY_HELP, GP_CHESTERFIELD, 14),
    Area("Clay Cross", ("S45",), "Chesterfield 0-19 Team", _CRH, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_CHESTERFIELD, 3),
    Area("Matlock", ("DE4",), "Derbyshire Dales 0-19 Team", _UHDB_COUNTY, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_BELPER, 3),
    Area("Bakewell", ("DE45",), "Derbyshire Dales 0-19 Team", _CRH, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_CHESTERFIELD, 2),
    Area("Alfreton", ("DE55",), "Amber Valley 0-19 Team", _UHDB_COUNTY, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_BELPER, 5),
    Area("Belper", ("DE56",), "Amber Valley 0-19 Team", _UHDB_COUNTY, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_BELPER, 4),
    Area("Ilkeston", ("DE7",), "Erewash 0-19 Team", _UHDB_COUNTY, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_BELPER, 6),
    Area("Glossop", ("SK13",), "High Peak 0-19 Team", _UHDB_COUNTY, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_GLOSSOP, 4),
    Area("Buxton", ("SK17",), "High Peak 0-19 Team", _UHDB_COUNTY, COUNTY_SOCIAL_CARE, COUNTY_EARLY_HELP,
         GP_GLOSSOP, 4),
]

STREETS = [
    "Station Road", "Church Street", "Victoria Street", "Albert Road", "Park Road", "Mill Lane", "Oak Avenue",
    "Willow Close", "Beech Drive", "Chapel Street", "Queen Street", "King Street", "Market Street", "New Road",
    "Elm Grove", "Ash Crescent", "Hawthorn Way", "Meadow View", "Cedar Close", "Holly Road", "Primrose Walk",
    "Rowan Court", "Orchard Way", "Sycamore Road", "Larch Close", "Spring Street", "Moorland View", "Hill Top",
    "Bridge Street", "Canal Street", "Derwent Street", "Peak View", "Riverside Walk", "School Lane",
    "Cross Street", "Grange Road", "Highfield Road", "Nelson Street", "Wellington Street", "Foxglove Drive",
]
BUILDINGS = ["Cedar House", "Linden Court", "Mercury House", "Kestrel Court", "Ashby House", "Heron Court"]
# Letters a postcode's inward code may use (Royal Mail never uses C, I, K, M, O or V there).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


# --- Names ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NameGroup:
    language: str  # the household's first language when it is not English
    weight: int
    women: tuple[str, ...]
    men: tuple[str, ...]
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NAME_GROUPS: list[NameGroup] = [
    NameGroup(
        "English", 66,
        _names("Sophie Emily Jessica Chloe Megan Hannah Lauren Amy Rebecca Charlotte Laura Gemma Katie Danielle "
               "Stacey Kirsty Holly Jade Natalie Zoe Lucy Ellie Abbie Bethany Georgia Leah Courtney Shannon Paige"),
        _names("James Thomas Ryan Liam Jack Callum Jordan Luke Adam Matthew Josh Craig Lee Scott Kyle Connor "
               "Jamie Dean Ben Sam Aaron Lewis Nathan Shaun Ashley Carl Darren Chris Michael Gary"),
        _names("Olivia Isla Ava Lily Freya Ivy Florence Willow Evie Grace Rosie Sophia Poppy Ella Millie "
               "Harper Aria Daisy Esme Mia Orla Matilda Phoebe Ruby"),
        _names("Oliver George Noah Arthur Leo Oscar Theo Freddie Archie Harry Alfie Jack Henry Charlie Finley "
               "Tommy Reggie Teddy Jude Rory Albie Ezra Hugo Luca"),
        _names("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker "
               "White Roberts Green Hall Wood Jackson Clarke Hughes Harris Turner Cooper Hill Ward Morris Moore "
               "Baker Marshall Bailey Kelly Murphy Shaw Hardy Bradley Barker Gregory Fox Pearson Holmes Booth "
               "Slater Stevenson Allsop Mellor Kowalczyk Lennon"),
    ),
    NameGroup(
        "English", 8,
        _names("Aisha Amira Hafsa Maryam Zara Safiya Priya Anjali Nisha Simran Sana Iqra Reena Meera"),
        _names("Imran Adil Bilal Hamza Zain Arjun Rohan Kiran Yusuf Faisal Sameer Rizwan Vikram Nikhil"),
        _names("Aleena Anaya Inaya Myra Riya Aanya Zoya Amaya"),
        _names("Ayaan Ishaan Rehan Aarav Dev Zayan Reyansh Idris"),
        _names("Patel Khan Hussain Ahmed Ali Mistry Chauhan Parmar Shah Iqbal Mahmood Rashid Chowdhury Lad"),
    ),
    NameGroup(
        "English", 7,
        _names("Adaeze Chioma Abena Precious Folake Shanice Tiana Kezia Naomi Blessing Esther Ama Nia"),
        _names("Kwame Tunde Emeka Kofi Jerome Marcus Tyrone Dwayne Samuel David Joel Kojo Andre"),
        _names("Amara Zuri Imani Adanna Nova Ife Kemi Eden"),
        _names("Malachi Jayden Tobi Kayden Elijah Ayo Chidi Nathaniel"),
        _names("Mensah Campbell Francis Boateng Osei Nwosu Reid Powell Okonkwo Asante Bailey Gordon Edwards"),
    ),
    NameGroup(
        "Polish", 6,
        _names("Agnieszka Katarzyna Magdalena Anna Joanna Monika Ewa Natalia Karolina Justyna"),
        _names("Piotr Tomasz Krzysztof Paweł Marcin Łukasz Michał Jakub Kamil Mateusz"),
        _names("Zofia Hanna Maja Lena Julia Alicja Oliwia"),
        _names("Antoni Jan Szymon Filip Aleksander Franciszek Wojciech"),
        _names("Nowak Mazur Wójcik Kaczmarek Zając Król Wieczorek Pawlak Michalak Sikora Baran Dudek"),
    ),
    NameGroup(
        "Urdu", 4,
        _names("Fatima Ayesha Sadia Nadia Rabia Samina Shazia Mehwish Farah Hina"),
        _names("Asif Tariq Usman Kamran Naveed Shahid Waqas Adnan Junaid Zubair"),
        _names("Zainab Hoorain Eshal Anaya Hania Minahil"),
        _names("Ibrahim Musa Rayyan Abdullah Hashim Saad"),
        _names("Khan Hussain Ahmed Iqbal Akhtar Rashid Mahmood Qureshi Raza Javed Malik Butt"),
    ),
    NameGroup(
        "Romanian", 4,
        _names("Andreea Ioana Elena Maria Alexandra Cristina Roxana Bianca Mihaela Daniela"),
        _names("Andrei Ionuț Mihai Alexandru Florin Cosmin Gabriel Adrian Marius Ștefan"),
        _names("Sofia Ana Daria Eva Ilinca Medeea"),
        _names("David Luca Matei Darius Tudor Rareș"),
        _names("Popescu Ionescu Dumitru Stan Munteanu Constantin Popa Matei Lungu Rusu Ciobanu Moldovan"),
    ),
    NameGroup(
        "Punjabi", 3,
        _names("Harpreet Manpreet Jaspreet Gurpreet Navneet Kiranjit Rajvinder Balvinder Sukhpreet Amrit"),
        _names("Gurjit Jaswinder Sukhdev Ranjit Parminder Harjinder Amrik Baljit Daljit Jagdeep"),
        _names("Gurleen Jasleen Simar Navleen Mehar Ekamjot"),
        _names("Arjan Fateh Ekam Sahib Jovan Armaan"),
        _names("Sandhu Gill Dhillon Bains Sidhu Johal Bassi Sahota Atwal Dhaliwal"),
    ),
    NameGroup(
        "Arabic", 2,
        _names("Amina Huda Noor Rania Salma Layla Yasmin Mariam Reem Dalia"),
        _names("Ahmad Omar Khaled Yousef Mohammed Hassan Karim Tarek Sami Bashar"),
        _names("Lina Jana Maryam Sidra Tala Joud"),
        _names("Adam Zayd Yahya Hamza Ali Kareem"),
        _names("Al-Hassan Mahmoud Ibrahim Saleh Haddad Nasser Hamdan Khalil Darwish Abdullah"),
    ),
]
ENGLISH_NAMES = NAME_GROUPS[0]

# Staff names are drawn from a separate list, so practitioners do not share surnames with families.
STAFF_FIRST_NAMES = _names(
    "Alison Andrew Anita Beverley Carol Claire David Deborah Fiona Gareth Gillian Graham Hayley Ian Jane "
    "Joanne Julie Karen Kevin Lisa Louise Mandeep Marie Martin Nicola Paul Rachel Sarah Sharon Simon Stephen "
    "Susan Tracey Yvonne Olu Nasreen Grzegorz Rukhsana Jasbir Femi"
)
STAFF_SURNAMES = _names(
    "Ashworth Bancroft Beresford Brindley Cartwright Chadwick Dawson Eyre Fearn Gadsby Hallam Hibbert Kirk "
    "Lomas Mather Needham Oldknow Pegg Radford Redfern Shipley Statham Swindell Tomlinson Unwin Varley "
    "Wheeldon Yates Bhatti Odum Kaur Siddiqui Ogunleye Zielinski"
)


# --- Identifiers and dates --------------------------------------------------------------------------

def _nhs_check_digit(first_nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_nine, NHS_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check


def test_range_nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the 999 test range, which is never issued to a real person."""
    while True:
        first_nine = f"999{rng.randrange(1_000_000):06d}"
        check = _nhs_check_digit(first_nine)
        if check != 10:  # no valid number has these nine digits
            return f"{first_nine}{check}"


# pytest would otherwise collect the function above as a test.
test_range_nhs_number.__test__ = False  # type: ignore[attr-defined]


def _born(today: date, rng: random.Random, years: tuple[int, int]) -> date:
    return today - timedelta(days=rng.randint(years[0] * 365, years[1] * 365 + 364))


def _postcode(rng: random.Random, district: str) -> str:
    return f"{district} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def _gestation(rng: random.Random, *, twin: bool) -> int:
    if twin:
        return rng.choice([32, 34, 35, 36, 36, 37, 37, 37, 38])
    if rng.random() < 0.08:
        return rng.choice([24, 26, 28, 30, 31, 32, 33, 34, 34, 35, 35, 36, 36, 36])
    return rng.choices([37, 38, 39, 40, 41, 42], weights=[8, 15, 25, 30, 17, 5])[0]


# Roughly the median birth weight in grams at each completed week of gestation.
_MEDIAN_WEIGHT = {24: 680, 26: 900, 28: 1150, 30: 1450, 32: 1850, 34: 2300, 36: 2750, 37: 2950, 38: 3150,
                  39: 3350, 40: 3500, 41: 3650, 42: 3750}


def _birth_weight(rng: random.Random, gestation: int, *, twin: bool) -> int:
    weeks = sorted(_MEDIAN_WEIGHT)
    below = max(w for w in weeks if w <= gestation)
    above = min(w for w in weeks if w >= gestation)
    median = _MEDIAN_WEIGHT[below] if below == above else (_MEDIAN_WEIGHT[below] + _MEDIAN_WEIGHT[above]) / 2
    grams = median * rng.gauss(1.0, 0.11) * (0.9 if twin else 1.0)
    return int(min(6500, max(300, round(grams, -1))))


_MOBILITY_BY_AGE = [  # (corrected age in days from which most babies do it, stage)
    (0, Mobility.NOT_ROLLING), (120, Mobility.ROLLING), (180, Mobility.SITTING), (240, Mobility.CRAWLING),
    (300, Mobility.CRUISING), (345, Mobility.WALKING),
]


def _mobility(rng: random.Random, age_days: int, gestation: int) -> str:
    corrected = age_days - max(0, 40 - gestation) * 7 + rng.randint(-25, 25)
    stage = Mobility.NOT_ROLLING
    for from_day, candidate in _MOBILITY_BY_AGE:
        if corrected >= from_day:
            stage = candidate
    return stage.value


# --- What each agency writes as its reason ----------------------------------------------------------

REASONS: dict[str, list[str]] = {
    AgencyType.HEALTH_VISITING: [
        "Universal health visiting for the new baby: new birth visit and reviews",
        "Health visiting: new baby review and 6-8 week review",
        "Universal plus health visiting: extra visits agreed with the family",
    ],
    "health_visiting_antenatal": ["Health visiting antenatal contact from 28 weeks"],
    AgencyType.MATERNITY: ["Postnatal midwifery care after the birth", "Community midwife postnatal visits"],
    "maternity_antenatal": [
        "Booked for maternity care: antenatal care and birth planning",
        "Antenatal care with the community midwife",
    ],
    AgencyType.GP_PRACTICE: [
        "Family registered with the practice: baby's 6-8 week check",
        "Mother registered with the practice: postnatal check",
        "Registered with the practice: baby seen for immunisations",
    ],
    AgencyType.CHILDRENS_SOCIAL_CARE: [
        "Child and family assessment after a referral from health visiting",
        "Child in need plan: support for the parents with the baby's care",
        "Section 47 enquiry after concerns about injuries to the baby",
    ],
    "childrens_social_care_antenatal": ["Pre-birth assessment after a referral from maternity services"],
    AgencyType.EARLY_HELP: [
        "Early help assessment agreed with the family: parenting support",
        "Early help: support with routines and money worries",
    ],
    AgencyType.POLICE: [
        "Domestic abuse incident at the address attended by police",
        "Police attended a report of concern for the baby's welfare",
    ],
    AgencyType.HOUSING: [
        "Family in temporary accommodation: housing options casework",
        "Overcrowding and damp reported: housing officer visits",
    ],
    AgencyType.PROBATION: ["Father under probation supervision: home visits to the address"],
    AgencyType.ADULT_MENTAL_HEALTH: ["Perinatal mental health support for the mother"],
    AgencyType.EMERGENCY_DEPARTMENT: ["Baby seen in the emergency department: follow-up with the family"],
    AgencyType.VOLUNTARY_SECTOR: ["Volunteer family support: weekly home visits"],
    "cafcass": ["Private law proceedings about the baby's living arrangements"],
}


# --- The load ---------------------------------------------------------------------------------------

class Writer(Protocol):
    """Where progress lines go: a text file, or a management command's stdout."""

    def write(self, text: str, /) -> Any: ...


def ensure_demo_mode() -> None:
    """Personas and invented families must never exist outside demo mode."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo data can be loaded only when KBS_DEMO_MODE is on.")


def demo_data_loaded() -> bool:
    """True once the demo data are in: the persona users exist and there are families."""
    return User.objects.filter(username=PERSONAS[0].username).exists() and Family.objects.exists()


def demo_counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "families": Family.objects.count(),
        "babies": Baby.objects.count(),
        "people": Person.objects.count(),
        "involvements": Involvement.objects.count(),
        "contacts": Contact.objects.count(),
        "messages_given": MessageDelivery.objects.count(),
        "assessments": Assessment.objects.count(),
        "birthmarks": Birthmark.objects.count(),
        "concerns": Concern.objects.count(),
        "referrals": Referral.objects.count(),
        "tasks": Task.objects.count(),
        "prebirth_cases": PreBirthCase.objects.count(),
        "delivery_plans": DeliverySafetyPlan.objects.count(),
        "support_plans": SupportPlan.objects.count(),
        "crying_plans": CryingPlan.objects.count(),
        "deaths": Death.objects.count(),
    }


def load_demo_data(*, families: int = 200, seed: int = DEFAULT_SEED, stdout: Writer | None = None) -> dict[str, int]:
    """Load the demo agencies, staff, personas and `families` invented households, all in one
    transaction. Does nothing if the demo data are already loaded. Returns the counts of rows."""
    ensure_demo_mode()
    if demo_data_loaded():
        return demo_counts()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    started = time.monotonic()
    # Seeding records hundreds of involvements, each of which would e-mail the other agencies'
    # safeguarding leads once committed. Nobody needs those notices, so they are dropped.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        with transaction.atomic():
            loader = _Loader(random.Random(seed), timezone.localdate(), say)
            loader.load(families)
    say(f"Done in {time.monotonic() - started:.1f}s")
    return demo_counts()


class _Loader:
    def __init__(self, rng: random.Random, today: date, say: Callable[[str], None]) -> None:
        self.rng = rng
        self.today = today
        self.say = say
        self.agencies: dict[str, Agency] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        # Front-line staff by (agency, team name); team name "" for agencies without teams.
        self.staff: dict[tuple[str, str], list[User]] = {}
        self.staff_by_agency: dict[str, list[User]] = {}
        self.personas: dict[str, User] = {}
        # Each agency's safeguarding lead, who decides on the concerns its staff raise.
        self.leads: dict[str, User] = {}
        self.fixed_family_id: int | None = None
        self.used_nhs_numbers = set(Baby.objects.exclude(nhs_number="").values_list("nhs_number", flat=True))
        self.used_nhs_numbers.add(DEMO_BABY_NHS_NUMBER)
        self.used_usernames = set(User.objects.values_list("username", flat=True))

    # Set-up data ------------------------------------------------------------------------------------

    def load(self, families: int) -> None:
        sync_roles()
        self.roles = {role.slug: role for role in Role.objects.all()}
        self._agencies()
        self.say(f"Agencies and teams: {len(self.agencies)} agencies, {len(self.teams)} teams")
        self._personas()
        self._staff()
        self.say(f"Staff: {sum(len(s) for s in self.staff_by_agency.values())} front-line users and leads")
        if families > 0:
            self._fixed_family()
        for number in range(1, families):
            self._family()
            if (number + 1) % 50 == 0:
                self.say(f"Families: {number + 1} of {families}")
        self._activity()

    def _activity(self) -> None:
        """Contacts, assessments, birthmarks, concerns, referrals and tasks, then pre-birth cases, the
        family support tools and one death: see demo_activity, demo_assessments, demo_concerns,
        demo_prebirth and demo_support."""
        cast = Cast(
            # Its own stream, so that adding activity never changes the families themselves.
            rng=random.Random(self.rng.random()), today=self.today, personas=self.personas, staff=self.staff,
            staff_by_agency=self.staff_by_agency, leads=self.leads,
            agency_types={name: agency.agency_type for name, agency in self.agencies.items()},
        )
        households = load_households(cast, self.fixed_family_id)
        Contacts(cast, households).run()
        Assessments(cast, households).run()
        self.say(f"Contacts: {Contact.objects.count()}; assessments: {Assessment.objects.count()}")
        add_concerns(cast, households)
        self.say(f"Concerns: {Concern.objects.count()}; referrals: {Referral.objects.count()}; tasks: {Task.objects.count()}")
        prebirth = add_prebirth(cast, households)
        support = add_support(cast, households, busy=prebirth.screened_family_ids)
        self.say(f"Pre-birth cases: {len(prebirth.cases)}; Every Baby Matters: {len(support.ebm)}; "
                 f"crying plans: {support.crying_plans}; deaths: {Death.objects.count()}")
        # Workforce: the Level 2 course content and one champion per agency. It makes no task,
        # contact or assessment, so it cannot touch a household whose baby has died.
        from kbs.workforce.demo import load_workforce_demo

        workforce = load_workforce_demo()
        self.say(f"Training: {workforce}")
        # The library, then the learning from reviews that links to its documents.
        from kbs.learning.demo import load_learning_demo
        from kbs.library.demo import load_library_demo

        self.say(f"Library: {load_library_demo()}")
        self.say(f"Learning from reviews: {load_learning_demo()}")

    def _agencies(self) -> None:
        for spec in AGENCIES:
            agency, _ = Agency.objects.get_or_create(
                name=spec.name,
                defaults={"agency_type": spec.agency_type, "safeguarding_email": f"safeguarding@{spec.domain}"},
            )
            self.agencies[spec.name] = agency
            for team_name in spec.teams:
                if team_name:
                    self.teams[spec.name, team_name], _ = Team.objects.get_or_create(agency=agency, name=team_name)
        hv_spec = AGENCIES[0]
        safeguarding = Team.objects.get_or_create(agency=self.agencies[hv_spec.name], name="Safeguarding Children Team")
        self.teams[hv_spec.name, "Safeguarding Children Team"] = safeguarding[0]

    def _domain(self, agency_name: str) -> str:
        return next(spec.domain for spec in AGENCIES if spec.name == agency_name)

    def _user(self, *, username: str, first: str, last: str, job_title: str, role: str, agency: str,
              team: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}@{self._domain(agency)}".lower().replace(" ", "-"),
                "job_title": job_title,
                "agency": self.agencies[agency],
                "team": self.teams.get((agency, team)),
            },
        )
        if created:
            # Demo users sign in only through the persona buttons or by a developer in the shell.
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.roles.add(self.roles[role])
        self.used_usernames.add(username)
        return user

    def _personas(self) -> None:
        for persona in PERSONAS:
            user = self._user(
                username=persona.username, first=persona.first_name, last=persona.last_name,
                job_title=persona.job_title, role=persona.role_slug, agency=persona.agency_name,
                team=persona.team_name,
            )
            self.personas[persona.key] = user
            if persona.role_slug == "safeguarding-lead":
                self.leads[persona.agency_name] = user
            if persona.role_slug not in {"analyst", "administrator", "safeguarding-lead"}:
                self._add_staff(persona.agency_name, persona.team_name, user)

    def _add_staff(self, agency: str, team: str, user: User) -> None:
        self.staff.setdefault((agency, team), []).append(user)
        self.staff_by_agency.setdefault(agency, []).append(user)

    def _new_name(self) -> tuple[str, str, str]:
        while True:
            first, last = self.rng.choice(STAFF_FIRST_NAMES), self.rng.choice(STAFF_SURNAMES)
            username = f"{first}.{last}".lower()
            if username not in self.used_usernames:
                return first, last, username

    def _staff(self) -> None:
        for spec in AGENCIES:
            if spec.has_lead:
                first, last, username = self._new_name()
                self.leads[spec.name] = self._user(
                    username=username, first=first, last=last, job_title="Named safeguarding lead",
                    role="safeguarding-lead", agency=spec.name, team="",
                )
            for team in spec.teams:
                have = len(self.staff.get((spec.name, team), []))
                for _ in range(spec.staff_per_team - have):
                    first, last, username = self._new_name()
                    user = self._user(username=username, first=first, last=last, job_title=spec.job_title,
                                      role=spec.role_slug, agency=spec.name, team=team)
                    self._add_staff(spec.name, team, user)

    # Families ---------------------------------------------------------------------------------------

    def _worker(self, agency: str, team: str = "") -> User:
        """Someone from the agency to act: from the named team when it has staff."""
        return self.rng.choice(self.staff.get((agency, team)) or self.staff_by_agency[agency])

    def _reason(self, key: str) -> str:
        return self.rng.choice(REASONS[key])

    def _nhs_number(self) -> str:
        while True:
            number = test_range_nhs_number(self.rng)
            if number not in self.used_nhs_numbers:
                self.used_nhs_numbers.add(number)
                return number

    def _fixed_family(self) -> None:
        by = self.personas["health-visitor"]
        line_1, town, postcode = DEMO_FAMILY_ADDRESS
        given, family_name = DEMO_BABY_NAME.split()
        family = actions.register_family(
            by=by,
            family={"address_line_1": line_1, "town": town, "postcode": postcode, "language": "English"},
            baby={
                "given_name": given, "family_name": family_name, "sex": Sex.FEMALE,
                "date_of_birth": self.today - timedelta(days=DEMO_BABY_AGE_DAYS), "nhs_number": DEMO_BABY_NHS_NUMBER,
                "gestation_at_birth_weeks": 39, "birth_weight_g": 3340, "mobility": Mobility.NOT_ROLLING,
            },
            reason="Universal health visiting for the new baby: new birth visit and reviews",
        )
        self.fixed_family_id = family.pk
        people = [
            (DEMO_MOTHER_NAME, Relationship.BIRTH_MOTHER, 27, True, True, True, 5),
            (DEMO_FATHER_NAME, Relationship.FATHER, 29, True, True, True, None),
            (DEMO_GRANDMOTHER_NAME, Relationship.GRANDPARENT, 54, False, True, False, 12),
        ]
        for name, relationship, age, lives, carer, responsibility, seen_days_ago in people:
            first, last = name.split()
            actions.add_person(by=by, family=family, details={
                "given_name": first, "family_name": last, "relationship": relationship,
                "date_of_birth": date(self.today.year - age, 3, 14), "lives_in_household": lives,
                "regular_carer": carer, "parental_responsibility": responsibility,
                "last_seen_on": None if seen_days_ago is None else self.today - timedelta(days=seen_days_ago),
            })

    def _family(self) -> None:
        rng, today = self.rng, self.today
        area = rng.choices(AREAS, weights=[a.weight for a in AREAS])[0]
        group = rng.choices(NAME_GROUPS, weights=[g.weight for g in NAME_GROUPS])[0]
        language = group.language if group.language != "English" and rng.random() < 0.75 else "English"
        household = {
            "address_line_1": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            "town": area.town,
            "postcode": _postcode(rng, rng.choice(area.districts)),
            "language": language,
            "interpreter_needed": language != "English" and rng.random() < 0.7,
        }
        if rng.random() < 0.15:
            household["address_line_2"] = household["address_line_1"]
            household["address_line_1"] = f"Flat {rng.randint(1, 24)}, {rng.choice(BUILDINGS)}"

        # The parents, decided first because the baby takes one of their surnames.
        mother_surname = rng.choice(group.surnames)
        has_father = rng.random() < 0.82
        father_group = group if rng.random() < 0.85 else rng.choice(NAME_GROUPS)
        father_surname = mother_surname if rng.random() < 0.45 else rng.choice(father_group.surnames)
        baby_surname = father_surname if has_father and rng.random() < 0.6 else mother_surname

        born = rng.random() < 0.8
        twins = rng.random() < 0.03
        babies = [self._baby_details(group, baby_surname, born=born, twin=twins)]
        if twins:
            twin = self._baby_details(group, baby_surname, born=born, twin=True)
            sex = twin.get("sex")
            names = group.girls if sex == Sex.FEMALE else group.boys if sex == Sex.MALE else group.girls + group.boys
            while twin["given_name"] and twin["given_name"] == babies[0]["given_name"]:
                twin["given_name"] = self.rng.choice(names)
            for field in ("date_of_birth", "expected_delivery_date", "gestation_at_birth_weeks"):
                twin[field] = babies[0][field]
            babies.append(twin)
        age_days = (today - babies[0]["date_of_birth"]).days if born else None

        # The agency that registers the family leads on it.
        midwifery_agency, midwifery_team = area.midwifery
        if not born:
            lead_agency, lead_team = MATERNITY_AGENCY, _UHDB_CITY[1] if area.in_city else _UHDB_COUNTY[1]
            reason = self._reason("maternity_antenatal")
        elif rng.random() < 0.68:
            lead_agency, lead_team = HEALTH_VISITING_AGENCY, area.health_visiting_team
            reason = self._reason(AgencyType.HEALTH_VISITING)
        elif age_days is not None and age_days <= 28:
            lead_agency, lead_team = midwifery_agency, midwifery_team
            reason = self._reason(AgencyType.MATERNITY)
        else:
            lead_agency, lead_team, reason = rng.choice([
                (area.gp_practice, "", self._reason(AgencyType.GP_PRACTICE)),
                (area.social_care, "", self._reason(AgencyType.CHILDRENS_SOCIAL_CARE)),
                (area.early_help, "", self._reason(AgencyType.EARLY_HELP)),
            ])
        registrar = self._worker(lead_agency, lead_team)
        family = actions.register_family(by=registrar, family=household, baby=babies[0], reason=reason)
        if twins:
            self._add_twin(by=registrar, family=family, details=babies[1])

        self._people(family, group, father_group, mother_surname, father_surname, has_father,
                     baby_age_days=age_days, by=registrar)
        self._involvements(family, area, lead_agency, born=born, age_days=age_days)

    def _baby_details(self, group: NameGroup, surname: str, *, born: bool, twin: bool) -> dict[str, Any]:
        rng, today = self.rng, self.today
        sex = rng.choice([Sex.FEMALE, Sex.MALE])
        names = group.girls if sex == Sex.FEMALE else group.boys
        if rng.random() < 0.15:  # many families choose English names whatever their language
            names = ENGLISH_NAMES.girls if sex == Sex.FEMALE else ENGLISH_NAMES.boys
        details: dict[str, Any] = {
            "given_name": rng.choice(names), "family_name": surname, "multiple_birth": twin,
            "date_of_birth": None, "expected_delivery_date": None, "gestation_at_birth_weeks": None,
        }
        if born:
            age_days = rng.randint(0, 364)
            gestation = _gestation(rng, twin=twin)
            details.update(
                sex=sex, date_of_birth=today - timedelta(days=age_days), nhs_number=self._nhs_number(),
                gestation_at_birth_weeks=gestation, birth_weight_g=_birth_weight(rng, gestation, twin=twin),
                mobility=_mobility(rng, age_days, gestation),
            )
        else:
            details["expected_delivery_date"] = today + timedelta(days=rng.randint(14, 210))
            if rng.random() < 0.6:  # most unborn babies have no name yet, and many parents keep the sex a surprise
                details["given_name"] = ""
            if rng.random() < 0.5:
                details["sex"] = sex
        return details

    def _add_twin(self, *, by: User, family: Family, details: dict[str, Any]) -> Baby:
        # `kbs.families.actions` has no action for a second baby in a household yet, so the twin is
        # written here the way `register_family` writes the first baby, with its own audit row.
        twin = Baby(family=family, **details)
        twin.full_clean()
        twin.save()
        record_event(by=by, action=Action.CREATE, obj=twin, family=family,
                     summary=f"Added {twin.display_name} (twin)", detail=details)
        return twin

    def _seen(self, probability: float) -> date | None:
        if self.rng.random() >= probability:
            return None
        return self.today - timedelta(days=self.rng.randint(0, 75))

    def _people(self, family: Family, group: NameGroup, father_group: NameGroup, mother_surname: str,
                father_surname: str, has_father: bool, *, baby_age_days: int | None, by: User) -> None:
        rng, today = self.rng, self.today
        mother_age = min(44, max(16, round(rng.gauss(29, 6))))
        mother_dob = _born(today, rng, (mother_age, mother_age))
        people: list[dict[str, Any]] = [{
            "given_name": rng.choice(group.women), "family_name": mother_surname, "date_of_birth": mother_dob,
            "relationship": Relationship.BIRTH_MOTHER, "lives_in_household": True, "regular_carer": True,
            "parental_responsibility": True, "last_seen_on": self._seen(0.95),
        }]
        # The "invisible man": a partner of the mother's who lives in the home, cares for the baby and
        # whom no practitioner has met.
        new_partner = rng.random() < 0.08
        if has_father:
            father_lives_here = not new_partner and rng.random() < 0.75
            people.append({
                "given_name": rng.choice(father_group.men), "family_name": father_surname,
                "date_of_birth": _born(today, rng, (max(17, mother_age - 3), mother_age + 8)),
                "relationship": Relationship.FATHER, "lives_in_household": father_lives_here,
                "regular_carer": father_lives_here or rng.random() < 0.3,
                "parental_responsibility": father_lives_here or rng.random() < 0.6,
                "last_seen_on": self._seen(0.55 if father_lives_here else 0.25),
            })
        if new_partner:
            people.append({
                "given_name": rng.choice(group.men), "family_name": rng.choice(group.surnames),
                "date_of_birth": _born(today, rng, (max(18, mother_age - 2), mother_age + 12)),
                "relationship": Relationship.MOTHERS_PARTNER, "lives_in_household": True, "regular_carer": True,
                "parental_responsibility": False, "last_seen_on": None,
            })
        if rng.random() < 0.3:
            lives_here = rng.random() < 0.2
            grandmother = rng.random() < 0.75
            people.append({
                "given_name": rng.choice(group.women if grandmother else group.men),
                "family_name": mother_surname if rng.random() < 0.6 else rng.choice(group.surnames),
                "date_of_birth": _born(today, rng, (mother_age + 19, min(mother_age + 32, 80))),
                "relationship": Relationship.GRANDPARENT, "lives_in_household": lives_here, "regular_carer": True,
                "parental_responsibility": False, "last_seen_on": self._seen(0.5),
            })
        if rng.random() < 0.45 and mother_age >= 19:
            oldest = min(16, mother_age - 17)
            youngest = 1 + (baby_age_days or 0) // 365
            for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
                age = rng.randint(youngest, max(youngest, oldest))
                sex = rng.choice(["girl", "boy"])
                people.append({
                    "given_name": rng.choice(group.girls if sex == "girl" else group.boys),
                    "family_name": mother_surname if rng.random() < 0.6 else father_surname,
                    "date_of_birth": _born(today, rng, (age, age)), "relationship": Relationship.SIBLING,
                    "lives_in_household": rng.random() < 0.9, "regular_carer": False,
                    "parental_responsibility": False, "last_seen_on": self._seen(0.4),
                })
        for details in people:
            actions.add_person(by=by, family=family, details=details)

    def _involve(self, family: Family, agency: str, reason_key: str, team: str = "") -> Involvement:
        by = self._worker(agency, team)
        return actions.record_involvement(by=by, family=family, reason=self._reason(reason_key))

    def _involvements(self, family: Family, area: Area, lead: str, *, born: bool, age_days: int | None) -> None:
        rng = self.rng
        involved = {lead}

        def maybe(agency: str, probability: float, reason_key: str, team: str = "") -> Involvement | None:
            if agency in involved or rng.random() >= probability:
                return None
            involved.add(agency)
            return self._involve(family, agency, reason_key, team)

        midwifery_agency, midwifery_team = area.midwifery
        if born:
            maybe(HEALTH_VISITING_AGENCY, 0.1, AgencyType.HEALTH_VISITING, area.health_visiting_team)
            recent = age_days is not None and age_days <= 42
            maybe(midwifery_agency, 0.7 if recent else 0.0, AgencyType.MATERNITY, midwifery_team)
            # The GP persona's practice records more of its families, so that its persona has plenty to see.
            maybe(area.gp_practice, 0.55 if area.gp_practice == GP_PRACTICE else 0.3, AgencyType.GP_PRACTICE)
            maybe(area.social_care, 0.11, AgencyType.CHILDRENS_SOCIAL_CARE)
            maybe(CHESTERFIELD_ED, 0.03, AgencyType.EMERGENCY_DEPARTMENT)
            maybe(CAFCASS, 0.015, "cafcass")
        else:
            maybe(HEALTH_VISITING_AGENCY, 0.25, "health_visiting_antenatal", area.health_visiting_team)
            maybe(area.gp_practice, 0.35, AgencyType.GP_PRACTICE)
            maybe(area.social_care, 0.2, "childrens_social_care_antenatal")
        maybe(area.early_help, 0.08, AgencyType.EARLY_HELP)
        maybe(POLICE_AGENCY, 0.05, AgencyType.POLICE, "Derby Response" if area.in_city else "Chesterfield Response")
        maybe(MENTAL_HEALTH, 0.06, AgencyType.ADULT_MENTAL_HEALTH)
        maybe(PROBATION, 0.03, AgencyType.PROBATION)
        maybe(VOLUNTARY, 0.05, AgencyType.VOLUNTARY_SECTOR)
        if area.in_city:
            maybe(CITY_HOUSING, 0.04, AgencyType.HOUSING)

        # Some work has finished: midwives discharge babies after a few weeks, and some short pieces
        # of work close. The lead agency's involvement is never ended here, so every family keeps one.
        if born and age_days is not None and 28 < age_days <= 120 and rng.random() < 0.4:
            ended = maybe(midwifery_agency, 1.0, AgencyType.MATERNITY, midwifery_team)
            if ended is not None:
                self._end(ended)
        others = sorted(involved - {lead})
        if others and rng.random() < 0.12:
            agency = self.agencies[rng.choice(others)]
            involvement = Involvement.objects.get(family=family, agency=agency, ended_on__isnull=True)
            self._end(involvement)

    def _end(self, involvement: Involvement) -> None:
        by = involvement.lead_professional or self._worker(involvement.agency.name)
        actions.end_involvement(by=by, involvement=involvement, ended_on=self.today)


def involvement_shares() -> dict[str, float]:
    """The share of families each agency is actively involved with, for checking the mix by eye."""
    total = Family.objects.count() or 1
    counts = Counter(
        Involvement.objects.filter(ended_on__isnull=True).values_list("agency__name", flat=True)
    )
    return {name: round(count / total, 2) for name, count in counts.most_common()}
