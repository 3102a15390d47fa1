"""Read-only questions about ballots."""

from __future__ import annotations

from typing import Any

from renda.ballots.actions import receipt_hash
from renda.ballots.models import Ballot, BallotSheet, BallotStatus


def receipt_status(*, ballot: Ballot, code: str) -> dict[str, Any]:
    """Whether the sheet with this receipt code is in the ballot box, and whether it was counted.

    The answer says nothing about what was chosen or by whom, and nothing about other sheets.
    """
    recorded = (
        bool(code.strip()) and BallotSheet.objects.filter(ballot=ballot, receipt_hash=receipt_hash(code)).exists()
    )
    return {"recorded": recorded, "counted": recorded and ballot.status == BallotStatus.CLOSED}
