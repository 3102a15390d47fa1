"""Deputies: the roster, groups and stations, the duty record, scores, reports to electors and training (domain.md §2).

The models are split by area; every change goes through a named action in ``actions/``.
"""

from renda.deputies.models.record import DutyEntry, DutyEvidence, EntryKind, EntrySource, EntryStatus
from renda.deputies.models.reports import ElectorReport, ElectorReportStatus
from renda.deputies.models.roster import (
    DeputyProfile,
    DeputyStatus,
    DeputyTerm,
    Gender,
    Occupation,
    Party,
)
from renda.deputies.models.scoring import DeputyScore, Grade, ScoreConsequence, ScoringItem, ScoringScheme
from renda.deputies.models.stations import (
    ContactKind,
    ContactVisit,
    DeputyGroup,
    GroupActivity,
    GroupKind,
    ReceptionDay,
    Station,
    StationTier,
)
from renda.deputies.models.training import TrainingAttendance, TrainingKind, TrainingSession

__all__ = [
    "ContactKind",
    "ContactVisit",
    "DeputyGroup",
    "DeputyProfile",
    "DeputyScore",
    "DeputyStatus",
    "DeputyTerm",
    "DutyEntry",
    "DutyEvidence",
    "ElectorReport",
    "ElectorReportStatus",
    "EntryKind",
    "EntrySource",
    "EntryStatus",
    "Gender",
    "Grade",
    "GroupActivity",
    "GroupKind",
    "Occupation",
    "Party",
    "ReceptionDay",
    "ScoreConsequence",
    "ScoringItem",
    "ScoringScheme",
    "Station",
    "StationTier",
    "TrainingAttendance",
    "TrainingKind",
    "TrainingSession",
]
