"""One error shape for the whole API: ``{code, message, field}``.

Messages are Chinese; a client that asks for English (``Accept-Language: en``
or ``?lang=en``) gets the English text for every code listed below, and the
Chinese text otherwise.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

ENGLISH_BY_CODE = {
    "not_authenticated": "Please log in first.",
    "forbidden": "You may not do this.",
    "not_found": "Not found, or you may not see it.",
    "invalid_input": "The input is not valid.",
    "invalid_state": "This action is not allowed in the object's current state.",
    "required": "This field is required.",
    "too_long": "This field is too long.",
    "too_short": "This field is too short.",
    "invalid_type": "This field has the wrong type.",
    "invalid_choice": "This value is not one of the allowed choices.",
    "invalid_json": "The request body is not valid JSON.",
    "duplicate": "This value is already in use.",
    "wrong_congress": "The referenced object belongs to another congress.",
    "invalid_credentials": "Wrong username/phone or password.",
    "account_locked": "The account is locked. Try again later or ask an administrator.",
    "account_inactive": "The account is disabled.",
    "invalid_totp": "The one-time code is wrong or was already used.",
    "invalid_sms_code": "The SMS code is wrong or has expired.",
    "weak_password": "The password does not meet the password policy.",
    "wrong_password": "The current password is wrong.",
    "password_change_required": "You must change your password first.",
    "invalid_date": "Dates must be written YYYY-MM-DD.",
    "server_error": "Something went wrong on the server.",
}


def wants_english(request: HttpRequest) -> bool:
    if request.GET.get("lang") == "en":
        return True
    return request.headers.get("Accept-Language", "").lower().startswith("en")


def error_body(request: HttpRequest, *, code: str, message: str, field: str | None) -> dict[str, Any]:
    if wants_english(request):
        message = ENGLISH_BY_CODE.get(code, message)
    return {"code": code, "message": message, "field": field}


PYDANTIC_CODES = {
    "missing": ("required", "缺少必填字段“{field}”"),
    "string_too_long": ("too_long", "“{field}”过长，最多 {max_length} 个字符"),
    "string_too_short": ("too_short", "“{field}”不能为空或过短"),
    "int_parsing": ("invalid_type", "“{field}”必须是整数"),
    "int_type": ("invalid_type", "“{field}”必须是整数"),
    "bool_parsing": ("invalid_type", "“{field}”必须是 true 或 false"),
    "bool_type": ("invalid_type", "“{field}”必须是 true 或 false"),
    "string_type": ("invalid_type", "“{field}”必须是文本"),
    "dict_type": ("invalid_type", "“{field}”必须是对象"),
    "literal_error": ("invalid_choice", "“{field}”的取值不在允许范围内"),
    "enum": ("invalid_choice", "“{field}”的取值不在允许范围内"),
    "json_invalid": ("invalid_json", "请求体不是有效的 JSON"),
}


def translate_validation_errors(errors: list[dict[str, Any]]) -> tuple[str, str, str | None]:
    """Turn the first pydantic/ninja error into (code, Chinese message, field)."""
    if not errors:
        return "invalid_input", "输入不正确", None
    first = errors[0]
    location = [str(part) for part in first.get("loc", []) if part not in ("body", "payload", "query", "path")]
    field = location[-1] if location else None
    kind = str(first.get("type", ""))
    context = first.get("ctx") or {}
    code, template = PYDANTIC_CODES.get(kind, ("invalid_input", "“{field}”的值不正确"))
    if kind == "json_invalid" or field is None:
        if kind in PYDANTIC_CODES:
            return code, template.format(field="请求体", max_length=context.get("max_length", "")), field
        return "invalid_input", "请求体格式不正确", None
    return code, template.format(field=field, max_length=context.get("max_length", "")), field


def json_error(request: HttpRequest, status: int, *, code: str, message: str, field: str | None = None) -> HttpResponse:
    import json

    return HttpResponse(
        json.dumps(error_body(request, code=code, message=message, field=field), ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )
