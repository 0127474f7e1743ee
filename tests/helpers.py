"""Small builders for tests: answer sets from the catalog and filled template workbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from zi_data.catalog import Edition, load_catalog
from zi_data.template import write_template

BEST = {"YA_TIDAK": "Ya", "ABC": "A", "ABCD": "A", "ABCDE": "A", "SURVEI": 4}


def edition(name: str = "2021") -> Edition:
    return load_catalog()[name]


def all_best(ed: Edition, counts: int = 5) -> dict[str, Any]:
    """Every option question at its best answer, surveys 4, every count `counts`.

    With equal counts every ratio is 1, but the discipline rule gives (5 - 5) / 5 = 0: callers
    that want a perfect score set the discipline counts to 0 and 0.
    """
    out: dict[str, Any] = {}
    for q in ed.answerable.itertuples(index=False):
        out[q.question_id] = counts if q.answer_type == "JUMLAH" else BEST[q.answer_type]
    return out


def perfect(ed: Edition) -> dict[str, Any]:
    """Answers worth 100: best options, surveys 4, every ratio 1, no discipline violations."""
    answers = all_best(ed)
    for rule in ed.percent_rules.itertuples(index=False):
        if rule.formula == "decline":
            for qid in (*rule.a, *rule.b):
                answers[qid] = 0
        else:  # numerator inputs add up to the denominator inputs
            for qid in rule.b:
                answers[qid] = 1
            for qid in rule.a:
                answers[qid] = len(rule.b) / len(rule.a)
    return answers


def filled_workbook(path: Path, ed_name: str = "2021", unit: dict[str, Any] | None = None,
                    tpi: dict[str, Any] | None = None, unit_name: str = "Unit Uji", instansi: str = "Instansi Uji",
                    year: int = 2025, notes: dict[str, str] | None = None,
                    tpi_notes: dict[str, str] | None = None, evidence: dict[str, str] | None = None) -> Path:
    """The project's template, filled in column K (unit), N (TPI), L (the unit's notes), M (the unit's evidence)
    and Q (the TPI's notes) as a unit and its TPI would."""
    write_template(path, edition=ed_name, unit=unit_name, instansi=instansi, year=year)
    wb = load_workbook(path)
    ws = wb["Jawaban"]
    rows = edition(ed_name).questions.set_index("question_id")["jawaban_row"]
    for col, answers in (("K", unit or {}), ("N", tpi or {}), ("L", notes or {}), ("M", evidence or {}),
                         ("Q", tpi_notes or {})):
        for qid, value in answers.items():
            ws[f"{col}{int(rows[qid])}"] = value
    wb.save(path)
    return path


def duplicate_keys(con, table: str, key: str) -> int:
    """How many (submission, assessor, `key`) appear more than once in `table` (its rows have no primary key)."""
    return con.execute(f"select count(*) from (select 1 from {table} group by submission_id, assessor, {key} "
                       "having count(*) > 1)").fetchone()[0]


def drop_reform_pengawasan(path: Path) -> None:
    """Delete the area Penguatan Pengawasan of Reform from an LKE ZI sheet (its area row up to the next area):
    its 12 answerable catalog entries (M109; counts M110-M112 of P5, M113-M116 of P6, M117-M120 of P7) are gone,
    115 of 127 remain."""
    book = load_workbook(path)
    ws = book["LKE ZI"]
    texts = [" ".join(str(c.value) for c in row if c.value is not None).upper() for row in ws.iter_rows()]
    start = next(i for i, t in enumerate(texts) if "II. REFORM" in t)
    first = next(i for i in range(start, len(texts)) if "PENGUATAN PENGAWASAN" in texts[i])
    last = next(i for i in range(first + 1, len(texts)) if "PENINGKATAN KUALITAS PELAYANAN PUBLIK" in texts[i])
    ws.delete_rows(first + 1, last - first)
    book.save(path)


# The 2026 national "Jawaban" sheet as PortalRB lays it out (ZI-RULES layout 2): its header row names only some
# columns, the answer types sit in the unheaded column J, column A holds the master list's id.
NATIONAL_HEADER = {"A": "No", "B": "Komponen", "G": "Pertanyaan", "K": "Jawaban Unit", "L": "Catatan Unit",
                   "M": "Bukti Dukung", "N": "Jawaban TPI", "Q": "Catatan TPI"}


def national_workbook(path: Path, unit: dict[str, Any] | None = None, tpi: dict[str, Any] | None = None,
                      header: dict[str, str] | None = None, headings: bool = True) -> Path:
    """The project's template, filled, reshaped into the national sheet: every entry at its catalog row
    (`excel_baris`), the master id (a number) in A, only `header`'s labels in the header row (row 5), no
    Identitas sheet (name the file <Tahun>_<Unit Kerja>.xlsx). Without `headings` only the question rows remain."""
    filled_workbook(path, unit=unit, tpi=tpi)
    ed = edition("2021")
    book = load_workbook(path)
    del book["Identitas"]
    ws = book["Jawaban"]
    labels = NATIONAL_HEADER if header is None else header
    for c in range(1, 18):
        letter = ws.cell(5, c).column_letter
        ws.cell(5, c).value = labels.get(letter)
    master = dict(zip(ed.questions["question_id"], ed.questions["master_id"], strict=True))
    rows = {int(r) for r in ed.answerable["jawaban_row"]}
    for r in range(6, ws.max_row + 1):
        qid = ws.cell(r, 1).value
        if qid in master:
            ws.cell(r, 1).value = int(master[qid])
        elif not headings and r not in rows:
            for c in range(1, 18):
                ws.cell(r, c).value = None
    book.save(path)
    return path


def as_ods(xlsx: Path, out: Path) -> Path:
    """The values of every sheet of an .xlsx written as an OpenDocument spreadsheet (.ods), as LibreOffice Calc saves
    a workbook: a zip with its mimetype first and the sheets in content.xml."""
    from xml.sax.saxutils import escape

    book = load_workbook(xlsx)
    tables = []
    for ws in book.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            cells = []
            for v in row:
                if v is None:
                    cells.append("<table:table-cell/>")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    cells.append(f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
                                 "</table:table-cell>")
                else:
                    cells.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p>'
                                 "</table:table-cell>")
            rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
        tables.append(f'<table:table table:name="{escape(ws.title)}">{"".join(rows)}</table:table>')
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    import zipfile

    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out
