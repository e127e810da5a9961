"""Certificates API: verification (filled in by its owner)."""

from ninja import Router

router = Router()
