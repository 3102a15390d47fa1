"""The roster (代表名册): profiles, terms, status changes and the audited look at personal data (domain.md §2).

Every deputy has a login (SMS code, no password) and one profile. The ID number is kept
encrypted, with a keyed digest for uniqueness and a masked form for display; the phone is
shown masked. Seeing either in clear is ``unmask``, which only the managing staff may do
and which is audited (the field name, never the value).

A term in office keeps the person's ``RoleAssignment(role=DEPUTY)`` in that congress active;
a status change (辞职、罢免、资格终止) deactivates it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from renda.accounts.models import User
from renda.core import crypto
from renda.core.audit import audit_record
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.uploads import IMAGE_SUFFIXES, check_upload
from renda.deputies import permissions
from renda.deputies.models import DeputyProfile, DeputyStatus, DeputyTerm, Gender, Occupation, Party
from renda.organizations.models import Congress, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

PHOTO_MAX_BYTES = 5 * 1024 * 1024
NAME_MAX = 60
TEXT_MAX = 100
REASON_MAX = 300
MIN_AGE = 18

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
_ID_FORMAT = re.compile(r"^\d{17}[\dX]$")
_PHONE_FORMAT = re.compile(r"^1[3-9]\d{9}$")
_USERNAME_FORMAT = re.compile(r"^[A-Za-z0-9.@+_-]{1,150}$")

LEAVING_STATUSES = (DeputyStatus.RESIGNED, DeputyStatus.RECALLED, DeputyStatus.TERMINATED)
UNMASKABLE_FIELDS = {"phone": "手机号", "id_number": "身份证号"}


# --- validation and masking (pure functions, shared with the import) ---


def id_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def validate_id_number(value: object) -> str:
    """An 18-digit resident ID number, normalised to upper case; InvalidInput(field="id_number") if wrong."""
    number = str(value or "").strip().replace(" ", "").upper()
    if not number:
        raise InvalidInput("身份证号不能为空", code="required", field="id_number")
    if not _ID_FORMAT.match(number):
        raise InvalidInput(
            "身份证号须为 18 位，前 17 位为数字，最后一位为数字或 X", code="invalid_id_number", field="id_number"
        )
    try:
        id_birth_date(number)
    except ValueError:
        raise InvalidInput(
            "身份证号中的出生日期（第 7 至 14 位）无效", code="invalid_id_number", field="id_number"
        ) from None
    if id_check_character(number[:17]) != number[17]:
        raise InvalidInput(
            "身份证号校验码不正确，请核对是否有数字录错", code="invalid_id_check_digit", field="id_number"
        )
    return number


def id_birth_date(number: str) -> dt.date:
    """The birth date written in an ID number (digits 7–14); ValueError if it is not a real past date."""
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if born.year < 1900 or born > timezone.localdate():
        raise ValueError(number)
    return born


def id_gender(number: str) -> str:
    """The gender an ID number records: the 17th digit is odd for men, even for women."""
    return Gender.MALE if int(number[16]) % 2 == 1 else Gender.FEMALE


def make_id_number(*, region: str, birth_date: dt.date, sequence: int, gender: str) -> str:
    """A well-formed ID number (for demo data and tests): region code, birth date, order digits, check digit."""
    order = sequence % 500 * 2 + (1 if gender == Gender.MALE else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{order:03d}"
    return first17 + id_check_character(first17)


def mask_id_number(number: str) -> str:
    """``110***********123X``: the region's first three digits and the last four, never the birth date."""
    if not number:
        return ""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def validate_phone(value: object) -> str:
    """A mainland mobile number (11 digits starting with 1), without spaces, dashes or +86."""
    phone = re.sub(r"[\s-]", "", str(value or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        raise InvalidInput("手机号不能为空", code="required", field="phone")
    if not _PHONE_FORMAT.match(phone):
        raise InvalidInput("手机号须为 11 位手机号码，如 13912345678", code="invalid_phone", field="phone")
    return phone


def age_on(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


@dataclass
class PersonData:
    """A profile's personal fields, checked and normalised by ``check_person``."""

    name: str
    gender: str
    ethnicity: str
    birth_date: dt.date
    party: str
    occupation: str
    employer: str
    title: str
    phone: str
    id_number: str
    card_number: str


def check_text(value: object, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{label}不能为空", code="required", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字", code="too_long", field=field)
    return text


def check_choice(value: object, choices: Any, *, field: str, label: str) -> str:
    text = str(value or "").strip()
    if text in choices.values:
        return text
    by_label = {str(choice_label): choice_value for choice_value, choice_label in choices.choices}
    if text in by_label:
        return str(by_label[text])
    if not text:
        raise InvalidInput(f"{label}不能为空", code="required", field=field)
    raise InvalidInput(
        f"{label}“{text}”无效，应为：" + "、".join(str(item) for item in choices.labels),
        code="invalid_choice",
        field=field,
    )


def check_person(
    *,
    name: object,
    gender: object,
    ethnicity: object,
    birth_date: dt.date | None,
    party: object,
    occupation: object,
    employer: object,
    title: object,
    phone: object,
    id_number: object,
    card_number: object,
) -> PersonData:
    """Check every personal field (first error wins); the birth date may be left to the ID number."""
    clean_name = check_text(name, field="name", label="姓名", max_length=NAME_MAX, required=True)
    clean_gender = check_choice(gender, Gender, field="gender", label="性别")
    clean_ethnicity = check_text(ethnicity, field="ethnicity", label="民族", max_length=20) or "汉族"
    if clean_ethnicity != "汉族" and not clean_ethnicity.endswith("族"):
        clean_ethnicity += "族"
    clean_party = check_choice(party, Party, field="party", label="政治面貌")
    clean_occupation = check_choice(occupation, Occupation, field="occupation", label="职业构成")
    clean_phone = validate_phone(phone)
    clean_id = validate_id_number(id_number)
    born = id_birth_date(clean_id)
    if birth_date is not None and birth_date != born:
        raise InvalidInput(
            f"出生日期与身份证号不一致（身份证号中为 {born.isoformat()}）",
            code="birth_date_mismatch",
            field="birth_date",
        )
    if id_gender(clean_id) != clean_gender:
        raise InvalidInput(
            "性别与身份证号不一致（身份证号第 17 位单数为男、双数为女）", code="gender_mismatch", field="gender"
        )
    if age_on(born, timezone.localdate()) < MIN_AGE:
        raise InvalidInput("代表须年满十八周岁", code="too_young", field="birth_date")
    return PersonData(
        name=clean_name,
        gender=clean_gender,
        ethnicity=clean_ethnicity,
        birth_date=born,
        party=clean_party,
        occupation=clean_occupation,
        employer=check_text(employer, field="employer", label="工作单位", max_length=TEXT_MAX),
        title=check_text(title, field="title", label="职务职称", max_length=TEXT_MAX),
        phone=clean_phone,
        id_number=clean_id,
        card_number=check_text(card_number, field="card_number", label="代表证号", max_length=30),
    )


def _check_unique(person: PersonData, *, exclude: DeputyProfile | None = None) -> None:
    """One person, one profile: the ID number and the card number are each on the roster once."""
    others = DeputyProfile.objects.all() if exclude is None else DeputyProfile.objects.exclude(pk=exclude.pk)
    existing = others.filter(id_number_digest=crypto.digest(person.id_number)).first()
    if existing is not None:
        raise InvalidInput(
            f"该身份证号已在代表名册中（{existing.name}），同一人只建一份档案",
            code="duplicate_id_number",
            field="id_number",
        )
    if person.card_number and others.filter(card_number=person.card_number).exists():
        raise InvalidInput(f"代表证号“{person.card_number}”已被使用", code="duplicate_card_number", field="card_number")


def _account_for(person: PersonData, user: User | None, *, exclude: DeputyProfile | None = None) -> User | None:
    """The login the profile belongs to: the given one, or the one already registered with the phone, or none yet.

    A login may carry only one profile, and a phone belongs to one login.
    """
    holder = User.objects.filter(phone=person.phone).first()
    if user is not None and holder is not None and holder.pk != user.pk:
        raise InvalidInput("该手机号已被其他账号使用", code="duplicate_phone", field="phone")
    account = user if user is not None else holder
    if account is None:
        return None
    taken = DeputyProfile.objects.filter(user=account)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        field = "user" if user is not None else "phone"
        raise InvalidInput("该账号已有代表档案（手机号已被其他代表使用）", code="duplicate_account", field=field)
    return account


def new_username(card_number: str, taken: set[str] | None = None) -> str:
    """The login name: the card number when it is a valid, free user name, else ``deputy-`` and a random part."""
    if card_number and _USERNAME_FORMAT.match(card_number):
        candidate = card_number.lower()
        is_taken = candidate in taken if taken is not None else User.objects.filter(username=candidate).exists()
        if not is_taken:
            return candidate
    return "deputy-" + secrets.token_hex(5)


def new_account(person: PersonData, username: str) -> User:
    """An unsaved login for a new deputy: no password (SMS code login, allowed for deputies), the phone set."""
    return User(
        username=username,
        full_name=person.name,
        phone=person.phone,
        password=make_password(None),
        password_changed_at=timezone.now(),
    )


def profile_from(person: PersonData, user: User) -> DeputyProfile:
    """An unsaved profile with the ID number encrypted, digested and masked."""
    return DeputyProfile(
        user=user,
        name=person.name,
        gender=person.gender,
        ethnicity=person.ethnicity,
        birth_date=person.birth_date,
        party=person.party,
        occupation=person.occupation,
        employer=person.employer,
        title=person.title,
        phone=person.phone,
        id_number_encrypted=crypto.encrypt(person.id_number),
        id_number_digest=crypto.digest(person.id_number),
        id_number_masked=mask_id_number(person.id_number),
        card_number=person.card_number,
    )


# --- terms ---


@dataclass
class TermData:
    congress: Congress
    term_number: int
    delegation: Unit | None
    electoral_unit: str
    starts_on: dt.date
    ends_on: dt.date | None


def check_term(
    *,
    congress: Congress,
    term_number: object,
    delegation: Unit | None,
    electoral_unit: object,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> TermData:
    try:
        number = int(str(term_number).strip())
    except (TypeError, ValueError):
        raise InvalidInput("届次须为数字，如 17", code="invalid_term_number", field="term_number") from None
    if not 1 <= number <= 99:
        raise InvalidInput("届次须在 1 到 99 之间", code="invalid_term_number", field="term_number")
    if delegation is not None and (delegation.congress_id != congress.pk or delegation.kind != UnitKind.DELEGATION):
        raise InvalidInput("所选代表团不属于本级人大", code="invalid_delegation", field="delegation")
    if starts_on is None:
        raise InvalidInput("任期开始日期不能为空", code="required", field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("任期结束日期不能早于开始日期", code="invalid_range", field="ends_on")
    return TermData(
        congress=congress,
        term_number=number,
        delegation=delegation,
        electoral_unit=check_text(electoral_unit, field="electoral_unit", label="选举单位", max_length=100),
        starts_on=starts_on,
        ends_on=ends_on,
    )


def _check_no_overlap(profile: DeputyProfile, data: TermData) -> None:
    """Terms of one person at the same level (city, district, township) never overlap."""
    same = DeputyTerm.objects.filter(profile=profile)
    if same.filter(congress=data.congress, term_number=data.term_number).exists():
        raise InvalidInput(f"该代表已有第 {data.term_number} 届的任期", code="duplicate_term", field="term_number")
    overlapping = same.filter(congress__level=data.congress.level)
    if data.ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=data.ends_on)
    overlapping = overlapping.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=data.starts_on))
    clash = overlapping.select_related("congress").first()
    if clash is not None:
        until = clash.ends_on.isoformat() if clash.ends_on else "至今"
        raise InvalidInput(
            f"与该代表在{clash.congress.short_name or clash.congress.name}第 {clash.term_number} 届的任期"
            f"（{clash.starts_on.isoformat()} 至 {until}）重叠：同一层级的任期不能重叠",
            code="term_overlap",
            field="starts_on",
        )


def is_current(term: DeputyTerm, on: dt.date | None = None) -> bool:
    """In office on ``on`` (default today): started, not ended, and not resigned/recalled/terminated by then."""
    on = on or timezone.localdate()
    if term.starts_on > on or (term.ends_on is not None and term.ends_on < on):
        return False
    return term.status == DeputyStatus.IN_OFFICE or (term.status_on is not None and term.status_on > on)


def _keep_role(user: User, term: DeputyTerm) -> None:
    """The deputy role in the term's congress, in its delegation: created if missing, reactivated if revoked."""
    assignment = RoleAssignment.objects.filter(
        user=user, congress_id=term.congress_id, role=Role.DEPUTY, unit=term.delegation
    ).first()
    if assignment is None:
        RoleAssignment.objects.create(user=user, congress_id=term.congress_id, role=Role.DEPUTY, unit=term.delegation)
    elif not assignment.is_active:
        assignment.is_active = True
        assignment.save(update_fields=["is_active"])


def _term_summary(term: DeputyTerm) -> dict[str, Any]:
    return {
        "profile": term.profile_id,
        "congress": term.congress_id,
        "term_number": term.term_number,
        "delegation": term.delegation_id,
        "starts_on": term.starts_on.isoformat(),
        "ends_on": term.ends_on.isoformat() if term.ends_on else None,
    }


def _add_term(profile: DeputyProfile, data: TermData) -> DeputyTerm:
    _check_no_overlap(profile, data)
    try:
        with transaction.atomic():
            term = DeputyTerm.objects.create(
                profile=profile,
                congress=data.congress,
                term_number=data.term_number,
                delegation=data.delegation,
                electoral_unit=data.electoral_unit,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
            )
    except IntegrityError:  # a concurrent add of the same 届
        raise InvalidInput(
            f"该代表已有第 {data.term_number} 届的任期", code="duplicate_term", field="term_number"
        ) from None
    if is_current(term):
        _keep_role(profile.user, term)
    return term


# --- the actions ---


@transaction.atomic
def profile_create(
    *,
    actor: User,
    congress: Congress,
    name: str,
    gender: str,
    ethnicity: str = "汉族",
    birth_date: dt.date | None,
    party: str,
    occupation: str,
    employer: str = "",
    title: str = "",
    phone: str,
    id_number: str,
    card_number: str = "",
    user: User | None = None,
    term_number: int | None = None,
    delegation: Unit | None = None,
    electoral_unit: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> DeputyProfile:
    """Put a person on the roster (一人一档), with their login and, if a 届 is given, their first term."""
    if not permissions.can_manage_roster(actor, congress):
        raise NotPermitted("只有本级人大代表工作机构可以登记代表")
    person = check_person(
        name=name,
        gender=gender,
        ethnicity=ethnicity,
        birth_date=birth_date,
        party=party,
        occupation=occupation,
        employer=employer,
        title=title,
        phone=phone,
        id_number=id_number,
        card_number=card_number,
    )
    term_data = None
    if term_number is not None:
        term_data = check_term(
            congress=congress,
            term_number=term_number,
            delegation=delegation,
            electoral_unit=electoral_unit,
            starts_on=starts_on,
            ends_on=ends_on,
        )
    _check_unique(person)
    account = _account_for(person, user)
    created_account = account is None
    if account is None:
        account = new_account(person, new_username(person.card_number))
        account.save()
    elif not account.full_name:
        account.full_name = person.name
        account.save(update_fields=["full_name"])
    profile = profile_from(person, account)
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:  # the same ID or card number saved concurrently
        raise InvalidInput(
            "该身份证号或代表证号已在代表名册中", code="duplicate_id_number", field="id_number"
        ) from None
    term = _add_term(profile, term_data) if term_data is not None else None
    audit_record(
        actor=actor,
        action="deputies.profile_created",
        target=profile,
        congress=congress,
        summary={
            "user": account.pk,
            "new_account": created_account,
            "term": _term_summary(term) if term is not None else None,
        },
    )
    return profile


PROFILE_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "party",
    "occupation",
    "employer",
    "title",
    "phone",
    "id_number",
    "card_number",
)


@transaction.atomic
def profile_update(*, actor: User, profile: DeputyProfile, **changes: Any) -> DeputyProfile:
    """Change a profile's personal fields (any of ``PROFILE_FIELDS``; ``id_number`` given in clear, or left out)."""
    if not permissions.can_manage_profile(actor, profile):
        raise NotPermitted("只有本级人大代表工作机构可以修改代表名册")
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改字段 {sorted(unknown)[0]}", code="unknown_field", field=sorted(unknown)[0])
    current_id = crypto.decrypt(profile.id_number_encrypted)
    values = {field: getattr(profile, field) for field in PROFILE_FIELDS if field != "id_number"}
    values["id_number"] = current_id
    new_id = changes.get("id_number")
    values.update({key: value for key, value in changes.items() if value is not None})
    if new_id and "birth_date" not in changes:
        values["birth_date"] = None  # a corrected ID number brings its own birth date
    person = check_person(**values)
    _check_unique(person, exclude=profile)
    if person.phone != profile.phone:
        _account_for(person, profile.user, exclude=profile)
    changed = [
        field
        for field in PROFILE_FIELDS
        if (
            person.id_number != current_id
            if field == "id_number"
            else getattr(person, field) != getattr(profile, field)
        )
    ]
    if not changed:
        return profile
    for field in changed:
        if field != "id_number":
            setattr(profile, field, getattr(person, field))
    if "id_number" in changed:
        profile.id_number_encrypted = crypto.encrypt(person.id_number)
        profile.id_number_digest = crypto.digest(person.id_number)
        profile.id_number_masked = mask_id_number(person.id_number)
    saved = [field for field in changed if field != "id_number"]
    if "id_number" in changed:
        saved += ["id_number_encrypted", "id_number_digest", "id_number_masked"]
    try:
        with transaction.atomic():
            profile.save(update_fields=[*saved, "updated_at"])
    except IntegrityError:
        raise InvalidInput(
            "该身份证号或代表证号已在代表名册中", code="duplicate_id_number", field="id_number"
        ) from None
    user = profile.user
    user_fields = []
    if "phone" in changed:
        user.phone = person.phone
        user_fields.append("phone")
    if "name" in changed:
        user.full_name = person.name
        user_fields.append("full_name")
    if user_fields:
        user.save(update_fields=user_fields)
    # The names of the changed fields only: phone and ID number never enter the audit trail in clear.
    audit_record(actor=actor, action="deputies.profile_updated", target=profile, summary={"fields": changed})
    return profile


@transaction.atomic
def photo_set(*, actor: User, profile: DeputyProfile, upload: UploadedFile[bytes]) -> DeputyProfile:
    """Replace the profile photo (an image of at most 5 MB)."""
    if not permissions.can_manage_profile(actor, profile):
        raise NotPermitted("只有本级人大代表工作机构可以上传代表照片")
    checked = check_upload(upload, allowed=IMAGE_SUFFIXES, max_bytes=PHOTO_MAX_BYTES, field="photo", label="照片")
    old = profile.photo.name if profile.photo else ""
    profile.photo.save(f"{profile.pk}-{secrets.token_hex(4)}{checked.suffix}", upload, save=False)
    profile.save(update_fields=["photo", "updated_at"])
    if old:
        storage, name = profile.photo.storage, old
        transaction.on_commit(lambda: storage.delete(name))
    audit_record(
        actor=actor,
        action="deputies.photo_set",
        target=profile,
        summary={"size": checked.size, "sha256": checked.sha256},
    )
    return profile


@transaction.atomic
def term_add(
    *,
    actor: User,
    profile: DeputyProfile,
    congress: Congress,
    term_number: int,
    delegation: Unit | None = None,
    electoral_unit: str = "",
    starts_on: dt.date | None,
    ends_on: dt.date | None = None,
) -> DeputyTerm:
    """Record a term as deputy of ``congress``; it may not overlap another term of the person at the same level."""
    if not permissions.can_manage_roster(actor, congress) or not (
        permissions.can_manage_profile(actor, profile) or not profile.terms.exists()
    ):
        raise NotPermitted("只有本级人大代表工作机构可以登记代表任期")
    data = check_term(
        congress=congress,
        term_number=term_number,
        delegation=delegation,
        electoral_unit=electoral_unit,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    # Serialise adds for one person, so two concurrent adds cannot both pass the overlap check.
    DeputyProfile.objects.select_for_update().filter(pk=profile.pk).first()
    term = _add_term(profile, data)
    audit_record(actor=actor, action="deputies.term_added", target=term, congress=congress, summary=_term_summary(term))
    return term


@transaction.atomic
def status_change(*, actor: User, term: DeputyTerm, status: str, on: dt.date | None, reason: str) -> DeputyTerm:
    """A deputy leaves office (辞职、罢免、资格终止): the date and reason are recorded, the deputy role ends."""
    if not permissions.can_manage_roster(actor, term.congress):
        raise NotPermitted("只有该任期所在人大的代表工作机构可以变更代表状态")
    locked = DeputyTerm.objects.select_for_update().get(pk=term.pk)
    if locked.status != DeputyStatus.IN_OFFICE:
        raise InvalidTransition(f"该任期已是“{locked.get_status_display()}”状态，不能再变更", code="not_in_office")
    if status not in LEAVING_STATUSES:
        raise InvalidInput("变更后的状态须为辞职、罢免或资格终止", code="invalid_status", field="status")
    if on is None:
        raise InvalidInput("请填写变更日期", code="required", field="on")
    if on < locked.starts_on:
        raise InvalidInput("变更日期不能早于任期开始日期", code="invalid_date", field="on")
    if on > timezone.localdate():
        raise InvalidInput("变更日期不能晚于今天", code="invalid_date", field="on")
    reason = check_text(reason, field="reason", label="变更原因", max_length=REASON_MAX, required=True)
    locked.status = status
    locked.status_on = on
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_on", "status_reason"])
    deactivated = RoleAssignment.objects.filter(
        user_id=locked.profile.user_id, congress_id=locked.congress_id, role=Role.DEPUTY, is_active=True
    ).update(is_active=False)
    audit_record(
        actor=actor,
        action="deputies.status_changed",
        target=locked,
        congress=locked.congress,
        summary={
            "profile": locked.profile_id,
            "from": DeputyStatus.IN_OFFICE.value,
            "to": status,
            "on": on.isoformat(),
            "reason": reason,
            "roles_deactivated": deactivated,
        },
    )
    term.refresh_from_db()
    return locked


@transaction.atomic
def unmask(*, actor: User, profile: DeputyProfile, field: str) -> str:
    """The phone or ID number in clear, for the managing staff; each look is audited (the field, not the value)."""
    if field not in UNMASKABLE_FIELDS:
        raise InvalidInput("只能查看手机号或身份证号", code="invalid_field", field="field")
    if not permissions.can_unmask(actor, profile):
        raise NotPermitted("只有本级人大代表工作机构可以查看完整的手机号和身份证号")
    value = profile.phone if field == "phone" else crypto.decrypt(profile.id_number_encrypted)
    audit_record(actor=actor, action="deputies.unmasked", target=profile, summary={"field": field})
    return value
