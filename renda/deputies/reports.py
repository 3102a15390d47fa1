"""Reports to electors (述职): wiring to the ballots kernel, and the read-side questions.

``connect()`` registers the rating's result handler with ``renda.ballots``; call it once from the
app's ``ready()``.
"""

from __future__ import annotations

from django.db.models import Max, QuerySet

from renda.ballots.actions import register_result_handler
from renda.ballots.models import Ballot
from renda.deputies.actions import reports as report_actions
from renda.deputies.models import DeputyProfile, DeputyStatus, DeputyTerm, ElectorReport, ElectorReportStatus
from renda.organizations.models import Congress

DONE = (ElectorReportStatus.HELD, ElectorReportStatus.RATED)


def _on_rating_closed(ballot: Ballot) -> None:
    report_actions.report_rating_record(ballot=ballot)


def connect() -> None:
    register_result_handler(report_actions.RATING_PURPOSE, _on_rating_closed)


def current_term_number(congress: Congress) -> int | None:
    """The 届 of the congress's deputies in office now (the highest term number among them)."""
    value = DeputyTerm.objects.filter(congress=congress, status=DeputyStatus.IN_OFFICE).aggregate(
        term=Max("term_number")
    )["term"]
    return int(value) if value is not None else None


def deputies_without_report(congress: Congress, term: int) -> QuerySet[DeputyProfile]:
    """Deputies in office in ``congress``'s term ``term`` who have not yet reported to their electors in it.

    Every deputy reports at least once per term (domain.md §2.3); a held or rated report counts.
    """
    reported = ElectorReport.objects.filter(congress=congress, term__term_number=term, status__in=DONE).values(
        "profile_id"
    )
    serving = DeputyTerm.objects.filter(congress=congress, term_number=term, status=DeputyStatus.IN_OFFICE).values(
        "profile_id"
    )
    return DeputyProfile.objects.filter(pk__in=serving).exclude(pk__in=reported).order_by("name", "pk")
