"""factory_boy factories shared by the apps' tests."""

from __future__ import annotations

from typing import Any

import factory
import pyotp
from django.utils import timezone

from renda.accounts.models import User
from renda.organizations.models import Congress, Unit

PASSWORD = "Strong#Pass2026"  # noqa: S105 - test accounts only


class CongressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Congress

    name = factory.Sequence(lambda n: f"测试人大{n}")
    code = factory.Sequence(lambda n: f"congress-{n}")
    level = "city"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    congress = factory.SubFactory(CongressFactory)
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = "government_department"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    password_changed_at = factory.LazyFunction(timezone.now)
    totp_secret = factory.LazyFunction(pyotp.random_base32)
    totp_enabled = True

    @factory.post_generation
    def password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
