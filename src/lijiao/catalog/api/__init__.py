"""Catalog API (SPEC C2): the published catalog for everyone, edition editing for catalog staff.

Reads go through :mod:`lijiao.catalog.selectors` (the public never sees a draft: a draft's id answers 404,
exactly like an unknown id). Writes go through :mod:`lijiao.catalog.services`, which check permissions
(403), states (409) and values (400 with field errors). Money is a string with two decimals (``"1500.00"``)
both ways; amounts sent as JSON numbers with a fraction are refused rather than rounded through a float.
"""

from lijiao.catalog.api.common import router

# isort: off
# The modules add their operations to one router in this order (GET /editions/in-force before GET /editions/{edition_id}).
from lijiao.catalog.api.editions import (
    list_editions,
    edition_in_force,
    get_edition,
    edition_diff,
    create_edition,
    copy_edition,
    update_edition,
    delete_edition,
    publish_edition,
)
from lijiao.catalog.api.items import list_items, get_item, add_item, update_item, delete_item
from lijiao.catalog.api.files import (
    XLSX_CONTENT_TYPE,
    PDF_CONTENT_TYPE,
    export_xlsx,
    export_pdf,
    export_diff_xlsx,
    import_items,
)
from lijiao.catalog.api.classifications import list_categories, list_occupations, list_special_items
# isort: on


__all__ = [
    "PDF_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "add_item",
    "copy_edition",
    "create_edition",
    "delete_edition",
    "delete_item",
    "edition_diff",
    "edition_in_force",
    "export_diff_xlsx",
    "export_pdf",
    "export_xlsx",
    "get_edition",
    "get_item",
    "import_items",
    "list_categories",
    "list_editions",
    "list_items",
    "list_occupations",
    "list_special_items",
    "publish_edition",
    "router",
    "update_edition",
    "update_item",
]
