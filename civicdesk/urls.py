"""URL routes: the pages, the REST API, and the built-in exercise network."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("exnet/", include("civicdesk.exnet.urls")),
    path("policy/", include("civicdesk.policies.urls")),
    path("", include("civicdesk.pages.urls")),
]
