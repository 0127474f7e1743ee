"""Sign-in and exposure from the outside: a plain HTTP client on a freshly started server (serve.py, as `make run`).

With sign-in on, nothing of Streamlit answers a client that has not signed in or has signed out: no page, no
WebSocket, no upload, no download, no metrics, none of its files. Signing in gives a random session id in an
HttpOnly, SameSite=Strict cookie and nothing else. Without a users file the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import streamlit

from tests.browser import Client, dashboard, rss_mb
from zi_data import access

PASSWORDS = {"pembaca": "sandi-pembaca-server", "admin": "sandi-admin-server", "sasaran": "sandi-sasaran-server",
             "lambat": "sandi-lambat-server"}
ROLES = {"pembaca": "viewer", "admin": "admin", "sasaran": "viewer", "lambat": "viewer"}
SLOW_ITERATIONS = 4_800_000  # "lambat": a password check of a second or two, so a burst meets checks under way
STREAMLIT_JS = "/static/js/" + next((Path(streamlit.__file__).parent / "static/static/js").glob("index.*.js")).name
# Addresses of Streamlit's server that a client that has not signed in must not get anything from.
REFUSED = ["/_stcore/metrics", "/_stcore/host-config", "/_stcore/script-health-check", "/media/abc123.csv",
           "/media/abc123.png", "/app/static/logo.png", "/component/streamlit_x/index.html",
           "/_stcore/bidi-components/x/index.js", "/_stcore/agent/openapi.json", STREAMLIT_JS, "/favicon.png",
           "/manifest.json", "/auth/login", "/oauth2callback"]
PAGES = ["/", "/peringkat", "/peringkat?tahun=2025&jawaban=unit", "/data", "/pages/data.py", "/dashboard.py",
         "/ui/signin.py", "/gate.py", "/tidak-ada", "/profil_unit?embed=true"]


@pytest.fixture(scope="module")
def setup(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gerbang")
    users = folder / "users.toml"
    for name, role in ROLES.items():
        access.add_user(users, name, PASSWORDS[name], role, name=name.title(), actor_role="admin")
    salt = b"garam-uji-lambat"
    digest = hashlib.pbkdf2_hmac("sha256", PASSWORDS["lambat"].encode(), salt, SLOW_ITERATIONS)
    text = users.read_text()
    start = text.index("password_hash", text.index("[users.lambat]"))
    end = text.index("\n", start)
    users.write_text(text[:start] + f'password_hash = "pbkdf2_sha256${SLOW_ITERATIONS}$'
                     f'{base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"' + text[end:])
    return {"folder": folder, "users": users, "env": {"ZI_DB": str(demo_db), "ZI_USERS": str(users)}}


@pytest.fixture(scope="module")
def server(setup):
    with dashboard(setup["env"], setup["folder"] / "server.log", "--logger.level", "debug") as url:
        yield url


def sign_in_form(client: Client, path: str = "/masuk") -> tuple[int, str]:
    status, _, body = client.get(path, html=True)
    token = re.search(r'name="token" value="([^"]+)"', body.decode()).group(1)
    return status, token


def post_sign_in(client: Client, user: str, password: str, token: str, next_address: str = "",
                 origin: str | None = None) -> tuple[int, dict, str]:
    body = urlencode({"nama": user, "sandi": password, "token": token, "lanjut": next_address}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin or client.server}
    status, headers_back, text = client.request("POST", "/masuk", body=body, headers=headers, html=True)
    return status, headers_back, text.decode()


def signed_in(server: str, user: str) -> Client:
    client = Client(server)
    _, token = sign_in_form(client)
    status, _, _ = post_sign_in(client, user, PASSWORDS[user], token)
    assert status == 303 and "zi_sesi" in client.cookies
    return client


def upload(client: Client, size_mb: int = 19) -> int:
    """A file sent as Streamlit's uploader sends one (multipart PUT to its upload address)."""
    boundary = "----zi"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"besar.xlsx\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + b"\0" * (size_mb << 20) + \
        f"\r\n--{boundary}--\r\n".encode()
    status, _, _ = client.request("PUT", "/_stcore/upload_file/sesi-siapa/berkas-1", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "X-Xsrftoken": client.cookies.get("_streamlit_xsrf", "x")})
    return status


