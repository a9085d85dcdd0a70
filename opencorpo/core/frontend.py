"""Serves the built React app's index.html for the browser routes; assets come from /static/."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

MISSING_BUILD = (
    "<!doctype html><title>OpenCorpo</title><p>The front end is not built yet. "
    "Run <code>make demo</code> (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>).</p>"
)


@ensure_csrf_cookie
def app_page(request: HttpRequest, path: str = "") -> HttpResponse:
    index = settings.FRONTEND_DIST / "index.html"
    try:
        html = index.read_text(encoding="utf-8")
    except FileNotFoundError:
        return HttpResponse(MISSING_BUILD, status=503)
    return HttpResponse(html)
