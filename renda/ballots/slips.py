"""Voting-code slips to print and hand out: each with the code and a QR code that opens the vote page.

The clear codes exist only in the response that opened the ballot; these helpers lay them out
(as a printable page, or as a Word file built from the codes the staff member posts back).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.http import HttpRequest
from django.urls import reverse
from docx import Document
from docx.shared import Cm, Pt

from renda.ballots.actions import format_code, normalise_code
from renda.ballots.models import Ballot


@dataclass(frozen=True)
class Slip:
    code: str
    display: str
    url: str
    qr_data_uri: str


def vote_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("ballots:code_vote")) + "?" + urlencode({"code": code})


def slips_for(request: HttpRequest, codes: list[str]) -> list[Slip]:
    slips = []
    for code in codes:
        url = vote_url(request, code)
        slips.append(
            Slip(
                code=code,
                display=format_code(code),
                url=url,
                qr_data_uri=segno.make(url, error="m").svg_data_uri(scale=3),
            )
        )
    return slips


def slips_docx(ballot: Ballot, slips: list[Slip], *, public_url: str) -> bytes:
    """A Word file with one slip per code, several to a page, ready to cut."""
    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.2)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for index, slip in enumerate(slips):
        if index % 2 == 0:
            table.add_row()
        cell = table.rows[-1].cells[index % 2]
        title = cell.paragraphs[0]
        run = title.add_run(ballot.title)
        run.font.size = Pt(11)
        run.font.bold = True
        code_run = cell.add_paragraph().add_run(f"投票码：{slip.display}")
        code_run.font.size = Pt(16)
        code_run.font.bold = True
        picture = io.BytesIO()
        segno.make(slip.url, error="m").save(picture, kind="png", scale=4, border=2)
        picture.seek(0)
        cell.add_paragraph().add_run().add_picture(picture, width=Cm(3.2))
        hint = cell.add_paragraph().add_run(f"扫码投票，或打开 {public_url} 输入投票码。每码只能投一次，不记名。")
        hint.font.size = Pt(8)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def clean_posted_codes(values: list[str]) -> list[str]:
    return [code for code in (normalise_code(value) for value in values) if code]
