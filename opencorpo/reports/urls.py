"""URLs of the reports API, mounted under /api/v1/."""

from django.urls import path

from opencorpo.reports import views

M = "models/<str:model>"
urlpatterns = [
    path(f"{M}/reports/", views.ReportListView.as_view(), name="report-list"),
    path(f"{M}/reports/<str:code>", views.ReportDetailView.as_view(), name="report-detail"),
    path(f"{M}/reports/<str:code>/data", views.ReportDataView.as_view(), name="report-data"),
    path(f"{M}/dashboards/", views.DashboardListView.as_view(), name="dashboard-list"),
    path(f"{M}/dashboards/<str:code>", views.DashboardDetailView.as_view(), name="dashboard-detail"),
]
