"""Helpers shared by the group, station, contact and training actions: input cleaning and duty-entry routing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.errors import InvalidInput
from renda.deputies.models import DeputyProfile, DeputyStatus, DeputyTerm
from renda.organizations.models import Congress

if TYPE_CHECKING:
    from django.db import models

    from renda.accounts.models import User

NAME_MAX = 100
TITLE_MAX = 200
PLACE_MAX = 200
TEXT_MAX = 5000


def today() -> dt.date:
    return timezone.localdate()


def require_date(value: object, *, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput(f"请填写{label}", code="required", field=field)
    return value


def not_in_future(value: dt.date, *, field: str, label: str) -> None:
    if value > today():
        raise InvalidInput(f"{label}不能晚于今天", code="future_date", field=field)


def unique_profiles(
    profiles: Iterable[DeputyProfile], *, field: str, label: str, required: bool = True
) -> list[DeputyProfile]:
    """The distinct profiles in the given order; each must be a deputy in office somewhere."""
    seen: dict[int, DeputyProfile] = {}
    for profile in profiles:
        if profile.pk is None:
            raise InvalidInput(f"{label}中有不存在的代表", code="unknown_deputy", field=field)
        seen.setdefault(profile.pk, profile)
    if required and not seen:
        raise InvalidInput(f"请选择{label}", code="required", field=field)
    in_office = set(
        DeputyTerm.objects.filter(profile_id__in=seen, status=DeputyStatus.IN_OFFICE).values_list(
            "profile_id", flat=True
        )
    )
    missing = [profile for pk, profile in seen.items() if pk not in in_office]
    if missing:
        raise InvalidInput(f"{missing[0].name} 不是在任代表，不能列入{label}", code="not_in_office", field=field)
    return list(seen.values())


def require_congress_deputies(profiles: Iterable[DeputyProfile], congress: Congress, *, field: str, label: str) -> None:
    """Each profile serves (or served) in ``congress``."""
    ids = [profile.pk for profile in profiles]
    serving = set(DeputyTerm.objects.filter(profile_id__in=ids, congress=congress).values_list("profile_id", flat=True))
    for profile in profiles:
        if profile.pk not in serving:
            raise InvalidInput(f"{profile.name} 不是{congress.name}的代表", code="wrong_congress", field=field)


def entry_congresses(profiles: Iterable[DeputyProfile], near: Congress) -> dict[int, Congress]:
    """For each deputy, the congress whose file gets the entry of an act done at ``near``'s level.

    The nearest congress the deputy serves in, from ``near`` upwards (a city deputy on duty at a
    township station logs it in their city file); failing that, the lowest congress they serve in.
    """
    chain = [near.pk, *near.ancestor_ids()]
    terms: dict[int, set[int]] = {}
    for profile_id, congress_id in DeputyTerm.objects.filter(profile_id__in=[p.pk for p in profiles]).values_list(
        "profile_id", "congress_id"
    ):
        terms.setdefault(profile_id, set()).add(congress_id)
    congresses = {c.pk: c for c in Congress.objects.filter(pk__in={cid for ids in terms.values() for cid in ids})}
    congresses[near.pk] = near
    result: dict[int, Congress] = {}
    for profile in profiles:
        served = terms.get(profile.pk, set())
        chosen = next((cid for cid in chain if cid in served), None)
        if chosen is None and served:
            chosen = max(served)
        result[profile.pk] = congresses[chosen] if chosen is not None else near
    return result


def record(actor: User | None, action: str, target: models.Model, congress: Congress, **summary: Any) -> None:
    audit_record(actor=actor, action=f"deputies.{action}", target=target, congress=congress, summary=summary)
