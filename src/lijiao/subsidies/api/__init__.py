"""Subsidies API: one router per concern, assembled here."""

from ninja import Router

router = Router()
