"""Roster error reports on disk (issue 9, Security 7) and decision records a killed import leaves (Security 8;
ADR 0007): IDs masked, owner-only files, deleted after the retention, served only within the import's scope."""

from __future__ import annotations

import datetime as dt
import io
import stat
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lijiao.core.decisions import decision_digest, purge_orphan_decisions, store_decisions
from lijiao.core.importing.jobs import purge_import_reports
from lijiao.core.models import DecisionRecord, ImportJob
from lijiao.core.pii import PIIKind, mask
from lijiao.training.models import Enrollment
from tests.training.test_roster_import import cid, row, run, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _report_rows(job: ImportJob) -> list[list[Any]]:
    with job.report.open("rb") as handle:
        data = handle.read()
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_the_report_keeps_no_full_id_or_phone(approved_class, provider_staff) -> None:
    bad_id, good_id = cid(), cid()
    result = run(
        provider_staff,
        approved_class,
        xlsx([row("张三", good_id, "13812345678"), row("", bad_id, "13912345678"), row("李四", "12345")]),
    )
    job = ImportJob.objects.get(pk=result.job_id)
    rows = _report_rows(job)
    text = repr(rows)
    assert bad_id not in text and "13912345678" not in text
    assert mask(PIIKind.CITIZEN_ID, bad_id) in text and "139****5678" in text
    numbers = {r[-3]: r for r in rows[1:]}
    assert set(numbers) == {3.0, 4.0}  # the row number and the masked ID find the row in the clerk's file
    assert all(bad_id not in repr(e.values) for e in result.errors)


def test_report_files_are_owner_only(approved_class, provider_staff) -> None:
    result = run(provider_staff, approved_class, xlsx([row("", cid())]))
    path = Path(ImportJob.objects.get(pk=result.job_id).report.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_reports_are_deleted_after_the_retention(approved_class, provider_staff, settings: Any) -> None:
    settings.IMPORT_REPORT_RETENTION_DAYS = 30
    old = ImportJob.objects.get(pk=run(provider_staff, approved_class, xlsx([row("", cid())])).job_id)
    young = ImportJob.objects.get(pk=run(provider_staff, approved_class, xlsx([row("", cid())])).job_id)
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    ImportJob.objects.filter(pk=young.pk).update(finished_at=timezone.now() - dt.timedelta(days=29))
    old_path, young_path = Path(old.report.path), Path(young.report.path)

    assert purge_import_reports() == 1

    assert not old_path.exists() and young_path.exists()
    old.refresh_from_db()
    assert not old.report and old.status == ImportJob.Status.FAILED and old.error_count == 1  # the job stays
    assert purge_import_reports() == 0


def test_the_purge_command_deletes_old_reports(approved_class, provider_staff) -> None:
    job = ImportJob.objects.get(pk=run(provider_staff, approved_class, xlsx([row("", cid())])).job_id)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=400))
    out = io.StringIO()
    call_command("purge_import_reports", stdout=out)
    assert "已删除 1 份" in out.getvalue()
    assert not Path(job.report.path).exists()


def _get(user: Any, url: str) -> int:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def test_reports_are_served_only_within_the_imports_scope(
    approved_class, provider_staff, other_provider_staff, clerk, clerk_elsewhere, city_admin, make_user
) -> None:
    from lijiao.accounts.roles import Role

    job_id = run(provider_staff, approved_class, xlsx([row("", cid())])).job_id
    url = f"/training/import-jobs/{job_id}/report.xlsx"
    colleague = make_user(Role.PROVIDER_STAFF, provider=approved_class.provider)
    assert _get(provider_staff, url) == 200
    assert _get(colleague, url) == 200  # the provider's staff
    assert _get(clerk, url) == 200  # the bureau's staff whose area covers the class
    assert _get(city_admin, url) == 200  # city-wide
    assert _get(other_provider_staff, url) == 404
    assert _get(clerk_elsewhere, url) == 404
    assert _get(None, url) == 302
    # a user who started the import but has since left the provider no longer reads it
    provider_staff.provider = other_provider_staff.provider
    provider_staff.save(update_fields=["provider"])
    assert _get(provider_staff, url) == 404


def test_reports_have_no_media_url(approved_class, provider_staff, settings: Any) -> None:
    job = ImportJob.objects.get(pk=run(provider_staff, approved_class, xlsx([row("", cid())])).job_id)
    assert (
        _get(provider_staff, f"/{settings.MEDIA_URL.strip('/')}/{job.report.name}".replace("//", "/")) == 404
    )


# --- decision records left by a killed import (Security 8) -----------------------------------------------------


def test_orphan_decisions_left_by_a_killed_import_are_purged(approved_class, provider_staff) -> None:
    result = run(provider_staff, approved_class, xlsx([row("张三")]))
    assert result.ok
    kept = Enrollment.objects.get().eligibility_decision_id
    # A killed stream import: its checking thread stored the batch's decisions (committed on their own), then the
    # process died before the writer's transaction committed the enrollments pointing at them.
    orphan_id, young_id = store_decisions([{"outcome": "killed", "n": 1}, {"outcome": "killed", "n": 2}])
    day_ago = timezone.now() - dt.timedelta(hours=25)
    DecisionRecord.objects.filter(pk__in=[orphan_id, kept]).update(created_at=day_ago)

    assert purge_orphan_decisions() == 1

    assert set(DecisionRecord.objects.values_list("pk", flat=True)) == {kept, young_id}
    assert Enrollment.objects.get().eligibility_decision_id == kept
    # the next import storing the same decision again simply gets a new row
    assert store_decisions([{"outcome": "killed", "n": 1}])[0] != orphan_id
    assert DecisionRecord.objects.filter(digest=decision_digest({"outcome": "killed", "n": 1})).exists()


def test_a_killed_import_leaves_no_enrollment_and_its_decisions_are_purged(
    approved_class, provider_staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kill itself: the process dies (BaseException) right after the batch's decisions were stored."""
    from lijiao.training.roster_import import writing

    stored = writing.RosterWrites.stored_decisions

    class Killed(BaseException):
        pass

    def stored_then_killed(self: Any) -> list[int]:
        stored(self)
        store_decisions([{"outcome": "committed on its own", "by": "stream checking thread"}])
        raise Killed

    monkeypatch.setattr(writing.RosterWrites, "stored_decisions", stored_then_killed)
    with pytest.raises(Killed):
        run(provider_staff, approved_class, xlsx([row("张三")]))
    assert not Enrollment.objects.exists()
    DecisionRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    purge_orphan_decisions()
    assert not DecisionRecord.objects.exists()
