"""API: full-text search over the opinions the caller may see (same rules as the ``opinions:search`` page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from renda.opinions import permissions, search
from renda.opinions.api_loop import OpinionSummaryOut
from renda.opinions.models import Opinion

if TYPE_CHECKING:
    from renda.accounts.models import User

router = Router(tags=["群众意见 Opinions"])


QUERY_HELP = "检索词：原文中的连续文字（一个字也可以）；多个词用空格隔开，须全部包含；不超过 100 个字"


@router.get(
    "/opinions/search",
    response=list[OpinionSummaryOut],
    summary="检索我可见的群众意见（全文，新的在前）",
    description=f"参数 q：{QUERY_HELP}。空的或过长的检索词返回 400。",
)
@paginate(LimitOffsetPagination)
def search_opinions(request: HttpRequest, q: str = "") -> QuerySet[Opinion]:
    user: User = request.user  # type: ignore[assignment]
    return search.search(permissions.opinions_visible_to(user), q)
