"""``lijiao.core.links.pk_url``: the URL ``reverse()`` gives, reversing the pattern once."""

from django.urls import reverse

from lijiao.core.links import pk_url


def test_pk_url_equals_reverse() -> None:
    detail = pk_url("training:class_detail")
    for pk in (1, 42, 987654321987654321, 10**20):
        assert detail(pk) == reverse("training:class_detail", args=[pk])
    certificate = pk_url("certificates:certificate_detail")
    assert certificate(7) == reverse("certificates:certificate_detail", args=[7])
