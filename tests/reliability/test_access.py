"""Access in the app: roles, password hashes outside git, a visible notice when open, deletions that are
recorded, and the sign-in limits as the pages apply them."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ui import signin
from zi_data import access, sessions
from zi_data.cli import main

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"pembaca": "sandi-pembaca-1", "tpi": "sandi-evaluator-1", "admin": "sandi-admin-123"}


@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch):
    """Each test starts with no failed sign-ins and no sessions remembered (the real ones live as long as the
    process)."""
    monkeypatch.setattr(access, "THROTTLE", access.SignInThrottle())
    monkeypatch.setattr(sessions, "STORE", sessions.SessionStore())


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "users.toml"
    for user, role in (("pembaca", "viewer"), ("tpi", "evaluator"), ("admin", "admin")):
        access.add_user(path, user, PASSWORDS[user], role, name=user.title(), actor_role="admin")
    return path


def test_roles_grant_what_the_roles_below_them_may():
    assert access.can("viewer", "read") and not access.can("viewer", "upload")
    assert access.can("evaluator", "upload") and not access.can("evaluator", "delete")
    assert all(access.can("admin", a) for a in ("read", "upload", "ingest", "delete"))
    assert not access.can(None, "read") and not access.can("root", "read")


def test_passwords_are_stored_as_salted_hashes(users):
    text = users.read_text()
    assert all(p not in text for p in PASSWORDS.values())
    assert text.count("pbkdf2_sha256$") == 3
    assert oct(users.stat().st_mode)[-3:] == "600"
    config = access.load_config(users)
    assert config.authenticate("tpi", PASSWORDS["tpi"]).role == "evaluator"
    assert config.authenticate("tpi", "salah") is None and config.authenticate("siapa", "x") is None
    assert access.hash_password("a") != access.hash_password("a")  # salted


def test_the_users_file_is_kept_out_of_git():
    assert ".streamlit/users.toml" in (ROOT / ".gitignore").read_text()


def test_zi_user_adds_a_user_from_stdin(tmp_path, monkeypatch):
    import io

    path = tmp_path / "u.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-panjang\n"))
    assert main(["user", "ani", "--role", "evaluator", "--file", str(path), "--password-stdin"]) == 0
    assert access.load_config(path).authenticate("ani", "kata-sandi-panjang").role == "evaluator"
    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    assert main(["user", "budi", "--file", str(path), "--password-stdin"]) == 2


def app(db, users_file, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("ZI_DB", str(db))
    monkeypatch.setenv("ZI_USERS", str(users_file))
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(signin, "session_cookie", lambda: None)  # a browser that has not signed in
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    return at


def login(at: AppTest, user: str, monkeypatch, password: str | None = None) -> AppTest:
    """Sign in as the sign-in page does (zi_data.access, then a server-side session), and run the page with the
    session's cookie, as the browser then sends it."""
    config = access.load_config()
    result = access.sign_in(config, user, password or PASSWORDS[user])
    assert result.user is not None, result.message()
    session_id = sessions.STORE.start(result.user, config)
    monkeypatch.setattr(signin, "session_cookie", lambda: session_id)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def signed_out(at: AppTest) -> bool:
    """Only the notice: no page title, no figure, no table, no role."""
    return ([t.value for t in at.main.title] == ["ZI Monitor"] and not at.metric and not at.dataframe
            and "role" not in at.session_state and not at.text_input)


def test_with_no_configuration_the_app_is_open_and_says_so(demo_db, monkeypatch, tmp_path):
    at = app(demo_db, tmp_path / "none.toml", monkeypatch, tmp_path)
    assert "Mode terbuka" in at.sidebar.warning[0].value
    assert at.title[0].value == "Ringkasan"


def test_with_users_configured_nothing_is_shown_without_a_session(demo_db, users, monkeypatch, tmp_path):
    at = app(demo_db, users, monkeypatch, tmp_path)
    assert signed_out(at) and "Silakan masuk" in at.info[0].value
    # no sign-in page in this process (a plain `streamlit run dashboard.py`): nobody can sign in, and it says so
    assert "jalankan dasbor dengan `make run`" in at.error[0].value
    monkeypatch.setattr(signin, "session_cookie", lambda: "tebakan-" + "x" * 36)  # an id never given out
    at.run()
    assert signed_out(at)


