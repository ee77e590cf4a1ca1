"""The webhook's own protections: Basic authentication on a source, and HTTPS on the listener.

Signature verification is off in these sources (insecure_skip_verify) so that
what is tested is the authentication or the transport alone.
"""

import base64
import json
import socket
import ssl
import threading
import warnings

import pytest

import harness

USERNAME = "sns-deliveries"
PASSWORD = "correct horse battery staple"
CREDENTIAL = "sns-endpoint"
RUN_TYPE = "Riposte:Test/Webhook"


def basic(username, password):
    return "Basic " + base64.b64encode(("%s:%s" % (username, password)).encode()).decode()


def run_step(sink):
    return harness.http_step("notify", sink.url + "/run", {"id": "{{ .event.detail.id }}"})


def webhook_config(sink, listen_tls=None, **source_settings):
    source = harness.sns_source(**source_settings)
    rules = [harness.rule("webhook", harness.detail_type_pattern(RUN_TYPE), [run_step(sink)])]
    config = harness.make_config(harness.free_port(), rules, sources=[source])
    if listen_tls is not None:
        config["listen"]["tls"] = listen_tls
    return config


def event_envelope():
    event = harness.small_event(RUN_TYPE)
    return harness.sns_envelope(event), event


def assert_ran(sink, event):
    [run] = sink.wait_for(1, path="/run")
    assert json.loads(run["body"]) == {"id": event["detail"]["id"]}


def assert_no_run(server, sink, headers):
    """An authorized message runs after the refused ones; one worker runs them in order."""
    envelope, event = event_envelope()
    resp = server.post_sns(envelope, headers=headers)
    assert resp.status == 200, resp.text
    assert_ran(sink, event)


@pytest.fixture(autouse=True)
def clean_sink(module_sink):
    module_sink.clear()


# --- basic_auth -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def auth_server(module_riposte, module_sink):
    config = webhook_config(module_sink, basic_auth=CREDENTIAL)
    config["credentials"] = {
        CREDENTIAL: {"type": "basic", "username": USERNAME, "password": PASSWORD}
    }
    return module_riposte(config)


GOOD_AUTH = {"Authorization": basic(USERNAME, PASSWORD)}


def test_message_without_credentials_gets_401_with_a_challenge(auth_server, module_sink):
    envelope, _ = event_envelope()

    resp = auth_server.post_sns(envelope)

    assert resp.status == 401, resp.text
    assert resp.headers.get("www-authenticate", "").startswith("Basic ")
    assert "realm=" in resp.headers["www-authenticate"]
    assert_no_run(auth_server, module_sink, GOOD_AUTH)


WRONG_AUTHORIZATIONS = {
    "wrong-password": basic(USERNAME, PASSWORD + "!"),
    "wrong-user": basic(USERNAME + "x", PASSWORD),
    "password-prefix": basic(USERNAME, PASSWORD[:-1]),
    "empty-password": basic(USERNAME, ""),
    "not-base64": "Basic %s:%s" % (USERNAME, PASSWORD),
    "bearer": "Bearer " + base64.b64encode(PASSWORD.encode()).decode(),
    "scheme-only": "Basic",
    "trailing-garbage": basic(USERNAME, PASSWORD) + "AAAA",
}


@pytest.mark.parametrize("case", sorted(WRONG_AUTHORIZATIONS))
def test_message_with_wrong_credentials_gets_401(auth_server, module_sink, case):
    envelope, _ = event_envelope()

    resp = auth_server.post_sns(envelope, headers={"Authorization": WRONG_AUTHORIZATIONS[case]})

    assert resp.status == 401, resp.text
    assert resp.headers.get("www-authenticate", "").startswith("Basic ")
    assert_no_run(auth_server, module_sink, GOOD_AUTH)


def test_credentials_are_checked_before_the_body_is_read(auth_server, module_sink):
    resp = auth_server.post_sns({}, body="this is not an SNS message")
    assert resp.status == 401, resp.text


@pytest.mark.parametrize("scheme", ["basic", "BASIC"])
def test_the_scheme_name_is_case_insensitive(auth_server, module_sink, scheme):
    header = scheme + GOOD_AUTH["Authorization"][len("Basic"):]

    envelope, event = event_envelope()
    assert auth_server.post_sns(envelope, headers={"Authorization": header}).status == 200
    assert_ran(module_sink, event)


def test_message_with_the_right_credentials_runs(auth_server, module_sink):
    envelope, event = event_envelope()

    resp = auth_server.post_sns(envelope, headers=GOOD_AUTH)

    assert resp.status == 200, resp.text
    assert resp.json()["runs"] == 1
    assert_ran(module_sink, event)


