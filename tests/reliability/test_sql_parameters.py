"""Every SQL statement takes parameters: user text never becomes SQL text."""

from __future__ import annotations

import ast
from pathlib import Path

from zi_data import queries

ROOT = Path(__file__).resolve().parents[2]
# The only names ever formatted into SQL: where clauses made of placeholders by queries._filters, the
# module's constant area columns, and table names from constant lists.
ALLOWED = {"where", "AREA_COLUMNS", "table", "t"}


def formatted_sql_names():
    for path in [*(ROOT / "zi_data").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "dashboard.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("execute", "sql", "executemany") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.JoinedStr):
                    for value in arg.values:
                        if isinstance(value, ast.FormattedValue):
                            yield path.name, ast.unparse(value.value)
                if isinstance(arg, ast.Name):  # a statement built earlier in a variable
                    yield from _built(tree, arg.id, path.name)


def _built(tree, variable, name):
    """What an f-string or .format() assigned to `variable` interpolates."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
            value = node.value
            if isinstance(value, ast.JoinedStr):
                for part in value.values:
                    if isinstance(part, ast.FormattedValue):
                        yield name, ast.unparse(part.value)
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "format":
                for kw in value.keywords:
                    yield name, ast.unparse(kw.value)


def test_only_constant_fragments_are_formatted_into_sql():
    found = set(formatted_sql_names())
    assert found, "the scan found no statement at all: it is looking in the wrong place"
    assert {expr for _, expr in found} <= ALLOWED, found


def test_filter_values_go_to_parameters_never_into_the_clause():
    hostile = ["x'); drop table scores; --", "Robert'); --"]
    clause, params = queries._filters(2025, hostile, "2021' or '1'='1")
    assert "drop" not in clause and "'" not in clause
    assert params == [2025, hostile, "2021' or '1'='1"]
