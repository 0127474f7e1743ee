"""`make run`: the dashboard's libraries loaded and warmed first, then `streamlit run dashboard.py` in this process.

Streamlit answers as soon as its server is up and loads what the app needs only on the first visit, which then
waits for pandas, DuckDB, Plotly's figure classes, Streamlit's emoji table and the first database connection
(about a second on the 2-core machine). Done here, before the server answers, the first page opens without that
wait. Arguments are those of `streamlit run` after the script name (`-- --db PATH` too).
"""

import logging
import sys
from pathlib import Path

from streamlit import string_util
from streamlit.web import cli


def warm_up() -> None:
    """What the first page would otherwise do on its first run: nothing here is kept but loaded code and the
    catalog (Streamlit's own caches start empty)."""
    # The pages' cached loaders are declared before Streamlit's runtime exists, which Streamlit reports once per
    # loader ("No runtime found"); their caches are made on first use, inside the runtime, as usual.
    cache_log = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = cache_log.level
    cache_log.setLevel(logging.ERROR)
    try:
        import pandas as pd
        import pandas.io.formats.style  # noqa: F401  (the tables' Styler)

        from ui import loaders, router, widgets  # noqa: F401  (every module the pages import)
        from zi_data import charts, queries
        from zi_data.catalog import load_catalog
    finally:
        cache_log.setLevel(level)
    string_util.is_emoji("🛡️")  # the tab icon: Streamlit's emoji table is a module of its own, and a large regex
    load_catalog()
    queries._area_labels()
    units = pd.DataFrame({"unit_name": ["A"], "instansi": ["B"], "total": [80.0], "predicate": ["WBK"],
                          "needs_review": [None], **{k: [0.8] for k in queries.AREA_KEYS}})
    for fig in (charts.totals_histogram(units), charts.area_share_bars(queries.area_shares(units)),
                charts.predicate_donut({"wbbm": 0, "wbk": 1, "not_met": 0, "unscored": 0})):
        fig.to_json()  # Plotly loads each trace type's and layout part's classes on first use
    db = loaders.db_path()
    if db.exists():
        try:
            queries.connect(db).close()  # DuckDB's first connection to the file costs the most
        except queries.DatabaseBusy:
            pass


if __name__ == "__main__":
    sys.argv = ["streamlit", "run", str(Path(__file__).with_name("dashboard.py")), *sys.argv[1:]]
    warm_up()
    sys.exit(cli.main())
