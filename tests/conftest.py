"""Shared fixtures: a small demo database built the way users build theirs (demo workbooks -> zi ingest)."""

from __future__ import annotations

import pytest

from zi_data import queries
from zi_data.cycle.demo import add_cycle
from zi_data.demo import generate
from zi_data.ingest import ingest_paths


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """12 units x 3 years (2024-2026), both layouts, surveys, a revision and a few bad files; the cycle's
    rosters (three units that never send), TPN results for 2024 and 2025 and a proposal saved for 2026."""
    root = tmp_path_factory.mktemp("demo")
    generate(root / "raw", units=12, years=[2024, 2025, 2026], seed=3)
    db = root / "zi.duckdb"
    ingest_paths([root / "raw"], db, actor_role="evaluator")
    add_cycle(root / "raw", db, units=12, years=[2024, 2025, 2026], seed=3)
    return db


@pytest.fixture
def con(db):
    """A read-only connection to the module's own `db` fixture (a database built by hand in that module)."""
    c = queries.connect(db)
    yield c
    c.close()


@pytest.fixture(scope="session")
def chromium():
    """The system Chromium driven by Playwright, one for every browser test (each opens its own contexts)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, ARTIFACTS, CHROMIUM

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
