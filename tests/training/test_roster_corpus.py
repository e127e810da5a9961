"""The roster corpus (``tests/fixtures/rosters``): files made the way clerks make them — by LibreOffice Calc and
by xlsxwriter — each imported as a provider's staff would, and compared with ``manifest.json``: the rows
imported and the columns ignored, or exactly which rows fail and why (then nothing is written), or the one
file-level error. Runs on whichever database the suite runs on (SQLite, and PostgreSQL in ``make test``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lijiao.core.errors import DomainError
from lijiao.core.models import ImportJob
from lijiao.people.models import Person
from lijiao.training.models import Enrollment, TrainingClass
from lijiao.training.roster_import import import_roster

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "rosters"
MANIFEST: list[dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def test_the_corpus_is_large_and_varied() -> None:
    suffixes = {Path(entry["file"]).suffix for entry in MANIFEST}
    assert len(MANIFEST) >= 20 and suffixes == {".xlsx", ".xls", ".ods", ".csv"}
    assert sum("libreoffice" in entry["file"] for entry in MANIFEST) >= 6
    assert {entry["file"] for entry in MANIFEST} == {p.name for p in CORPUS.iterdir() if p.name[:2].isdigit()}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_roster_file_as_clerks_make_it(entry: dict[str, Any], approved_class, provider_staff) -> None:
    TrainingClass.objects.filter(pk=approved_class.pk).update(capacity=100)
    path = CORPUS / entry["file"]
    if "file_error" in entry:
        with pytest.raises(DomainError) as info:
            import_roster(actor=provider_staff, training_class=approved_class, file_name=path.name, data=path)
        assert info.value.code == entry["file_error"]
        assert entry["message"] in info.value.message
        assert not Person.objects.exists() and not ImportJob.objects.exists()
        return
    result = import_roster(
        actor=provider_staff, training_class=approved_class, file_name=path.name, data=path
    )
    assert result.ignored_columns == entry["ignored"]
    if entry["ignored"]:
        assert "已忽略的列：" + "、".join(entry["ignored"]) in result.message
    if "imported" in entry:
        assert result.ok, [(e.row_number, e.column, e.message) for e in result.errors]
        assert result.imported_rows == entry["imported"]
        assert Enrollment.objects.filter(training_class=approved_class).count() == entry["imported"]
        for code in entry.get("education", {}).values():
            assert Person.objects.filter(education=code).exists(), code
        return
    assert not result.ok
    got = [(e.row_number, e.column) for e in result.errors]
    assert got == [(row, column) for row, column, _fragment in entry["errors"]]
    for error, (_row, _column, fragment) in zip(result.errors, entry["errors"], strict=True):
        assert fragment in error.message, error.message
    assert not Person.objects.exists() and not Enrollment.objects.exists()
    assert ImportJob.objects.get(pk=result.job_id).status == ImportJob.Status.FAILED
