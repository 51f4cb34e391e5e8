"""The public "Keeping babies safe" pages: one entry per page, in the order they are listed.

Titles and summaries are marked with gettext_noop and translated when a page is shown, in the
language its URL names.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class PublicPage:
    slug: str  # "" for the first page
    title: str
    summary: str  # one line, for the list of pages

    @property
    def template(self) -> str:
        return f"public/{self.slug or 'index'}.jinja".replace("-", "_")


INDEX = PublicPage("", gettext_noop("Keeping babies safe"),
                   gettext_noop("Three steps to keep your baby safe."))
PAGES = (
    INDEX,
    PublicPage("safer-sleep", gettext_noop("Safer sleep"),
               gettext_noop("Where and how your baby sleeps, at home and when you are away.")),
    PublicPage("coping-with-crying", gettext_noop("Coping with crying"),
               gettext_noop("What to do when your baby will not stop crying.")),
    PublicPage("safe-handling", gettext_noop("Safe handling"),
               gettext_noop("How to hold and carry your baby safely.")),
    PublicPage("safe-home", gettext_noop("A safe home"),
               gettext_noop("How to make your home safe for your baby, including around dogs.")),
    PublicPage("bruises-and-marks", gettext_noop("If your baby has a bruise or mark"),
               gettext_noop("Why a doctor needs to check your baby, and what happens next.")),
    PublicPage("worried-about-a-baby", gettext_noop("Worried about a baby?"),
               gettext_noop("What to do now, and who to call.")),
)
BY_SLUG = {page.slug: page for page in PAGES}