def test_the_password_is_never_logged(auth_server):
    envelope, _ = event_envelope()
    auth_server.post_sns(envelope, headers={"Authorization": basic(USERNAME, "guess")})
    assert auth_server.post_sns(envelope, headers=GOOD_AUTH).status == 200

    log = auth_server.log()
    assert "authentication required" in log
    assert PASSWORD not in log
    assert GOOD_AUTH["Authorization"].split(" ")[1] not in log


@pytest.mark.parametrize(
    "credential",
    [
        None,
        {"type": "jira", "username": USERNAME, "password": PASSWORD},
        {"type": "basic", "username": USERNAME},
        {"type": "basic", "username": "a:b", "password": PASSWORD},
    ],
    ids=["missing", "other-type", "no-password", "colon-in-user"],
)
def test_basic_auth_naming_an_unusable_credential_is_a_configuration_problem(
    tmp_path, riposte_bin, plugin_dir, module_sink, credential
):
    config = webhook_config(module_sink, basic_auth=CREDENTIAL)
    if credential is not None:
        config["credentials"] = {CREDENTIAL: credential}
    path = tmp_path / "riposte.json"
    path.write_text(json.dumps(config))

    result = harness.run_cli("check", "--config", path)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "basic_auth" in output
    assert PASSWORD not in output


# --- listen.tls -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(module_riposte, module_sink, test_ca):
    tls = {"cert": str(test_ca.cert), "key": str(test_ca.key)}
    return module_riposte(webhook_config(module_sink, listen_tls=tls))


def https_url(server, path):
    return "https://127.0.0.1:%d%s" % (server.port, path)


def test_https_healthz_verifies_against_the_ca(tls_server, test_ca):
    resp = harness.http_request(
        "GET", https_url(tls_server, "/healthz"), ssl_context=test_ca.client_context()
    )
    assert resp.status == 200, resp.text
    assert resp.json() == {"status": "ok"}


def test_sns_message_over_https_runs(tls_server, module_sink, test_ca):
    envelope, event = event_envelope()

    resp = harness.http_request(
        "POST",
        https_url(tls_server, harness.SOURCE_PATH),
        body=json.dumps(envelope),
        headers=harness.sns_headers(envelope),
        ssl_context=test_ca.client_context(),
    )

    assert resp.status == 200, resp.text
    assert_ran(module_sink, event)


def test_plain_http_to_the_tls_port_gets_no_http_answer(tls_server, test_ca):
    with harness.raw_connection(tls_server.port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = read_until_closed(sock, timeout=5.0)

    assert not received.startswith(b"HTTP/"), received[:200]
    # And the listener is none the worse for it.
    resp = harness.http_request(
        "GET", https_url(tls_server, "/healthz"), ssl_context=test_ca.client_context()
    )
    assert resp.status == 200


def read_until_closed(sock, timeout):
    sock.settimeout(timeout)
    received = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
    except (socket.timeout, ConnectionResetError):
        return received


def versioned_context(version, ca_file=None):
    """A client context speaking only `version`, old versions allowed by the cipher level."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context.load_verify_locations(str(ca_file))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = version
        context.maximum_version = version
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def tls11_client_works(test_ca):
    """Whether this Python can complete a TLS 1.1 handshake at all, against a server allowing it."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        server_context.load_cert_chain(str(test_ca.cert), str(test_ca.key))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            server_context.minimum_version = ssl.TLSVersion.TLSv1_1
        server_context.set_ciphers("DEFAULT:@SECLEVEL=0")
        client_context = versioned_context(ssl.TLSVersion.TLSv1_1)
    except (ssl.SSLError, ValueError):
        return False
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def accept():
            conn, _ = listener.accept()
            try:
                server_context.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                conn.close()

        acceptor = threading.Thread(target=accept, daemon=True)
        acceptor.start()
        try:
            with socket.create_connection(listener.getsockname(), timeout=5) as sock:
                with client_context.wrap_socket(sock) as tls:
                    return tls.version() == "TLSv1.1"
        except (ssl.SSLError, OSError):
            return False
        finally:
            acceptor.join(timeout=5)


def test_tls_1_1_is_refused(tls_server, test_ca):
    if not tls11_client_works(test_ca):
        pytest.skip("this Python/OpenSSL cannot speak TLS 1.1, so the refusal cannot be told apart")
    context = versioned_context(ssl.TLSVersion.TLSv1_1)

    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as sock:
        with pytest.raises(ssl.SSLError) as refused:
            context.wrap_socket(sock).close()

    # The server's alert, not a failure of the client's own making.
    assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", refused.value


def test_tls_1_2_is_taken(tls_server, test_ca):
    context = versioned_context(ssl.TLSVersion.TLSv1_2, ca_file=test_ca.ca_cert)

    resp = harness.http_request("GET", https_url(tls_server, "/healthz"), ssl_context=context)

    assert resp.status == 200, resp.text
