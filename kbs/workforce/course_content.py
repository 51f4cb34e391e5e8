"""Loading the Level 2 e-learning from its YAML files into Module and Question rows.

The content lives in `content/level2/*.yaml`, one file a module, written by people, reviewed in
pull requests. Each file is validated in full before anything is written, and the whole load runs in
one transaction, so a mistake in one file leaves the database as it was. Loading twice changes
nothing; a module that disappears from the files is retired rather than deleted, so people's
progress survives.

A file looks like this (`answer` is the 0-based index of the right choice):

    slug: why-babies-are-vulnerable
    order: 1
    title: Why babies are vulnerable
    summary: One or two sentences.
    pages:
      - title: A page title
        blocks:
          - p: A paragraph of plain text.
          - list: [An item, Another item]
          - inset: Plain text shown in an inset box.
          - warning: Plain text shown in a warning callout.
    questions:
      - text: The question?
        choices: [First, Second, Third]
        answer: 1
        explanation: Why the right answer is right.

Text is plain: templates escape it, so no HTML from a file ever reaches a page unescaped.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from kbs.workforce.models import CourseCode, Module, Question

LEVEL2_DIR = Path(__file__).parent / "content" / "level2"
BLOCK_TYPES = ("p", "list", "inset", "warning")
MIN_QUESTIONS = 5
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ContentError(ValueError):
    """A content file is not as the loader expects. The message names the file and the place."""


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    choices: tuple[str, ...]
    answer: int
    explanation: str


@dataclass(frozen=True)
class ModuleSpec:
    slug: str
    order: int
    title: str
    summary: str
    pages: tuple[dict[str, Any], ...]
    questions: tuple[QuestionSpec, ...]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: must be some text")
    if "<" in value and re.search(r"<[a-zA-Z/!]", value):
        raise ContentError(f"{where}: must be plain text, not HTML")
    return value.strip()


def _keys(data: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ContentError(f"{where}: must be a mapping")
    missing = required - data.keys()
    extra = data.keys() - required - optional
    if missing:
        raise ContentError(f"{where}: missing {', '.join(sorted(missing))}")
    if extra:
        raise ContentError(f"{where}: unexpected {', '.join(sorted(map(str, extra)))}")
    return data


def _block(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or len(data) != 1:
        raise ContentError(f"{where}: a block is one of {', '.join(BLOCK_TYPES)} with its text")
    ((kind, value),) = data.items()
    if kind not in BLOCK_TYPES:
        raise ContentError(f"{where}: unknown block {kind!r}")
    if kind == "list":
        if not isinstance(value, list) or not value:
            raise ContentError(f"{where}: a list needs items")
        return {"type": "list", "items": [_text(item, f"{where} item {i + 1}") for i, item in enumerate(value)]}
    return {"type": kind, "text": _text(value, where)}


def parse_module(data: Any, source: str) -> ModuleSpec:
    """Validate one module's data (as read from YAML) and return it in a fixed shape."""
    data = _keys(data, source, {"slug", "order", "title", "pages", "questions"}, frozenset({"summary"}))
    slug = data["slug"]
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise ContentError(f"{source}: slug must be lower-case words joined by hyphens")
    order = data["order"]
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ContentError(f"{source}: order must be a whole number from 1")
    pages_data = data["pages"]
    if not isinstance(pages_data, list) or not 1 <= len(pages_data) <= 8:
        raise ContentError(f"{source}: a module has between 1 and 8 pages")
    pages = []
    for p, page in enumerate(pages_data, start=1):
        where = f"{source} page {p}"
        page = _keys(page, where, {"title", "blocks"})
        if not isinstance(page["blocks"], list) or not page["blocks"]:
            raise ContentError(f"{where}: a page needs blocks")
        pages.append({
            "title": _text(page["title"], f"{where} title"),
            "blocks": [_block(b, f"{where} block {i}") for i, b in enumerate(page["blocks"], start=1)],
        })
    questions_data = data["questions"]
    if not isinstance(questions_data, list) or len(questions_data) < MIN_QUESTIONS:
        raise ContentError(f"{source}: a knowledge check needs at least {MIN_QUESTIONS} questions")
    questions = []
    for q, question in enumerate(questions_data, start=1):
        where = f"{source} question {q}"
        question = _keys(question, where, {"text", "choices", "answer", "explanation"})
        choices = question["choices"]
        if not isinstance(choices, list) or not 2 <= len(choices) <= 6:
            raise ContentError(f"{where}: between 2 and 6 choices")
        answer = question["answer"]
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
            raise ContentError(f"{where}: answer must be the 0-based number of one of the choices")
        texts = tuple(_text(c, f"{where} choice {i + 1}") for i, c in enumerate(choices))
        if len(set(texts)) != len(texts):
            raise ContentError(f"{where}: two choices are the same")
        questions.append(QuestionSpec(
            text=_text(question["text"], where), choices=texts, answer=answer,
            explanation=_text(question["explanation"], f"{where} explanation"),
        ))
    return ModuleSpec(
        slug=slug, order=order, title=_text(data["title"], f"{source} title"),
        summary=_text(data["summary"], f"{source} summary") if "summary" in data else "",
        pages=tuple(pages), questions=tuple(questions),
    )


def read_course(directory: Path = LEVEL2_DIR) -> list[ModuleSpec]:
    """Every module in `directory`, validated, in order. Raises ContentError on the first problem."""
    specs = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ContentError(f"{path.name}: not valid YAML ({error})") from error
        specs.append(parse_module(data, path.name))
    if not specs:
        raise ContentError(f"no modules in {directory}")
    for attribute in ("slug", "order"):
        values = [getattr(spec, attribute) for spec in specs]
        if len(set(values)) != len(values):
            raise ContentError(f"two modules share the same {attribute}")
    return sorted(specs, key=lambda spec: spec.order)


def load_course_content(directory: Path = LEVEL2_DIR) -> dict[str, int]:
    """Write the Level 2 modules and questions to the database, replacing what was there.

    Idempotent. Questions are replaced wholesale (nobody's answers are stored against them); modules
    are updated in place, keyed by slug, so progress rows keep pointing at the same module.
    Returns counts of modules and questions loaded."""
    specs = read_course(directory)
    code = CourseCode.L2_PBFH
    with transaction.atomic():
        # Orders are unique per course; move everything out of the way before renumbering.
        existing = Module.objects.select_for_update().filter(course_code=code)
        for module in existing:
            module.order = 1000 + module.pk
            module.save(update_fields=["order"])
        seen = []
        for spec in specs:
            module, _ = Module.objects.update_or_create(
                slug=spec.slug,
                defaults={
                    "level": 2, "course_code": code, "order": spec.order, "title": spec.title,
                    "summary": spec.summary, "pages": list(spec.pages), "retired": False,
                },
            )
            seen.append(module.pk)
            current = [(q.text, tuple(q.choices), q.correct_index, q.explanation) for q in module.questions.all()]
            wanted = [(q.text, q.choices, q.answer, q.explanation) for q in spec.questions]
            if current != wanted:
                module.questions.all().delete()
                Question.objects.bulk_create(
                    Question(module=module, order=i, text=q.text, choices=list(q.choices), correct_index=q.answer,
                             explanation=q.explanation)
                    for i, q in enumerate(spec.questions, start=1)
                )
        Module.objects.filter(course_code=code).exclude(pk__in=seen).update(retired=True)
    return {"modules": len(specs), "questions": sum(len(s.questions) for s in specs)}