def assert_refused(client: Client, where: str) -> None:
    """Every address: a page load is sent to the sign-in page, anything else answered 401, the WebSocket refused,
    and nothing of Streamlit is in any answer."""
    for path in PAGES:
        status, headers, body = client.get(path, html=True)
        assert status == 303, f"{where}: {path} answered {status}"
        location = urlparse(headers["location"])
        assert location.path == "/masuk" and not location.netloc, f"{where}: {path} -> {headers['location']}"
        assert body == b""
    for path in REFUSED:
        status, _, body = client.get(path)
        assert status == 401, f"{where}: {path} answered {status}"
        assert b"<script" not in body and b"streamlit" not in body.lower()
    assert client.websocket() == 403, f"{where}: the WebSocket opened"
    assert upload(client, 1) == 401


def test_before_sign_in_nothing_of_streamlit_answers(server):
    client = Client(server)
    assert client.get("/_stcore/health")[0] == 200  # the health check answers everyone (it says "ok")
    assert_refused(client, "before sign-in")
    before = rss_mb(server)
    statuses = [upload(client) for _ in range(10)]  # 10 x 19 MB, as the finding sent them
    assert statuses == [401] * 10
    time.sleep(1)
    assert rss_mb(server) - before < 40, (before, rss_mb(server))  # nothing of 190 MB was kept
    status, _, body = client.get("/_stcore/metrics")
    assert status == 401 and b"session" not in body


def test_the_sign_in_page_is_plain_html_with_nothing_from_elsewhere(server):
    client = Client(server)
    status, headers, body = client.get("/masuk?lanjut=%2Fperingkat", html=True)
    text = body.decode()
    assert status == 200 and 'action="/masuk"' in text and "Nama pengguna" in text and "Kata sandi" in text
    assert "<script" not in text and not re.search(r'(src|href)="(https?:)?//', text)
    assert "default-src 'none'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    token_cookie = next(h for h in headers.get_all("set-cookie") if h.startswith("zi_masuk="))
    assert "HttpOnly" in token_cookie and "SameSite=strict" in token_cookie and "Path=/masuk" in token_cookie


def test_a_sign_in_from_another_site_or_without_the_form_token_is_refused(server):
    client = Client(server)
    _, token = sign_in_form(client)
    assert post_sign_in(client, "admin", PASSWORDS["admin"], token, origin="http://penyerang.example")[0] == 403
    assert post_sign_in(client, "admin", PASSWORDS["admin"], "token-lain-" + "x" * 32)[0] == 403
    other = Client(server)  # a form sent without ever loading the page: no token cookie
    status, _, text = post_sign_in(other, "admin", PASSWORDS["admin"], token)
    assert status == 403 and "tidak dikirim dari halaman ini" in text and "zi_sesi" not in other.cookies
    assert "zi_sesi" not in client.cookies


