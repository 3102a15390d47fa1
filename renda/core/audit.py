"""The audit chain: every action appends one hash-chained event.

``audit_record`` is the only writer. It must run inside the action's
transaction, so the event and the change it describes commit together or not
at all. ``verify_chain`` recomputes every hash and names the first event that
is missing or does not match.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from renda.core.models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress

GENESIS_HASH = "0" * 64
HASH_ALGORITHM = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


@dataclass(frozen=True)
class RequestContext:
    """Who is acting, from where: set once per request by the middleware."""

    ip_address: str | None = None
    acting_role: str = ""
    congress_id: int | None = None


_request_context: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "renda_request_context",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, immutable
)


def set_request_context(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _request_context.set(context)


def reset_request_context(token: contextvars.Token[RequestContext]) -> None:
    _request_context.reset(token)


def current_request_context() -> RequestContext:
    return _request_context.get()


def _new_hasher(algorithm: str) -> Any:
    return hashlib.new(algorithm)


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical_payload(
    *,
    sequence: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    acting_role: str,
    congress_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    summary: dict[str, Any],
    ip_address: str | None,
    previous_hash: str,
) -> bytes:
    """The exact bytes that are hashed. Changing this breaks every existing chain."""
    parts = [
        str(sequence),
        _timestamp(occurred_at),
        "" if actor_id is None else str(actor_id),
        actor_label,
        acting_role,
        "" if congress_id is None else str(congress_id),
        action,
        target_type,
        target_id,
        target_label,
        json.dumps(summary, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        ip_address or "",
        previous_hash,
    ]
    return "\x1f".join(parts).encode("utf-8")


def compute_hash(payload: bytes, algorithm: str) -> str:
    hasher = _new_hasher(algorithm)
    hasher.update(payload)
    return str(hasher.hexdigest())


def _describe_target(target: models.Model | None) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk), str(target)[:200]


def _locked_head() -> AuditChainHead:
    heads = AuditChainHead.objects.select_for_update().only("last_sequence", "last_hash")
    head = heads.filter(pk=1).first()
    if head is None:  # an emptied database (a test flush, a restore) has no head row yet
        try:
            with transaction.atomic():
                head = AuditChainHead.objects.create(pk=1)
        except IntegrityError:
            head = heads.get(pk=1)
    return head


# --- listeners: other processes react to an action inside its transaction ---

AuditListener = Callable[[AuditEvent, "models.Model | None"], None]
_LISTENERS: dict[str, list[AuditListener]] = {}


def register_audit_listener(action: str, listener: AuditListener) -> None:
    """Call ``listener(event, target)`` after every audit event of ``action``, inside the same transaction.

    The duty record uses this to log a deputy's acts from the processes that
    perform them (``suggestion.submitted``, ``motion.submitted``...), so the
    acting process needs no knowledge of its listeners. A listener that raises
    rolls the action back: nothing is saved half-way.
    """
    listeners = _LISTENERS.setdefault(action, [])
    if listener not in listeners:
        listeners.append(listener)


def unregister_audit_listener(action: str, listener: AuditListener) -> None:
    if listener in _LISTENERS.get(action, []):
        _LISTENERS[action].remove(listener)


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    summary: dict[str, Any] | None = None,
    congress: Congress | None = None,
    acting_role: str | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Call it inside the action's atomic block."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the action's transaction")
    context = current_request_context()
    target_type, target_id, target_label = _describe_target(target)
    congress_id = congress.pk if congress is not None else context.congress_id
    role = acting_role if acting_role is not None else context.acting_role
    ip = ip_address if ip_address is not None else context.ip_address
    summary = summary or {}
    actor_id = actor.pk if actor is not None and actor.pk is not None else None
    actor_label = actor.get_username() if actor is not None and actor_id is not None else ""

    # The head row (created by migration 0004) is locked for the rest of the transaction, so appends
    # are serialised on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
    head = _locked_head()
    sequence = head.last_sequence + 1
    occurred_at = timezone.now()
    payload = canonical_payload(
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        acting_role=role,
        congress_id=congress_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        summary=summary,
        ip_address=ip,
        previous_hash=head.last_hash,
    )
    event_hash = compute_hash(payload, HASH_ALGORITHM)
    event = AuditEvent(
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        acting_role=role,
        congress_id=congress_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        summary=summary,
        ip_address=ip,
        previous_hash=head.last_hash,
        event_hash=event_hash,
        hash_algorithm=HASH_ALGORITHM,
    )
    event.save(force_insert=True)
    head.last_sequence = sequence
    head.last_hash = event_hash
    AuditChainHead.objects.filter(pk=1).update(last_sequence=sequence, last_hash=event_hash)
    for listener in _LISTENERS.get(action, ()):
        listener(event, target)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    ok: bool
    first_bad_sequence: int | None = None
    problem: str = ""


_VERIFY_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "acting_role",
    "congress_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "summary",
    "ip_address",
    "previous_hash",
    "event_hash",
    "hash_algorithm",
)


def payload_from_row(row: tuple[Any, ...]) -> bytes:
    """The hashed bytes of a stored event, from a row of ``_VERIFY_FIELDS``."""
    (
        sequence,
        occurred_at,
        actor_id,
        actor_label,
        acting_role,
        congress_id,
        action,
        target_type,
        target_id,
        target_label,
        summary,
        ip_address,
        previous_hash,
        _event_hash,
        _algorithm,
    ) = row
    return canonical_payload(
        sequence=sequence,
        occurred_at=occurred_at,
        actor_id=actor_id,
        actor_label=actor_label,
        acting_role=acting_role,
        congress_id=congress_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        summary=summary,
        ip_address=ip_address,
        previous_hash=previous_hash,
    )


def _iterate_events(chunk_size: int) -> Iterator[tuple[Any, ...]]:
    last = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(sequence__gt=last).order_by("sequence").values_list(*_VERIFY_FIELDS)[:chunk_size]
        )
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def verify_chain(*, chunk_size: int = 20_000) -> ChainReport:
    """Recompute the chain from the first event. Stops at the first problem and names it."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for row in _iterate_events(chunk_size):
        sequence, previous_hash, event_hash, algorithm = row[0], row[12], row[13], row[14]
        if sequence != expected_sequence:
            return ChainReport(checked, False, expected_sequence, f"事件 #{expected_sequence} 缺失 (missing)")
        if previous_hash != expected_previous:
            return ChainReport(checked, False, sequence, f"事件 #{sequence} 的前序哈希不符 (previous hash mismatch)")
        payload = payload_from_row(row)
        try:
            recomputed = compute_hash(payload, algorithm)
        except ValueError:
            return ChainReport(
                checked, False, sequence, f"本机不支持事件 #{sequence} 使用的哈希算法 {algorithm}，无法校验"
            )
        if recomputed != event_hash:
            return ChainReport(checked, False, sequence, f"事件 #{sequence} 内容被篡改 (hash mismatch)")
        expected_previous = event_hash
        expected_sequence += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_sequence != checked:
        return ChainReport(
            checked,
            False,
            checked + 1,
            f"链头记录到 #{head.last_sequence}，但只找到 {checked} 个事件 (events missing at the end)",
        )
    return ChainReport(checked, True)
