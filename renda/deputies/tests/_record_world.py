"""A small city for the duty-record tests: the suggestions' world plus roster profiles for its deputies.

``rw`` builds on the suggestions' world ``sw`` (renda/suggestions/tests/conftest.py): the lead deputy and the first
co-signer are on the roster; the second co-signer is not (accounts exist before the roster).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.accounts.models import User
from renda.deputies.models import DeputyProfile, DeputyTerm
from renda.organizations.models import Congress

# The suggestions' world fixture, registered as "suggestion_world" wherever it is imported from here.
from renda.suggestions.tests.conftest import SuggestionWorld, acting
from renda.suggestions.tests.conftest import sw as suggestion_world

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
TERM_START = dt.date(2022, 1, 1)


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, "image/png")


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def make_profile(user: User, congress: Congress, *, name: str | None = None, **term: Any) -> DeputyProfile:
    profile = DeputyProfile.objects.create(
        user=user,
        name=name or user.full_name or user.username,
        gender="female",
        birth_date=dt.date(1980, 3, 1),
        party="cpc",
        occupation="worker",
        phone="13812345678",
        employer="江城市第一中学",
        title="教师",
    )
    DeputyTerm.objects.create(
        profile=profile,
        congress=congress,
        term_number=term.pop("term_number", 17),
        starts_on=term.pop("starts_on", TERM_START),
        **term,
    )
    return profile


@dataclass
class RecordWorld:
    sw: SuggestionWorld
    deputy: User
    profile: DeputyProfile
    other_deputy: User
    other_profile: DeputyProfile
    cosigner: User
    cosigner_profile: DeputyProfile
    unlisted_cosigner: User
    staff: User
    leader: User
    other_staff: User


@pytest.fixture(name="media")
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(name="rw")
def record_world(suggestion_world: SuggestionWorld, media: Path) -> RecordWorld:
    sw = suggestion_world
    return RecordWorld(
        sw=sw,
        deputy=sw.deputy,
        profile=make_profile(sw.deputy, sw.city),
        other_deputy=sw.outsider_deputy,
        other_profile=make_profile(sw.outsider_deputy, sw.city),
        cosigner=sw.cosigners[0],
        cosigner_profile=make_profile(sw.cosigners[0], sw.city),
        unlisted_cosigner=sw.cosigners[1],
        staff=sw.staff,
        leader=sw.leader,
        other_staff=sw.other_staff,
    )


def files_in(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


# Test modules import media_root, record_world and suggestion_world for pytest to find "media" and "rw".
__all__ = [
    "PDF",
    "PNG",
    "RecordWorld",
    "acting",
    "files_in",
    "make_profile",
    "media_root",
    "pdf",
    "photo",
    "record_world",
    "suggestion_world",
]
