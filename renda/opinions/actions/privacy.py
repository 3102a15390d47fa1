"""The citizen's personal data: shown in clear only on purpose (audited), and erased on request (§3.1, privacy).

Erasure blanks the encrypted and masked name and phone, the link to the citizen's account and the IP hash;
the opinion itself stays, anonymised, for the statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from renda.core import crypto
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.opinions import permissions
from renda.opinions.actions._common import lock, record
from renda.opinions.models import Opinion

if TYPE_CHECKING:
    from renda.accounts.models import User


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str


@transaction.atomic
def contact_unmask(*, actor: User, opinion: Opinion) -> Contact:
    """Show the citizen's name and phone in clear to the triage staff or the handling unit; the viewing is audited."""
    if not permissions.can_see_contact(actor, opinion):
        raise NotPermitted("您无权查看群众的联系方式")
    if opinion.erased_at is not None:
        raise InvalidTransition("群众的个人信息已删除", code="erased", field="contact")
    name = crypto.decrypt(opinion.citizen_name_encrypted) if opinion.citizen_name_encrypted else ""
    phone = crypto.decrypt(opinion.citizen_phone_encrypted) if opinion.citizen_phone_encrypted else ""
    record(actor, "contact_unmasked", opinion)
    return Contact(name=name, phone=phone)


@transaction.atomic
def personal_data_erase(
    *, actor: User | None, opinion: Opinion, via_tracking_code: bool, phone_digits: str = ""
) -> Opinion:
    """Erase the citizen's personal data: by the citizen with the tracking code (and the phone's last four
    digits when a phone was given), or by the triage staff on the citizen's request."""
    if via_tracking_code:
        if opinion.citizen_phone_encrypted and opinion.erased_at is None:
            phone = crypto.decrypt(opinion.citizen_phone_encrypted)
            if str(phone_digits or "").strip() != phone[-4:]:
                raise InvalidInput("手机号后四位不正确", code="wrong_digits", field="phone_digits")
    elif not permissions.can_triage(actor, opinion):
        raise NotPermitted("只有分流人员可以按群众申请删除个人信息")
    opinion = lock(opinion)
    if opinion.erased_at is not None:
        raise InvalidTransition("群众的个人信息已删除", code="erased", field="contact")
    opinion.citizen_name_encrypted = opinion.citizen_phone_encrypted = opinion.citizen_phone_digest = ""
    opinion.citizen_name_masked = opinion.citizen_phone_masked = ""
    opinion.phone_verified = False
    opinion.citizen_user = None
    opinion.submitted_ip_hash = ""
    opinion.erased_at = timezone.now()
    opinion.save(
        update_fields=[
            "citizen_name_encrypted",
            "citizen_phone_encrypted",
            "citizen_phone_digest",
            "citizen_name_masked",
            "citizen_phone_masked",
            "phone_verified",
            "citizen_user",
            "submitted_ip_hash",
            "erased_at",
        ]
    )
    record(actor, "personal_data_erased", opinion, via="tracking_code" if via_tracking_code else "staff")
    return opinion
