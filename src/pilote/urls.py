from django.urls import include, path

from pilote.api import scim
from pilote.api.main import api

# No Django admin: every write goes through the actions (audit, data version, the gate),
# which the admin's model forms would bypass (docs/security.md).
urlpatterns = [
    path("api/v1/", api.urls),
    # SCIM 2.0 provisioning (RFC 7644), for a directory's token (docs/provisioning.md).
    path("scim/v2", scim.endpoint),
    path("scim/v2/<path:path>", scim.endpoint),
    path("", include("pilote.web.urls")),
]
