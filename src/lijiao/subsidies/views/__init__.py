"""Subsidy screens: each views module declares its own ``urlpatterns``."""
