"""The REST API under /api/v1/, documented by OpenAPI at /api/docs.

Each app contributes a router from its own ``api.py``; endpoints are thin and
call the same actions and permission fetchers as the pages.
"""

from __future__ import annotations

import logging
from importlib import import_module

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from renda.api.auth import SessionCsrfAuth, TokenAuth
from renda.api.errors import json_error, translate_validation_errors
from renda.core.errors import DomainError

logger = logging.getLogger("renda.api")

api = NinjaAPI(
    title="Renda 数字人大 API",
    version="1.0.0",
    description=(
        "人大常委会履职平台接口。所有接口使用与页面相同的权限规则。"
        "认证：浏览器会话（须带 CSRF 令牌）或个人令牌（Authorization: Bearer rd_…）。"
        "可用请求头 X-Renda-Role 指定以哪个角色（角色编号）操作。"
        "错误统一为 {code, message, field}；Accept-Language: en 返回英文说明。"
    ),
    auth=[TokenAuth(), SessionCsrfAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return json_error(request, exc.status_code, code=exc.code, message=exc.message, field=exc.field)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    code, message, field = translate_validation_errors(list(exc.errors))
    return json_error(request, 400, code=code, message=message, field=field)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return json_error(request, 401, code="not_authenticated", message="请先登录，或提供有效的令牌")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return json_error(request, 404, code="not_found", message="对象不存在或无权访问")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return json_error(request, 403, code="forbidden", message="无权进行此操作")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403:
        return json_error(request, 403, code="forbidden", message="CSRF 校验失败或无权进行此操作")
    if exc.status_code == 400:
        return json_error(request, 400, code="invalid_json", message="请求体不是有效的 JSON")
    return json_error(request, exc.status_code, code="invalid_input", message="请求无法处理")


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unexpected API error", exc_info=exc)
    return json_error(request, 500, code="server_error", message="服务器内部错误，请联系系统管理员")


def _register_routers() -> None:
    from renda.accounts.api import router as accounts_router
    from renda.ballots.api import router as ballots_router
    from renda.core.api import router as audit_router
    from renda.organizations.api import router as organizations_router

    api.add_router("/", accounts_router)
    api.add_router("/", organizations_router)
    api.add_router("/", audit_router)
    api.add_router("/", ballots_router)
    api.add_router("/", import_module("renda.motions.api").router)
    for module in ("api", "api_stats", "api_public", "api_io"):
        api.add_router("/", import_module(f"renda.suggestions.{module}").router)
    for module in ("api_roster", "api_stations", "api_record", "api_scores", "api_reports"):
        api.add_router("/", import_module(f"renda.deputies.{module}").router)
    for module in ("api_cycle", "api_oversight", "api_figures"):
        api.add_router("/", import_module(f"renda.livelihood.{module}").router)
    for module in ("api_loop", "api_public", "api_staff", "api_search", "api_dashboard"):
        api.add_router("/", import_module(f"renda.opinions.{module}").router)
    for module in ("api_routing", "api_topics"):
        api.add_router("/", import_module(f"renda.insight.{module}").router)


_register_routers()
