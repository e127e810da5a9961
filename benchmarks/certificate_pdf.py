"""Time to render a class's batch of printed certificates (ADR 0019): N pages, each with its own QR code, in one PDF.

Usage: ``.venv/bin/python benchmarks/certificate_pdf.py [N]`` (default 500). Renders what
``certificates:class_certificates_pdf`` renders after its one query (no database needed), and also signs N
credentials. ``batch_pdf_seconds`` is importable (``benchmarks/verify_load.py`` prints it beside its figures).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lijiao.test_settings")

import django

django.setup()

from lijiao.certificates import signing, vc  # noqa: E402
from lijiao.certificates.printing import PrintedCertificate, certificates_pdf  # noqa: E402
from lijiao.certificates.vc import CertificateFacts, Issuer  # noqa: E402
from lijiao.core.pdf import pdf_font  # noqa: E402

ISSUER = Issuer(base_url="https://px.example.gov.cn", name="大连市人力资源和社会保障局")


def pages(count: int) -> list[PrintedCertificate]:
    return [
        PrintedCertificate(
            facts=CertificateFacts(
                number=f"S000121210201254{n:06d}",
                certificate_type="skill_level",
                type_name="职业技能等级证书",
                holder_name=f"学员{n:03d}",
                subject_name="电工",
                subject_code="6-31-01-03",
                occupation="电工",
                work_type="",
                level=4,
                level_name="四级/中级工",
                evaluating_body="大连市职业技能鉴定指导中心",
                issuer_name="大连市职业技能鉴定指导中心",
                issued_on=dt.date(2025, 6, 30),
                status_index=n,
                verification_token=f"bench-token-{n:010d}",
            ),
            masked_citizen_id="2102**********0038",
        )
        for n in range(count)
    ]


def batch_pdf_seconds(count: int = 500) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds to render ``count`` certificates as one PDF (the font already loaded), and the
    file's size. On a shared machine the CPU time is what the render costs; the wall clock adds the waiting."""
    pdf_font()
    batch = pages(count)
    started, cpu = time.perf_counter(), time.process_time()
    data = certificates_pdf(batch, ISSUER, title="benchmark", printed_at="2025-07-01 09:00")
    return time.perf_counter() - started, time.process_time() - cpu, len(data)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    seconds, cpu, size = batch_pdf_seconds(count)
    print(
        f"batch PDF: {count} certificates in {seconds:.2f} s wall clock, {cpu:.2f} s CPU "
        f"({cpu / count * 1000:.1f} ms each), {size / 1024 / 1024:.1f} MiB"
    )
    key = signing.signing_key()
    started = time.perf_counter()
    for page in pages(count):
        vc.sign(vc.credential(page.facts, ISSUER), key=key.key, kid=key.kid)
    signed = time.perf_counter() - started
    print(f"credentials: {count} signed in {signed:.2f} s ({signed / count * 1000:.2f} ms each)")
    started = time.perf_counter()
    vc.encode_bits(range(0, vc.STATUS_LIST_SIZE, 7))
    print(
        f"status list: {vc.STATUS_LIST_SIZE} bits encoded in {(time.perf_counter() - started) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
