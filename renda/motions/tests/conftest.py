"""Motion tests reuse the suggestion world (``sw``) and add the deputies a joint motion needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from renda.accounts.models import User
from renda.motions import actions
from renda.motions.models import Motion
from renda.organizations.models import Unit
from renda.organizations.roles import Role
from renda.suggestions.tests.conftest import SuggestionWorld, _person, sw  # noqa: F401 - fixture
from renda.tests_support import factories


@dataclass
class MotionWorld:
    sw: SuggestionWorld
    deputies: list[User]  # nine deputies who may co-sign: with the lead, ten
    committee: Unit


@pytest.fixture
def mw(sw: SuggestionWorld) -> MotionWorld:  # noqa: F811 - the fixture above
    sw.session.motion_deadline = timezone.now() + dt.timedelta(days=2)
    sw.session.save(update_fields=["motion_deadline"])
    deputies = [_person(sw.city, Role.DEPUTY, full_name=f"附议代表{n}") for n in range(9)]
    committee = factories.UnitFactory(congress=sw.city, name="法制委员会", kind="special_committee")
    return MotionWorld(sw=sw, deputies=deputies, committee=committee)


def draft(mw: MotionWorld, **fields: str) -> Motion:
    return actions.motion_create(
        actor=mw.sw.deputy,
        congress=mw.sw.city,
        session=mw.sw.session,
        title=fields.pop("title", "关于制定城市养犬管理条例的议案"),
        reason=fields.pop("reason", "我市养犬数量增长，伤人、扰民事件多发。"),
        grounds=fields.pop("grounds", "《动物防疫法》授权地方制定养犬管理办法。"),
        plan=fields.pop("plan", "建议制定《江城市养犬管理条例》，明确登记、免疫和处罚。"),
        **fields,
    )


def with_cosigners(mw: MotionWorld, motion: Motion, count: int = 9) -> Motion:
    """Invite ``count`` deputies and have each confirm."""
    chosen = mw.deputies[:count]
    actions.cosigner_invite(actor=mw.sw.deputy, motion=motion, deputies=chosen)
    for deputy in chosen:
        actions.cosigner_respond(actor=deputy, motion=motion, accept=True)
    return motion


def filed(mw: MotionWorld) -> Motion:
    motion = with_cosigners(mw, draft(mw))
    return actions.motion_file(actor=mw.sw.deputy, motion=motion)
