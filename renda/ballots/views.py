"""Pages for ballots: the voting page (phone first), the staff open/close buttons, and the big screen.

Thin adapters: permission fetchers find the ballot (404 for anyone who may not see it), the
actions do every change, ``queries`` reads what the templates show.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from renda.accounts.models import User
from renda.ballots import actions, permissions, queries
from renda.ballots.models import Ballot
from renda.core.errors import DomainError, InvalidInput
from renda.core.views import perform


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def ballot_list(request: HttpRequest) -> HttpResponse:
    return render(request, "ballots/ballot_list.html", {"ballots": queries.ballots_for_list(_user(request))})


def _choices_from_post(request: HttpRequest, ballot: Ballot) -> tuple[dict[int, list[int]], set[int]]:
    """The form's ``q<question id>`` fields as the action wants them, and every option id ticked."""
    choices: dict[int, list[int]] = {}
    for question_id in ballot.questions.values_list("pk", flat=True):
        values = request.POST.getlist(f"q{question_id}")
        try:
            choices[question_id] = [int(value) for value in values]
        except ValueError:
            raise InvalidInput(str(_("选票内容无效，请重新选择")), code="invalid_choice", field="choices") from None
    return choices, {option for chosen in choices.values() for option in chosen}


def _detail(
    request: HttpRequest,
    ballot: Ballot,
    *,
    receipt: str = "",
    error: DomainError | None = None,
    selected: set[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    context = {
        "ballot": ballot,
        "questions": queries.questions_with_options(ballot),
        "counts": queries.quorum_status(ballot),
        "in_window": queries.in_window(ballot),
        "can_vote": permissions.can_vote(user, ballot),
        "can_manage": permissions.can_manage_ballot(user, ballot),
        "has_voted": queries.has_voted(ballot, user),
        "result": queries.result_rows(ballot),
        "receipt": receipt,
        "error": error,
        "selected": selected or set(),
    }
    return render(request, "ballots/ballot_detail.html", context, status=status)


@login_required
def ballot_detail(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """GET shows the ballot; POST casts the vote and shows the receipt code this once (never stored)."""
    user = _user(request)
    ballot = permissions.get_ballot_for_view(user, ballot_id)
    if request.method != "POST":
        return _detail(request, ballot)
    selected: set[int] = set()
    try:
        choices, selected = _choices_from_post(request, ballot)
        receipt = actions.vote_cast(ballot=ballot, voter=user, choices=choices)
    except DomainError as error:
        return _detail(request, ballot, error=error, selected=selected, status=error.status_code)
    return _detail(request, ballot, receipt=receipt)


@login_required
@require_POST
def ballot_open(request: HttpRequest, ballot_id: int) -> HttpResponse:
    user = _user(request)
    ballot = permissions.get_ballot_for_manage(user, ballot_id)
    perform(request, lambda: actions.ballot_open(actor=user, ballot=ballot), success=_("表决已开始，投票人名单已确定"))
    return redirect("ballots:detail", ballot_id=ballot.pk)


@login_required
@require_POST
def ballot_close(request: HttpRequest, ballot_id: int) -> HttpResponse:
    user = _user(request)
    ballot = permissions.get_ballot_for_manage(user, ballot_id)
    perform(
        request,
        lambda: actions.ballot_close(actor=user, ballot=ballot, early=request.POST.get("early") == "1"),
        success=_("表决已结束，计票完成"),
    )
    return redirect("ballots:detail", ballot_id=ballot.pk)


@login_required
def ballot_screen(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """The meeting-hall screen. While open: only how many have voted. After close: tally and verdict.

    htmx polls this URL; an ``HX-Request`` gets just the fragment.
    """
    ballot = permissions.get_ballot_for_view(_user(request), ballot_id)
    context = {"ballot": ballot, "counts": queries.quorum_status(ballot), "result": queries.result_rows(ballot)}
    template = "ballots/screen_body.html" if request.headers.get("HX-Request") else "ballots/screen.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
