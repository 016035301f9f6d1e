"""The SCIM 2.0 endpoint, ``/scim/v2/``: scim2-server's protocol over Pilote's tables.

A Django view turns each request into scim2-server's ``ScimRequest``, checks the bearer
token (a ``ScimToken``: it names the organisation), and serves it with ``ScimHandler`` over
``PiloteStorage``, whose writes are the actions of ``orgs/scim.py``. Announced (and so
checked by clients and by scim2-tester): PATCH, filters (up to 200 results a page), sorting,
ETags; no bulk, no password change.
"""

from __future__ import annotations

import functools
from typing import Any, Union

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from pilote.errors import Conflict, Forbidden, Invalid, NotFound
from pilote.orgs import scim
from pilote.orgs.models import Membership, Unit

BEARER = "bearer_token"


@functools.cache
def _provider():
    from scim2_models import AuthenticationScheme, External, Reference, ScimProvider
    from scim2_server.utils import (
        load_default_resource_types,
        load_default_schemas,
        load_default_service_provider_config,
    )

    config = load_default_service_provider_config()
    config.bulk.supported = False
    config.bulk.max_operations = 0
    config.bulk.max_payload_size = 0
    config.change_password.supported = False
    config.filter.max_results = scim.MAX_RESULTS
    config.authentication_schemes = [AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken, name=BEARER, primary=True,
        description="Bearer token (pilote token create --scim)",
        spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
    )]  # fmt: skip
    schemas = load_default_schemas()
    # A person in Pilote is an e-mail address: the User schema says it (RFC 7643 lets a
    # service provider publish which attributes it requires), so clients send one.
    for schema in schemas.values():
        if schema.name == "User":
            for attribute in schema.attributes:
                if attribute.name == "emails":
                    attribute.required = True
                    for sub in attribute.sub_attributes or []:
                        if sub.name == "value":
                            sub.required = True
    return ScimProvider.from_discovery(schemas.values(), load_default_resource_types().values(),
                                       config=config)  # fmt: skip


def _scim_error(exc: Exception):
    from scim2_models import (
        InvalidValueException,
        MutabilityException,
        NotFoundException,
        UniquenessException,
    )

    detail = _(str(exc.errors[0][1])) if getattr(exc, "errors", None) else _(str(exc))
    code = getattr(exc, "scim", "invalidValue")
    if isinstance(exc, NotFound):
        return NotFoundException(detail=detail)
    kind = {"uniqueness": UniquenessException,
            "mutability": MutabilityException}.get(code, InvalidValueException)  # fmt: skip
    return kind(detail=detail)


