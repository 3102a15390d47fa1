from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from renda.organizations.config import SETTINGS, SettingSpec
from renda.organizations.models import Congress, Unit, UnitKind
from renda.organizations.roles import Role


class CongressForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)


class ChildCongressForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    code = forms.CharField(label=_("代码（英文字母、数字）"), max_length=40)


def _default_label(spec: SettingSpec) -> str:
    if spec.kind == "bool":
        return str(_("是") if spec.default else _("否"))
    if spec.kind == "choice":
        return str(dict(spec.choices).get(spec.default, spec.default))
    if spec.kind == "mapping":
        return "、".join(spec.default)
    return str(spec.default)


class CongressSettingsForm(forms.Form):
    """One field per [config] threshold; mapping values are edited as “代码=含义” lines."""

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections: dict[str, list[str]] = {}
        for spec in SETTINGS:
            value = congress.setting(spec.key)
            help_text = _("默认：%(default)s") % {"default": _default_label(spec)}
            field: forms.Field
            if spec.kind == "bool":
                field = forms.BooleanField(label=spec.label, required=False, initial=value, help_text=help_text)
            elif spec.kind == "int":
                field = forms.IntegerField(label=spec.label, initial=value, help_text=help_text)
            elif spec.kind == "choice":
                field = forms.ChoiceField(label=spec.label, choices=spec.choices, initial=value, help_text=help_text)
            else:
                field = forms.CharField(
                    label=spec.label,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    initial="\n".join(f"{code}={meaning}" for code, meaning in value.items()),
                    help_text=help_text,
                    max_length=2000,
                )
            self.fields[spec.key] = field
            self.sections.setdefault(spec.section, []).append(spec.key)

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec in SETTINGS:
            raw = self.cleaned_data.get(spec.key)
            if spec.kind == "mapping":
                mapping: dict[str, str] = {}
                for line in str(raw or "").splitlines():
                    if not line.strip():
                        continue
                    code, _sep, meaning = line.partition("=")
                    mapping[code.strip()] = meaning.strip()
                values[spec.key] = mapping
            else:
                values[spec.key] = raw
        return values


class UnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    congress = forms.ModelChoiceField(label=_("所属人大"), queryset=Congress.objects.none())
    parent = forms.ModelChoiceField(label=_("上级单位"), queryset=Unit.objects.none(), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, congresses: QuerySet[Congress], units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["congress"].queryset = congresses  # type: ignore[attr-defined]
        self.fields["parent"].queryset = units  # type: ignore[attr-defined]


class RoleGrantForm(forms.Form):
    congress = forms.ModelChoiceField(label=_("人大"), queryset=Congress.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("单位（部分角色必填）"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, congresses: QuerySet[Congress], units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["congress"].queryset = congresses  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class MemberCreateForm(RoleGrantForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    password = forms.CharField(label=_("临时密码（首次登录须修改）"), max_length=128, widget=forms.PasswordInput)

    field_order = ["username", "full_name", "phone", "email", "password", "congress", "role", "unit"]


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(label=_("新的临时密码"), max_length=128, widget=forms.PasswordInput)
