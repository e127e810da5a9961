"""Subsidy writes: each use case one service (keyword-only arguments, an explicit actor, atomic, audited)."""
