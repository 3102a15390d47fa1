"""Shared fixtures: two separate city trees (tenants), units in each, and people holding roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.test import Client

from renda.accounts.models import User
from renda.organizations.middleware import SESSION_KEY
from renda.organizations.models import Congress, RoleAssignment, Unit
from renda.organizations.roles import ROLES_REQUIRING_UNIT, Role
from renda.tests_support import factories

PASSWORD = factories.PASSWORD


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # argon2 is the production hasher (tested in test_accounts); most tests need speed, not strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_insight_caches() -> None:
    # Per-process caches keyed by database ids (a congress's words and rules, a model's classifiers):
    # tests reuse ids, so one test's cached words must not leak into the next.
    from renda.insight import routing, tokens

    routing.forget_rules()
    tokens.forget_dictionary()
    routing._classifiers.cache_clear()


@pytest.fixture
def city(db: None) -> Congress:
    return factories.CongressFactory(name="江城市人民代表大会", code="city", level="city")


@pytest.fixture
def district(city: Congress) -> Congress:
    return factories.CongressFactory(name="东湖区人民代表大会", code="donghu", level="district", parent=city)


@pytest.fixture
def other_city(db: None) -> Congress:
    return factories.CongressFactory(name="河州市人民代表大会", code="hezhou", level="city")


@pytest.fixture
def unit(city: Congress) -> Unit:
    return factories.UnitFactory(congress=city, name="市住房和城乡建设局", kind="government_department")


@pytest.fixture
def other_unit(other_city: Congress) -> Unit:
    return factories.UnitFactory(congress=other_city, name="河州市教育局", kind="government_department")


@pytest.fixture
def make_person(city: Congress, unit: Unit) -> Callable[..., User]:
    """A person holding ``role`` in ``congress`` (default: the city); staff get TOTP enrolled."""

    def make(role: str, *, congress: Congress | None = None, role_unit: Unit | None = None, **fields: Any) -> User:
        congress = congress or city
        if role_unit is None and role in ROLES_REQUIRING_UNIT:
            role_unit = unit if congress == city else factories.UnitFactory(congress=congress)
        user = factories.UserFactory(**fields)
        RoleAssignment.objects.create(user=user, congress=congress, role=role, unit=role_unit)
        return user

    return make


def login_client(user: User, assignment: RoleAssignment | None = None) -> Client:
    client = Client()
    client.force_login(user, backend="renda.accounts.backends.UsernameOrPhoneBackend")
    if assignment is not None:
        session = client.session
        session[SESSION_KEY] = assignment.pk
        session.save()
    return client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return login_client


@pytest.fixture
def admin_user(make_person: Callable[..., User]) -> User:
    return make_person(Role.STAFF_ADMIN, username="admin")


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    return login_client(admin_user)


def totp_now(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).now()
