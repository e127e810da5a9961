"""Schemas of the certificates API, one module per concern."""
