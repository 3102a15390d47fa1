"""Who sees a motion and who may act on it.

- a deputy sees the motions they lead or were invited to co-sign (drafts included);
- the presidium's staff (committee staff, the staff administrator) and the leaders of the
  motion's congress see every filed motion; staff record the presidium's decisions;
- nobody else sees a motion: fetchers raise Http404, so a refused request never learns
  whether it exists. Once someone may see it, a refused action is NotPermitted (403).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from renda.motions.models import Motion
from renda.suggestions.permissions import deputy_congress_id, reader_congress_id, staff_congress_id

if TYPE_CHECKING:
    from renda.accounts.models import User


def motions_visible_to(user: User | None) -> QuerySet[Motion]:
    if user is None or not user.is_authenticated:
        return Motion.objects.none()
    congress_id = reader_congress_id(user)
    if congress_id is not None:
        return Motion.objects.filter(congress_id=congress_id, filed_at__isnull=False)
    if deputy_congress_id(user) is not None:
        ids = Motion.objects.filter(Q(lead_deputy=user) | Q(cosigners__deputy=user)).values("pk")
        return Motion.objects.filter(pk__in=ids)
    return Motion.objects.none()


def is_lead_deputy(user: User | None, motion: Motion) -> bool:
    """The lead deputy, acting as a deputy of the motion's congress."""
    return user is not None and deputy_congress_id(user) == motion.congress_id and motion.lead_deputy_id == user.pk


def can_decide(user: User | None, motion: Motion) -> bool:
    """Staff of the motion's congress, who record the presidium's decisions."""
    return staff_congress_id(user) == motion.congress_id


def is_invited(user: User | None, motion: Motion) -> bool:
    return (
        user is not None
        and deputy_congress_id(user) == motion.congress_id
        and motion.cosigners.filter(deputy_id=user.pk).exists()
    )


def get_motion_for_view(user: User | None, motion_id: int) -> Motion:
    motion = (
        motions_visible_to(user)
        .filter(pk=motion_id)
        .select_related("congress", "session", "lead_deputy", "delegation", "committee", "converted_suggestion")
        .first()
    )
    if motion is None:
        raise Http404
    return motion