def test_a_viewer_reads_everything_but_cannot_upload_or_delete(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "pembaca", monkeypatch)
    assert at.title[0].value == "Ringkasan" and at.metric
    assert not [c for c in at.sidebar.caption if "Basis data" in c.value]  # the server's path is for admins
    at.switch_page("pages/data.py").run()
    assert not at.get("file_uploader")
    assert "hanya untuk peran Evaluator" in at.info[0].value
    assert at.dataframe  # the lists are readable
    assert not [e for e in at.expander if "Hapus" in e.label]


def test_an_evaluator_may_upload_but_not_delete(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "tpi", monkeypatch)
    at.switch_page("pages/data.py").run()
    assert at.get("file_uploader")
    assert not [e for e in at.expander if "Hapus" in e.label]


def test_an_admin_deletion_is_recorded_not_erased(demo_db, users, monkeypatch, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    at = login(app(db, users, monkeypatch, tmp_path), "admin", monkeypatch)
    assert [c for c in at.sidebar.caption if f"Basis data: `{db}`" in c.value]
    at.switch_page("pages/data.py").run()
    choice = at.selectbox(key="delete_choice").value  # the submission's key (two may read alike)
    at.text_input(key="delete_reason").set_value("berkas salah unit").run()
    at.button(key="delete_button").click().run()
    assert not at.exception and "Dihapus" in at.success[0].value
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select s.deleted_by, s.delete_reason, s.deleted_at is not null, s.is_current from stg_submissions s "
            "where s.submission_id = ? and s.deleted_at is not null", [choice]).fetchone()
        assert row == ("Admin", "berkas salah unit", True, False)
        assert con.execute("select count(*) from history where event = 'deleted'").fetchone()[0] == 1
        # the rows are still there, only out of the current views
        sid = con.execute("select submission_id from stg_submissions where deleted_at is not null").fetchone()[0]
        assert con.execute("select count(*) from scores where submission_id = ?", [sid]).fetchone()[0] > 0
        assert con.execute("select count(*) from current_submissions where submission_id = ?",
                           [sid]).fetchone()[0] == 0
    finally:
        con.close()


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_an_idle_session_is_ended_and_told_why(demo_db, users, monkeypatch, tmp_path):
    monkeypatch.setenv("ZI_IDLE_MINUTES", "30")
    clock = Clock()
    monkeypatch.setattr(sessions, "STORE", sessions.SessionStore(clock=clock))
    at = login(app(demo_db, users, monkeypatch, tmp_path), "pembaca", monkeypatch)
    clock.now += 29 * 60
    at.run()
    assert at.metric and not signed_out(at)  # each run counts as activity: 29 more minutes from here
    clock.now += 29 * 60
    at.run()
    assert at.metric
    clock.now += 31 * 60
    at.run()
    assert signed_out(at)
    assert at.info[0].value == "Sesi berakhir karena tidak ada aktivitas selama 30 menit. Silakan masuk lagi."
    assert "f_year" not in at.session_state and "role" not in at.session_state
    assert len(sessions.STORE) == 0  # ended on the server, not only hidden


def test_signing_out_ends_the_session_and_clears_what_the_browser_session_held(demo_db, users, monkeypatch,
                                                                               tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "admin", monkeypatch)
    at.switch_page("pages/data.py").run()
    at.text_input(key="delete_reason").set_value("catatan sementara").run()
    at.button(key="logout").click().run()
    assert signed_out(at) and at.info[0].value == "Anda telah keluar."
    for key in ("role", "user_name", "username", "f_year", "delete_reason"):
        assert key not in at.session_state, key
    at.run()  # the same cookie again, as another tab of the browser would send it
    assert signed_out(at) and "Silakan masuk" in at.info[0].value


