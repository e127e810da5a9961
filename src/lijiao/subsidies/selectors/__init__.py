"""Subsidy reads, already scoped to what the user may see."""
