"""URLs of the planning API, mounted under /api/v1/."""

from django.urls import path

from opencorpo.accounts import grants, model_roles
from opencorpo.planning import actions, views

M = "models/<str:model>"
D = f"{M}/dimensions/<str:dimension>"
urlpatterns = [
    path("models/", views.ModelListView.as_view(), name="model-list"),
    path(f"{M}", views.ModelDetailView.as_view(), name="model-detail"),
    path(f"{M}/dimensions/", views.DimensionListView.as_view(), name="dimension-list"),
    path(f"{D}", views.DimensionDetailView.as_view(), name="dimension-detail"),
    path(f"{D}/members/", views.MemberListView.as_view(), name="member-list"),
    path(f"{D}/members/bulk", views.MembersBulkView.as_view(), name="member-bulk"),
    path(f"{D}/members/<str:code>", views.MemberDetailView.as_view(), name="member-detail"),
    path(f"{M}/cubes/", views.CubeListView.as_view(), name="cube-list"),
    path(f"{M}/cubes/<str:cube>", views.CubeDetailView.as_view(), name="cube-detail"),
    path(f"{M}/cubes/<str:cube>/query", views.GridQueryView.as_view(), name="cube-query"),
    path(f"{M}/cubes/<str:cube>/cells", views.CellsWriteView.as_view(), name="cube-cells"),
    path(f"{M}/cubes/<str:cube>/history", views.CellHistoryView.as_view(), name="cube-history"),
    path(f"{M}/cubes/<str:cube>/spread", actions.SpreadView.as_view(), name="cube-spread"),
    path(f"{M}/cubes/<str:cube>/explain", actions.ExplainView.as_view(), name="cube-explain"),
    path(f"{M}/cubes/<str:cube>/diff", actions.VersionDiffView.as_view(), name="cube-diff"),
    path(f"{M}/versions/copy", actions.VersionCopyView.as_view(), name="version-copy"),
    path(f"{M}/versions/branch", actions.VersionBranchView.as_view(), name="version-branch"),
    path(f"{M}/versions/<str:code>/merge", actions.VersionMergeView.as_view(), name="version-merge"),
    path(f"{M}/allocations/", actions.AllocationListView.as_view(), name="allocation-list"),
    path(f"{M}/allocations/<str:code>/run", actions.AllocationRunView.as_view(), name="allocation-run"),
    path(f"{M}/rates/", actions.RateListView.as_view(), name="rate-list"),
    path(f"{M}/roles/", model_roles.ModelRoleListView.as_view(), name="model-role-list"),
    path(f"{M}/roles/<int:role_id>", model_roles.ModelRoleDetailView.as_view(), name="model-role-detail"),
    path(f"{M}/grants/", grants.GrantListView.as_view(), name="grant-list"),
    path(f"{M}/grants/<int:grant_id>", grants.GrantDetailView.as_view(), name="grant-detail"),
    path(f"{M}/versions/", views.VersionListView.as_view(), name="version-list"),
    path(f"{M}/versions/<str:code>", views.VersionDetailView.as_view(), name="version-detail"),
]