def test_signing_in_gives_only_a_random_session_id_and_signing_out_ends_it(server, setup):
    client = Client(server)
    _, token = sign_in_form(client, "/masuk?lanjut=%2Fperingkat%3Ftahun%3D2025")
    status, headers, text = post_sign_in(client, "pembaca", "salah-sekali", token, "/peringkat?tahun=2025")
    assert status == 401 and "Nama pengguna atau kata sandi salah. Sisa 4 percobaan" in text
    assert "salah-sekali" not in text  # the password is never sent back
    assert 'value="/peringkat?tahun=2025"' in text  # and the address asked for is kept for the next try
    _, token = sign_in_form(client)
    status, headers, _ = post_sign_in(client, "pembaca", PASSWORDS["pembaca"], token, "/peringkat?tahun=2025")
    assert status == 303 and headers["location"] == "/peringkat?tahun=2025"
    cookie = next(h for h in headers.get_all("set-cookie") if h.startswith("zi_sesi="))
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert attributes == {"httponly", "path", "samesite"}, cookie  # no Secure over plain HTTP, no lifetime
    assert "SameSite=strict" in cookie and "Path=/" in cookie
    session_id = client.cookies["zi_sesi"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", session_id)
    assert session_id != signed_in(server, "pembaca").cookies["zi_sesi"]  # a new random id each time
    # nothing else of the user in the browser: the only other cookie is Streamlit's own anti-forgery token
    assert set(client.cookies) <= {"zi_sesi", "zi_masuk", "_streamlit_xsrf"}
    assert "pembaca" not in str(client.cookies).lower()

    status, _, body = client.get("/peringkat?tahun=2025", html=True)
    assert status == 200 and b"<script" in body  # Streamlit's page
    assert client.websocket() == 101
    assert client.get(STREAMLIT_JS)[0] == 200
    # what was refused before is Streamlit's to answer now (an unknown file, an upload to no session: not 401)
    assert client.get("/media/abc123.csv")[0] == 404 and upload(client, 1) not in (401, 204)
    assert client.get("/_stcore/metrics")[0] == 403  # for admins only
    assert signed_in(server, "admin").get("/_stcore/metrics")[0] == 200

    old = dict(client.cookies)
    status, headers, _ = client.get("/keluar", html=True)
    assert status == 303 and headers["location"] == "/masuk?pesan=keluar"
    assert "zi_sesi" not in client.cookies  # the browser is told to forget it
    assert_refused(Client(server, old), "the old cookie after sign-out")  # and the server has forgotten it
    log = (setup["folder"] / "server.log").read_text(errors="replace")
    hashes = [e["password_hash"] for e in access.load_config(setup["users"]).users.values()]
    for secret in [*PASSWORDS.values(), "salah-sekali", session_id, *(h.split("$")[3] for h in hashes)]:
        assert secret not in log


def test_an_address_to_come_back_to_never_leads_to_another_host(server):
    for wanted in ("https://penyerang.example/", "//penyerang.example/x", "/\\penyerang.example", "javascript:x",
                   "/masuk", "/keluar?x=1"):
        client = Client(server)
        _, token = sign_in_form(client)
        status, headers, _ = post_sign_in(client, "admin", PASSWORDS["admin"], token, wanted)
        assert status == 303 and headers["location"] == "/", (wanted, headers["location"])


def test_twenty_simultaneous_wrong_sign_ins_check_at_most_five(server):
    clients = [Client(server) for _ in range(20)]
    tokens = [sign_in_form(c)[1] for c in clients]
    start, answers = threading.Barrier(20), [None] * 20

    def attempt(i: int) -> None:
        start.wait()
        answers[i] = post_sign_in(clients[i], "sasaran", f"tebakan-{i}", tokens[i])

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = [a for a in answers if "Nama pengguna atau kata sandi salah" in a[2]]
    refused = [a for a in answers if "Terlalu banyak percobaan" in a[2]]
    assert len(checked) <= 5 and len(checked) + len(refused) == 20
    assert all(a[0] == 401 for a in checked) and all(a[0] == 429 for a in refused)
    # the name is locked now: even the right password is not checked
    client = Client(server)
    status, _, text = post_sign_in(client, "sasaran", PASSWORDS["sasaran"], sign_in_form(client)[1])
    assert status == 429 and "Coba lagi dalam 5 menit" in text and "zi_sesi" not in client.cookies


def test_a_burst_of_fifteen_wrong_and_three_right_passwords_signs_nobody_in(server):
    """Issue 17.2 as found: in a burst of 15 wrong and 3 right passwords the right ones signed in. The 15 wrong
    ones are sent at once; the 3 right ones follow while the checks of the first are still under way (a check of
    this user's password takes a second or two). Five checks fill the count: the other ten are refused at once,
    the right ones too, and nobody is signed in."""
    def attempt(password: str, answers: list, i: int) -> None:
        client = Client(server)
        _, token = sign_in_form(client)
        status, _, text = post_sign_in(client, "lambat", password, token)
        answers[i] = (status, text, "zi_sesi" in client.cookies, time.monotonic())

    wrong, right = [None] * 15, [None] * 3
    threads = [threading.Thread(target=attempt, args=(f"tebakan-{i}", wrong, i)) for i in range(15)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 15
    while sum(a is not None and a[0] == 429 for a in wrong) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    refused_at_once = sum(a is not None and a[0] == 429 for a in wrong)
    checks_under_way = sum(a is None for a in wrong)
    sent_right = time.monotonic()
    late = [threading.Thread(target=attempt, args=(PASSWORDS["lambat"], right, i)) for i in range(3)]
    for t in late:
        t.start()
    for t in threads + late:
        t.join()
    assert not any(signed for _, _, signed, _ in wrong + right), "a password was accepted during the burst"
    assert [a[0] for a in right] == [429] * 3 and all("Terlalu banyak percobaan" in a[1] for a in right)
    checked = [a for a in wrong if "Nama pengguna atau kata sandi salah" in a[1]]
    assert len(checked) == 4 and all(a[0] == 401 for a in checked)  # the fifth check locked the name (429)
    assert refused_at_once == 10 and checks_under_way == 5, (refused_at_once, checks_under_way)
    # the right passwords were indeed sent while checks were under way: some wrong answers came after them
    assert any(a[3] > sent_right for a in wrong)
    client = Client(server)  # and after the burst the name stays locked, whatever is sent
    status, _, text = post_sign_in(client, "lambat", PASSWORDS["lambat"], sign_in_form(client)[1])
    assert status == 429 and "zi_sesi" not in client.cookies


def test_behind_https_the_cookies_are_marked_secure(setup, server, tmp_path):
    """Over HTTPS (Streamlit given a certificate) and behind a proxy on this machine that ends HTTPS and says so
    (X-Forwarded-Proto), the form token and the session cookie are sent over HTTPS only."""
    from tests.api_server import make_certificate

    def cookie_attributes(headers, name: str) -> set[str]:
        cookie = next(h for h in headers.get_all("set-cookie") if h.startswith(f"{name}="))
        return {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}

    cert = make_certificate(tmp_path / "tls")
    with dashboard(setup["env"], tmp_path / "https.log", cert=cert) as secure:
        assert secure.startswith("https://")
        client = Client(secure, tls=cert.context())
        _, headers, body = client.get("/masuk", html=True)
        assert {"secure", "httponly", "samesite"} <= cookie_attributes(headers, "zi_masuk")
        token = re.search(r'name="token" value="([^"]+)"', body.decode()).group(1)
        status, headers, _ = post_sign_in(client, "pembaca", PASSWORDS["pembaca"], token)
        assert status == 303 and cookie_attributes(headers, "zi_sesi") == {"secure", "httponly", "samesite", "path"}
        assert client.get("/", html=True)[0] == 200 and client.websocket() == 101
        assert Client(secure, tls=cert.context()).get("/", html=True)[0] == 303  # and without it: nothing

    proxied = Client(server)  # plain HTTP from the proxy, which tells the server the browser used HTTPS
    https = {"X-Forwarded-Proto": "https"}
    _, headers, body = proxied.get("/masuk", html=True, headers=https)
    assert "secure" in cookie_attributes(headers, "zi_masuk")
    token = re.search(r'name="token" value="([^"]+)"', body.decode()).group(1)
    form = urlencode({"nama": "pembaca", "sandi": PASSWORDS["pembaca"], "token": token, "lanjut": ""}).encode()
    status, headers, _ = proxied.request("POST", "/masuk", body=form, html=True, headers={
        **https, "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://" + proxied.netloc})
    assert status == 303 and "secure" in cookie_attributes(headers, "zi_sesi")


def test_a_session_ends_when_idle_and_when_the_user_is_removed_or_changes_role(setup, tmp_path):
    users = tmp_path / "users.toml"
    users.write_bytes(setup["users"].read_bytes())
    users.chmod(0o600)
    env = dict(setup["env"], ZI_USERS=str(users), ZI_IDLE_MINUTES="0.05")  # 3 seconds
    with dashboard(env, tmp_path / "server.log") as server:
        client = signed_in(server, "pembaca")
        for _ in range(3):  # used every second: still signed in after more than the idle time
            assert client.get("/", html=True)[0] == 200
            time.sleep(1)
        time.sleep(3.5)
        status, headers, _ = client.get("/peringkat", html=True)
        assert status == 303 and parse_qs(urlparse(headers["location"]).query)["pesan"] == ["idle"]
        assert client.websocket() == 403

        viewer, admin = signed_in(server, "pembaca"), signed_in(server, "admin")
        text = users.read_text()
        users.write_text(text.replace('[users.pembaca]\nname = "Pembaca"\nrole = "viewer"',
                                      '[users.pembaca]\nname = "Pembaca"\nrole = "evaluator"'))
        status, headers, _ = viewer.get("/", html=True)
        assert status == 303 and parse_qs(urlparse(headers["location"]).query)["pesan"] == ["peran"]
        assert viewer.get("/_stcore/host-config")[0] == 401  # ended for good, not only for that request
        assert admin.get("/", html=True)[0] == 200
        users.write_text(text[:text.index("[users.admin]")] + text[text.index("[users.sasaran]"):])
        status, headers, _ = admin.get("/data", html=True)
        assert status == 303 and parse_qs(urlparse(headers["location"]).query)["pesan"] == ["dihapus"]
        assert admin.websocket() == 403


def listening(port: int) -> set[str]:
    """The addresses the kernel has a listening TCP socket on `port` for (0.0.0.0 or :: for every interface)."""
    found = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # the kernel writes each 32-bit word in the machine's byte order
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, size, 4)) if sys.byteorder == "little" else raw
                found.add(str(ipaddress.ip_address(raw)))
    return found


def answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("flags,network", [((), False), (("--server.address", "0.0.0.0"), False),
                                           (("--terbuka-untuk-jaringan",), True)])
def test_open_mode_listens_on_this_computer_only_unless_asked(demo_db, tmp_path, flags, network):
    """Seen from the outside without sending anything off this machine: the kernel's list of listening sockets,
    and a connection to another loopback address (127.0.0.2 reaches a server listening on every interface, not one
    on 127.0.0.1 only)."""
    env = {"ZI_DB": str(demo_db), "ZI_USERS": str(tmp_path / "tidak-ada.toml")}
    log = tmp_path / "server.log"
    with dashboard(env, log, *flags, local_only=False) as server:
        port = urlparse(server).port
        assert answers("127.0.0.1", port)
        where = listening(port)
        assert (where == {"127.0.0.1"}) != network, where
        assert network == bool(where & {"0.0.0.0", "::"}), where
        assert answers("127.0.0.2", port) == network
    said = log.read_text(errors="replace")
    if network:
        assert "PERINGATAN: mode terbuka (tanpa kontrol akses) dan dilayani ke jaringan" in said
    else:
        assert "dasbor hanya melayani komputer ini (127.0.0.1)" in said and "--terbuka-untuk-jaringan" in said


def test_with_sign_in_on_the_server_listens_on_the_network(setup, tmp_path):
    with dashboard(setup["env"], tmp_path / "server.log", local_only=False) as server:
        port = urlparse(server).port
        assert listening(port) & {"0.0.0.0", "::"}, listening(port)
        client = Client(f"http://127.0.0.2:{port}")  # as another computer would: the sign-in page, nothing else
        assert client.get("/", html=True)[0] == 303 and client.websocket() == 403
    assert "Kontrol akses aktif" in (tmp_path / "server.log").read_text()


