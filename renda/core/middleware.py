"""Security headers for every response, with a Content-Security-Policy that allows no inline script."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The API browser (Swagger UI, served from the ninja package) sets element styles itself.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = API_DOCS_POLICY if request.path.startswith("/api/") else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client address for the audit trail.

    Behind a reverse proxy listed in RENDA_TRUSTED_PROXIES, the proxy's X-Real-IP
    (or the last X-Forwarded-For hop) names the client; from anyone else those
    headers are ignored, since a client could forge them.
    """
    from django.conf import settings

    address = str(request.META.get("REMOTE_ADDR") or "")
    if address and address in settings.RENDA_TRUSTED_PROXIES:
        real_ip = request.META.get("HTTP_X_REAL_IP", "").strip()
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        candidate = real_ip or (forwarded[-1] if forwarded else "")
        if candidate and _is_ip(candidate):
            return candidate
    return address or None


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
