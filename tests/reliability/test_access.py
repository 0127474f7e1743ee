"""Access in the app: roles, password hashes outside git, a visible notice when open, deletions that are
recorded, and the sign-in limits as the pages apply them."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from zi_data import access
from zi_data.cli import main

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {"pembaca": "sandi-pembaca-1", "tpi": "sandi-evaluator-1", "admin": "sandi-admin-123"}


@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch):
    """Each test starts with no failed sign-ins remembered (the real counter lives as long as the process)."""
    monkeypatch.setattr(access, "THROTTLE", access.SignInThrottle())


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
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    return at


def attempt(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_password").set_value(password)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def login(at: AppTest, user: str) -> AppTest:
    return attempt(at, user, PASSWORDS[user])


def signed_out(at: AppTest) -> bool:
    """Only the sign-in form: no page title, no figure, no table, no page link."""
    return ([t.value for t in at.main.title] == ["ZI Monitor"] and at.text_input(key="login_user") is not None
            and not at.metric and not at.dataframe and "role" not in at.session_state)


def test_with_no_configuration_the_app_is_open_and_says_so(demo_db, monkeypatch, tmp_path):
    at = app(demo_db, tmp_path / "none.toml", monkeypatch, tmp_path)
    assert "Mode terbuka" in at.sidebar.warning[0].value
    assert at.title[0].value == "Ringkasan"


def test_with_users_configured_nothing_is_shown_before_signing_in(demo_db, users, monkeypatch, tmp_path):
    at = app(demo_db, users, monkeypatch, tmp_path)
    assert [t.value for t in at.main.title] == ["ZI Monitor"]
    assert not at.metric and not at.dataframe
    at.text_input(key="login_user").set_value("tpi")
    at.text_input(key="login_password").set_value("salah")
    at.button[0].click().run()
    assert "salah" in at.error[0].value and not at.metric


def test_a_viewer_reads_everything_but_cannot_upload_or_delete(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "pembaca")
    assert at.title[0].value == "Ringkasan" and at.metric
    at.switch_page("pages/data.py").run()
    assert not at.get("file_uploader")
    assert "hanya untuk peran Evaluator" in at.info[0].value
    assert at.dataframe  # the lists are readable
    assert not [e for e in at.expander if "Hapus" in e.label]


def test_an_evaluator_may_upload_but_not_delete(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "tpi")
    at.switch_page("pages/data.py").run()
    assert at.get("file_uploader")
    assert not [e for e in at.expander if "Hapus" in e.label]


def test_an_admin_deletion_is_recorded_not_erased(demo_db, users, monkeypatch, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    at = login(app(db, users, monkeypatch, tmp_path), "admin")
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


def test_five_failures_lock_the_name_for_every_session_and_the_page_says_how_long(demo_db, users, monkeypatch,
                                                                                  tmp_path):
    first = app(demo_db, users, monkeypatch, tmp_path)
    for _ in range(4):
        attempt(first, "tpi", "salah")
    assert "Sisa 1 percobaan" in first.error[0].value
    attempt(first, "TPI", "salah")  # the name is counted without regard to case
    assert "Coba lagi dalam 5 menit" in first.error[0].value
    other = attempt(app(demo_db, users, monkeypatch, tmp_path), "tpi", PASSWORDS["tpi"])  # another browser
    assert signed_out(other) and "Terlalu banyak percobaan" in other.error[0].value
    assert login(app(demo_db, users, monkeypatch, tmp_path), "admin").metric  # other names are not affected


def test_an_idle_session_is_signed_out_and_told_why(demo_db, users, monkeypatch, tmp_path):
    monkeypatch.setenv("ZI_IDLE_MINUTES", "30")
    at = login(app(demo_db, users, monkeypatch, tmp_path), "pembaca")
    at.session_state["last_active"] = time.time() - 29 * 60
    at.run()
    assert at.metric and not signed_out(at)
    at.session_state["last_active"] = time.time() - 31 * 60
    at.run()
    assert signed_out(at)
    assert at.info[0].value == "Sesi berakhir karena tidak ada aktivitas selama 30 menit. Silakan masuk lagi."
    assert "f_year" not in at.session_state and "role" not in at.session_state


def test_signing_out_clears_what_the_session_held(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "admin")
    at.switch_page("pages/data.py").run()
    at.text_input(key="delete_reason").set_value("catatan sementara").run()
    at.button(key="logout").click().run()
    assert signed_out(at) and at.info[0].value == "Anda telah keluar."
    for key in ("role", "user_name", "username", "last_active", "auth_file", "f_year", "delete_reason"):
        assert key not in at.session_state, key


def test_a_user_removed_from_the_users_file_is_out_at_once(demo_db, users, monkeypatch, tmp_path):
    at = login(app(demo_db, users, monkeypatch, tmp_path), "tpi")
    text = users.read_text()
    users.write_text(text[:text.index("[users.tpi]")] + text[text.index("[users.admin]"):])
    at.run()
    assert signed_out(at) and "tidak lagi terdaftar" in at.info[0].value


def test_a_page_that_forgot_to_hide_the_delete_button_still_cannot_delete(demo_db, users, monkeypatch, tmp_path):
    from ui import signin

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    at = login(app(db, users, monkeypatch, tmp_path), "tpi")
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


def test_passwords_and_hashes_never_reach_a_log(demo_db, users, monkeypatch, tmp_path, caplog, capfd):
    hashes = [e["password_hash"] for e in access.load_config(users).users.values()]
    caplog.set_level(logging.DEBUG)
    at = attempt(app(demo_db, users, monkeypatch, tmp_path), "admin", "tebakan-salah-123")
    login(at, "admin")
    assert at.metric
    assert at.session_state["login_password"] == ""  # not kept in the session after the check
    logged = caplog.text + "".join(capfd.readouterr())
    assert caplog.records  # something was captured at all
    for secret in [*PASSWORDS.values(), "tebakan-salah-123", *hashes, *(h.split("$")[3] for h in hashes)]:
        assert secret not in logged


def test_admins_are_warned_when_the_users_file_is_readable_by_others(demo_db, users, monkeypatch, tmp_path):
    users.chmod(0o644)
    at = login(app(demo_db, users, monkeypatch, tmp_path), "admin")
    warning = [w.value for w in at.sidebar.warning]
    assert len(warning) == 1 and f"chmod 600 {users}" in warning[0]
    assert not login(app(demo_db, users, monkeypatch, tmp_path), "pembaca").sidebar.warning
    users.chmod(0o600)
    assert not login(app(demo_db, users, monkeypatch, tmp_path), "admin").sidebar.warning


def test_a_broken_users_file_lets_nobody_in(demo_db, users, monkeypatch, tmp_path):
    users.write_text(users.read_text().replace('role = "admin"', "role = admin"))
    at = app(demo_db, users, monkeypatch, tmp_path)
    assert "Kontrol akses tidak dapat dijalankan" in at.error[0].value and "baris" not in at.error[0].value
    assert "line" in at.error[0].value and "pbkdf2" not in at.error[0].value
    assert not at.metric and not at.text_input and "role" not in at.session_state


def test_the_server_asks_no_outside_host_for_its_address(demo_db, tmp_path):
    """Started as `make run` does (headless, every interface), Streamlit's banner would look up an "External
    URL" at checkip.amazonaws.com: on a closed network it logs that it failed, elsewhere it prints one."""
    from tests.browser import dashboard

    log = tmp_path / "streamlit.log"
    with dashboard({"ZI_DB": str(demo_db), "ZI_USERS": str(tmp_path / "tidak-ada.toml")}, log, local_only=False):
        time.sleep(1)
    text = log.read_text(errors="replace")
    assert "External URL" not in text and "external IP" not in text, text
