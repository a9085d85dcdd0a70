"""URLs of the data in and out API, mounted under /api/v1/."""

from django.urls import path

from opencorpo.dataio import views

C = "models/<str:model>/cubes/<str:cube>"
urlpatterns = [
    path(f"{C}/imports/", views.ImportListView.as_view(), name="import-list"),
    path(f"{C}/mappings/", views.MappingListView.as_view(), name="mapping-list"),
    path(f"{C}/exports/", views.ExportView.as_view(), name="export"),
    path(f"{C}/templates/", views.TemplateUploadView.as_view(), name="template-upload"),
    path(
        "models/<str:model>/dimensions/<str:dimension>/import",
        views.MemberImportView.as_view(),
        name="member-import",
    ),
    path("models/<str:model>/imports/<str:batch>", views.ImportDetailView.as_view(), name="import-detail"),
    path("models/<str:model>/imports/<str:batch>/undo", views.ImportUndoView.as_view(), name="import-undo"),
]
