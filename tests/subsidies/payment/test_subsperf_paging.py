"""The public 公示 detail paged (100 a page; the exports stay complete; the objection names the claim by its
number) and the batch detail API's lines by limit/offset (issue 12, subsperf)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lijiao.accounts.models import User
from lijiao.subsidies.models import Claim, ClaimStatus, Objection
from lijiao.subsidies.views import publicity as publicity_views
from tests.certificates.conftest import make_person
from tests.subsidies.payment.conftest import make_claim, make_publicity

pytestmark = pytest.mark.django_db
API = "/api/v1/subsidies"


@pytest.fixture
def three(reviewer2: User) -> tuple[str, list[Claim]]:
    today = timezone.localdate()
    notice = make_publicity(
        reviewer2, starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=3)
    )
    claims = [
        make_claim(make_person(name), status=ClaimStatus.PUBLICITY, publicity=notice, amount="1350.00")
        for name in ("张小三", "李小四", "王小五")
    ]
    return notice.number, claims


def test_public_detail_is_paged_and_exports_stay_complete(
    client: Client, three: tuple[str, list[Claim]], monkeypatch: pytest.MonkeyPatch
) -> None:
    number, claims = three
    monkeypatch.setattr(publicity_views, "PUBLIC_PAGE_SIZE", 2)
    url = f"/subsidies/publicity/{number}/"
    first = client.get(url).content.decode()
    second = client.get(f"{url}?page=2").content.decode()
    assert claims[0].number in first and claims[1].number in first and claims[2].number not in first
    assert claims[2].number in second and claims[0].number not in second
    assert '<td data-label="序号">3</td>' in second  # numbered through the notice, not the page
    for page in (first, second):
        assert "共 3 人，合计 4050.00 元" in page
    assert "?page=2" in first
    xlsx = client.get(f"{url}export.xlsx")
    content = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert all(any(c.number in str(cell) for r in rows for cell in r) for c in claims)


def test_public_objection_by_number(client: Client, three: tuple[str, list[Claim]]) -> None:
    number, claims = three
    url = f"/subsidies/publicity/{number}/"
    assert f'value="{claims[2].number}"' in client.get(f"{url}?claim={claims[2].number}").content.decode()
    unknown = client.post(url, {"claim_number": "BT2099000001", "text": "此人并未参加培训"})
    assert unknown.status_code == 200 and "异议对象不存在" in unknown.content.decode()
    assert not Objection.objects.exists()
    ok = client.post(url, {"claim_number": claims[2].number.lower(), "text": "此人并未参加培训"})
    assert ok.status_code == 302 and Objection.objects.get().claim_id == claims[2].pk


def test_batch_detail_api_pages_its_lines(client: Client, finance: User) -> None:
    claims = [make_claim(amount="1000.00"), make_claim(amount="250.00")]
    client.force_login(finance)
    created = client.post(f"{API}/payment/batches", json.dumps({}), content_type="application/json").json()
    batch_id = created["batch"]["id"]
    whole = client.get(f"{API}/payment/batches/{batch_id}").json()
    assert [line["claim_number"] for line in whole["lines"]] == [c.number for c in claims]
    first = client.get(f"{API}/payment/batches/{batch_id}?limit=1").json()
    second = client.get(f"{API}/payment/batches/{batch_id}?limit=1&offset=1").json()
    assert first["line_count"] == 2 and [line["claim_number"] for line in first["lines"]] == [
        claims[0].number
    ]
    assert [line["claim_number"] for line in second["lines"]] == [claims[1].number]
    assert client.get(f"{API}/payment/batches/{batch_id}?offset=5").json()["lines"] == []
    assert client.get(f"{API}/payment/batches/{batch_id}?limit=0").status_code == 422
    deep = client.get(f"{API}/payment/batches/{batch_id}?offset=10001")
    assert deep.status_code == 422 and deep.json()["code"] == "offset_too_deep"


def test_claim_search_by_name_prefix_ignores_case_for_latin_names(client: Client, finance: User) -> None:
    from lijiao.subsidies.filters import ClaimFilterSet

    anna = make_claim(make_person("Anna Petrova"))
    wang = make_claim(make_person("王小明"))

    def found(q: str) -> set[str]:
        return {c.number for c in ClaimFilterSet({"q": q}, queryset=Claim.objects.all()).qs}

    assert found("anna") == found("ANNA P") == {anna.number}
    assert found("王") == found("王小明") == {wang.number}
    assert found("小明") == found("petrova") == set()  # a prefix, not a substring
