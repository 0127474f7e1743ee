"""The library knows no screen: importing zi_data never pulls in Streamlit; modules import each other one way."""

from __future__ import annotations

import ast
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


def test_the_library_never_imports_the_dashboard():
    """Data flows one way: zi_data knows neither the shared Streamlit pieces (ui/) nor the pages."""
    graph = import_graph("zi_data", "ui", "pages")
    for name, deps in graph.items():
        if name.startswith("zi_data"):
            assert not {d for d in deps if d.startswith(("ui", "pages"))}, name
        if name.startswith("ui"):  # the pages are scripts Streamlit runs, never modules to import
            assert not {d for d in deps if d.startswith("pages")}, name


def test_every_page_script_starts_with_the_page_guard():
    """Streamlit may run any script under pages/ on its own: none may do anything before the guard."""
    import ast

    for path in sorted((ROOT / "pages").glob("*.py")):
        if path.name == "__init__.py":
            continue
        body = ast.parse(path.read_text(encoding="utf-8")).body
        statements = [s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)
                      and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        assert ast.unparse(statements[0]) == "router.page_guard()", path.name
        first_guard = body.index(statements[0])
        assert all(isinstance(s, ast.Import | ast.ImportFrom | ast.Expr) for s in body[:first_guard]), path.name


def test_pages_holds_only_pages():
    """Streamlit may list and run every script under pages/: the shared pieces live in ui/, each page is routed."""
    from ui import router

    scripts = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py"}
    assert scripts == {script for script, _, _ in router.PAGE_TABLE}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(*packages: str) -> dict[str, set[str]]:
    """Which module of `packages` imports which other, counting every import statement (those inside functions
    too: an import moved into a function to dodge a circle is still a circle)."""
    paths = {_module_name(p): p for package in packages for p in (ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                found.update([base, *(f"{base}.{a.name}" for a in node.names)])
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each path that leads from a module back to itself (one per module it passes through first)."""
    found, done = [], set()

    def walk(name: str, path: list[str]) -> None:
        for dep in sorted(graph[name]):
            if dep in path:
                found.append(path[path.index(dep):] + [dep])
            elif dep not in done:
                walk(dep, path + [dep])
        done.add(name)

    for name in sorted(graph):
        if name not in done:
            walk(name, [name])
    return found


def test_import_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_library_modules_import_each_other_one_way():
    graph = import_graph("zi_data")
    # the demo's units are shared below both demos: the cycle's demo never reaches back to the workbooks' demo
    assert {"zi_data.demo_units", "zi_data.cycle.demo"} <= graph["zi_data.demo"]
    assert "zi_data.demo_units" in graph["zi_data.cycle.demo"] and "zi_data.demo" not in graph["zi_data.cycle.demo"]
    assert circles(graph) == []


def test_the_dashboard_modules_import_each_other_one_way():
    graph = import_graph("ui")
    assert {"ui.signin", "ui.filters", "ui.address"} <= graph["ui.router"]  # the router sits on top of the rest
    assert circles(graph) == []
