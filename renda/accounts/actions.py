"""Every change to an account: login attempts, lockout, second factor, SMS codes, passwords, tokens.

Each action is atomic and writes one audit event. Failed logins are recorded in
their own transaction before the error is raised, so the count survives the
refusal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from renda.accounts.backends import find_user
from renda.accounts.models import PersonalToken, SmsCode, User
from renda.accounts.sms import sms_send
from renda.core.audit import audit_record
from renda.core.errors import DomainError, InvalidInput, NotPermitted
from renda.organizations import permissions
from renda.organizations.roles import ROLE_PRECEDENCE, ROLES_ALLOWING_SMS_LOGIN, ROLES_REQUIRING_TOTP

if TYPE_CHECKING:
    from renda.organizations.models import Congress

TOTP_ISSUER = "Renda 人大"


class LoginFailed(DomainError):
    status_code = 401
    default_code = "login_failed"


GENERIC_LOGIN_ERROR = "用户名（手机号）或密码错误"
SMS_CODE_MAX_ATTEMPTS = 5


def home_congress(user: User) -> Congress | None:
    """The congress a person's own account events are filed under, so that its auditors see them."""
    order = {str(role): index for index, role in enumerate(ROLE_PRECEDENCE)}
    assignments = sorted(
        user.role_assignments.filter(is_active=True).select_related("congress"),
        key=lambda item: (order.get(item.role, 99), item.pk),
    )
    return assignments[0].congress if assignments else None


def _require_admin_of(actor: User, user: User) -> None:
    if not permissions.can_administer_user(actor, user):
        raise NotPermitted("无权管理该账户")


def user_roles(user: User) -> set[str]:
    return set(user.role_assignments.filter(is_active=True).values_list("role", flat=True))


def user_requires_totp(user: User) -> bool:
    return bool(user_roles(user) & {str(role) for role in ROLES_REQUIRING_TOTP})


def user_may_use_sms_login(user: User) -> bool:
    roles = user_roles(user)
    return bool(roles) and roles <= {str(role) for role in ROLES_ALLOWING_SMS_LOGIN}


