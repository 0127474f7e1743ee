"""The library knows no screen: importing zi_data never pulls in Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_zi_data_never_imports_streamlit():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "zi_data").rglob("*.py")
        if p.name != "__init__.py"
    )
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + \
        "print([m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_source_file_mentions_streamlit_imports_in_the_library():
    for path in (ROOT / "zi_data").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import streamlit" not in text and "from streamlit" not in text, path


def test_every_page_script_starts_with_the_page_guard():
    """Streamlit may run any script under pages/ on its own: none may do anything before the guard."""
    import ast

    for path in sorted((ROOT / "pages").glob("*.py")):
        if path.name in ("__init__.py", "common.py"):
            continue
        body = ast.parse(path.read_text(encoding="utf-8")).body
        statements = [s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)
                      and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        assert ast.unparse(statements[0]) == "common.page_guard()", path.name
        first_guard = body.index(statements[0])
        assert all(isinstance(s, ast.Import | ast.ImportFrom | ast.Expr) for s in body[:first_guard]), path.name
