"""``manage.py rescore --tool SLUG [--spec-dir DIR] --dry-run``: what a spec would say about the past.

Re-evaluates every completed assessment of one tool, with the answers and partnership settings it
stored, against the bundled spec or a new version of it in DIR (so a change can be tried before it
ships), and prints what would differ. It only reports: a completed assessment's outcome is what the
practitioner saw and acted on, so it never changes (the database refuses anyway).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kbs.tools.engine import AnswersInvalid, evaluate
from kbs.tools.models import Assessment, Status
from kbs.tools.spec import SpecError, ToolSpec, all_specs, load_specs

REFUSAL = "rescore only reports: past outcomes never change; run it with --dry-run"


@dataclass(frozen=True)
class Change:
    public_id: str
    old_version: str
    new_version: str
    old_level: str
    new_level: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()


class Command(BaseCommand):
    help = "Report how completed assessments of a tool would score under its current or a new spec. Changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tool", required=True, help="the tool's slug, for example safer-sleep")
        parser.add_argument("--spec-dir", default=None, help="a folder of spec files to try instead of the bundled specs")
        parser.add_argument("--dry-run", action="store_true", help="required: rescore only ever reports")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["dry_run"]:
            raise CommandError(REFUSAL)
        spec = self.load(options["tool"], options["spec_dir"])
        rows = (
            Assessment.objects.filter(tool_slug=spec.slug, status=Status.COMPLETED)
            .only("public_id", "tool_version", "level", "answers", "settings_applied", "outcome")
            .order_by("completed_at", "id")
            .iterator(chunk_size=500)
        )
        total, changes = self.rescore(spec, rows)
        self.report(spec, options["spec_dir"], total, changes)

    def load(self, slug: str, spec_dir: str | None) -> ToolSpec:
        try:
            specs = load_specs(spec_dir) if spec_dir else {s.slug: s for s in all_specs()}
        except SpecError as error:
            raise CommandError(str(error)) from None
        if slug not in specs:
            raise CommandError(f"unknown tool {slug!r}")
        return specs[slug]

    def rescore(self, spec: ToolSpec, rows: Iterable[Assessment]) -> tuple[int, list[Change]]:
        total = 0
        changes: list[Change] = []
        for row in rows:
            total += 1
            stored = row.outcome or {}
            old_rules = [flag["rule"] for flag in stored.get("flags", [])]
            try:
                outcome = evaluate(spec, row.answers, row.settings_applied)
            except AnswersInvalid as invalid:
                changes.append(Change(
                    str(row.public_id), row.tool_version, spec.version, row.level, "invalid",
                    invalid=tuple(f"{e['item']}: {e['problem']}" for e in invalid.errors),
                ))
                continue
            added = tuple(r for r in outcome.fired if r not in old_rules)
            removed = tuple(r for r in old_rules if r not in outcome.fired)
            same_actions = set(outcome.actions) == set(stored.get("actions", []))
            if outcome.level == row.level and not added and not removed and same_actions:
                continue
            changes.append(Change(str(row.public_id), row.tool_version, spec.version, row.level, outcome.level,
                                  added, removed))
        return total, changes

    def report(self, spec: ToolSpec, spec_dir: str | None, total: int, changes: list[Change]) -> None:
        invalid = sum(1 for c in changes if c.invalid)
        where = spec_dir or "the bundled specs"
        self.stdout.write(f"Rescoring {spec.slug} against version {spec.version} from {where} (dry run: nothing is changed)")
        self.stdout.write(
            f"{total} assessments: {total - len(changes)} unchanged, {len(changes) - invalid} changed, "
            f"{invalid} with answers now invalid"
        )
        if not changes:
            return
        header = ("assessment", "version", "level", "rules added", "rules removed")
        lines = [
            (c.public_id, f"{c.old_version} → {c.new_version}", f"{c.old_level} → {c.new_level}",
             ", ".join(c.added) or "-", ", ".join(c.removed) or "-")
            for c in changes
        ]
        widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
        self.stdout.write("")
        for line in [header, *lines]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        for change in changes:
            if change.invalid:
                self.stdout.write(f"{change.public_id}: answers now invalid: {'; '.join(change.invalid)}")
