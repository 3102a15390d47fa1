from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    identifier = forms.CharField(label=_("用户名或手机号"), max_length=150)
    password = forms.CharField(label=_("密码"), max_length=128, widget=forms.PasswordInput)


class TotpForm(forms.Form):
    code = forms.CharField(label=_("动态口令（6 位数字）"), max_length=8)


class SmsRequestForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20)


class SmsLoginForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20)
    code = forms.CharField(label=_("短信验证码"), max_length=8)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), max_length=128, widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), max_length=128, widget=forms.PasswordInput)
    new_password_again = forms.CharField(label=_("再次输入新密码"), max_length=128, widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("new_password") and cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致"))
        return cleaned


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=60)
