"""Pages for motions (议案), phone first: my motions, drafting, the motion page with the buttons
each role may press, and the presidium's decisions recorded by staff.

Thin adapters: ``permissions.get_motion_for_view`` finds the motion (404 for anyone who may
not see it); the actions do every change. A refused action is 403; a bad input or a wrong
state shows the action's Chinese message on the motion page, with its 4xx status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrPromise

from renda.accounts.models import User
from renda.core.errors import DomainError, NotPermitted
from renda.core.views import render_form_error
from renda.motions import actions, permissions
from renda.motions.models import Motion, MotionCosignerStatus, MotionStatus, ProposerKind
from renda.organizations.models import Congress, CongressSession, RoleAssignment, Unit, UnitKind
from renda.organizations.roles import Role
from renda.suggestions.models import Category
from renda.suggestions.permissions import deputy_congress_id, reader_congress_id


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class MotionForm(forms.Form):
    session = forms.ModelChoiceField(queryset=CongressSession.objects.none(), label=_("提交的会议"))
    title = forms.CharField(label=_("标题"), max_length=actions.TITLE_MAX)
    proposer_kind = forms.ChoiceField(
        label=_("提出方式"), choices=ProposerKind.choices, widget=forms.RadioSelect, initial=ProposerKind.DEPUTIES
    )
    reason = forms.CharField(
        label=_("案由"),
        max_length=actions.PART_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("提出议案的原因和要解决的问题。"),
    )
    grounds = forms.CharField(
        label=_("案据"),
        max_length=actions.PART_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("事实和法律、政策依据。"),
    )
    plan = forms.CharField(
        label=_("方案"),
        max_length=actions.PART_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("具体的解决办法，如法规草案或决定草案的要点。"),
    )

    def __init__(self, *args: Any, congress_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[CongressSession]", self.fields["session"])
        field.queryset = CongressSession.objects.filter(congress_id=congress_id)


def _save(form: MotionForm, run: Callable[[dict[str, Any]], Motion]) -> Motion | None:
    if not form.is_valid():
        return None
    return run(form.cleaned_data)


# --- list ---


@login_required
def motion_list(request: HttpRequest) -> HttpResponse:
    """Deputies: the motions they lead or were invited to sign. Staff and leaders: every filed motion."""
    user = _user(request)
    motions = permissions.motions_visible_to(user).select_related("session", "lead_deputy", "delegation")
    status = request.GET.get("status", "")
    if status in MotionStatus.values:
        motions = motions.filter(status=status)
    else:
        status = ""
    page = Paginator(motions.order_by("-filed_at", "-pk"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "motions": page.object_list,
        "status": status,
        "statuses": MotionStatus.choices,
        "is_reader": reader_congress_id(user) is not None,
        "is_deputy": deputy_congress_id(user) is not None,
        "query_string": f"status={status}" if status else "",
    }
    return render(request, "motions/list.html", context)


# --- drafting ---


@login_required
def motion_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress_id = deputy_congress_id(user)
    if congress_id is None:
        raise PermissionDenied
    congress = Congress.objects.get(pk=congress_id)
    form = MotionForm(request.POST or None, congress_id=congress_id)
    context = {"form": form, "motion": None}
    try:
        motion = _save(
            form,
            lambda data: actions.motion_create(
                actor=user,
                congress=congress,
                session=data["session"],
                title=data["title"],
                reason=data["reason"],
                grounds=data["grounds"],
                plan=data["plan"],
                proposer_kind=data["proposer_kind"],
            ),
        )
    except DomainError as error:
        if isinstance(error, NotPermitted):
            raise PermissionDenied from error
        return render_form_error(request, "motions/form.html", context, error)
    if motion is None:
        return render(request, "motions/form.html", context, status=400 if request.method == "POST" else 200)
    messages.success(request, _("议案草稿已保存。请邀请代表联名，人数够了再提出。"))
    return redirect("motions:detail", motion_id=motion.pk)


@login_required
def motion_edit(request: HttpRequest, motion_id: int) -> HttpResponse:
    user = _user(request)
    motion = permissions.get_motion_for_view(user, motion_id)
    if not permissions.is_lead_deputy(user, motion):
        raise PermissionDenied
    initial = {
        "session": motion.session_id,
        "title": motion.title,
        "proposer_kind": motion.proposer_kind,
        "reason": motion.reason,
        "grounds": motion.grounds,
        "plan": motion.plan,
    }
    form = MotionForm(request.POST or None, initial=initial, congress_id=motion.congress_id)
    context = {"form": form, "motion": motion, "editable": motion.status == MotionStatus.DRAFT}
    if request.method != "POST":
        return render(request, "motions/form.html", context)
    try:
        saved = _save(
            form,
            lambda data: actions.motion_update(
                actor=user,
                motion=motion,
                session=data["session"],
                title=data["title"],
                reason=data["reason"],
                grounds=data["grounds"],
                plan=data["plan"],
                proposer_kind=data["proposer_kind"],
            ),
        )
    except DomainError as error:
        if isinstance(error, NotPermitted):
            raise PermissionDenied from error
        return render_form_error(request, "motions/form.html", context, error)
    if saved is None:
        return render(request, "motions/form.html", context, status=400)
    messages.success(request, _("议案已保存。"))
    return redirect("motions:detail", motion_id=motion.pk)


# --- the motion page ---


def _invitable_deputies(motion: Motion) -> list[User]:
    taken = set(motion.cosigners.exclude(status=MotionCosignerStatus.DECLINED).values_list("deputy_id", flat=True))
    taken.add(motion.lead_deputy_id)
    ids = RoleAssignment.objects.filter(congress_id=motion.congress_id, role=Role.DEPUTY, is_active=True).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).exclude(pk__in=taken).order_by("full_name", "pk"))


def _detail(
    request: HttpRequest, motion: Motion, *, error: DomainError | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    motion.refresh_from_db()
    is_lead = permissions.is_lead_deputy(user, motion)
    is_staff = permissions.can_decide(user, motion)
    is_draft = motion.status == MotionStatus.DRAFT
    cosigners = list(motion.cosigners.select_related("deputy").order_by("status", "pk"))
    mine = next((c for c in cosigners if c.deputy_id == user.pk), None)
    needed = actions.threshold(motion.congress)
    count = actions.confirmed_count(motion)
    before_vote = motion.status in actions.WITHDRAWABLE_AFTER_FILING
    context = {
        "motion": motion,
        "error": error,
        "cosigners": cosigners,
        "confirmed": count,
        "needed": needed,
        "missing": max(needed - count, 0),
        "is_delegation": motion.proposer_kind == ProposerKind.DELEGATION,
        "can_edit": is_lead and is_draft,
        "can_invite": is_lead and is_draft,
        "invitable": _invitable_deputies(motion) if is_lead and is_draft else [],
        "can_respond": (
            is_draft
            and mine is not None
            and mine.status == MotionCosignerStatus.INVITED
            and deputy_congress_id(user) == motion.congress_id
        ),
        "can_file": is_lead and is_draft,
        "can_withdraw": is_lead and (is_draft or (before_vote and motion.withdrawal_requested_at is None)),
        "can_decide": is_staff and motion.status == MotionStatus.FILED,
        "can_agree_withdrawal": is_staff and before_vote and motion.withdrawal_requested_at is not None,
        "can_vote": is_staff and motion.status == MotionStatus.LISTED_ON_AGENDA,
        "committees": Unit.objects.filter(
            congress_id=motion.congress_id, kind=UnitKind.SPECIAL_COMMITTEE, is_active=True
        ),
        "categories": Category.choices,
    }
    return render(request, "motions/detail.html", context, status=status)


@login_required
def motion_detail(request: HttpRequest, motion_id: int) -> HttpResponse:
    return _detail(request, permissions.get_motion_for_view(_user(request), motion_id))


def _act(
    request: HttpRequest, motion_id: int, action: Callable[[User, Motion], object], success: str | StrPromise
) -> HttpResponse:
    """Run the one action behind a button. Not allowed: 403. Refused: the page again, with the reason."""
    user = _user(request)
    motion = permissions.get_motion_for_view(user, motion_id)
    try:
        action(user, motion)
    except NotPermitted as error:
        raise PermissionDenied from error
    except DomainError as error:
        return _detail(request, motion, error=error, status=error.status_code)
    messages.success(request, success)
    return redirect("motions:detail", motion_id=motion.pk)


def _deputies_from_post(request: HttpRequest) -> list[User]:
    ids: list[int] = []
    for value in request.POST.getlist("deputies"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    found = {user.pk: user for user in User.objects.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


@login_required
@require_POST
def motion_invite(request: HttpRequest, motion_id: int) -> HttpResponse:
    return _act(
        request,
        motion_id,
        lambda user, motion: actions.cosigner_invite(actor=user, motion=motion, deputies=_deputies_from_post(request)),
        _("已发出联名邀请，代表确认后才计入人数。"),
    )


@login_required
@require_POST
def motion_respond(request: HttpRequest, motion_id: int) -> HttpResponse:
    accept = request.POST.get("accept") == "1"
    return _act(
        request,
        motion_id,
        lambda user, motion: actions.cosigner_respond(actor=user, motion=motion, accept=accept),
        _("您已确认联名。") if accept else _("您已谢绝联名。"),
    )


@login_required
@require_POST
def motion_file(request: HttpRequest, motion_id: int) -> HttpResponse:
    return _act(
        request,
        motion_id,
        lambda user, motion: actions.motion_file(actor=user, motion=motion),
        _("议案已提出。"),
    )


@login_required
@require_POST
def motion_decide(request: HttpRequest, motion_id: int) -> HttpResponse:
    committee_id = request.POST.get("committee", "")
    committee = Unit.objects.filter(pk=int(committee_id)).first() if committee_id.isdigit() else None
    return _act(
        request,
        motion_id,
        lambda user, motion: actions.motion_decide(
            actor=user,
            motion=motion,
            decision=request.POST.get("decision", ""),
            note=request.POST.get("note", ""),
            committee=committee,
            category=request.POST.get("category", ""),
        ),
        _("已记录主席团的决定。"),
    )


@login_required
@require_POST
def motion_withdraw(request: HttpRequest, motion_id: int) -> HttpResponse:
    return _act(
        request,
        motion_id,
        lambda user, motion: actions.motion_withdraw(actor=user, motion=motion, reason=request.POST.get("reason", "")),
        _("已撤回议案，或已申请撤回（提出后的议案须经主席团同意）。"),
    )


@login_required
@require_POST
def motion_withdraw_agree(request: HttpRequest, motion_id: int) -> HttpResponse:
    agree = request.POST.get("agree") == "1"
    return _act(
        request,
        motion_id,
        lambda user, motion: actions.motion_withdraw_agreed(
            actor=user, motion=motion, agree=agree, note=request.POST.get("note", "")
        ),
        _("主席团已同意撤回。") if agree else _("主席团不同意撤回。"),
    )


@login_required
@require_POST
def motion_vote(request: HttpRequest, motion_id: int) -> HttpResponse:
    return _act(
        request,
        motion_id,
        lambda user, motion: actions.motion_record_vote(
            actor=user, motion=motion, result=request.POST.get("result", ""), note=request.POST.get("note", "")
        ),
        _("已记录大会表决结果。"),
    )


urlpatterns: list[URLPattern] = [
    path("", motion_list, name="list"),
    path("new/", motion_create, name="create"),
    path("<int:motion_id>/", motion_detail, name="detail"),
    path("<int:motion_id>/edit/", motion_edit, name="edit"),
    path("<int:motion_id>/invite/", motion_invite, name="invite"),
    path("<int:motion_id>/respond/", motion_respond, name="respond"),
    path("<int:motion_id>/file/", motion_file, name="file"),
    path("<int:motion_id>/decide/", motion_decide, name="decide"),
    path("<int:motion_id>/withdraw/", motion_withdraw, name="withdraw"),
    path("<int:motion_id>/withdraw/agree/", motion_withdraw_agree, name="withdraw_agree"),
    path("<int:motion_id>/vote/", motion_vote, name="vote"),
]
