"""A cell far from the table (row 1,048,576, column XFD) and files that crash the Excel parser: the sheet's limits
count the cells that hold something, a stray value far away is read as absent with a warning, and a file that
still makes the parser allocate without end costs only the worker process that reads it.

Everything that could make today's parser abort runs in a child process (`zi` or a small script): a test that
fails must not take pytest down with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from tests.helpers import all_best, edition, filled_workbook
from zi_data.readers import ReadError, read_workbook
from zi_data.readers import excel as excel_module

ROOT = Path(__file__).resolve().parents[2]
FAR = b'<row r="1048576"><c r="XFD1048576"><v>7</v></c></row>'


def add_to_sheet(src: Path, dst: Path, xml: bytes, sheet: str = "Jawaban", dimension: str | None = None) -> Path:
    """A copy of an openpyxl-written workbook with `xml` added at the end of a sheet's data (as an editor or a
    script that writes the XML itself leaves it), and optionally its stated size changed."""
    with zipfile.ZipFile(src) as z:
        names = {name: part for name, part in _sheet_parts(z).items()}
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in items:
            if name == names[sheet]:
                data = data.replace(b"</sheetData>", xml + b"</sheetData>")
                if dimension:
                    start = data.index(b'<dimension ref="')
                    end = data.index(b'"', start + 16)
                    data = data[:start + 16] + dimension.encode() + data[end:]
            out.writestr(name, data)
    return dst


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    from zi_data.readers.safety import parts_of

    return parts_of(z)


@pytest.fixture
def form(tmp_path) -> Path:
    """A valid, fully answered form (the project's template, filled with openpyxl) of Unit Uji, 2025."""
    return filled_workbook(tmp_path / "2025_Unit Uji.xlsx", unit=all_best(edition("2021")))


def zi(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zi_data.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def script(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Python code in a child process (it may patch the library first); prints its answer as JSON."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if calamine is asked to parse: the file must be refused before that."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser was reached")

    monkeypatch.setattr(excel_module.CalamineWorkbook, "from_path", forbidden)
    monkeypatch.setattr(excel_module.CalamineWorkbook, "from_filelike", forbidden)


def test_zi_score_reads_a_form_with_a_value_at_xfd1048576_and_names_the_ignored_cell(form, tmp_path):
    far = add_to_sheet(form, tmp_path / "2025_Unit Jauh.xlsx", FAR)
    assert far.stat().st_size < 100_000  # a small file that states a small size (A1:Q202)
    good, bad = zi("score", "--json", str(form)), zi("score", "--json", str(far))
    assert bad.returncode == 0, (bad.returncode, bad.stderr[-500:])  # was -6: SIGABRT while allocating 512 GiB
    read, expected = json.loads(bad.stdout), json.loads(good.stdout)
    assert read["unit_score"]["total"] == expected["unit_score"]["total"]
    assert [w for w in read["warnings"] if "XFD1048576" in w] == [
        "sheet 'Jawaban': sel XFD1048576 ('7') jauh di luar isi sheet (batas 5.000 baris x 200 kolom) dan diabaikan; "
        "hapus sel itu bila bukan bagian dari LKE"]


def test_a_formatted_cell_at_the_last_row_and_column_does_not_refuse_a_valid_form(form, tmp_path):
    """Formatting the last cell makes Excel state the sheet as A1:XFD1048576; it holds nothing."""
    path = add_to_sheet(form, tmp_path / "2025_Unit Format.xlsx", b'<row r="1048576"><c r="XFD1048576" s="1"/></row>',
                        dimension="A1:XFD1048576")
    wb = read_workbook(path)
    assert wb.unit == "Unit Uji" and len(wb.answered()) == 1
    assert not any("XFD" in w for w in wb.warnings)


@pytest.mark.parametrize("cell", [
    b'<row r="100000"><c r="GR100000" t="inlineStr"><is><t>catatan lama</t></is></c></row>',  # the smaller one
    b'<row r="5"><c r="XFD5"><v>1</v></c></row><row r="300000"><c r="B300000"><f>A1</f><v>0</v></c></row>',
])
def test_stray_values_are_read_as_absent_and_named(form, tmp_path, cell):
    path = add_to_sheet(form, tmp_path / "2025_Unit Jauh.xlsx", cell)
    proc = zi("score", "--json", str(path))
    assert proc.returncode == 0, proc.stderr[-500:]
    warnings = json.loads(proc.stdout)["warnings"]
    named = [w for w in warnings if "jauh di luar isi sheet" in w]
    expected = {b"GR100000": ["GR100000 ('catatan lama')"], b"XFD5": ["XFD5 ('1')", "B300000 ('0')"]}
    key = next(k for k in expected if k in cell)
    assert len(named) == len(expected[key]) and all(any(e in w for w in named) for e in expected[key])


def test_content_that_runs_past_the_limit_is_refused_with_its_cells(form, tmp_path, no_parser):
    """Rows right under the table continuing past row 5,000 are the table's, not strays: never passed over."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(203, 5012))
    path = add_to_sheet(form, tmp_path / "2025_Unit Panjang.xlsx", rows)
    with pytest.raises(ReadError) as err:
        read_workbook(path)
    assert "di luar batas 5.000 baris x 200 kolom (sel A5001, A5002" in str(err.value)


@pytest.mark.parametrize("cell", [
    b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',  # the reference in lower case
    b'<row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>',  # after another attribute
    b'<row r="1048576"><c\tr="XFD1048576"><v>1</v></c></row>',
    b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    b'<row r="1048576"><c r="XFD0001048576"><v>1</v></c></row>',  # leading zeros
    b'<row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>',  # a namespace prefix
    b'<row r="1048576"><c><v>1</v></c></row><row r="1"><c r="XFD1"><v>1</v></c></row>',  # no reference: placed
    b'<row r="1048575">' + b"<c/>" * 16383 + b"<c><v>1</v></c></row>",  # 16,384 cells without references
])
def test_far_cells_written_unusually_are_found_before_parsing(form, tmp_path, no_parser, cell):
    """Writers other than Excel may write a cell otherwise; the parser places it all the same (each of these made
    it abort). Found by parsing the XML: refused with the cell named, the parser never reached."""
    path = add_to_sheet(form, tmp_path / "2025_Unit Aneh.xlsx", cell)
    with pytest.raises(ReadError, match=r"di luar batas 5\.000 baris x 200 kolom \(sel (XFD|A)10485"):
        read_workbook(path)


def test_zi_ingest_of_a_folder_with_the_far_cell_workbook_loads_every_good_file(form, tmp_path):
    folder = tmp_path / "masuk"
    folder.mkdir()
    for name in ("Dinas A", "Dinas B", "Dinas C"):
        filled_workbook(folder / f"2025_{name}.xlsx", unit=all_best(edition("2021")), unit_name=name)
    add_to_sheet(form, folder / "2025_Unit Jauh.xlsx", FAR)
    db = tmp_path / "zi.duckdb"
    proc = zi("ingest", str(folder), "--db", str(db), "--json")
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-800:])  # was -6, and nothing stored
    out = json.loads(proc.stdout)
    assert out["loaded"] == 4 and out["rejected"] == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        warned = con.execute("select count(*) from warnings where message like '%XFD1048576%'").fetchone()[0]
    finally:
        con.close()
    assert warned == 1


CRASH = """
    import json, sys
    from pathlib import Path
    from zi_data.readers import safety
    safety.far_cells = lambda xml: ([], True)  # the measure misses the far cell: the parser gets the file
    {body}
"""


def test_a_file_that_crashes_the_parser_is_that_files_refusal_and_the_run_goes_on(form, tmp_path):
    folder = tmp_path / "masuk"
    folder.mkdir()
    for name in ("Dinas A", "Dinas B"):
        filled_workbook(folder / f"2025_{name}.xlsx", unit=all_best(edition("2021")), unit_name=name)
    add_to_sheet(form, folder / "2025_Unit Jauh.xlsx", FAR)
    db = tmp_path / "zi.duckdb"
    proc = script(CRASH.format(body=f"""
    from zi_data.ingest import ingest_paths
    s = ingest_paths([Path({str(folder)!r})], {str(db)!r}, actor_role="evaluator")
    print(json.dumps(s.to_json()))
    """))
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-800:])  # the reading worker died, not the run
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["loaded"] == 2
    [refused] = out["rejected"]
    assert refused["file"].endswith("2025_Unit Jauh.xlsx")
    assert refused["reason"].startswith("2025_Unit Jauh.xlsx: proses pembaca berhenti mendadak (SIGABRT)")
    assert "memori melebihi batas 1.024 MB" in refused["reason"] and "berkas lain tetap dimuat" in refused["reason"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*) from current_submissions").fetchone()[0] == 2
        assert con.execute("select reason from rejects").fetchall() == [(refused["reason"],)]
    finally:
        con.close()


def test_identifying_an_upload_that_crashes_the_parser_costs_only_a_child_process(form, tmp_path):
    """The Data page asks what an upload is before loading it: that read may not run in the dashboard's process."""
    far = add_to_sheet(form, tmp_path / "2025_Unit Jauh.xlsx", FAR)
    proc = script(CRASH.format(body=f"""
    from zi_data.ingest import identify_upload
    info = identify_upload("2025_Unit Jauh.xlsx", Path({str(far)!r}).read_bytes())
    print(json.dumps(info))
    """))
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-800:])
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    assert info["kind"] is None and info["problem"].startswith("2025_Unit Jauh.xlsx: proses pembaca berhenti")


@pytest.mark.skipif(sys.platform != "linux", reason="the memory cap uses RLIMIT_AS")
def test_the_upload_preview_reads_and_scores_in_a_capped_child(form, tmp_path, monkeypatch):
    """The Data page scores a chosen file before it is loaded (identify_upload): that reading and scoring of a
    file from a browser runs in a child process under the reading workers' memory cap, never in the server's."""
    import resource

    from zi_data import ingest

    seen = tmp_path / "seen.txt"
    real = ingest.evaluate

    def watched(wb, *args, **kwargs):
        seen.write_text(f"{os.getpid()} {resource.getrlimit(resource.RLIMIT_AS)[0]}")
        return real(wb, *args, **kwargs)

    monkeypatch.setattr(ingest, "evaluate", watched)  # the child is forked from here: it inherits the watch
    far = add_to_sheet(form, tmp_path / "2025_Unit Jauh.xlsx", FAR)
    info = ingest.identify_upload(far.name, far.read_bytes())
    assert info["kind"] == "lke" and info["problem"] is None
    assert info["levels"][0][0] == "unit" and info["levels"][0][1] == pytest.approx(
        json.loads(zi("score", "--json", str(form)).stdout)["unit_score"]["total"])
    pid, cap = map(int, seen.read_text().split())
    assert pid != os.getpid() and cap != resource.RLIM_INFINITY


def test_a_table_file_with_a_stray_cell_is_refused_whole_naming_it(tmp_path):
    """A roster's rows are all read or none: a far value is not passed over as in a form, it is named."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Unit Kerja", "Instansi", "Tahun", "Target"])
    book.active.append(["Dinas A", "Pemda", 2026, "WBK"])
    book.active.title = "Daftar"
    book.save(tmp_path / "daftar.xlsx")
    path = add_to_sheet(tmp_path / "daftar.xlsx", tmp_path / "daftar_jauh.xlsx", FAR, sheet="Daftar")
    proc = script(f"""
    from pathlib import Path
    from zi_data.cycle.roster import read_roster
    from zi_data.readers import ReadError
    try:
        read_roster(Path({str(path)!r}))
    except ReadError as exc:
        print(exc)
    """)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-500:])
    assert proc.stdout.strip().endswith("sheet 'Daftar' sel XFD1048576 ('7'); hapus sel itu lalu muat ulang")


def test_the_measure_costs_little_on_a_plain_form(form):
    """Only the cells a plain form cannot have are looked at one by one: none in a filled LKE."""
    from zi_data.readers.safety import CELL_TAG

    book = load_workbook(form)
    assert book["Jawaban"].max_row < 1000
    with zipfile.ZipFile(form) as z:
        xml = z.read(_sheet_parts(z)["Jawaban"])
    assert xml.count(b"<c ") > 1000 and CELL_TAG.search(xml) is None


@pytest.mark.skipif(sys.platform != "linux", reason="the memory cap uses RLIMIT_AS")
def test_a_worker_that_runs_out_of_its_memory_refuses_only_that_item():
    from zi_data import workers

    with workers.Pool(_allocate, workers=1, memory_mb=200) as pool:
        out = list(pool.map([(10,), (4000,), (10,)]))
    assert out[0] == 10 and out[2] == 10
    assert isinstance(out[1], workers.Failure) and out[1].kind == "memory"
    assert "batas 200 MB" in out[1].reason


def _allocate(mb: int) -> int:
    block = bytearray(mb * 1024 * 1024)
    return len(block) // (1024 * 1024)


@pytest.mark.skipif(sys.platform != "linux", reason="the memory cap uses RLIMIT_AS")
def test_arrow_in_a_worker_of_the_dashboard_leaves_the_next_file_its_memory():
    """Arrow's allocator reserves 1 GiB of address space on its first use. In a worker of the dashboard's fork
    server (a process with threads) that first use came after the cap and took all of it: the next file of that
    worker was refused for memory it never used."""
    proc = script("""
        import json, threading, time
        from zi_data import workers
        from tests.reliability.test_far_cells import _arrow_then_allocate
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()  # as the dashboard: a fork server
        assert workers._context().get_start_method() == "forkserver"
        with workers.Pool(_arrow_then_allocate, workers=1) as pool:  # the settings' 1,024 MB
            out = list(pool.map([(300,), (300,)]))
        print(json.dumps([o if isinstance(o, int) else o.kind for o in out]))
    """)
    assert proc.returncode == 0, proc.stderr[-800:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [300, 300]  # was ["memory", "memory"]


def _arrow_then_allocate(mb: int) -> int:
    import pyarrow as pa

    assert pa.table({"a": pa.array(range(1000))}).num_rows == 1000  # as a worker builds a file's tables
    return _allocate(mb)


def test_a_worker_killed_on_an_item_refuses_that_item_only():
    from zi_data import workers

    with workers.Pool(_die_on, workers=2) as pool:
        out = list(pool.map([(i,) for i in range(12)]))
    assert [o for i, o in enumerate(out) if i != 5] == [i for i in range(12) if i != 5]
    assert isinstance(out[5], workers.Failure) and out[5].kind == "died" and "SIGKILL" in out[5].reason


def _die_on(i: int) -> int:
    if i == 5:
        os.kill(os.getpid(), 9)
    return i
