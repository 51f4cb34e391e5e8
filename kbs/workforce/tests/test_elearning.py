"""The Level 2 e-learning: content loading, marking, progress, certificates, reminders, access and
every URL for every persona."""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.workforce import actions
from kbs.workforce.certificates import send_training_reminders
from kbs.workforce.course_content import LEVEL2_DIR, ContentError, load_course_content, read_course
from kbs.workforce.models import (
    Certificate,
    Module,
    ModuleProgress,
    Question,
    RecordSource,
    ReminderSent,
    TrainingRecord,
)
from kbs.workforce.tests.conftest import pdf_text, right_answers, wrong_answers


def _signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _assert_sign_in(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


# --- Content -----------------------------------------------------------------------------------------


def test_course_content_has_six_modules_each_with_pages_and_five_questions() -> None:
    specs = read_course()
    assert len(specs) == 6
    for spec in specs:
        assert 3 <= len(spec.pages) <= 5, spec.slug
        assert len(spec.questions) >= 5, spec.slug
        assert all(q.explanation for q in spec.questions)


def test_load_course_content_is_idempotent_and_keeps_progress(course: list[Module], cast: dict[str, User]) -> None:
    actions.record_page_read(by=cast["health_visitor"], module=course[0], page=1)
    question_ids = set(Question.objects.values_list("pk", flat=True))
    counts = load_course_content()
    assert counts == {"modules": 6, "questions": Question.objects.count()}
    assert [m.pk for m in actions.course_modules()] == [m.pk for m in course]
    assert set(Question.objects.values_list("pk", flat=True)) == question_ids
    assert ModuleProgress.objects.get(user=cast["health_visitor"]).pages_read == [1]


def test_load_course_content_command(db: Any, capsys: Any) -> None:
    call_command("load_course_content")
    assert "Loaded 6 modules" in capsys.readouterr().out
    assert Module.objects.filter(retired=False).count() == 6


def _write_modules(folder: Path, *, broken: str = "") -> None:
    for path in sorted(LEVEL2_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if broken and path.name.startswith("06"):
            text = text.replace("answer: 0", broken, 1)
        (folder / path.name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("broken", ["answer: 9", "answer: '0'", "answer: 0\n    extra: field"])
def test_invalid_content_file_loads_nothing(db: Any, tmp_path: Path, broken: str) -> None:
    _write_modules(tmp_path, broken=broken)
    with pytest.raises(ContentError, match="06-making-a-referral.yaml question"):
        load_course_content(tmp_path)
    assert Module.objects.count() == 0
    assert Question.objects.count() == 0


def test_content_refuses_html(db: Any, tmp_path: Path) -> None:
    _write_modules(tmp_path)
    path = tmp_path / "01-why-babies-are-vulnerable.yaml"
    path.write_text(path.read_text().replace("A baby cannot move", "<script>alert(1)</script> A baby cannot move"))
    with pytest.raises(ContentError, match="plain text"):
        read_course(tmp_path)


def test_module_removed_from_files_is_retired_not_deleted(course: list[Module], tmp_path: Path) -> None:
    _write_modules(tmp_path)
    (tmp_path / "06-making-a-referral.yaml").unlink()
    load_course_content(tmp_path)
    assert Module.objects.get(slug="making-a-referral").retired
    assert len(actions.course_modules()) == 5


def test_page_text_is_escaped_when_shown(course: list[Module], cast: dict[str, User], client: Client) -> None:
    module = course[0]
    module.pages[0]["blocks"][0]["text"] = "<b>bold</b>"
    module.save()
    page = _signed_in(client, cast["health_visitor"]).get(reverse("workforce:module_page", args=[module.slug, 1]))
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.content.decode()


# --- Marking and the pass mark --------------------------------------------------------------------


def test_all_right_scores_100_and_passes(course: list[Module], cast: dict[str, User]) -> None:
    result = actions.submit_knowledge_check(by=cast["health_visitor"], module=course[0], answers=right_answers(course[0]))
    assert (result.score, result.passed, result.wrong) == (100, True, [])
    progress = ModuleProgress.objects.get(user=cast["health_visitor"], module=course[0])
    assert progress.passed
    assert progress.completed_at is not None
    assert progress.best_score == 100


def test_wrong_answers_are_marked_with_explanations(course: list[Module], cast: dict[str, User]) -> None:
    module = course[0]
    count = module.questions.count()
    result = actions.submit_knowledge_check(by=cast["health_visitor"], module=module, answers=wrong_answers(module, 2))
    assert result.score == round(100 * (count - 2) / count)
    first = module.questions.order_by("order").first()
    assert first is not None
    assert result.wrong[0].explanation == first.explanation
    assert result.wrong[0].right_answer == first.choices[first.correct_index]


@pytest.mark.parametrize(("pass_mark", "passed"), [(80, True), (81, False), (100, False)])
def test_pass_mark_comes_from_the_setting(
    course: list[Module], cast: dict[str, User], settings: Any, pass_mark: int, passed: bool
) -> None:
    settings.KBS_L2_PASS_MARK = pass_mark
    module = course[0]
    Question.objects.filter(module=module, order__gt=5).delete()  # one wrong of five is 80%
    result = actions.submit_knowledge_check(by=cast["health_visitor"], module=module, answers=wrong_answers(module, 1))
    assert result.score == 80
    assert result.passed is passed


def test_default_pass_mark_is_80(settings: Any) -> None:
    del settings.KBS_L2_PASS_MARK
    assert actions.pass_mark() == 80


def test_retry_is_allowed_and_a_pass_stays_a_pass(course: list[Module], cast: dict[str, User]) -> None:
    user, module = cast["health_visitor"], course[1]
    first = actions.submit_knowledge_check(by=user, module=module, answers=wrong_answers(module, 4))
    assert not first.passed
    actions.submit_knowledge_check(by=user, module=module, answers=right_answers(module))
    actions.submit_knowledge_check(by=user, module=module, answers=wrong_answers(module, 5))
    progress = ModuleProgress.objects.get(user=user, module=module)
    assert (progress.attempts, progress.passed, progress.best_score) == (3, True, 100)
    assert progress.last_score is not None
    assert progress.last_score < 80


@pytest.mark.parametrize("how", ["missing", "bad choice", "extra"])
def test_incomplete_answers_are_refused_and_save_nothing(course: list[Module], cast: dict[str, User], how: str) -> None:
    module = course[0]
    answers = right_answers(module)
    first = next(iter(answers))
    if how == "missing":
        del answers[first]
    elif how == "bad choice":
        answers[first] = 7
    else:
        answers[999999] = 0
    with pytest.raises(actions.Refused):
        actions.submit_knowledge_check(by=cast["health_visitor"], module=module, answers=answers)
    assert not ModuleProgress.objects.exists()
    assert not AuditEvent.objects.filter(object_type="module").exists()


def test_check_view_marks_and_shows_explanations(course: list[Module], cast: dict[str, User], client: Client) -> None:
    module = course[0]
    answers = wrong_answers(module, 3)
    response = _signed_in(client, cast["health_visitor"]).post(
        reverse("workforce:check", args=[module.slug]), {f"q{k}": v for k, v in answers.items()}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not passed yet" in page
    for question in list(module.questions.order_by("order"))[:3]:
        assert question.explanation.split("'")[0][:40] in page
    assert "Try the knowledge check again" in page


def test_check_view_with_a_question_unanswered_shows_errors_and_saves_nothing(
    course: list[Module], cast: dict[str, User], client: Client
) -> None:
    module = course[0]
    answers = right_answers(module)
    answers.pop(next(iter(answers)))
    response = _signed_in(client, cast["health_visitor"]).post(
        reverse("workforce:check", args=[module.slug]), {f"q{k}": v for k, v in answers.items()}
    )
    assert response.status_code == 400
    assert "Answer question 1" in response.content.decode()
    assert not ModuleProgress.objects.exists()


# --- Progress ---------------------------------------------------------------------------------------


def test_progress_is_saved_page_by_page(course: list[Module], cast: dict[str, User], client: Client) -> None:
    module = course[0]
    pages = len(module.pages)
    client = _signed_in(client, cast["health_visitor"])
    response = client.post(reverse("workforce:module_page", args=[module.slug, 1]))
    assert response["Location"] == reverse("workforce:module_page", args=[module.slug, 2])
    assert ModuleProgress.objects.get(user=cast["health_visitor"], module=module).pages_read == [1]
    response = client.post(reverse("workforce:module_page", args=[module.slug, pages]))
    assert response["Location"] == reverse("workforce:check", args=[module.slug])
    assert ModuleProgress.objects.get(user=cast["health_visitor"], module=module).pages_read == [1, pages]
    overview = client.get(reverse("workforce:module", args=[module.slug])).content.decode()
    assert f"You have read 2 of {pages} pages" in overview
    assert f'href="{reverse("workforce:module_page", args=[module.slug, 2])}" draggable="false">Continue' in overview


def test_reading_a_page_that_does_not_exist_is_404(course: list[Module], cast: dict[str, User], client: Client) -> None:
    module = course[0]
    client = _signed_in(client, cast["health_visitor"])
    assert client.get(reverse("workforce:module_page", args=[module.slug, 99])).status_code == 404
    assert client.post(reverse("workforce:module_page", args=[module.slug, 0])).status_code == 404
    assert not ModuleProgress.objects.exists()


def test_course_overview_shows_progress(course: list[Module], cast: dict[str, User], client: Client) -> None:
    actions.submit_knowledge_check(by=cast["health_visitor"], module=course[0], answers=right_answers(course[0]))
    page = _signed_in(client, cast["health_visitor"]).get(reverse("workforce:elearning")).content.decode()
    assert "1 of 6 modules passed" in page
    assert "Passed" in page
    assert "Not started" in page


# --- Certificates ------------------------------------------------------------------------------------


def test_certificate_only_when_every_module_is_passed(course: list[Module], cast: dict[str, User]) -> None:
    user = cast["health_visitor"]
    for module in course[:-1]:
        result = actions.submit_knowledge_check(by=user, module=module, answers=right_answers(module))
        assert result.certificate is None
    last = course[-1]
    failed = actions.submit_knowledge_check(by=user, module=last, answers=wrong_answers(last, 3))
    assert failed.certificate is None
    assert not Certificate.objects.exists()
    with pytest.raises(actions.Refused):
        actions.issue_certificate(by=user, user=user)
    passed = actions.submit_knowledge_check(by=user, module=last, answers=right_answers(last))
    assert passed.certificate is not None
    assert Certificate.objects.count() == 1
    # Passing a module again does not issue a second certificate.
    actions.submit_knowledge_check(by=user, module=last, answers=right_answers(last))
    assert Certificate.objects.count() == 1


def test_certificate_expires_three_years_later_with_a_training_record(
    pass_all: Callable[[User], actions.CheckResult], cast: dict[str, User]
) -> None:
    certificate = pass_all(cast["health_visitor"]).certificate
    assert certificate is not None
    today = timezone.localdate()
    assert certificate.issued_on == today
    assert certificate.expires_on == actions.add_years(today, 3)
    record = TrainingRecord.objects.get(certificate=certificate)
    assert (record.level, record.source, record.expires_on, record.score) == (2, RecordSource.KBS, certificate.expires_on, 100)
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="certificate").count() == 1


def test_add_years_handles_29_february() -> None:
    assert actions.add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert actions.add_years(date(2024, 3, 1), 3) == date(2027, 3, 1)


def test_certificate_pdf_text(pass_all: Callable[[User], actions.CheckResult], cast: dict[str, User], client: Client) -> None:
    user = cast["health_visitor"]
    certificate = pass_all(user).certificate
    assert certificate is not None
    response = _signed_in(client, user).get(reverse("workforce:certificate", args=[certificate.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    issued = f"{certificate.issued_on.day} {certificate.issued_on:%B %Y}"
    expires = f"{certificate.expires_on.day} {certificate.expires_on:%B %Y}"
    assert f"certify that {user.get_full_name()} has completed" in text
    assert "Protecting Babies from Harm" in text
    assert "Level 2 e-learning" in text
    assert f"Date completed {issued}" in text
    assert f"Refresher due by {expires}" in text
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(certificate.public_id), actor=user).count() == 1


def test_certificate_is_the_holders_and_the_training_leads_only(
    pass_all: Callable[[User], actions.CheckResult], cast: dict[str, User], training_lead: User, client: Client
) -> None:
    certificate = pass_all(cast["health_visitor"]).certificate
    assert certificate is not None
    url = reverse("workforce:certificate", args=[certificate.public_id])
    for name in ["midwife", "lead", "analyst", "outsider"]:
        client.force_login(cast[name])
        assert client.get(url).status_code == 404, name
    assert client.get(reverse("workforce:certificate", args=["not-a-uuid"])).status_code == 404
    client.force_login(training_lead)
    assert client.get(url).status_code == 200
    client.force_login(cast["admin"])
    assert client.get(url).status_code == 200


def test_refresher_opens_60_days_before_expiry_and_clears_progress(
    pass_all: Callable[[User], actions.CheckResult], cast: dict[str, User], client: Client
) -> None:
    user = cast["health_visitor"]
    certificate = pass_all(user).certificate
    assert certificate is not None
    client = _signed_in(client, user)
    client.post(reverse("workforce:refresher"))
    assert ModuleProgress.objects.filter(user=user).count() == 6  # not yet open: nothing cleared
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_on=timezone.localdate() - timedelta(days=1000), expires_on=timezone.localdate() + timedelta(days=30)
    )
    assert "Start the refresher" in client.get(reverse("workforce:elearning")).content.decode()
    client.post(reverse("workforce:refresher"))
    assert not ModuleProgress.objects.filter(user=user).exists()
    assert Certificate.objects.filter(user=user).count() == 1


# --- Reminders ---------------------------------------------------------------------------------------


def _record(user: User, expires_in: int, **extra: Any) -> TrainingRecord:
    today = timezone.localdate()
    return TrainingRecord.objects.create(
        user=user, course_code=extra.pop("course_code", "L2-PBFH"), level=extra.pop("level", 2),
        completed_on=today - timedelta(days=900), expires_on=today + timedelta(days=expires_in),
        source=RecordSource.IMPORT, **extra,
    )


def test_reminders_go_60_and_14_days_before_once_each(cast: dict[str, User]) -> None:
    record = _record(cast["health_visitor"], 60)
    today = timezone.localdate()
    assert send_training_reminders(today=today).sent == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hv-harriet@example.nhs.uk"]
    assert "expires on" in mail.outbox[0].body
    assert send_training_reminders(today=today).sent == 0
    assert send_training_reminders(today=today + timedelta(days=30)).sent == 0
    assert send_training_reminders(today=today + timedelta(days=46)).sent == 1
    assert send_training_reminders(today=today + timedelta(days=50)).sent == 0
    assert len(mail.outbox) == 2
    assert sorted(ReminderSent.objects.filter(record=record).values_list("days_before", flat=True)) == [14, 60]


def test_late_run_sends_only_the_nearer_reminder(cast: dict[str, User]) -> None:
    _record(cast["health_visitor"], 10)
    assert send_training_reminders().sent == 1
    assert list(ReminderSent.objects.values_list("days_before", flat=True)) == [14]
    assert send_training_reminders().sent == 0


def test_no_reminder_when_renewed_expired_too_far_off_or_account_closed(cast: dict[str, User]) -> None:
    _record(cast["health_visitor"], 30)
    _record(cast["health_visitor"], 1000)  # renewed
    _record(cast["midwife"], 61)
    _record(cast["midwife"], 0, course_code="L3-KBS", level=3)
    _record(cast["police"], 20)
    User.objects.filter(pk=cast["police"].pk).update(is_active=False)
    assert send_training_reminders().sent == 0
    assert mail.outbox == []


def test_reminders_command(cast: dict[str, User], capsys: Any) -> None:
    _record(cast["health_visitor"], 14)
    call_command("send_training_reminders")
    assert "Sent 1 training reminders" in capsys.readouterr().out
    assert len(mail.outbox) == 1


# --- Access: whose training can be seen ---------------------------------------------------------------


def test_practitioner_sees_only_their_own_progress(course: list[Module], cast: dict[str, User], client: Client) -> None:
    hv, midwife = cast["health_visitor"], cast["midwife"]
    client = _signed_in(client, hv)
    assert client.get(reverse("workforce:person", args=[hv.pk])).status_code == 200
    assert client.get(reverse("workforce:person", args=[midwife.pk])).status_code == 404
    assert client.get(reverse("workforce:person", args=[999999])).status_code == 404
    assert client.get(reverse("workforce:people")).status_code == 404


def test_training_lead_sees_everyones_progress_and_it_is_audited(
    course: list[Module], cast: dict[str, User], training_lead: User, client: Client
) -> None:
    hv = cast["health_visitor"]
    actions.submit_knowledge_check(by=hv, module=course[0], answers=right_answers(course[0]))
    client = _signed_in(client, training_lead)
    people = client.get(reverse("workforce:people"), {"q": "harriet"}).content.decode()
    assert reverse("workforce:person", args=[hv.pk]) in people
    page = client.get(reverse("workforce:person", args=[hv.pk]))
    assert page.status_code == 200
    assert "1 of 6 modules passed" in page.content.decode()
    assert AuditEvent.objects.filter(actor=training_lead, action=Action.VIEW, object_type="user", object_id=str(hv.pk)).exists()


# --- Every URL, every persona ----------------------------------------------------------------------


STAFF = ["health_visitor", "lead", "midwife", "police", "analyst", "admin"]


def _urls(module: Module) -> dict[str, str]:
    return {
        "home": reverse("workforce:home"),
        "elearning": reverse("workforce:elearning"),
        "module": reverse("workforce:module", args=[module.slug]),
        "page": reverse("workforce:module_page", args=[module.slug, 1]),
        "check": reverse("workforce:check", args=[module.slug]),
        "champions": reverse("workforce:champions"),
        "confidence": reverse("workforce:confidence"),
        "rate": reverse("workforce:rate", args=["L2-PBFH", "before"]),
    }


@pytest.mark.parametrize("persona", [*STAFF, "training_lead"])
def test_every_learner_page_opens_for_staff(
    course: list[Module], cast: dict[str, User], training_lead: User, client: Client, persona: str
) -> None:
    user = training_lead if persona == "training_lead" else cast[persona]
    client.force_login(user)
    for name, url in _urls(course[0]).items():
        assert client.get(url).status_code == 200, (persona, name)
    assert client.get(reverse("workforce:person", args=[user.pk])).status_code == 200


def test_every_page_is_404_for_someone_with_no_role(course: list[Module], cast: dict[str, User], client: Client) -> None:
    client.force_login(cast["outsider"])
    for name, url in _urls(course[0]).items():
        assert client.get(url).status_code == 404, name
    assert client.post(reverse("workforce:module_page", args=[course[0].slug, 1])).status_code == 404
    assert client.post(reverse("workforce:refresher")).status_code == 404
    assert not ModuleProgress.objects.exists()


def test_every_page_sends_anonymous_people_to_sign_in(course: list[Module], client: Client) -> None:
    for url in [*_urls(course[0]).values(), reverse("workforce:people"), reverse("workforce:person", args=[1]),
                reverse("workforce:manage_champions"), reverse("workforce:my_briefings"),
                reverse("workforce:briefings", args=[1]),
                reverse("workforce:certificate", args=["00000000-0000-0000-0000-000000000000"])]:
        _assert_sign_in(client.get(url))
    _assert_sign_in(client.post(reverse("workforce:refresher")))
    _assert_sign_in(client.post(reverse("workforce:remove_champion", args=[1])))


@pytest.mark.parametrize("persona", STAFF)
def test_training_lead_pages_are_404_for_others(
    course: list[Module], cast: dict[str, User], client: Client, persona: str
) -> None:
    client.force_login(cast[persona])
    expected = 200 if persona == "admin" else 404  # administrators also manage training
    assert client.get(reverse("workforce:people")).status_code == expected
    assert client.get(reverse("workforce:manage_champions")).status_code == expected


def test_unknown_module_is_404(course: list[Module], cast: dict[str, User], client: Client) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(reverse("workforce:module", args=["no-such-module"])).status_code == 404
    assert client.get(reverse("workforce:check", args=["no-such-module"])).status_code == 404


def test_training_in_the_navigation(course: list[Module], cast: dict[str, User], training_lead: User, client: Client) -> None:
    link = f'href="{reverse("workforce:home")}"'
    for user, shown in [(cast["health_visitor"], True), (cast["analyst"], True), (training_lead, True),
                        (cast["outsider"], False)]:
        client.force_login(user)
        page = client.get(reverse("core:privacy")).content.decode()
        assert (link in page) is shown, user
