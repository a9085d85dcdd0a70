"""URLs of the governance API, mounted under /api/v1/."""

from django.urls import path

from opencorpo.governance import views

M = "models/<str:model>"
urlpatterns = [
    path(f"{M}/approvals/", views.ApprovalListView.as_view(), name="approval-list"),
    path(f"{M}/approvers/", views.ApproverListView.as_view(), name="approver-list"),
    path(f"{M}/approvers/<int:approver_id>", views.ApproverDetailView.as_view(), name="approver-detail"),
    path(f"{M}/cubes/<str:cube>/comments/", views.CommentListView.as_view(), name="comment-list"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:notification_id>/read", views.NotificationReadView.as_view(), name="notification-read"),
]
