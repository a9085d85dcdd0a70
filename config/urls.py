"""URL map: the API under /api/v1, operations endpoints, OpenAPI, and the React app for every other page."""

from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from opencorpo.accounts import oidc, users
from opencorpo.accounts import views as accounts
from opencorpo.core import frontend
from opencorpo.core import views as core

api_v1: list[URLPattern | URLResolver] = [
    path("auth/csrf", accounts.CsrfView.as_view(), name="auth-csrf"),
    path("auth/login", accounts.LoginView.as_view(), name="auth-login"),
    path("auth/logout", accounts.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", accounts.MeView.as_view(), name="auth-me"),
    path("auth/options", oidc.AuthOptionsView.as_view(), name="auth-options"),
    path("auth/oidc/start", oidc.OidcStartView.as_view(), name="auth-oidc-start"),
    path("auth/oidc/callback", oidc.OidcCallbackView.as_view(), name="auth-oidc-callback"),
    path("tokens/", accounts.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:token_id>", accounts.TokenDetailView.as_view(), name="token-detail"),
    path("users/", users.UserListView.as_view(), name="user-list"),
    path("users/<str:username>", users.UserDetailView.as_view(), name="user-detail"),
    path("jobs/", core.JobListView.as_view(), name="job-list"),
    path("jobs/<str:job_id>", core.JobDetailView.as_view(), name="job-detail"),
    path("audit/", core.AuditEventListView.as_view(), name="audit-list"),
    path("jobs/<str:job_id>/cancel", core.JobCancelView.as_view(), name="job-cancel"),
    path("jobs/<str:job_id>/retry", core.JobRetryView.as_view(), name="job-retry"),
    path("jobs/<str:job_id>/files/<str:name>", core.JobFileView.as_view(), name="job-file"),
    path("", include("opencorpo.planning.urls")),
    path("", include("opencorpo.dataio.urls")),
    path("", include("opencorpo.governance.urls")),
    path("", include("opencorpo.reports.urls")),
]

urlpatterns = [
    path("healthz", core.healthz, name="healthz"),
    path("readyz", core.readyz, name="readyz"),
    path("metrics", core.metrics_view, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", frontend.app_page, name="app-root"),
    path("login", frontend.app_page, name="app-login"),
    re_path(r"^app(?:/(?P<path>.*))?$", frontend.app_page, name="app"),
]

handler400 = "opencorpo.core.errors.bad_request"
handler403 = "opencorpo.core.errors.permission_denied"
handler404 = "opencorpo.core.errors.page_not_found"
handler500 = "opencorpo.core.errors.server_error"
