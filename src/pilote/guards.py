"""What no row may hold, checked on every save: the net under every form, API schema and
importer, so that bad input is a clear error, never a database failure.

- Text longer than its column: SQLite stores it silently, PostgreSQL refuses it (a 500).
- NUL characters (``\\x00``): PostgreSQL cannot store them in text at all.

Each entry point validates first and says more precisely where (an API field path, a
form field, a file's line); this guard names the field when they did not.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import pre_save

from pilote.errors import Invalid
from pilote.okr.text import N_, at_most_characters

GUARDED_APPS = {"orgs", "goals", "roadmap", "sources", "notify"}


def has_nul(value: Any) -> bool:
    """A NUL character anywhere in a text, or in the texts of a list or mapping."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    return False


def row_errors(instance: models.Model) -> list[tuple[str, str]]:
    errors = []
    for field in instance._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
            continue
        value = getattr(instance, field.attname, None)
        if has_nul(value):
            errors.append((field.name, N_("may not contain NUL characters")))
        elif (
            isinstance(field, models.CharField)
            and isinstance(value, str)
            and field.max_length
            and len(value) > field.max_length
        ):
            errors.append((field.name, at_most_characters(field.max_length)))
    return errors


def _check(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    errors = row_errors(instance)
    if errors:
        raise Invalid(f"invalid {sender._meta.verbose_name}", errors)


def install() -> None:
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label in GUARDED_APPS:
            pre_save.connect(_check, sender=model, dispatch_uid=f"guard-{model._meta.label}")