def test_a_user_removed_from_the_users_file_is_out_at_once(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "tpi", monkeypatch)
    text = users.read_text()
    users.write_text(text[:text.index("[users.tpi]")] + text[text.index("[users.admin]"):])
    at.run()
    assert signed_out(at) and "tidak lagi terdaftar" in at.info[0].value


def test_a_changed_role_ends_the_session(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "tpi", monkeypatch)
    users.write_text(users.read_text().replace('role = "evaluator"', 'role = "admin"'))
    at.run()
    assert signed_out(at) and "Peran Anda telah diubah" in at.info[0].value
    login(at, "tpi", monkeypatch)  # signed in again, in the new role
    assert at.session_state["role"] == "admin"


def test_a_new_password_ends_the_session(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "tpi", monkeypatch)
    access.add_user(users, "tpi", "sandi-baru-evaluator", "evaluator", name="Tpi", actor_role="admin")
    at.run()
    assert signed_out(at) and "Kata sandi Anda telah diganti" in at.info[0].value


def test_a_page_that_forgot_to_hide_the_delete_button_still_cannot_delete(demo_db, users, monkeypatch, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    at = login(app(db, users, monkeypatch, tmp_path), "tpi", monkeypatch)
    monkeypatch.setattr(signin, "allowed", lambda action: True)  # the page now shows every button
    at.switch_page("pages/data.py").run()
    at.text_input(key="delete_reason").set_value("coba hapus").run()
    at.button(key="delete_button").click().run()
    assert not at.success and "Evaluator (TPI) tidak boleh menghapus pengajuan" in at.error[0].value
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*) from stg_submissions where deleted_at is not null").fetchone()[0] == 0
    finally:
        con.close()


def test_admins_are_warned_when_the_users_file_is_readable_by_others(demo_db, users, monkeypatch, tmp_path):
    users.chmod(0o644)
    at = login(app(demo_db, users, monkeypatch, tmp_path), "admin", monkeypatch)
    warning = [w.value for w in at.sidebar.warning]
    assert len(warning) == 1 and f"chmod 600 {users}" in warning[0]
    assert not login(app(demo_db, users, monkeypatch, tmp_path), "pembaca", monkeypatch).sidebar.warning
    users.chmod(0o600)
    assert not login(app(demo_db, users, monkeypatch, tmp_path), "admin", monkeypatch).sidebar.warning


def test_a_broken_users_file_lets_nobody_in(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "admin", monkeypatch)
    users.write_text(users.read_text().replace('role = "admin"', "role = admin"))
    at.run()
    assert "Kontrol akses tidak dapat dijalankan" in at.error[0].value and "baris" not in at.error[0].value
    assert "line" in at.error[0].value and "pbkdf2" not in at.error[0].value
    assert not at.metric and not at.text_input and "role" not in at.session_state


def test_a_users_file_that_disappears_after_a_start_with_sign_in_lets_nobody_in(demo_db, users, monkeypatch,
                                                                                tmp_path):
    monkeypatch.setattr(sessions.STORE, "sign_in_required", True)  # as gate.py sets it when it starts
    at = login(app(demo_db, users, monkeypatch, tmp_path), "admin", monkeypatch)
    users.unlink()
    at.run()
    assert "tidak ditemukan lagi" in at.error[0].value
    assert not at.metric and "role" not in at.session_state and not at.sidebar.warning  # never the open mode


def test_the_server_asks_no_outside_host_for_its_address(demo_db, tmp_path):
    """Started on every interface (as `make run` does with sign-in on, or with --terbuka-untuk-jaringan), Streamlit's
    banner would look up an "External URL" at checkip.amazonaws.com: on a closed network it logs that it failed,
    elsewhere it prints one."""
    from tests.browser import dashboard

    log = tmp_path / "streamlit.log"
    with dashboard({"ZI_DB": str(demo_db), "ZI_USERS": str(tmp_path / "tidak-ada.toml")}, log,
                   "--terbuka-untuk-jaringan", local_only=False):
        time.sleep(1)
    text = log.read_text(errors="replace")
    assert "External URL" not in text and "external IP" not in text, text
