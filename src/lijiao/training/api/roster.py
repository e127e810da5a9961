"""Roster import API (placeholder: being written)."""

from ninja import Router

router = Router()
