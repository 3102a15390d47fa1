"""Every **[config]** threshold of domain.md, as a per-congress setting with its default.

A congress stores only the values it overrides (``Congress.settings``); the
rest come from here. Each entry names where in domain.md the rule comes from,
so a clerk changing a value can see what it governs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from renda.core.errors import InvalidInput


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: StrPromise
    default: Any
    kind: str  # "int", "bool", "choice", "mapping"
    section: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, StrPromise], ...] = ()


SETTINGS: tuple[SettingSpec, ...] = (
    # §1.2 motions
    SettingSpec("motion_cosigner_threshold", _("议案联名代表最低人数"), 10, "int", "§1.2", 1, 200),
    SettingSpec("motion_delegation_may_submit", _("代表团可以提出议案"), True, "bool", "§1.2"),
    SettingSpec("sc_motion_member_threshold", _("常委会组成人员联名提出议案最低人数"), 5, "int", "§1.2", 1, 50),
    # §1.5–1.6 suggestions
    SettingSpec("suggestion_sign_for_working_days", _("建议签收时限（工作日）"), 3, "int", "§1.5", 1, 30),
    SettingSpec("suggestion_dispute_window_working_days", _("交办异议期（工作日）"), 7, "int", "§1.5", 1, 30),
    SettingSpec("suggestion_cohandler_opinion_months", _("会办单位提出意见时限（月）"), 1, "int", "§1.5", 1, 6),
    SettingSpec("suggestion_due_months", _("建议答复时限（月）"), 3, "int", "§1.6", 1, 12),
    SettingSpec("suggestion_complex_due_months", _("复杂建议答复时限（月）"), 6, "int", "§1.6", 1, 12),
    SettingSpec(
        "suggestion_due_counted_from",
        _("答复时限起算"),
        "assignment",
        "choice",
        "§1.6",
        choices=(("assignment", _("交办之日")), ("session_close", _("大会闭幕之日"))),
    ),
    SettingSpec("suggestion_extension_cap_months", _("延期最长（月）"), 3, "int", "§1.6", 0, 12),
    SettingSpec("suggestion_evaluation_working_days", _("代表反馈意见时限（工作日）"), 20, "int", "§1.5", 1, 60),
    SettingSpec("suggestion_rehandling_due_months", _("二次办理答复时限（月）"), 1, "int", "§1.5", 1, 6),
    SettingSpec("suggestion_communication_required", _("答复前必须有沟通记录"), True, "bool", "§1.5"),
    SettingSpec(
        "suggestion_reply_categories",
        _("答复结果分类（A/B/C/D）"),
        {
            "A": "已经解决或基本解决",
            "B": "正在解决或列入规划逐步解决",
            "C": "因条件限制需待以后解决",
            "D": "留作参考",
        },
        "mapping",
        "§1.7",
    ),
    # §2 deputies
    SettingSpec("score_good_threshold", _("履职积分“好”的下限"), 80, "int", "§2.2", 0, 1000),
    SettingSpec("score_fair_threshold", _("履职积分“较好”的下限"), 60, "int", "§2.2", 0, 1000),
    SettingSpec("score_poor_years_before_advice", _("连续“差”几年建议辞职或罢免"), 2, "int", "§2.2", 1, 5),
    SettingSpec("elector_report_min_voters", _("述职会议最少选民代表人数"), 50, "int", "§2.3", 1, 1000),
    # §3 citizens' opinions
    SettingSpec("opinion_due_working_days", _("群众意见办理时限（工作日）"), 5, "int", "§3.1", 1, 60),
    SettingSpec("opinion_complex_due_working_days", _("复杂群众意见办理时限（工作日）"), 10, "int", "§3.1", 1, 90),
    SettingSpec("station_schedule_notice_days", _("接待日提前公告天数"), 3, "int", "§3.1", 0, 30),
    # §4 livelihood projects
    SettingSpec("livelihood_solicitation_min_days", _("民生实事公开征集最少天数"), 30, "int", "§4", 1, 180),
    SettingSpec("livelihood_slots", _("民生实事票决项目数"), 10, "int", "§4", 1, 100),
    SettingSpec("livelihood_candidates", _("民生实事候选项目数"), 13, "int", "§4", 1, 150),
    SettingSpec("livelihood_requires_majority_of_all", _("当选须获全体代表过半数赞成"), False, "bool", "§4"),
    SettingSpec(
        "livelihood_tie_rule",
        _("得票相同时"),
        "runoff",
        "choice",
        "§4",
        choices=(("runoff", _("再次投票")), ("candidate_order", _("按候选顺序")), ("lot", _("抽签"))),
    ),
    # §5 supervision
    SettingSpec("report_draft_days_before_meeting", _("专项工作报告送审稿提前天数"), 20, "int", "§5.2", 1, 60),
    SettingSpec("report_final_days_before_meeting", _("专项工作报告正式稿提前天数"), 10, "int", "§5.2", 1, 60),
    SettingSpec("deliberation_opinion_compile_days", _("审议意见整理时限（天）"), 10, "int", "§5.2", 1, 60),
    SettingSpec("deliberation_handling_report_months", _("审议意见研究处理报告时限（月）"), 3, "int", "§5.2", 1, 12),
    SettingSpec("inquiry_deputy_cosigners", _("代表联名提出专题询问最低人数"), 5, "int", "§5.4", 1, 100),
    SettingSpec("interpellation_member_threshold", _("质询案联名常委会组成人员最低人数"), 5, "int", "§5.6", 1, 50),
    # §7 filing and review
    SettingSpec("filing_days_for_rules", _("规章报送备案时限（天）"), 30, "int", "§7", 1, 90),
    SettingSpec("filing_days_for_other_documents", _("其他规范性文件报送备案时限（天）"), 15, "int", "§7", 1, 90),
    SettingSpec("review_reply_months", _("审查意见回复时限（月）"), 2, "int", "§7", 1, 12),
    # §8 legislation
    SettingSpec("bill_readings", _("法规案审议次数"), 3, "int", "§8", 1, 4),
    SettingSpec("bill_member_delivery_days", _("法规案提前送达组成人员天数"), 5, "int", "§8", 1, 30),
    SettingSpec("bill_proposer_delivery_days", _("提案人提前送交天数"), 15, "int", "§8", 1, 60),
    SettingSpec("public_comment_days", _("法规草案公开征求意见天数"), 30, "int", "§8", 7, 90),
    SettingSpec("amendment_seconders", _("修正案附议人数"), 4, "int", "§8", 1, 20),
    # §9 appointments
    SettingSpec("appointment_papers_days_before", _("任免材料提前报送天数"), 10, "int", "§9", 1, 60),
    SettingSpec("law_exam_pass_mark", _("任前法律知识考试合格分"), 60, "int", "§9", 1, 100),
    SettingSpec("law_exam_resits", _("任前考试补考次数"), 1, "int", "§9", 0, 3),
    SettingSpec("law_exam_resit_within_days", _("补考时限（天）"), 3, "int", "§9", 1, 30),
    SettingSpec("law_exam_minutes", _("任前考试时长（分钟）"), 120, "int", "§9", 10, 300),
    # §10 meetings
    SettingSpec("sc_meeting_notice_days", _("常委会会议提前通知天数"), 10, "int", "§10", 1, 30),
    SettingSpec("sc_member_quota", _("常委会组成人员名额"), 35, "int", "§10", 3, 51),
    # §11 satisfaction
    SettingSpec(
        "satisfaction_verdict_base",
        _("满意度测评结论的基数"),
        "all_members",
        "choice",
        "§11",
        choices=(("all_members", _("全体组成人员")), ("votes_cast", _("有效票"))),
    ),
)

SETTINGS_BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SETTINGS}


def default_settings() -> dict[str, Any]:
    return {spec.key: spec.default for spec in SETTINGS}


def clean_setting(key: str, raw: Any) -> Any:
    """Validate one value against its spec. Raises InvalidInput naming the field."""
    spec = SETTINGS_BY_KEY.get(key)
    if spec is None:
        raise InvalidInput(f"未知的配置项：{key}", field=key)
    label = str(spec.label)
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in {"true", "on", "1", "false", "off", "0", ""}:
            return raw.lower() in {"true", "on", "1"}
        raise InvalidInput(f"“{label}”必须是“是”或“否”", field=key)
    if spec.kind == "int":
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise InvalidInput(f"“{label}”必须是整数", field=key) from None
        if spec.minimum is not None and value < spec.minimum:
            raise InvalidInput(f"“{label}”不能小于 {spec.minimum}", field=key)
        if spec.maximum is not None and value > spec.maximum:
            raise InvalidInput(f"“{label}”不能大于 {spec.maximum}", field=key)
        return value
    if spec.kind == "choice":
        allowed = [choice for choice, _label in spec.choices]
        if raw not in allowed:
            raise InvalidInput(f"“{label}”只能取：{'、'.join(allowed)}", field=key)
        return raw
    if spec.kind == "mapping":
        if not isinstance(raw, dict) or not raw:
            raise InvalidInput(f"“{label}”必须是非空的对照表", field=key)
        cleaned: dict[str, str] = {}
        for code, meaning in raw.items():
            if not isinstance(code, str) or not code.strip() or len(code) > 4:
                raise InvalidInput(f"“{label}”的分类代码必须是 1–4 个字符", field=key)
            if not isinstance(meaning, str) or not meaning.strip() or len(meaning) > 100:
                raise InvalidInput(f"“{label}”中 {code} 的含义必须是 1–100 个字", field=key)
            cleaned[code.strip()] = meaning.strip()
        return cleaned
    raise InvalidInput(f"配置项 {key} 类型未知", field=key)  # pragma: no cover
