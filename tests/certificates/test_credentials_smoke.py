import pytest
from tests.certificates.conftest import make_certificate
from lijiao.certificates.services import credentials as services

pytestmark = pytest.mark.django_db

def test_smoke(social_body, city_admin):
    c = make_certificate(body=social_body)
    pdf = services.print_certificate(actor=city_admin, certificate=c)
    open("/tmp/cred-one.pdf","wb").write(pdf)
    e = services.export_credential(actor=city_admin, certificate=c)
    print(e.jwt[:80])
    s = services.status_list(7)
    print(len(s.jwt), s.etag)