def _storage_class():
    from scim2_models import NotFoundException, PreconditionFailedException, ScimFilter
    from scim2_server.memory import _page
    from scim2_server.storage import ScimStorage, SearchPage
    from scim2_server.utils import parametrize

    class PiloteStorage(ScimStorage):
        """People (memberships) and units of one organisation, as SCIM Users and Groups."""

        def __init__(self, service, actor):
            self.service = service
            self.actor = actor
            self.org = actor.organization if actor is not None else None

        # reading
        def _users(self):
            return scim._people(self.org).prefetch_related("units")

        def _groups(self):
            members = Membership.objects.filter(scim_removed=False).select_related("user")
            return Unit.objects.filter(organization=self.org).prefetch_related(
                Prefetch("members", queryset=members)
            )

        def _queryset(self, resource_type):
            return self._users() if resource_type.name == "User" else self._groups()

        def _find(self, resource_type, resource_id: str):
            found = (self._queryset(resource_type).filter(pk=int(resource_id)).first()
                     if str(resource_id).isdigit() else None)  # fmt: skip
            if found is None:
                raise NotFoundException(detail=_("not found"))
            return found

        def _resource(self, resource_type, obj):
            return self.service.get_model(resource_type).model_validate(scim.as_resource(obj))

        def get(self, resource_type, resource_id, *, response_parameters=None):
            return self._resource(resource_type, self._find(resource_type, resource_id))

        def _narrowed(self, resource_type, queryset, scim_filter):
            """A filter "attribute eq value" on an attribute Pilote indexes, asked of the
            database first (the directory's usual question: is userName X here?)."""
            from scim2_models.path import CompareOperator, Comparison

            node = getattr(scim_filter, "ast", None)
            if not isinstance(node, Comparison) or node.op != CompareOperator.eq:
                return queryset
            attr, value = str(node.attr_path).rsplit(":", 1)[-1].lower(), node.value
            if not isinstance(value, str):
                return queryset
            if attr == "externalid":
                return queryset.filter(external_id=value)
            if attr == "id":
                return queryset.filter(pk=int(value)) if value.isdigit() else queryset.none()
            if resource_type.name == "User" and attr == "username":
                return queryset.filter(
                    Q(scim_username__iexact=value) | Q(scim_username="", user__email__iexact=value)
                )
            if resource_type.name == "Group" and attr == "displayname":
                return queryset.filter(name__iexact=value)
            return queryset

        def search(self, resource_types, search_request, *, position=None):
            scim_filter = search_request.filter
            found = []
            for rt in resource_types:
                queryset = self._queryset(rt)
                if len(resource_types) == 1:
                    queryset = self._narrowed(rt, queryset, scim_filter)
                found += [self._resource(rt, obj) for obj in queryset]
            if scim_filter is not None and not scim_filter.models and found:
                models = tuple(dict.fromkeys(type(r) for r in found))
                scim_filter = parametrize(ScimFilter, Union[models])(str(scim_filter))  # noqa: UP007
            found = [r for r in found if scim_filter is None or scim_filter.match(r)]
            page = _page(search_request, None, found)
            return SearchPage(page.total, page.resources)

        # writing
        def _data(self, resource) -> dict[str, Any]:
            return resource.model_dump(mode="json", by_alias=True, exclude_none=True)

        def _check(self, obj, expected_version):
            if expected_version is not None and expected_version != f'W/"{obj.version}"':
                raise PreconditionFailedException(detail=_("changed meanwhile"))

        def _write(self, fn, *args):
            try:
                return fn(self.actor, *args)
            except (Invalid, Conflict, Forbidden, NotFound) as exc:
                raise _scim_error(exc) from None

        def create(self, resource_type, resource):
            make = scim.provision_person if resource_type.name == "User" else scim.provision_unit
            obj = self._write(make, self._data(resource))
            return self.get(resource_type, str(obj.pk))

        def update(self, resource_type, resource, *, expected_version=None):
            obj = self._find(resource_type, resource.id)
            self._check(obj, expected_version)
            change = (scim.update_provisioned if resource_type.name == "User"
                      else scim.update_provisioned_unit)  # fmt: skip
            self._write(change, obj, self._data(resource))
            return self.get(resource_type, str(obj.pk))

        def delete(self, resource_type, resource_id, *, expected_version=None):
            obj = self._find(resource_type, resource_id)
            self._check(obj, expected_version)
            self._write(scim.deprovision if resource_type.name == "User" else scim.remove_unit,
                        obj)  # fmt: skip

        def operation(self):
            return transaction.atomic()

    return PiloteStorage


@functools.cache
def _classes():
    return _storage_class()


@csrf_exempt
def endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every SCIM request of every organisation; the token says which."""
    import orjson
    from scim2_models import SCIMException, UnauthorizedException
    from scim2_server.handler import ScimHandler
    from scim2_server.requests import ScimRequest
    from scim2_server.service import ScimService

    service = ScimService(_provider(), secret=settings.SECRET_KEY)
    headers = {k: v for k, v in request.headers.items()}
    scim_request = ScimRequest(
        method=request.method, base_url=request.build_absolute_uri("/scim/v2").rstrip("/"),
        path="/" + path.strip("/"), query={k: request.GET[k] for k in request.GET},
        headers=headers, body=request.body,
    )  # fmt: skip
    try:
        token = None
        scheme, _sep, secret = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer":
            token = scim.authenticate(secret.strip())
        needs = service.match(scim_request).operation.name != "service_provider_config"
        if token is None and needs:
            raise UnauthorizedException(detail=_("a SCIM token is needed (pilote token create"
                                                 " --scim)"))  # fmt: skip
        actor = scim.actor_of(token) if token is not None else None
        if actor is not None and not request.headers.get("Accept-Language"):
            translation.activate(actor.organization.locale)  # errors in the organisation's
        response = ScimHandler(service, _classes()(service, actor)).handle(scim_request)
    except SCIMException as exc:
        response = service.error_response(exc)
    body = b"" if response.body is None else orjson.dumps(response.body)
    answer = HttpResponse(body, status=int(response.status))
    for name, value in response.headers.items():
        answer[name] = value
    if int(response.status) == 401:
        answer["WWW-Authenticate"] = 'Bearer realm="Pilote SCIM"'
    answer.setdefault("Cache-Control", "no-cache")
    return answer
