from django.urls import path

from lijiao.catalog import views

app_name = "catalog"
urlpatterns = [
    # Public
    path("", views.public_list, name="public_list"),
    path("editions/", views.public_editions, name="public_editions"),
    path("editions/<int:edition_id>/", views.edition_detail, name="edition_detail"),
    path("editions/<int:edition_id>/export.xlsx", views.edition_export_xlsx, name="edition_export_xlsx"),
    path("editions/<int:edition_id>/export.pdf", views.edition_export_pdf, name="edition_export_pdf"),
    path("editions/<int:old_id>/diff/<int:new_id>/", views.edition_diff, name="edition_diff"),
    path(
        "editions/<int:old_id>/diff/<int:new_id>/export.xlsx", views.diff_export_xlsx, name="diff_export_xlsx"
    ),
    # Catalog officers
    path("manage/", views.manage_editions, name="manage_editions"),
    path("manage/new/", views.manage_create, name="manage_create"),
    path("manage/start-from-current/", views.manage_start_from, name="manage_start_from"),
    path("manage/import-template.xlsx", views.import_template, name="import_template"),
    path("manage/imports/<int:job_id>/report.xlsx", views.import_report, name="import_report"),
    path("manage/<int:edition_id>/", views.manage_edition, name="manage_edition"),
    path("manage/<int:edition_id>/header/", views.manage_update, name="manage_update"),
    path("manage/<int:edition_id>/delete/", views.manage_delete, name="manage_delete"),
    path("manage/<int:edition_id>/items/add/", views.manage_item_add, name="manage_item_add"),
    path(
        "manage/<int:edition_id>/items/<int:item_id>/edit/", views.manage_item_edit, name="manage_item_edit"
    ),
    path(
        "manage/<int:edition_id>/items/<int:item_id>/remove/",
        views.manage_item_remove,
        name="manage_item_remove",
    ),
    path("manage/<int:edition_id>/import/", views.manage_import, name="manage_import"),
    path("manage/<int:edition_id>/publish/", views.manage_publish, name="manage_publish"),
]
