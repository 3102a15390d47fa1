"""Bulk data for the suggestion benchmarks: N suggestions of one year with their assignments and replies.

The rows are written with bulk_create (the actions would take an hour for 100,000 items),
but with the same fields the actions set, so statistics, queues, search and exports read
what they would read in production. Text comes from the demo topics, so the search index
holds realistic Chinese words.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any


@dataclass
class BenchWorld:
    city: Any
    units: list[Any]
    head: Any
    staff: Any
    deputy: Any
    year: int


def build(count: int, *, seed: int = 7, units: int = 40) -> BenchWorld:
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.organizations.models import Congress, CongressSession, RoleAssignment, Unit
    from renda.suggestions.demo import TOPICS
    from renda.suggestions.models import Assignment, Reply, SearchEntry, Suggestion
    from renda.suggestions.search import tokens

    rng = random.Random(seed)
    city = Congress.objects.create(name="江城市人民代表大会", code="city", level="city")
    session = CongressSession.objects.create(
        congress=city,
        term=17,
        number=5,
        name="第十七届人民代表大会第五次会议",
        opens_on=dt.date(2026, 1, 10),
        closes_on=dt.date(2026, 1, 14),
    )
    unit_rows = [
        Unit.objects.create(congress=city, name=f"市第{index:02d}局", kind="government_department")
        for index in range(units)
    ]
    office = Unit.objects.create(congress=city, name="人代选任工委", kind="working_body")
    staff = User.objects.create(username="staff", full_name="书记员")
    RoleAssignment.objects.create(user=staff, congress=city, role="committee_staff", unit=office)
    head = User.objects.create(username="head", full_name="单位负责人")
    RoleAssignment.objects.create(user=head, congress=city, role="unit_head", unit=unit_rows[0])
    deputies = [User(username=f"d{index:04d}", full_name=f"代表{index}") for index in range(500)]
    User.objects.bulk_create(deputies)
    deputies = list(User.objects.filter(username__startswith="d0"))
    RoleAssignment.objects.bulk_create(RoleAssignment(user=deputy, congress=city, role="deputy") for deputy in deputies)
    deputy = deputies[0]

    now = timezone.now()
    start = timezone.make_aware(dt.datetime(2026, 1, 12, 9))
    places = ["东湖区", "西山区", "南江区", "北城区", "青溪县", "云岭县"]
    batch = 5000
    made = 0
    while made < count:
        size = min(batch, count - made)
        suggestions = []
        texts = []
        for offset in range(size):
            index = made + offset
            category, _lead, _co, title, situation, request = TOPICS[rng.randrange(len(TOPICS))]
            place = rng.choice(places)
            body = f"{situation.format(place=place)}建议：{request}（第{index}件）"
            submitted = start + dt.timedelta(minutes=index % 400_000)
            assigned = submitted + dt.timedelta(days=rng.randrange(20, 60))
            due = assigned + dt.timedelta(days=91)
            replied = assigned + dt.timedelta(days=rng.randrange(10, 110)) if rng.random() < 0.85 else None
            if replied is not None and replied > now:
                replied = None
            rating = rng.choices(["satisfied", "basically_satisfied", "dissatisfied", ""], [70, 15, 3, 12])[0]
            closed = replied is not None and rating != ""
            suggestions.append(
                Suggestion(
                    congress=city,
                    session=session,
                    phase="session",
                    year=2026,
                    number=f"2026-{index + 1:06d}",
                    sequence=index + 1,
                    title=title.format(place=place),
                    body=body,
                    category=category,
                    lead_deputy=rng.choice(deputies),
                    status="closed" if closed else ("replied" if replied else "in_handling"),
                    submitted_at=submitted,
                    registered_at=submitted + dt.timedelta(days=5),
                    first_assigned_at=assigned,
                    due_at=due,
                    first_replied_at=replied,
                    replied_on_time=(replied <= due) if replied else None,
                    result_category=rng.choice("AABBCD") if replied else "",
                    has_communication=rng.random() < 0.95,
                    was_rehandled=rating == "dissatisfied",
                    process_rating=rating if closed else "",
                    result_rating=rating if closed else "",
                    evaluated_at=replied + dt.timedelta(days=7) if closed and replied else None,
                    closed_at=replied + dt.timedelta(days=7) if closed and replied else None,
                    is_key=rng.random() < 0.01,
                    is_public=rng.random() < 0.6,
                )
            )
            texts.append((title.format(place=place), body))
        created = Suggestion.objects.bulk_create(suggestions, batch_size=1000)
        assignments = []
        for item in created:
            unit = unit_rows[rng.randrange(len(unit_rows))]
            assignments.append(
                Assignment(
                    suggestion=item,
                    unit=unit,
                    role="lead",
                    round=1,
                    assigned_at=item.first_assigned_at,
                    assigned_by=staff,
                    due_at=item.due_at,
                    original_due_at=item.due_at,
                    signed_at=item.first_assigned_at + dt.timedelta(days=1),
                    replied_at=item.first_replied_at,
                    replied_on_time=item.replied_on_time,
                )
            )
            if rng.random() < 0.2:
                co = unit_rows[(unit_rows.index(unit) + 1) % len(unit_rows)]
                assignments.append(
                    Assignment(
                        suggestion=item,
                        unit=co,
                        role="co",
                        round=1,
                        assigned_at=item.first_assigned_at,
                        assigned_by=staff,
                        due_at=item.due_at,
                        original_due_at=item.due_at,
                    )
                )
        Assignment.objects.bulk_create(assignments, batch_size=1000)
        leads = {a.suggestion_id: a for a in assignments if a.role == "lead"}
        replies = []
        reply_texts: dict[int, str] = {}
        for item in created:
            if item.first_replied_at is None:
                continue
            text = f"经研究，现答复如下：已将{item.title.removeprefix('关于').removesuffix('的建议')}纳入年度计划，分步实施。"
            reply_texts[item.pk] = text
            replies.append(
                Reply(
                    assignment=leads[item.pk],
                    category=item.result_category,
                    text=text,
                    status="sent",
                    drafted_by=head,
                    approved_by=head,
                    sent_at=item.first_replied_at,
                    on_time=item.replied_on_time,
                )
            )
        Reply.objects.bulk_create(replies, batch_size=1000)
        SearchEntry.objects.bulk_create(
            (
                SearchEntry(suggestion=item, tokens=" ".join(tokens("\n".join([*text, reply_texts.get(item.pk, "")]))))
                for item, text in zip(created, texts, strict=True)
            ),
            batch_size=1000,
        )
        made += size
    return BenchWorld(city=city, units=unit_rows, head=head, staff=staff, deputy=deputy, year=2026)
