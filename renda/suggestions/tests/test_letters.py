"""The 答复函: filled from the shipped Word template, opens in python-docx, custom letterheads work."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from renda.suggestions import actions, letters
from renda.suggestions.models import Reply
from renda.suggestions.tests.conftest import SuggestionWorld, drive

pytestmark = pytest.mark.django_db


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def sent_reply(sw: SuggestionWorld) -> Reply:
    suggestion = drive(sw, "communicated")
    lead = suggestion.assignments.get(unit=sw.lead_unit)
    reply = actions.reply_prepare(
        actor=sw.lead_officer,
        assignment=lead,
        category="B",
        text="已将加装电梯列入今年计划。\n第一批试点覆盖十个小区。",
        contact_person="刘科长",
        contact_phone="0571-88880000",
    )
    return actions.reply_approve(actor=sw.lead_head, reply=reply)


def test_the_template_ships_with_the_code() -> None:
    assert letters.TEMPLATE_PATH.exists()
    text = "\n".join(p.text for p in Document(str(letters.TEMPLATE_PATH)).paragraphs)
    for placeholder in ("{{unit}}", "{{deputy}}", "{{number}}", "{{title}}", "{{text}}", "{{date}}", "{{contact}}"):
        assert placeholder in text


def test_letter_holds_the_reply_unit_deputy_and_no_placeholders(sw: SuggestionWorld) -> None:
    reply = sent_reply(sw)
    text = all_text(letters.reply_letter(reply))
    assert sw.lead_unit.name in text
    assert "已将加装电梯列入今年计划。" in text
    assert "第一批试点覆盖十个小区。" in text
    assert "王建国等3位代表" in text
    assert reply.assignment.suggestion.title in text
    assert "B类" in text
    assert "联系人：刘科长、联系电话：0571-88880000" in text
    assert "{{" not in text


def test_each_line_of_the_reply_is_its_own_paragraph(sw: SuggestionWorld) -> None:
    reply = sent_reply(sw)
    paragraphs = [p.text for p in Document(io.BytesIO(letters.reply_letter(reply))).paragraphs]
    assert "已将加装电梯列入今年计划。" in paragraphs
    assert "第一批试点覆盖十个小区。" in paragraphs


def test_fonts_are_the_official_ones() -> None:
    document = letters.build_template()
    east_asian = {
        run._element.rPr.rFonts.get(qn("w:eastAsia"))
        for paragraph in document.paragraphs
        for run in paragraph.runs
        if run._element.rPr is not None and run._element.rPr.rFonts is not None
    }
    assert east_asian == {letters.BODY_FONT, letters.TITLE_FONT}


def test_a_custom_letterhead_with_placeholders_split_across_runs(tmp_path: Path, sw: SuggestionWorld) -> None:
    document = Document()
    document.add_paragraph("江城市住房和城乡建设局（红头）")
    paragraph = document.add_paragraph()
    paragraph.add_run("致 {{dep")
    paragraph.add_run("uty}}：")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "编号 {{number}}"
    document.sections[0].footer.paragraphs[0].text = "{{unit}}"
    template = tmp_path / "letterhead.docx"
    document.save(str(template))

    reply = sent_reply(sw)
    data = letters.render_letter(letters.letter_values(reply), template)
    filled = Document(io.BytesIO(data))
    assert filled.paragraphs[0].text == "江城市住房和城乡建设局（红头）"
    assert filled.paragraphs[1].text == "致 王建国等3位代表："
    assert filled.tables[0].cell(0, 0).text == f"编号 {reply.assignment.suggestion.number}"
    assert filled.sections[0].footer.paragraphs[0].text == sw.lead_unit.name


def test_missing_template_falls_back_to_the_built_in_layout(tmp_path: Path, sw: SuggestionWorld) -> None:
    reply = sent_reply(sw)
    data = letters.render_letter(letters.letter_values(reply), tmp_path / "absent.docx")
    assert sw.lead_unit.name in all_text(data)


def test_unknown_placeholders_are_left_for_the_reader(tmp_path: Path, sw: SuggestionWorld) -> None:
    document = Document()
    document.add_paragraph("{{unit}} {{stamp}}")
    template = tmp_path / "t.docx"
    document.save(str(template))
    text = all_text(letters.render_letter(letters.letter_values(sent_reply(sw)), template))
    assert text == f"{sw.lead_unit.name} {{{{stamp}}}}"
