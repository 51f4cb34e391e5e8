"""Library demo data: the partnership's guidance, leaflets, tools, films, posters and learning briefs.

Called by the demo loader (`kbs.nonprod.demo`) after the personas exist; safe to call again (a
document already there, by title, is left alone). The files are small PDFs written here, in our own
words from the domain notes; the bytes depend only on the text, so loading twice stores one file.
"""

import textwrap
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from kbs.accounts.models import User
from kbs.library import actions
from kbs.library.files import CheckedFile, check_upload
from kbs.library.models import Audience, Document, Kind, Topic

ADMINISTRATOR = "demo-administrator"
SAFEGUARDING_LEAD = "demo-safeguarding-lead"

SAFER_SLEEP_GUIDANCE = "Safer sleep: practice guidance for everyone who works with babies"
BRUISING_GUIDANCE = "Practice guidance on bruising in babies who are not yet mobile"
BRUISING_LEAFLET = "My baby has a bruise or a mark: information for parents"
BRUISING_TOOL = "Bruising and skin marks tool"
BRUISING_BRIEF = "Learning brief: bruising in babies who are not yet mobile"
THEO_BRIEF = "Learning brief: Theo"


def _pdf_text(value: str) -> str:
    plain = value.replace("‘", "'").replace("’", "'").replace("“", '"').replace("”", '"').replace("–", "-")
    plain = plain.encode("latin-1", "replace").decode("latin-1")
    return plain.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def simple_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small, valid one-page PDF: a title and wrapped paragraphs in Helvetica. Same text, same bytes."""
    lines: list[tuple[str, int]] = [(title, 16), ("", 11)]
    for paragraph in paragraphs:
        lines += [(line, 11) for line in textwrap.wrap(paragraph, 88)] + [("", 11)]
    stream = ["BT", "72 770 Td"]
    for text, size in lines[:58]:
        stream += [f"/F1 {size} Tf", f"({_pdf_text(text)}) Tj", f"0 -{size + 4} Td"]
    stream.append("ET")
    content = "\n".join(stream).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class _Bytes:
    """Just enough of an upload for files.check_upload."""

    def __init__(self, name: str, content: bytes) -> None:
        self.name: str | None = name
        self.size: int | None = len(content)
        self._content, self._at = content, 0

    def seek(self, offset: int, whence: int = 0, /) -> int:
        self._at = offset
        return offset

    def read(self, size: int = -1, /) -> bytes:
        end = len(self._content) if size < 0 else self._at + size
        chunk, self._at = self._content[self._at:end], min(end, len(self._content))
        return chunk


def pdf_file(name: str, title: str, paragraphs: list[str]) -> CheckedFile:
    """A demo PDF put through the same checks as any upload."""
    return check_upload(_Bytes(name, simple_pdf(title, paragraphs)))


@dataclass(frozen=True)
class DemoDocument:
    title: str
    kind: str
    summary: str
    audience: str
    topics: list[str]
    published_days_ago: int
    review_in_days: int
    owner: str = ADMINISTRATOR
    url: str = ""
    # (file name, paragraphs, change note) for each version, oldest first.
    versions: list[tuple[str, list[str], str]] = field(default_factory=list)


SAFE_SLEEP_V1 = [
    "Put every baby on their back for every sleep, day and night, in a clear, flat, separate cot or Moses basket, "
    "in the parents' room for the first six months.",
    "Keep the baby smoke-free before and after birth. Never fall asleep with a baby on a sofa or armchair.",
    "Bed-sharing is dangerous after any alcohol, drugs or medicine that makes a carer drowsy, if anyone smokes, or "
    "if the baby was premature or small at birth. Use the safer sleep assessment to record what you found.",
]
SAFE_SLEEP_V2 = SAFE_SLEEP_V1 + [
    "New in this version: ask at every contact whether a change of routine is coming (a holiday, a move, a family "
    "event) and help the family plan where the baby will sleep. Deaths reviewed by the national panel often "
    "happened when the usual routine was disrupted.",
]

DOCUMENTS = [
    DemoDocument(
        title=SAFER_SLEEP_GUIDANCE, kind=Kind.GUIDANCE, audience=Audience.PRACTITIONERS,
        topics=[Topic.SAFE_SLEEP, Topic.DEATH],
        summary="How every practitioner talks about safer sleep with parents and carers, when to complete the "
        "safer sleep assessment, and how to plan with families for changes of routine.",
        published_days_ago=250, review_in_days=115,
        versions=[
            ("safer-sleep-guidance-v1.pdf", SAFE_SLEEP_V1, "First version"),
            ("safer-sleep-guidance-v2.pdf", SAFE_SLEEP_V2, "Adds planning for holidays, moves and other breaks in routine"),
        ],
    ),
    DemoDocument(
        title="Safer sleep for your baby", kind=Kind.LEAFLET, audience=Audience.PUBLIC, topics=[Topic.SAFE_SLEEP],
        summary="A leaflet for parents and carers: back to sleep, a clear flat separate space, smoke-free, and never "
        "on a sofa or armchair. Keep the same routine when you are away from home.",
        published_days_ago=300, review_in_days=65,
        versions=[("safer-sleep-leaflet.pdf", [
            "Put your baby on their back for every sleep. The safest place is a clear, flat, separate cot or Moses "
            "basket in your room for the first six months.",
            "Keep your baby's head uncovered and do not let them get too hot. Never fall asleep with your baby on a "
            "sofa or in an armchair. Plan where your baby will sleep when you are away from home.",
        ], "First version")],
    ),
    DemoDocument(
        title=BRUISING_GUIDANCE, kind=Kind.GUIDANCE, audience=Audience.PRACTITIONERS, topics=[Topic.BRUISING],
        summary="What to do when you see a bruise, or a mark that might be a bruise, on a baby who is not yet "
        "crawling, shuffling, cruising or walking: why it matters, who to tell the same day, and how suspected "
        "birthmarks are checked.",
        published_days_ago=380, review_in_days=-15, owner=SAFEGUARDING_LEAD,
        versions=[("bruising-guidance.pdf", [
            "Bruising is rare in babies who cannot yet move about by themselves. Any bruise or possible bruise on a "
            "baby who is not yet mobile needs action the same day: a referral to children's social care and a "
            "paediatric assessment.",
            "Rolling over does not count as moving about independently. A mark already recorded as a birthmark by a "
            "registered health professional can be checked against the Red Book.",
        ], "First version")],
    ),
    DemoDocument(
        title=BRUISING_LEAFLET, kind=Kind.LEAFLET, audience=Audience.PUBLIC, topics=[Topic.BRUISING],
        summary="For parents whose baby has a bruise or an unusual skin mark: why a doctor needs to see the baby "
        "quickly, what happens next, and why to bring the Red Book.",
        published_days_ago=200, review_in_days=165,
        versions=[("bruise-or-mark-leaflet.pdf", [
            "A bruise on a baby who cannot yet crawl or walk is unusual. It may be a birthmark, a medical condition "
            "or an injury, so a doctor needs to see your baby quickly, usually within 24 hours.",
            "This is what happens for every baby. The doctor will share what they find with children's social care. "
            "Please bring your baby's Red Book so any recorded birthmarks can be checked.",
        ], "First version")],
    ),
    DemoDocument(
        title=BRUISING_TOOL, kind=Kind.TOOL, audience=Audience.PRACTITIONERS, topics=[Topic.BRUISING],
        summary="The bruising tool in this service: record the mark, the baby's mobility and the explanation, and "
        "see the same-day steps for a bruise on a baby who is not yet mobile.",
        published_days_ago=160, review_in_days=205, url="/tools/#bruising",
    ),
    DemoDocument(
        title=BRUISING_BRIEF, kind=Kind.LEARNING_BRIEF, audience=Audience.PRACTITIONERS, topics=[Topic.BRUISING],
        summary="A short briefing on the learning from a local rapid review: a health visitor saw a bruise on a "
        "very young baby's hand at the new birth visit. Reviews keep finding that bruising in babies who are not "
        "yet mobile is underestimated.",
        published_days_ago=130, review_in_days=235,
        versions=[("bruising-learning-brief.pdf", [
            "A rapid review followed a health visitor seeing a bruise on the hand of a ten-day-old baby at the new "
            "birth visit. Reviews have found that bruising in babies who are not yet mobile is often underestimated.",
            "What changed here: the bruising tool's rule for a non-mobile baby, the Level 2 module on bruising and "
            "injury, and this briefing.",
        ], "First version")],
    ),
    DemoDocument(
        title=THEO_BRIEF, kind=Kind.LEARNING_BRIEF, audience=Audience.PARTNERSHIP, topics=[Topic.DEATH],
        summary="The partnership's local child safeguarding practice review Theo (TDS20), about the death of a "
        "baby, published in March 2024, and the multi-agency audit of reunification that followed it.",
        published_days_ago=110, review_in_days=255,
        versions=[("theo-learning-brief.pdf", [
            "Theo (TDS20) is a local child safeguarding practice review about the death of a baby, published in "
            "March 2024. A multi-agency audit of how children are reunited with their parents followed it.",
        ], "First version")],
    ),
    DemoDocument(
        title="Coping with crying: the ICON touchpoint video", kind=Kind.FILM, audience=Audience.PUBLIC,
        topics=[Topic.ICON, Topic.SAFE_HANDLING],
        summary="A short film showing the ICON messages as families hear them from midwives, health visitors and "
        "GPs: crying is normal and it will stop, comfort can help, it is OK to walk away, never shake a baby.",
        published_days_ago=420, review_in_days=10,
        url="https://iconcope.org/news/20230521-leicester-leicestershire-and-rutland-icon-touch-point-video/",
    ),
    DemoDocument(
        title="Dogs and babies: keeping your baby safe", kind=Kind.LEAFLET, audience=Audience.PUBLIC, topics=[Topic.DOGS],
        summary="Never leave a baby alone with any dog, even for a moment. Give the dog its own safe space, use "
        "safety gates when you are busy, and prepare your dog before the baby arrives.",
        published_days_ago=90, review_in_days=275,
        versions=[("dogs-and-babies.pdf", [
            "Never leave your baby alone with any dog, even for a moment and however much you trust it. Most bites "
            "happen at home, from a dog the family knows.",
            "Give the dog its own space, keep it away when it is eating or sleeping, and use safety gates when you are "
            "busy.",
        ], "First version")],
    ),
    DemoDocument(
        title="Safe space: make your home safe for your baby", kind=Kind.POSTER, audience=Audience.PUBLIC,
        topics=[Topic.SAFE_SPACE],
        summary="A poster for clinics and family hubs: change nappies on the floor, keep nappy sacks, button "
        "batteries and hot drinks out of reach, fit stair gates and window restrictors, and never leave a baby in the bath.",
        published_days_ago=60, review_in_days=305,
        versions=[("safe-space-poster.pdf", [
            "Change nappies on the floor. Put car seats and bouncers on the floor, never on a table or worktop.",
            "Keep nappy sacks, button batteries, medicines and hot drinks out of reach. Fit stair gates before your "
            "baby crawls. Never leave a baby in the bath, even for a moment.",
        ], "First version")],
    ),
    DemoDocument(
        title="Every Baby Matters: how to use the tool", kind=Kind.GUIDANCE, audience=Audience.PRACTITIONERS,
        topics=[Topic.EVERY_BABY_MATTERS],
        summary="When to use the Every Baby Matters tool with a family, at the early help stage or inside a larger "
        "assessment, and how to talk through what it finds.",
        published_days_ago=340, review_in_days=25,
        versions=[("every-baby-matters-guidance.pdf", [
            "Every Baby Matters helps practitioners spot the things that make a baby more vulnerable, and talk "
            "about them with the family. Use it at the early help stage or as part of a larger assessment.",
        ], "First version")],
    ),
    DemoDocument(
        title="Multi-agency protocol for pre-birth assessment", kind=Kind.PROCEDURE, audience=Audience.PRACTITIONERS,
        topics=[Topic.PRE_BIRTH],
        summary="When a pregnancy needs a pre-birth assessment, who takes part, and the milestones from referral to "
        "the delivery safety plan.",
        published_days_ago=500, review_in_days=-40,
        versions=[("pre-birth-protocol.pdf", [
            "Referral is about getting the right help early. Early work with parents gives them time to show change "
            "before the baby is born.",
            "Agree the plan for the birth, tell the parents who will be contacted, and give them a copy.",
        ], "First version")],
    ),
]


def load_library_demo() -> dict[str, int]:
    """Add every demo document that is not there yet. Returns how many documents and versions were added."""
    users = {u.username: u for u in User.objects.filter(username__in=[ADMINISTRATOR, SAFEGUARDING_LEAD])}
    admin = users.get(ADMINISTRATOR)
    if admin is None or admin.agency is None:
        return {"documents": 0, "versions": 0}
    today = timezone.localdate()
    added = versions = 0
    for spec in DOCUMENTS:
        if Document.objects.filter(title=spec.title).exists():
            continue
        owner = users.get(spec.owner, admin)
        published_on = today - timedelta(days=spec.published_days_ago)
        first = spec.versions[0] if spec.versions else None
        later = spec.versions[1:]
        document = actions.add_document(
            by=admin, title=spec.title, kind=spec.kind, summary=spec.summary, owner=owner,
            agency=owner.agency or admin.agency, audience=spec.audience, topics=list(spec.topics),
            published_on=published_on, review_by=today + timedelta(days=spec.review_in_days), url=spec.url,
            file=pdf_file(first[0], spec.title, first[1]) if first else None, change_note=first[2] if first else "",
        )
        added += 1
        versions += 1 if first else 0
        for name, paragraphs, note in later:
            actions.add_version(
                by=admin, document=document, file=pdf_file(name, spec.title, paragraphs), change_note=note,
                review_by=today + timedelta(days=spec.review_in_days), published_on=published_on,
            )
            versions += 1
    return {"documents": added, "versions": versions}
