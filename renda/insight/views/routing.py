"""Routing pages: the domain dictionary, the keyword rules, the model versions and their accuracy.

Committee staff of the congress edit and retrain; its leaders read. Thin adapters over
``renda.insight.routing_actions``; a refused POST answers 4xx with the action's Chinese message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renda.accounts.models import User
from renda.core.errors import DomainError
from renda.core.views import render_form_error
from renda.insight import routing, routing_actions, tokens
from renda.insight.models import DictionaryTerm, KeywordRule, RoutingModel
from renda.opinions.models import Category, Level
from renda.organizations.models import Congress, Unit

PREVIEW_MAX = 2000


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _reader_congress(request: HttpRequest) -> tuple[Congress, bool]:
    """The congress whose routing the user reads, and whether they may edit it (403 otherwise)."""
    user = _user(request)
    congress_id = routing_actions.reader_congress(user)
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id), routing_actions.staff_congress_id(user) == congress_id


def _staff_congress(request: HttpRequest) -> Congress:
    congress, may_edit = _reader_congress(request)
    if not may_edit:
        raise PermissionDenied
    return congress


class TermForm(forms.Form):
    word = forms.CharField(label=gettext_lazy("词语"), max_length=60)


class RuleForm(forms.Form):
    keyword = forms.CharField(label=gettext_lazy("关键词"), max_length=60)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=Category.choices)
    level = forms.ChoiceField(label=gettext_lazy("分级"), choices=[("", "—"), *Level.choices], required=False)
    unit = forms.ModelChoiceField(label=gettext_lazy("承办单位"), queryset=Unit.objects.none(), required=False)
    priority = forms.IntegerField(label=gettext_lazy("优先级"), min_value=0, max_value=100, initial=10)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(congress=congress, is_active=True)  # type: ignore[attr-defined]


@login_required
def dictionary(request: HttpRequest) -> HttpResponse:
    congress, may_edit = _reader_congress(request)
    form = TermForm()
    if request.method == "POST":
        congress = _staff_congress(request)
        user = _user(request)
        try:
            if request.POST.get("delete"):
                term = get_object_or_404(DictionaryTerm, pk=request.POST.get("delete", "0"), congress=congress)
                routing_actions.dictionary_term_delete(actor=user, term=term)
                messages.success(request, _("已删除“%(word)s”。") % {"word": term.word})
                return redirect("insight:dictionary")
            form = TermForm(request.POST)
            if form.is_valid():
                term = routing_actions.dictionary_term_add(
                    actor=user, congress=congress, word=form.cleaned_data["word"]
                )
                messages.success(request, _("已加入“%(word)s”。") % {"word": term.word})
                return redirect("insight:dictionary")
            return render(
                request,
                "insight/routing_dictionary.html",
                _dictionary_context(request, congress, form, may_edit),
                status=400,
            )
        except DomainError as error:
            return render_form_error(
                request,
                "insight/routing_dictionary.html",
                _dictionary_context(request, congress, form, may_edit),
                error,
            )
    return render(request, "insight/routing_dictionary.html", _dictionary_context(request, congress, form, may_edit))


def _dictionary_context(request: HttpRequest, congress: Congress, form: TermForm, may_edit: bool) -> dict[str, Any]:
    sample = request.GET.get("text", "")[:PREVIEW_MAX]
    return {
        "congress": congress,
        "terms": DictionaryTerm.objects.filter(congress=congress).select_related("created_by"),
        "base_words": tokens.BASE_WORDS,
        "form": form,
        "may_edit": may_edit,
        "sample": sample,
        "sample_tokens": tokens.tokenize(sample, congress.pk) if sample.strip() else None,
    }


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    congress, may_edit = _reader_congress(request)
    form = RuleForm(congress=congress)
    if request.method == "POST":
        congress = _staff_congress(request)
        user = _user(request)
        try:
            if request.POST.get("delete"):
                rule = get_object_or_404(KeywordRule, pk=request.POST.get("delete", "0"), congress=congress)
                routing_actions.keyword_rule_delete(actor=user, rule=rule)
                messages.success(request, _("已删除关键词“%(word)s”的规则。") % {"word": rule.keyword})
                return redirect("insight:rules")
            if request.POST.get("defaults"):
                added = routing_actions.keyword_rules_load_defaults(actor=user, congress=congress)
                messages.success(request, _("已载入 %(n)s 条默认规则。") % {"n": added})
                return redirect("insight:rules")
            form = RuleForm(request.POST, congress=congress)
            if form.is_valid():
                data = form.cleaned_data
                routing_actions.keyword_rule_add(
                    actor=user,
                    congress=congress,
                    keyword=data["keyword"],
                    category=data["category"],
                    level=data["level"] or "",
                    unit_id=data["unit"].pk if data["unit"] else None,
                    priority=data["priority"] if data["priority"] is not None else 10,
                )
                messages.success(request, _("规则已保存。"))
                return redirect("insight:rules")
            return render(request, "insight/routing_rules.html", _rules_context(congress, form, may_edit), status=400)
        except DomainError as error:
            return render_form_error(
                request, "insight/routing_rules.html", _rules_context(congress, form, may_edit), error
            )
    return render(request, "insight/routing_rules.html", _rules_context(congress, form, may_edit))


def _rules_context(congress: Congress, form: RuleForm, may_edit: bool) -> dict[str, Any]:
    return {
        "congress": congress,
        "rules": KeywordRule.objects.filter(congress=congress).select_related("unit"),
        "categories": dict(Category.choices),
        "form": form,
        "may_edit": may_edit,
    }


@login_required
def models(request: HttpRequest) -> HttpResponse:
    congress, may_edit = _reader_congress(request)
    versions = list(RoutingModel.objects.filter(congress=congress).defer("artifact").order_by("-version")[:20])
    unit_names = dict(Unit.objects.filter(congress=congress).values_list("pk", "name"))
    categories = dict(Category.choices)
    tables = [(version, _accuracy_rows(version.accuracy, categories, unit_names)) for version in versions]
    text = request.GET.get("text", "")[:PREVIEW_MAX]
    suggestion = routing.suggest(congress, text) if text.strip() else None
    return render(
        request,
        "insight/routing_models.html",
        {
            "congress": congress,
            "tables": tables,
            "may_edit": may_edit,
            "triaged": routing.triaged_count(congress),
            "minimum": routing.MIN_TRIAGED,
            "text": text,
            "suggestion": suggestion,
            "suggested_unit": unit_names.get(suggestion.unit_id) if suggestion and suggestion.unit_id else "",
            "suggested_category": categories.get(suggestion.category, "") if suggestion else "",
        },
    )


def _accuracy_rows(
    accuracy: dict[str, Any], categories: Mapping[str, object], unit_names: dict[int, str]
) -> list[dict[str, Any]]:
    """Per target: its overall accuracy and one row per class, labelled for people."""
    rows = []
    labels = {"category": _("类别"), "level": _("分级"), "unit": _("承办单位")}
    for target in routing.TARGETS:
        result = accuracy.get(target)
        if not result:
            continue
        classes = []
        for label, figures in result.get("classes", {}).items():
            if target == "category":
                name = categories.get(label, label)
            elif target == "unit":
                name = unit_names.get(int(label), label) if label.isdigit() else label
            else:
                name = label
            classes.append({"name": name, **figures})
        rows.append(
            {
                "target": labels[target],
                "accuracy": result.get("accuracy"),
                "size": result.get("size"),
                "classes": classes,
            }
        )
    return rows


@login_required
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    congress = _staff_congress(request)
    try:
        routing_actions.routing_retrain_request(actor=_user(request), congress=congress)
    except DomainError as error:
        messages.error(request, error.message)
        response = models(request)
        response.status_code = error.status_code
        return response
    messages.success(request, _("已开始重新训练；完成后新版本会出现在下表中。"))
    return redirect("insight:models")


urlpatterns: list[URLPattern] = [
    path("routing/dictionary/", dictionary, name="dictionary"),
    path("routing/rules/", rules, name="rules"),
    path("routing/models/", models, name="models"),
    path("routing/retrain/", retrain, name="retrain"),
]
