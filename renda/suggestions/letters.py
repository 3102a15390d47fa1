"""The reply letter (答复函) as a Word file, filled in from a template.

The template is ``docx/reply_letter.docx`` next to this module. It is an ordinary Word
document whose paragraphs (and table cells, headers and footers) hold placeholders:

    {{unit}} {{deputy}} {{number}} {{title}} {{category}} {{category_label}}
    {{text}} {{date}} {{contact}} {{congress}}

A staff member may replace the file with their own letterhead and keep the placeholders.
A paragraph that holds only ``{{text}}`` becomes one paragraph per line of the reply,
each with that paragraph's formatting. If the file is missing, the plain layout below is
built (``python -m renda.suggestions.letters`` writes it to disk).

Fonts follow the custom for official letters (GB/T 9704): the title in 方正小标宋简体
(with 黑体 named as the Latin fallback), the body in 仿宋_GB2312 三号 (16 pt).
"""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph as ParagraphObject

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    from renda.suggestions.models import Reply

TEMPLATE_PATH = Path(__file__).resolve().parent / "docx" / "reply_letter.docx"

BODY_FONT = "仿宋_GB2312"
BODY_FALLBACK = "宋体"
TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "黑体"

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def _set_font(run: Run, east_asia: str, latin: str, size: float, *, bold: bool = False) -> None:
    run.font.name = latin
    run.font.size = Pt(size)
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asia)


def _line(
    document: DocumentObject,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    title: bool = False,
    space_after: float = 0,
) -> None:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.line_spacing = Pt(28)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    run = paragraph.add_run(text)
    if title:
        _set_font(run, TITLE_FONT, TITLE_FALLBACK, 22)
    else:
        _set_font(run, BODY_FONT, BODY_FALLBACK, 16)


def build_template() -> DocumentObject:
    """The plain letter layout: A4, official margins, title, salutation, body, signature, contact."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FALLBACK  # type: ignore[attr-defined]
    normal.font.size = Pt(16)  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _line(document, "{{category}}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _line(document, "{{unit}}", align=WD_ALIGN_PARAGRAPH.CENTER, title=True)
    _line(document, "关于第{{number}}号代表建议的答复函", align=WD_ALIGN_PARAGRAPH.CENTER, title=True, space_after=16)
    _line(document, "{{deputy}}：")
    _line(document, "您提出的《{{title}}》（第{{number}}号）收悉。经认真研究，现答复如下：", indent=True)
    _line(document, "{{text}}", indent=True)
    _line(document, "感谢您对我们工作的关心和支持。", indent=True, space_after=32)
    _line(document, "{{unit}}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _line(document, "{{date}}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=32)
    _line(document, "{{contact}}")
    return document


def write_template(path: Path = TEMPLATE_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    build_template().save(str(path))
    return path


def _load_template(path: Path) -> DocumentObject:
    if path.exists():
        return Document(str(path))
    return build_template()


def letter_values(reply: Reply) -> dict[str, str]:
    """What each placeholder stands for, for one reply."""
    from django.utils import timezone

    from renda.suggestions.models import CosignerStatus

    assignment = reply.assignment
    suggestion = assignment.suggestion
    categories: dict[str, str] = suggestion.congress.setting("suggestion_reply_categories")
    lead = suggestion.lead_deputy.display_name
    others = suggestion.cosigners.filter(status=CosignerStatus.CONFIRMED).count()
    deputy = f"{lead}等{others + 1}位代表" if others else f"{lead}代表"
    when = timezone.localdate(reply.sent_at or reply.drafted_at or timezone.now())
    contact = "、".join(
        part
        for part in (
            f"联系人：{reply.contact_person}" if reply.contact_person else "",
            f"联系电话：{reply.contact_phone}" if reply.contact_phone else "",
        )
        if part
    )
    return {
        "unit": assignment.unit.name,
        "deputy": deputy,
        "number": suggestion.number or str(suggestion.pk),
        "title": suggestion.title,
        "category": f"{reply.category}类",
        "category_label": categories.get(reply.category, ""),
        "text": reply.text,
        "date": f"{when.year}年{when.month}月{when.day}日",
        "contact": f"（{contact}）" if contact else "",
        "congress": suggestion.congress.name,
    }


def _substitute(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def _fill_paragraph(paragraph: Paragraph, values: dict[str, str]) -> None:
    if "{{" not in paragraph.text:
        return
    # A paragraph holding only {{text}}: one paragraph per line of the reply, same formatting.
    if paragraph.text.replace(" ", "").strip() == "{{text}}":
        lines = [line.strip() for line in values.get("text", "").splitlines() if line.strip()] or [""]
        _set_text(paragraph, lines[0])
        anchor = paragraph._p
        for line in lines[1:]:
            element = copy.deepcopy(paragraph._p)
            anchor.addnext(element)
            anchor = element
            _set_text(ParagraphObject(element, paragraph._parent), line)
        return
    # A placeholder inside one run keeps that run's formatting.
    for run in paragraph.runs:
        if "{{" in run.text:
            run.text = _substitute(run.text, values)
    # One that Word split across runs: join the runs into the first.
    if PLACEHOLDER.search(paragraph.text):
        _set_text(paragraph, _substitute(paragraph.text, values))


def _set_text(paragraph: Paragraph, text: str) -> None:
    runs = paragraph.runs
    if not runs:
        paragraph.add_run(text)
        return
    runs[0].text = text
    for run in runs[1:]:
        run._element.getparent().remove(run._element)


def _paragraphs(document: DocumentObject) -> list[Paragraph]:
    found: list[Paragraph] = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found.extend(cell.paragraphs)
    for section in document.sections:
        for part in (section.header, section.footer):
            found.extend(part.paragraphs)
    return found


def render_letter(values: dict[str, str], template: Path = TEMPLATE_PATH) -> bytes:
    document = _load_template(template)
    for paragraph in _paragraphs(document):
        _fill_paragraph(paragraph, values)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def reply_letter(reply: Reply) -> bytes:
    """The 答复函 for ``reply`` as the bytes of a .docx file."""
    return render_letter(letter_values(reply))


def letter_filename(reply: Reply) -> str:
    suggestion = reply.assignment.suggestion
    return f"答复函-{suggestion.number or suggestion.pk}-{reply.assignment.unit.name}.docx"


if __name__ == "__main__":  # pragma: no cover
    print(write_template())
