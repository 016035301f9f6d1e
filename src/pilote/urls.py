from django.contrib import admin
from django.urls import include, path

from pilote.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("pilote.web.urls")),
]
