"""A frozen report's exports: CSV, XLSX (openpyxl, Chinese headers, formatted numbers) and a
printable PDF for publication (reportlab, its built-in CJK font STSong-Light; the case table
and charts of cases by category and by month). Each renders the stored JSON content only,
so every export of a report shows the same figures."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from stats_service.reports.content import CASE_COLUMNS

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
JSON = "application/json"
MEDIA_TYPES = (JSON, CSV, XLSX, PDF)

CASE_HEADER = ["执法类别", *(title for _, title, _ in CASE_COLUMNS)]


def case_rows(content: dict[str, Any]) -> list[list[Any]]:
    """The case table's rows as shown (category label, then the columns; 合计 last)."""
    rows = []
    for row in [*content["cases"], {**content["totals"], "label": "合计"}]:
        rows.append([row["label"], *(row[key] for key, _, _ in CASE_COLUMNS)])
    return rows


def summary_rows(content: dict[str, Any]) -> list[tuple[str, Any]]:
    t, c, r, tol, acc = (
        content["training"],
        content["certificates"],
        content["reviews"],
        content["tolerance"],
        content["accountability"],
    )
    return [
        ("参加法律培训人数（人）", t["officers_trained"]),
        ("参加培训学时（人·学时）", t["training_hours"]),
        ("举办培训班（期）", t["courses_held"]),
        ("举办培训参训人次", t["course_attendees"]),
        ("执法人员（人）", c["officers"]),
        ("持有执法证件人员（人）", c["holders"]),
        ("持证率", c["holder_rate"] if c["holder_rate"] is not None else "—"),
        ("应自查案卷（件）", r["obligations"]),
        ("已自查案卷（件）", r["self_reviewed"]),
        ("自查率", r["self_review_rate"] if r["self_review_rate"] is not None else "—"),
        ("容错免责决定（件）", sum(tol["decisions_by_outcome"].values())),
        ("免责人员（人）", tol["officers_relieved"]),
        ("认定错案（件）", acc["error_determinations"]),
        ("错案责任人员（人，不含容错免责）", acc["error_respondents"]),
    ]


def to_csv(content: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([content["title"]])
    writer.writerow(["统计期间", f"{content['from']} 至 {content['to']}"])
    writer.writerow(CASE_HEADER)
    writer.writerows(case_rows(content))
    writer.writerow([])
    writer.writerows(summary_rows(content))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read it as UTF-8


def _number(value: Any, kind: str) -> Any:
    """A figure as a spreadsheet number (万元 exact as Decimal); 无相关职责 stays text."""
    if isinstance(value, str) and kind == "wan":
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def to_xlsx(content: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "案件统计"
    sheet.append([content["title"]])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["统计期间", f"{content['from']} 至 {content['to']}"])
    sheet.append(CASE_HEADER)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    formats = ["@", *("0" if kind == "int" else "0.0000" for _, _, kind in CASE_COLUMNS)]
    kinds = ["text", *(kind for _, _, kind in CASE_COLUMNS)]
    for row in case_rows(content):
        sheet.append([_number(v, k) for v, k in zip(row, kinds, strict=True)])
        for cell, fmt in zip(sheet[sheet.max_row], formats, strict=True):
            if not isinstance(cell.value, str):
                cell.number_format = fmt
    sheet.column_dimensions["A"].width = 14
    summary = book.create_sheet("培训持证评查问责")
    summary.append(["项目", "数值"])
    for label, value in summary_rows(content):
        summary.append([label, _number(value, "wan") if isinstance(value, str) and value[:1].isdigit() else value])
    summary.column_dimensions["A"].width = 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(content: dict[str, Any]) -> bytes:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=font, fontSize=7, leading=9)

    header = [Paragraph(h, cell) for h in CASE_HEADER]
    rows = [[Paragraph(str(v), cell) for v in row] for row in case_rows(content)]
    table = Table([header, *rows], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )

    def chart(labels: list[str], values: list[int], caption: str) -> Drawing:
        drawing = Drawing(120 * mm, 60 * mm)
        bars = VerticalBarChart()
        bars.x, bars.y, bars.width, bars.height = 12 * mm, 12 * mm, 100 * mm, 40 * mm
        bars.data = [values or [0]]
        bars.categoryAxis.categoryNames = labels or ["—"]
        bars.categoryAxis.labels.fontName = font
        bars.categoryAxis.labels.fontSize = 6
        bars.valueAxis.valueMin = 0
        bars.bars[0].fillColor = colors.steelblue
        drawing.add(bars)
        drawing.add(String(12 * mm, 55 * mm, caption, fontName=font, fontSize=9))
        return drawing

    counted = [r for r in content["cases"] if not r["no_duty"]]
    story = [
        Paragraph(content["title"], title),
        Paragraph(f"统计期间：{content['from']} 至 {content['to']}　口径版本：{content['catalogue_version']}", body),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph(
            f"合计：立案 {content['totals']['filed']} 件，结案 {content['totals']['closed']} 件，"
            f"罚没金额 {content['totals']['fines_wan']} 万元（罚款）、{content['totals']['confiscations_wan']} 万元（没收）。",
            body,
        ),
        chart([r["label"] for r in counted], [int(r["filed"]) for r in counted], "按类别立案数"),
        chart(
            [m["month"] for m in content["by_month"]], [int(m["filed"]) for m in content["by_month"]], "按月份立案数"
        ),
        *(Paragraph(f"{label}：{value}", body) for label, value in summary_rows(content)),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A4), title=content["title"], invariant=1).build(story)
    return out.getvalue()
