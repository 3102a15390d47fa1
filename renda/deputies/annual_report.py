"""A deputy's annual duty report (年度履职报告) as a Word file, from the verified entries of the year.

The report holds the basic information (masked personal data only), a summary table of counts
and hours per kind, the verified entries month by month, the suggestions submitted, the
training hours, and the year's score when one has been computed. Every text is written as plain
text: a title holding ``<script>`` is printed as those characters, and characters Word cannot
store are dropped.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from renda.deputies.models import DeputyScore, DutyEntry, EntryKind, EntryStatus

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from docx.document import Document as DocumentObject
    from docx.text.run import Run

    from renda.deputies.models import DeputyProfile

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
LATIN_FALLBACK = "宋体"
# XML 1.0 forbids most control characters; user text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def plain(value: object) -> str:
    return _NOT_XML.sub("", str(value or ""))


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def report_title(profile: DeputyProfile, year: int) -> str:
    return f"{plain(profile.name)}代表{year}年度履职报告"


def report_filename(profile: DeputyProfile, year: int) -> str:
    return f"{report_title(profile, year)}.docx"


def _font(run: Run, east_asia: str, size: float, *, bold: bool = False) -> None:
    run.font.name = LATIN_FALLBACK
    run.font.size = Pt(size)
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asia)


def _heading(document: DocumentObject, text: str) -> None:
    paragraph = document.add_paragraph()
    _font(paragraph.add_run(plain(text)), "黑体", 14, bold=True)


def _paragraph(document: DocumentObject, text: str) -> None:
    paragraph = document.add_paragraph()
    _font(paragraph.add_run(plain(text)), BODY_FONT, 12)


def _table(document: DocumentObject, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(plain(text)), "黑体", 11, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(plain(text)), BODY_FONT, 11)


def _hours(value: Decimal | None) -> str:
    if not value:
        return "—"
    return f"{value.normalize():f}"


def _basic_info(document: DocumentObject, profile: DeputyProfile, year: int) -> None:
    _heading(document, "一、基本情况")
    terms = [
        f"{term.congress.name}第{term.term_number}届代表"
        + (f"（{term.delegation.name}）" if term.delegation is not None else "")
        + (f"，选举单位：{term.electoral_unit}" if term.electoral_unit else "")
        for term in profile.terms.select_related("congress", "delegation").order_by("starts_on")
        if term.starts_on.year <= year and (term.ends_on is None or term.ends_on.year >= year)
    ]
    rows = [
        ["姓名", profile.name],
        ["性别", profile.get_gender_display()],
        ["民族", profile.ethnicity],
        ["政治面貌", profile.get_party_display()],
        ["工作单位及职务", "，".join(part for part in (profile.employer, profile.title) if part) or "—"],
        ["代表证号", profile.card_number or "—"],
        ["联系电话", mask_phone(profile.phone) if profile.phone else "—"],
        ["任职情况", "；".join(terms) or "—"],
    ]
    _table(document, ["项目", "内容"], rows)


def build_annual_report(*, profile: DeputyProfile, year: int, entries: QuerySet[DutyEntry]) -> bytes:
    """The .docx bytes; ``entries`` are those the reader may see (only the verified ones of ``year`` are used)."""
    verified = list(
        entries.filter(profile=profile, status=EntryStatus.VERIFIED, date__year=year).order_by("date", "pk")
    )
    document = Document()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(report_title(profile, year)), TITLE_FONT, 20, bold=True)

    _basic_info(document, profile, year)

    _heading(document, "二、履职情况统计")
    counts: dict[str, int] = defaultdict(int)
    hours: dict[str, Decimal] = defaultdict(Decimal)
    for entry in verified:
        counts[entry.kind] += 1
        hours[entry.kind] += entry.hours or Decimal(0)
    labels = dict(EntryKind.choices)
    summary = [
        [str(labels[kind]), str(counts[kind]), _hours(hours[kind])] for kind in EntryKind.values if counts.get(kind)
    ]
    summary.append(["合计", str(len(verified)), _hours(sum(hours.values(), Decimal(0)))])
    _table(document, ["履职类型", "次数", "时长（小时）"], summary)

    _heading(document, "三、履职活动记录（已核实）")
    if not verified:
        _paragraph(document, f"{year}年度暂无已核实的履职记录。")
    by_month: dict[int, list[DutyEntry]] = defaultdict(list)
    for entry in verified:
        by_month[entry.date.month].append(entry)
    for month in sorted(by_month):
        _paragraph(document, f"{month}月（{len(by_month[month])} 项）")
        _table(
            document,
            ["日期", "类型", "事项"],
            [[entry.date.strftime("%m月%d日"), str(labels[entry.kind]), entry.title] for entry in by_month[month]],
        )

    _heading(document, "四、提出建议情况")
    suggestions = [entry for entry in verified if entry.kind == EntryKind.SUGGESTION]
    cosigned = sum(1 for entry in verified if entry.kind == EntryKind.SUGGESTION_COSIGNED)
    motions = sum(1 for entry in verified if entry.kind == EntryKind.MOTION)
    _paragraph(
        document, f"领衔提出建议 {len(suggestions)} 件，联名（附议）建议 {cosigned} 件，领衔提出议案 {motions} 件。"
    )
    for number, entry in enumerate(suggestions, start=1):
        _paragraph(document, f"{number}. {entry.title}（{entry.date.strftime('%m月%d日')}）")

    _heading(document, "五、学习培训情况")
    training = [entry for entry in verified if entry.kind == EntryKind.TRAINING]
    training_hours = sum((entry.hours or Decimal(0) for entry in training), Decimal(0))
    _paragraph(document, f"参加培训 {len(training)} 次，累计 {_hours(training_hours)} 学时。")

    _heading(document, "六、履职积分")
    score = DeputyScore.objects.filter(profile=profile, year=year).order_by("-quarter", "-computed_at").first()
    if score is None:
        _paragraph(document, f"{year}年度履职积分尚未计算。")
    else:
        period = "全年" if score.quarter == 4 else f"截至第{score.quarter}季度"
        _paragraph(
            document,
            f"{year}年度履职积分（{period}）：{score.total:f} 分，等次：{score.get_grade_display()}。",
        )

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
