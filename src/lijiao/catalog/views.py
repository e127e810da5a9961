"""Catalog screens (placeholder: being written)."""

from django.http import HttpRequest, HttpResponse


def public_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("catalog")


def public_editions(request: HttpRequest) -> HttpResponse:
    return HttpResponse("editions")


def manage_editions(request: HttpRequest) -> HttpResponse:
    return HttpResponse("manage")
