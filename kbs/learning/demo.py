"""Learning demo data: four reviews, their recommendations and what changed because of them.

Called by the demo loader (`kbs.nonprod.demo`) after the library demo; safe to call again (a review
already there, by title, is left alone). The summaries are in our own words and say only what the
domain notes (shared/domain/keeping-babies-safe.md §1, §6.1, §13) say about each review. The two
national reviews' recommendations are as reported there; for the two local reviews, whose
recommendations were not public, the recommendation is the learning the partnership took from them.
What changed, and when, is invented for the demo, relative to today.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from kbs.accounts.models import User
from kbs.learning import actions
from kbs.learning.models import ChangeKind, Review, Scope
from kbs.library import demo as library_demo
from kbs.library.models import Document

PANEL = "Child Safeguarding Practice Review Panel"
OUT_OF_ROUTINE = "Out of routine"
INVISIBLE_MEN = "The myth of invisible men"
THEO = "Theo"
BRUISE_RAPID_REVIEW = "A bruise on a ten-day-old baby: rapid review"


@dataclass(frozen=True)
class DemoChange:
    kind: str
    days_ago: int
    note: str
    reference: str = ""
    document: str = ""  # a library document's title


@dataclass(frozen=True)
class DemoRecommendation:
    text: str
    themes: list[str]
    changes: list[DemoChange] = field(default_factory=list)


@dataclass(frozen=True)
class DemoReview:
    title: str
    scope: str
    publisher: str
    published_on: date | None
    summary: str
    source_url: str
    themes: list[str]
    recommendations: list[DemoRecommendation]


REVIEWS = [
    DemoReview(
        title=OUT_OF_ROUTINE, scope=Scope.NATIONAL, publisher=PANEL, published_on=date(2020, 7, 1),
        source_url="https://www.cypnow.co.uk/news/article/safer-sleep-messages-needed-to-prevent-more-sudden-infant-deaths-review-says",
        summary="The Panel looked at sudden unexpected deaths in infancy in families where children were thought to "
        "be at risk of significant harm. Of 568 serious incidents notified between June 2018 and August 2019, 40 "
        "were such deaths, most of babies under three months old; the review studied the deaths of 14 babies from "
        "12 areas in depth. Nearly all of them had been sleeping with an adult in an unsafe place, such as a bed, "
        "sofa or chair, often after the adults had drunk alcohol or taken drugs, and often when the family's usual "
        "routine had been disrupted. The families also faced neglect, domestic abuse, poor mental health, substance "
        "misuse or unsuitable housing. Safer sleep advice had usually been given, but some of the families most at "
        "risk did not take it in or act on it.",
        themes=["Safer sleep", "Disrupted routines", "Risks that overlap with abuse and neglect"],
        recommendations=[
            DemoRecommendation(
                "Make preventing sudden unexpected death in infancy part of local work on deprivation, domestic abuse "
                "and parents' mental health, supported by national tools for practitioners and safeguarding partners.",
                ["Risks that overlap with abuse and neglect"],
                [
                    DemoChange(ChangeKind.TOOL_RULE, 320, "Every Baby Matters flags the risk factors for sudden "
                               "unexpected death alongside the family's other vulnerabilities.",
                               reference="every-baby-matters:EBM-SUDI"),
                    DemoChange(ChangeKind.MESSAGE, 300, "Safer sleep is recorded for each carer, not only the mother.",
                               reference="safe_sleep"),
                ],
            ),
            DemoRecommendation(
                "Work with each family in a flexible way that fits the reality of their lives, using a multi-agency "
                "\"prevent and protect\" model of practice.",
                ["Disrupted routines", "Safer sleep"],
                [
                    DemoChange(ChangeKind.TOOL_RULE, 280, "The safer sleep assessment asks whether a change of routine "
                               "is coming and whether there is a plan for where the baby will sleep.",
                               reference="safer-sleep:SS-OUT-OF-ROUTINE"),
                    DemoChange(ChangeKind.TOOL_RULE, 280, "Every Baby Matters asks about changes of routine too.",
                               reference="every-baby-matters:EBM-OUT-OF-ROUTINE"),
                    DemoChange(ChangeKind.DOCUMENT, 250, "Version 2 of the guidance adds planning for holidays, "
                               "moves and other breaks in routine.", document=library_demo.SAFER_SLEEP_GUIDANCE),
                    DemoChange(ChangeKind.TRAINING_MODULE, 240, "The module on unsafe sleep covers disrupted routines.",
                               reference="sleep-crying-and-invisible-men"),
                ],
            ),
            DemoRecommendation(
                "Find out what behavioural insights and models of behaviour change can add to safer sleep work.",
                ["Safer sleep"],
            ),
        ],
    ),
    DemoReview(
        title=INVISIBLE_MEN, scope=Scope.NATIONAL, publisher=PANEL, published_on=date(2021, 9, 1),
        source_url="https://fatherhoodinstitute.org/post/the-myth-of-invisible-men-fathers-who-kill-or-injure-their-babies",
        summary="The Panel asked what leads fathers, stepfathers and other men caring for a baby under one to harm "
        "or kill them, and how that can be prevented. It drew on 23 serious incident cases, interviews with 8 men in "
        "prison for such offences and an evidence review by the Fatherhood Institute. A cluster of risk factors was "
        "common: domestic abuse, substance misuse, mental health problems and stresses in the family's "
        "circumstances. Services for new parents mostly work with mothers, so the men were too seldom seen, "
        "assessed or supported, and practitioners rarely sought or shared information about them.",
        themes=["Men in the baby's life", "Information sharing"],
        recommendations=[
            DemoRecommendation(
                "Build work with fathers into current and planned programmes for families, such as Family Hubs and "
                "Best Start for Life.",
                ["Men in the baby's life"],
                [
                    DemoChange(ChangeKind.TOOL_RULE, 200, "Every Baby Matters asks about a new partner in a parent's "
                               "life.", reference="every-baby-matters:EBM-NEW-PARTNER"),
                    DemoChange(ChangeKind.TRAINING_MODULE, 190, "The Level 2 module covers the men in a baby's life.",
                               reference="sleep-crying-and-invisible-men"),
                    DemoChange(ChangeKind.MESSAGE, 180, "Coping with crying is given to fathers and male carers as "
                               "well as mothers.", reference="safe_handling"),
                ],
            ),
            DemoRecommendation(
                "Fund a pilot of joined-up work with expectant fathers who show the risk factors, across perinatal, "
                "mental health, substance misuse and domestic abuse services.",
                ["Men in the baby's life", "Information sharing"],
            ),
            DemoRecommendation(
                "Research the backgrounds, characteristics and triggers of men who seriously harm babies.",
                ["Men in the baby's life"],
            ),
        ],
    ),
    DemoReview(
        title=THEO, scope=Scope.LOCAL, publisher="Derby and Derbyshire Safeguarding Children Partnership",
        published_on=date(2024, 3, 1), source_url="https://www.ddscp.org.uk/case-reviews/serious-case-reviews",
        summary="A local child safeguarding practice review (reference TDS20) about the death of a baby, published "
        "in March 2024. A multi-agency audit of how children are reunited with their parents followed it.",
        themes=["Reunification with parents"],
        recommendations=[
            DemoRecommendation(
                "Audit, across agencies, how children are reunited with their parents.",
                ["Reunification with parents"],
                [DemoChange(ChangeKind.DOCUMENT, 110, "A learning brief for partnership staff.",
                            document=library_demo.THEO_BRIEF)],
            ),
        ],
    ),
    DemoReview(
        title=BRUISE_RAPID_REVIEW, scope=Scope.LOCAL, publisher="Bury Safeguarding Partnership", published_on=None,
        source_url="https://burysafeguardingpartnership.bury.gov.uk/7-minute-briefings/7-minute-briefing-bruising-in-immobile-babies",
        summary="A rapid review followed a health visitor seeing a bruise on the hand of a ten-day-old baby at the "
        "new birth visit, and the local partnership shared its learning as a seven-minute briefing on bruising in "
        "babies who are not yet mobile. Reviews elsewhere have also found that bruising in non-mobile babies was "
        "underestimated.",
        themes=["Bruising in babies who are not yet mobile"],
        recommendations=[
            DemoRecommendation(
                "Treat a bruise, or a mark that might be a bruise, on a baby who is not yet mobile as needing action "
                "the same day, whatever the explanation given.",
                ["Bruising in babies who are not yet mobile"],
                [
                    DemoChange(ChangeKind.TOOL_RULE, 150, "The bruising tool asks for a same-day referral and "
                               "paediatric assessment for any bruise on a non-mobile baby.",
                               reference="bruising:BR-NON-MOBILE"),
                    DemoChange(ChangeKind.TRAINING_MODULE, 140, "The Level 2 module on bruising uses the case.",
                               reference="bruising-and-injury"),
                    DemoChange(ChangeKind.DOCUMENT, 130, "A learning brief for every practitioner.",
                               document=library_demo.BRUISING_BRIEF),
                    DemoChange(ChangeKind.DOCUMENT, 130, "The practice guidance now cites the learning.",
                               document=library_demo.BRUISING_GUIDANCE),
                ],
            ),
        ],
    ),
]


def load_learning_demo() -> dict[str, int]:
    """Add every demo review that is not there yet, with its recommendations and changes."""
    admin = User.objects.filter(username=library_demo.ADMINISTRATOR).first()
    if admin is None:
        return {"reviews": 0, "changes": 0}
    today = timezone.localdate()
    added = changes = 0
    for spec in REVIEWS:
        if Review.objects.filter(title=spec.title).exists():
            continue
        review = actions.add_review(
            by=admin, title=spec.title, scope=spec.scope, summary=spec.summary, published_on=spec.published_on,
            publisher=spec.publisher, source_url=spec.source_url, themes=spec.themes,
        )
        added += 1
        for demo_recommendation in spec.recommendations:
            recommendation = actions.add_recommendation(
                by=admin, review=review, text=demo_recommendation.text, themes=demo_recommendation.themes,
            )
            for change in demo_recommendation.changes:
                document = Document.objects.filter(title=change.document).first() if change.document else None
                if change.document and document is None:
                    continue
                actions.record_change(
                    by=admin, recommendation=recommendation, kind=change.kind, reference=change.reference,
                    document=document, changed_on=today - timedelta(days=change.days_ago), note=change.note,
                )
                changes += 1
    return {"reviews": added, "changes": changes}
