"""`make run`: the dashboard's libraries loaded and warmed first, then Streamlit's server in this process, running
dashboard.py behind the sign-in gate (`streamlit run gate.py`: gate.py's st.App serves dashboard.py).

Where it listens: with sign-in on (a users file, or OpenID Connect) wherever Streamlit is told to (every interface
unless --server.address says otherwise). In open mode (no sign-in: anyone who reaches the dashboard may upload and
delete) on 127.0.0.1 only, whatever --server.address says, unless the person starting it adds the flag
--terbuka-untuk-jaringan; either way the terminal says which.

Streamlit answers as soon as its server is up and loads what the app needs only on the first visit, which then
waits for pandas, DuckDB, Plotly's figure classes, Streamlit's emoji table and the first database connection
(about a second on the 2-core machine). Done here, before the server answers, the first page opens without that
wait. Arguments are those of `streamlit run` after the script name (`-- --db PATH` too), and
--terbuka-untuk-jaringan.
"""

import logging
import sys
import tomllib
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
        from zi_data import charts, queries, workers
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
    workers.warm()  # the child processes that read uploads and write start from a server that has the library loaded
    db = loaders.db_path()
    if db.exists():
        try:
            queries.connect(db).close()  # DuckDB's first connection to the file costs the most
        except queries.DatabaseBusy:
            pass


OPEN_NETWORK_FLAG = "--terbuka-untuk-jaringan"


def open_mode() -> bool:
    """No sign-in at all: no users file (a broken one counts as sign-in on: it lets nobody in) and no OpenID
    Connect ([auth] in a secrets.toml where Streamlit looks for one). Read before Streamlit's own configuration is:
    a secrets file that cannot be read counts as none, so the server then listens on this computer only."""
    from zi_data import access

    try:
        if access.load_config() is not None:
            return False
    except access.ConfigError:
        return False
    for path in (Path.home() / ".streamlit/secrets.toml", Path.cwd() / ".streamlit/secrets.toml",
                 Path(__file__).parent / ".streamlit/secrets.toml"):
        try:
            if isinstance(tomllib.loads(path.read_text(encoding="utf-8")).get("auth"), dict):
                return False
        except (OSError, ValueError):
            continue
    return True


def listening_args(args: list[str], is_open: bool) -> tuple[list[str], str]:
    """`streamlit run` arguments with the address to listen on, and what the terminal is told about it."""
    network = OPEN_NETWORK_FLAG in args
    args = [a for a in args if a != OPEN_NETWORK_FLAG]
    if not is_open:
        return args, "Kontrol akses aktif: hanya pengguna yang masuk dengan kata sandi yang dapat membuka data."
    if network:
        return args, ("PERINGATAN: mode terbuka (tanpa kontrol akses) dan dilayani ke jaringan karena "
                      f"{OPEN_NETWORK_FLAG}: siapa pun yang dapat menjangkau server ini dapat mengunggah dan "
                      "menghapus data.")
    script_args = args[args.index("--"):] if "--" in args else []
    flags = args[:len(args) - len(script_args)]
    kept, i = [], 0
    while i < len(flags):
        if flags[i] == "--server.address":
            i += 2
            continue
        if not flags[i].startswith("--server.address="):
            kept.append(flags[i])
        i += 1
    return [*kept, "--server.address", "127.0.0.1", *script_args], (
        "Mode terbuka (tanpa kontrol akses): dasbor hanya melayani komputer ini (127.0.0.1). Untuk membukanya dari "
        "komputer lain, aktifkan kontrol akses (`.venv/bin/zi user NAMA --role admin`); atau, bila memang harus tanpa "
        f"kata sandi, jalankan dengan {OPEN_NETWORK_FLAG}.")


if __name__ == "__main__":
    streamlit_args, said = listening_args(sys.argv[1:], open_mode())
    print(said, flush=True)
    sys.argv = ["streamlit", "run", str(Path(__file__).with_name("gate.py")), *streamlit_args]
    warm_up()
    sys.exit(cli.main())