def test_with_openid_connect_uploads_downloads_and_metrics_need_streamlits_identity_cookie(demo_db, tmp_path):
    """OpenID Connect (st.login) is Streamlit's own sign-in: its page and WebSocket stay open to draw the sign-in
    button (no provider is reachable here, so no sign-in happens); everything else needs its signed cookie."""
    import json

    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    secret = "rahasia-kue-uji-yang-cukup-panjang"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[auth]\nredirect_uri = "http://127.0.0.1:9/oauth2callback"\ncookie_secret = "{secret}"\n'
                       'client_id = "zi-monitor"\nclient_secret = "rahasia-klien"\n'
                       'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n')
    env = {"ZI_DB": str(demo_db), "ZI_USERS": str(tmp_path / "tidak-ada.toml")}
    with dashboard(env, tmp_path / "server.log", "--secrets.files", str(secrets)) as server:
        client = Client(server)
        assert client.get("/", html=True)[0] == 200 and client.websocket() == 101
        protected = ["/_stcore/metrics", "/media/abc123.csv", "/component/x/index.html", "/app/static/x.png"]
        assert [client.get(p)[0] for p in protected] == [401] * 4 and upload(client, 1) == 401
        user = json.dumps({"email": "ani@instansi.go.id", "is_logged_in": True, "provider": "default"})
        forged = Client(server, {"_streamlit_user": user})
        assert forged.get("/media/abc123.csv")[0] == 401
        genuine = Client(server, {"_streamlit_user": create_signed_value(secret, "_streamlit_user", user).decode()})
        assert genuine.get("/media/abc123.csv")[0] == 404  # Streamlit's to answer: no such file
