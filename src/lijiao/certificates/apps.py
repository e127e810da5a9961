from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "lijiao.certificates"
    label = "certificates"
    verbose_name = "证书"
