"""Pages for ballots: the voting page (phone first), the staff open/close buttons, and the big screen.

Thin adapters: permission fetchers find the ballot (404 for anyone who may not see it), the
actions do every change, ``queries`` reads what the templates show.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from renda.accounts.models import User
from renda.ballots import actions, permissions, queries, slips, throttle
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
    if ballot.uses_codes:
        try:
            ballot, codes = actions.ballot_open_with_codes(actor=user, ballot=ballot)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("ballots:detail", ballot_id=ballot.pk)
        return render_code_slips(request, ballot, codes)
    perform(request, lambda: actions.ballot_open(actor=user, ballot=ballot), success=_("表决已开始，投票人名单已确定"))
    return redirect("ballots:detail", ballot_id=ballot.pk)


def render_code_slips(
    request: HttpRequest, ballot: Ballot, codes: list[str], *, back_url: str = "", template: str = ""
) -> HttpResponse:
    """The one page that ever shows a code ballot's clear codes: printable slips, and a Word download."""
    context = {
        "ballot": ballot,
        "slips": slips.slips_for(request, codes),
        "public_url": request.build_absolute_uri(reverse("ballots:code_vote")),
        "back_url": back_url or reverse("ballots:detail", kwargs={"ballot_id": ballot.pk}),
    }
    response = render(request, template or "ballots/code_slips_page.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def code_slips(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """The slips as a Word file, from the codes the staff member's page posts back (nothing is stored)."""
    ballot = permissions.get_ballot_for_manage(_user(request), ballot_id)
    posted = slips.clean_posted_codes(request.POST.getlist("code"))
    known = queries.codes_of_ballot(ballot, posted)
    if not posted or len(known) != len(posted) or len(posted) > actions.MAX_CODE_VOTERS:
        return render(
            request,
            "errors/400.html",
            {"message": _("投票码无效或已使用，无法生成投票纸条")},
            status=400,
        )
    content = slips.slips_docx(
        ballot,
        slips.slips_for(request, known),
        public_url=request.build_absolute_uri(reverse("ballots:code_vote")),
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-codes.docx"'
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def code_vote(request: HttpRequest) -> HttpResponse:
    """The public voting page for people with a one-time code: no login, secret ballot only.

    GET without a code asks for one; GET with ``?code=`` (the QR link) shows the questions; POST casts.
    Wrong or used codes and times outside the window are refused with a message, and nothing is recorded.
    """
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    context: dict[str, object] = {"code": actions.normalise_code(code)[:40], "selected": set()}
    if not code.strip():
        return _code_page(request, context)
    try:
        throttle.check_code_attempts(request)
        voter_code = actions.find_voter_code(code)
        actions.check_code_usable(voter_code)
    except DomainError as error:
        throttle.note_code_failure(request, error)
        return _code_page(request, {**context, "error": error}, status=error.status_code)
    ballot = voter_code.ballot
    context.update({"ballot": ballot, "questions": queries.questions_with_options(ballot)})
    if request.method != "POST":
        return _code_page(request, context)
    selected: set[int] = set()
    try:
        choices, selected = _choices_from_post(request, ballot)
        receipt = actions.code_vote_cast(code=code, choices=choices)
    except DomainError as error:
        throttle.note_code_failure(request, error)
        return _code_page(request, {**context, "error": error, "selected": selected}, status=error.status_code)
    return _code_page(request, {"ballot": ballot, "receipt": receipt, "code": ""})


def _code_page(request: HttpRequest, context: dict[str, object], *, status: int = 200) -> HttpResponse:
    response = render(request, "ballots/code_vote.html", context, status=status)
    add_never_cache_headers(response)
    return response


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
