"""The bureau's entry of a year's holiday arrangement (P8, ADR 0011): service, form and screens.

The model lives in core (:class:`lijiao.core.models.HolidayArrangement`, read by :mod:`lijiao.core.calendar`);
the audited writes live here, the lowest app that may record audit events.
"""
