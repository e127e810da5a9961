"""Certificates API schemas, one module per concern."""