def _record_failure(user: User, *, reason: str) -> None:
    """Count one failure and lock the account when the limit is reached. Own transaction."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count", "locked_until"])
        locked = False
        if user.failed_login_count >= settings.RENDA_LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + dt.timedelta(minutes=settings.RENDA_LOGIN_LOCK_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            locked = True
        audit_record(
            actor=user,
            action="account.login_failed",
            target=user,
            congress=home_congress(user),
            summary={"reason": reason, "locked": locked},
        )


def _ensure_not_locked(user: User) -> None:
    if user.is_locked() and user.locked_until is not None:
        until = timezone.localtime(user.locked_until).strftime("%H:%M")
        raise LoginFailed(f"账户已锁定，请于 {until} 后再试，或联系系统管理员解锁", code="account_locked")


def login_check_password(*, identifier: str, password: str) -> User:
    """First login step. Returns the user whose password matched, or raises LoginFailed.

    A wrong password always gets the same answer, whether the account exists, is
    locked or is disabled; only someone who knows the password learns why they
    cannot log in.
    """
    user = find_user(identifier)
    if user is None:
        User().set_password(password)  # spend the same time as a real check
        raise LoginFailed(GENERIC_LOGIN_ERROR, code="invalid_credentials", field="password")
    if not user.check_password(password):
        if not user.is_locked():
            _record_failure(user, reason="password")
        raise LoginFailed(GENERIC_LOGIN_ERROR, code="invalid_credentials", field="password")
    _ensure_not_locked(user)
    if not user.is_active:
        raise LoginFailed("账户已停用，请联系系统管理员", code="account_inactive")
    return user


@transaction.atomic
def login_succeed(*, user: User, method: str) -> User:
    """The last step of any login: reset the failure count and record it."""
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login = timezone.now()
    user.save(update_fields=["failed_login_count", "locked_until", "last_login"])
    congress = home_congress(user)
    home_role = user.role_assignments.filter(congress=congress, is_active=True).values_list("role", flat=True).first()
    audit_record(
        actor=user,
        action="account.login",
        target=user,
        congress=congress,
        acting_role=home_role or "",
        summary={"method": method},
    )
    return user


def totp_for(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(user.totp_secret)


def totp_provisioning_uri(user: User) -> str:
    return totp_for(user).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def _totp_matching_counter(user: User, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6) or not user.totp_secret:
        return None
    totp = totp_for(user)
    now = timezone.now()
    for offset in (0, -1, 1):
        moment = now + dt.timedelta(seconds=30 * offset)
        if hmac.compare_digest(totp.at(moment), code):
            return int(moment.timestamp()) // 30
    return None


def login_check_totp(*, user: User, code: str) -> User:
    """Second login step for staff. A code is accepted once only (no replay)."""
    _ensure_not_locked(user)
    counter = _totp_matching_counter(user, code)
    if counter is None or counter <= user.totp_last_counter:
        _record_failure(user, reason="totp")
        raise LoginFailed("动态口令错误或已使用", code="invalid_totp", field="code")
    User.objects.filter(pk=user.pk).update(totp_last_counter=counter)
    user.totp_last_counter = counter
    return user


@transaction.atomic
def totp_begin_enrolment(*, user: User) -> str:
    """Give the user a new secret to load into an authenticator app. Not active until confirmed."""
    if user.totp_enabled:
        raise InvalidInput("已启用动态口令", code="totp_already_enabled")
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


def totp_confirm_enrolment(*, user: User, code: str) -> User:
    counter = _totp_matching_counter(user, code)
    if counter is None:
        raise InvalidInput("动态口令不正确，请检查手机时间后重试", code="invalid_totp", field="code")
    with transaction.atomic():
        user.totp_enabled = True
        user.totp_last_counter = counter
        user.save(update_fields=["totp_enabled", "totp_last_counter"])
        audit_record(actor=user, action="account.totp_enabled", target=user, congress=home_congress(user))
    return user


def _hash_code(user: User, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{user.pk}:{code}".encode(), hashlib.sha256).hexdigest()


def sms_code_request(*, phone: str) -> None:
    """Send a one-time login code. Says nothing about whether the phone is registered."""
    phone = phone.strip()
    if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        raise InvalidInput("请输入 11 位手机号码", code="invalid_phone", field="phone")
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None or not user_may_use_sms_login(user) or user.is_locked():
        return
    now = timezone.now()
    recent = SmsCode.objects.filter(
        user=user, created_at__gt=now - dt.timedelta(seconds=settings.RENDA_SMS_CODE_RESEND_SECONDS)
    )
    if recent.exists():
        # Answer as if sent: a different answer would tell a stranger that the phone is registered.
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        SmsCode.objects.create(
            user=user,
            code_hash=_hash_code(user, code),
            expires_at=now + dt.timedelta(seconds=settings.RENDA_SMS_CODE_TTL_SECONDS),
        )
        audit_record(actor=user, action="account.sms_code_sent", target=user, congress=home_congress(user))
        message = f"【人大履职平台】您的登录验证码为 {code}，5 分钟内有效。如非本人操作请忽略。"
        # robust: a gateway failure is logged, never turned into an error page after the commit.
        transaction.on_commit(lambda: sms_send(phone, message), robust=True)


def login_check_sms_code(*, phone: str, code: str) -> User:
    user = User.objects.filter(phone=phone.strip(), is_active=True).first()
    if user is None or not user_may_use_sms_login(user):
        raise LoginFailed("验证码错误或已过期", code="invalid_sms_code", field="code")
    _ensure_not_locked(user)
    now = timezone.now()
    candidate = (
        SmsCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).order_by("-created_at").first()
    )
    if candidate is None or not hmac.compare_digest(candidate.code_hash, _hash_code(user, code.strip())):
        if candidate is not None:
            # Five wrong guesses use the code up, so a six-digit code cannot be brute-forced.
            SmsCode.objects.filter(pk=candidate.pk).update(attempts=F("attempts") + 1)
            if candidate.attempts + 1 >= SMS_CODE_MAX_ATTEMPTS:
                SmsCode.objects.filter(pk=candidate.pk).update(used_at=now)
        _record_failure(user, reason="sms_code")
        raise LoginFailed("验证码错误或已过期", code="invalid_sms_code", field="code")
    SmsCode.objects.filter(pk=candidate.pk).update(used_at=now)
    return user


def _validate_new_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput("；".join(error.messages), code="weak_password", field="new_password") from None


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise InvalidInput("原密码不正确", code="wrong_password", field="old_password")
    if old_password == new_password:
        raise InvalidInput("新密码不能与原密码相同", code="same_password", field="new_password")
    _validate_new_password(user, new_password)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(actor=user, action="account.password_changed", target=user, congress=home_congress(user))
    return user


def password_set_by_admin(*, actor: User, user: User, new_password: str) -> User:
    """An administrator sets a temporary password; the user must change it at next login."""
    _require_admin_of(actor, user)
    _validate_new_password(user, new_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = True
        user.password_changed_at = timezone.now()
        user.locked_until = None
        user.failed_login_count = 0
        user.save(
            update_fields=[
                "password",
                "must_change_password",
                "password_changed_at",
                "locked_until",
                "failed_login_count",
            ]
        )
        audit_record(actor=actor, action="account.password_reset", target=user, congress=home_congress(user))
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    _require_admin_of(actor, user)
    user.locked_until = None
    user.failed_login_count = 0
    user.save(update_fields=["locked_until", "failed_login_count"])
    audit_record(actor=actor, action="account.unlocked", target=user, congress=home_congress(user))
    return user


@transaction.atomic
def totp_reset(*, actor: User, user: User) -> User:
    """A staff member lost their phone: they enrol a new authenticator at their next login."""
    _require_admin_of(actor, user)
    user.totp_secret = ""
    user.totp_enabled = False
    user.totp_last_counter = 0
    user.save(update_fields=["totp_secret", "totp_enabled", "totp_last_counter"])
    audit_record(actor=actor, action="account.totp_reset", target=user, congress=home_congress(user))
    return user


USER_EDITABLE_FIELDS = ("full_name", "phone", "email", "is_active")


def _clean_user_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "full_name" in fields:
        full_name = str(fields["full_name"] or "").strip()
        if not full_name:
            raise InvalidInput("姓名不能为空", code="required", field="full_name")
        if len(full_name) > 60:
            raise InvalidInput("姓名不能超过 60 个字", code="too_long", field="full_name")
        cleaned["full_name"] = full_name
    if "phone" in fields:
        phone = str(fields["phone"] or "").strip()
        if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
            raise InvalidInput("手机号必须是 11 位数字", code="invalid_phone", field="phone")
        cleaned["phone"] = phone or None
    if "email" in fields:
        email = str(fields["email"] or "").strip()
        if len(email) > 254 or (email and "@" not in email):
            raise InvalidInput("电子邮箱格式不正确", code="invalid_email", field="email")
        cleaned["email"] = email
    if "is_active" in fields:
        cleaned["is_active"] = bool(fields["is_active"])
    return cleaned


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    password: str,
    phone: str = "",
    email: str = "",
) -> User:
    """Create an account with a temporary password that must be changed at first login.

    Callers grant the first role in the same transaction (see
    ``organizations.actions.member_create``): an account with no role is
    invisible to every administrator.
    """
    username = username.strip()
    if not username:
        raise InvalidInput("用户名不能为空", code="required", field="username")
    if len(username) > 150 or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise InvalidInput("用户名只能包含字母、数字和 . _ -，不超过 150 个字符", code="invalid", field="username")
    fields = _clean_user_fields({"full_name": full_name, "phone": phone, "email": email})
    if User.objects.filter(username=username).exists():
        raise InvalidInput("用户名已被使用", code="duplicate", field="username")
    if fields.get("phone") and User.objects.filter(phone=fields["phone"]).exists():
        raise InvalidInput("手机号已被其他账户使用", code="duplicate", field="phone")
    user = User(username=username, **fields)
    _validate_new_password(user, password)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise InvalidInput("用户名或手机号已被使用", code="duplicate", field="username") from None
    audit_record(actor=actor, action="account.created", target=user, summary={"username": username})
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, fields: dict[str, Any]) -> User:
    _require_admin_of(actor, user)
    cleaned = _clean_user_fields(fields)
    if cleaned.get("phone") and User.objects.filter(phone=cleaned["phone"]).exclude(pk=user.pk).exists():
        raise InvalidInput("手机号已被其他账户使用", code="duplicate", field="phone")
    if cleaned.get("is_active") is False and user.pk == actor.pk:
        raise InvalidInput("不能停用自己的账户", code="self_deactivate", field="is_active")
    changed = {key: value for key, value in cleaned.items() if getattr(user, key) != value}
    for key, value in changed.items():
        setattr(user, key, value)
    if changed:
        user.save(update_fields=list(changed))
    audit_record(
        actor=actor,
        action="account.updated",
        target=user,
        congress=home_congress(user),
        summary={"fields": sorted(changed)},
    )
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[PersonalToken, str]:
    """Create a personal API token. Returns the secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise InvalidInput("令牌名称不能为空", code="required", field="name")
    if len(name) > 60:
        raise InvalidInput("令牌名称不能超过 60 个字", code="too_long", field="name")
    if user.api_tokens.filter(revoked_at__isnull=True).count() >= 20:
        raise InvalidInput("有效令牌最多 20 个，请先撤销不用的令牌", code="too_many", field="name")
    raw = "rd_" + secrets.token_urlsafe(32)
    token = PersonalToken.objects.create(user=user, name=name, key_prefix=raw[:10], key_hash=_token_hash(raw))
    audit_record(actor=user, action="token.created", target=token, congress=home_congress(user), summary={"name": name})
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token: PersonalToken) -> PersonalToken:
    if token.user_id != actor.pk:
        raise NotPermitted("只能撤销自己的令牌")
    if token.revoked_at is not None:
        raise InvalidInput("令牌已撤销", code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="token.revoked", target=token, congress=home_congress(actor))
    return token


def token_authenticate(raw: str) -> User | None:
    token = (
        PersonalToken.objects.select_related("user")
        .filter(key_hash=_token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
