from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from renda.accounts.models import User
from renda.organizations.roles import Role

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_every_response_carries_a_csp_without_inline_script(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split("; ") if part.startswith("script-src"))
    assert script_src == "script-src 'self'"
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    assert "<script>" not in html and "onclick=" not in html and "http://" not in html.replace("http://www.w3.org", "")


@pytest.mark.django_db
def test_forms_are_protected_by_csrf(make_person: Callable[..., User]) -> None:
    make_person(Role.DEPUTY, username="csrf")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"identifier": "csrf", "password": "x"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "RENDA_ENV": "production",
        "SECRET_KEY": "x" * 30 + "-production-secret-key-with-enough-entropy-1234567890",
        "RENDA_ALLOWED_HOSTS": "renda.example.gov.cn",
        "RENDA_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "RENDA_SECRET_KEY")}
    environment.update({"RENDA_ENV": "production", "RENDA_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_embedded_default_generates_a_secret_key_in_var(tmp_path: Path) -> None:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "RENDA_SECRET_KEY", "RENDA_ENV")
    }
    environment["RENDA_VAR_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, check=True, capture_output=True)
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


@pytest.mark.django_db
def test_unknown_url_gets_a_friendly_chinese_404(client: Client, settings: object) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_language_toggle_switches_to_english_and_back(
    make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(make_person(Role.DEPUTY))
    chinese = client.get("/")
    assert '<html lang="zh-CN">' in chinese.content.decode()
    assert "首页" in chinese.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/")
    html = english.content.decode()
    assert '<html lang="en">' in html
    assert "Home" in html and "首页" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "首页" in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_every_role_has_a_home_page(
    role: str, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    response = client_for(make_person(role)).get("/")
    assert response.status_code == 200
    assert response.context["assignment"].role == role
    html = response.content.decode()
    assert "我的待办" in html
    admin_link = "/manage/users/" in html
    audit_link = "/audit/" in html
    assert admin_link == (role == Role.STAFF_ADMIN)
    assert audit_link == (role == Role.AUDITOR)


@pytest.mark.django_db
def test_static_assets_are_served_by_the_app(client: Client) -> None:
    for path in ("/static/vendor/htmx/htmx.min.js", "/static/renda/app.css", "/static/renda/app.js"):
        assert client.get(path).status_code == 200, path
