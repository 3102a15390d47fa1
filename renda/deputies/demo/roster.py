"""Demo step: the city's roster, made by the real bulk import (``roster_io.check_rows`` + ``roster_import``).

Every person holding the deputy role in the demo city (450) gets a profile and a term in
office (第 17 届, from 2022-01-01) in their delegation, with plausible data: about 30% women,
ages 30–65 when the term began, the occupation and party mix of a city congress, a few
minority deputies, valid ID numbers (correct check digits) and card numbers. The clerk
(committee staff) imports them; the rows are attached to the existing logins by phone.
"""

from __future__ import annotations

import datetime as dt
import random

from renda.accounts.models import User
from renda.deputies import roster_io
from renda.deputies.actions.roster import make_id_number
from renda.deputies.models import Gender, Occupation, Party
from renda.organizations.models import Congress, RoleAssignment, UnitKind
from renda.organizations.roles import Role

TERM_NUMBER = 17
TERM_STARTS = dt.date(2022, 1, 1)
REGIONS = ("420102", "420103", "420104", "420105", "420106", "420111", "420112")

# (value, weight): a city congress has many officials, business leaders and professionals.
OCCUPATIONS: tuple[tuple[str, int], ...] = (
    (Occupation.OFFICIAL, 30),
    (Occupation.ENTERPRISE, 20),
    (Occupation.PROFESSIONAL, 22),
    (Occupation.WORKER, 11),
    (Occupation.FARMER, 10),
    (Occupation.MILITARY, 3),
    (Occupation.OTHER, 4),
)
PARTIES: tuple[tuple[str, int], ...] = (
    (Party.CPC, 70),
    (Party.RCCK, 2),
    (Party.CDL, 3),
    (Party.CNDCA, 3),
    (Party.CAPD, 2),
    (Party.CPWDP, 2),
    (Party.CZGP, 1),
    (Party.JS, 2),
    (Party.NON_PARTY, 8),
    (Party.MASSES, 7),
)
MINORITIES = ("回族", "满族", "土家族", "蒙古族", "壮族")
JOBS: dict[str, tuple[tuple[str, str], ...]] = {
    Occupation.OFFICIAL: (
        ("区人民政府", "区长"),
        ("街道党工委", "书记"),
        ("市发展和改革委员会", "副主任"),
        ("镇人民政府", "镇长"),
    ),
    Occupation.ENTERPRISE: (
        ("江城钢铁集团有限公司", "董事长"),
        ("江城农商银行", "行长"),
        ("光谷科技股份有限公司", "总经理"),
    ),
    Occupation.PROFESSIONAL: (
        ("市第一人民医院", "主任医师"),
        ("江城大学", "教授"),
        ("市第三中学", "高级教师"),
        ("江城律师事务所", "律师"),
    ),
    Occupation.WORKER: (("江城钢铁集团有限公司", "高级技师"), ("市公交集团", "驾驶员"), ("江城汽车零部件厂", "班组长")),
    Occupation.FARMER: (("东湖村", "村党支部书记"), ("绿源蔬菜专业合作社", "理事长"), ("柳林村", "种植大户")),
    Occupation.MILITARY: (("江城警备区", "政治委员"), ("武警江城支队", "支队长")),
    Occupation.OTHER: (("市个体劳动者协会", "会长"), ("江城社区", "社区工作者")),
}


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _weight in weighted], weights=[weight for _value, weight in weighted])[0]


def build(*, city: Congress, seed: int = 2026) -> None:
    """Fill the demo city's roster by the real bulk import. Same seed, same roster."""
    rng = random.Random(seed + 17)
    clerk = User.objects.get(username="clerk")
    clerk.active_assignment = clerk.role_assignments.select_related("congress", "unit").get(
        role=Role.COMMITTEE_STAFF, congress=city
    )
    deputies = (
        RoleAssignment.objects.filter(congress=city, role=Role.DEPUTY, is_active=True, unit__kind=UnitKind.DELEGATION)
        .select_related("user", "unit")
        .order_by("user__username", "pk")
    )
    rows: list[tuple[int, dict[str, object]]] = []
    seen: set[int] = set()
    for assignment in deputies:
        user = assignment.user
        if user.pk in seen or not user.phone:
            continue
        seen.add(user.pk)
        number = len(rows) + 1
        gender = Gender.FEMALE if rng.random() < 0.3 else Gender.MALE
        age_at_start = rng.randint(30, 65)
        born = dt.date(TERM_STARTS.year - age_at_start - 1, rng.randint(1, 12), rng.randint(1, 28))
        occupation = _pick(rng, OCCUPATIONS)
        employer, title = rng.choice(JOBS[occupation])
        party = Party.CPC if occupation in (Occupation.OFFICIAL, Occupation.MILITARY) else _pick(rng, PARTIES)
        assert assignment.unit is not None  # noqa: S101 — filtered on the delegation above
        rows.append(
            (
                number + 1,
                {
                    roster_io.COL_NAME: user.full_name or user.username,
                    roster_io.COL_GENDER: gender.value,
                    roster_io.COL_ETHNICITY: rng.choice(MINORITIES) if rng.random() < 0.05 else "汉族",
                    roster_io.COL_BIRTH: born,
                    roster_io.COL_PARTY: party,
                    roster_io.COL_OCCUPATION: occupation,
                    roster_io.COL_EMPLOYER: employer,
                    roster_io.COL_TITLE: title,
                    roster_io.COL_PHONE: user.phone,
                    roster_io.COL_ID: make_id_number(
                        region=rng.choice(REGIONS), birth_date=born, sequence=number, gender=gender
                    ),
                    roster_io.COL_CARD: f"{TERM_NUMBER}{number:04d}",
                    roster_io.COL_TERM: TERM_NUMBER,
                    roster_io.COL_DELEGATION: assignment.unit.name,
                    roster_io.COL_ELECTORAL_UNIT: assignment.unit.name.removesuffix("代表团"),
                    roster_io.COL_STARTS: TERM_STARTS,
                    roster_io.COL_ENDS: None,
                },
            )
        )
    if not rows:
        return
    report = roster_io.check_rows(rows, congress=city)
    if report.invalid:  # a demo row that fails the checks is a bug in this generator, not a data problem
        first = report.invalid_rows[0]
        raise RuntimeError(f"demo roster row {first.row}: {first.errors}")
    roster_io.roster_import(actor=clerk, congress=city, report=report, valid_only=False)
