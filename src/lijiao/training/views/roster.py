"""Roster import screens (placeholder: being written)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
