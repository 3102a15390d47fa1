"""The auditor's filterable view of the audit trail (read-only: there is no edit path)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from renda.core.audit_queries import AuditFilter, audit_events_for, parse_filter
from renda.core.errors import DomainError
from renda.organizations.models import Congress
from renda.organizations.permissions import audited_congress_ids, can_view_audit
from renda.organizations.roles import Role


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_view_audit(user):  # type: ignore[arg-type]
        raise PermissionDenied
    error = ""
    try:
        audit_filter = parse_filter(request.GET.dict())
    except DomainError as problem:
        error = problem.message
        audit_filter = AuditFilter()
    events = audit_events_for(user, audit_filter).select_related("congress")  # type: ignore[arg-type]
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filter": request.GET,
        "error": error,
        "query_string": query.urlencode(),
        "roles": Role.choices,
        "congresses": Congress.objects.filter(pk__in=audited_congress_ids(user)).order_by("code"),  # type: ignore[arg-type]
    }
    template = "core/audit_rows.html" if request.headers.get("HX-Request") else "core/audit_list.html"
    return render(request, template, context, status=400 if error else 200)
