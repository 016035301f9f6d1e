from django.urls import include, path

from pilote.api.main import api

# No Django admin: every write goes through the actions (audit, data version, the gate),
# which the admin's model forms would bypass (docs/security.md).
urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("pilote.web.urls")),
]
