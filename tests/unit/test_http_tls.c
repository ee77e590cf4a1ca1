/*
 * HTTPS: the server runs on a libuv loop in its own thread with a certificate
 * made at test time, and the tests talk to it with OpenSSL clients over plain
 * blocking sockets, verifying the server against that certificate.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <uv.h>

#include "http/http_server.h"

#include "support/clock.h"
#include "support/http_response.h"
#include "support/server_thread.h"
#include "support/sockets.h"

#define BIG_BODY_SIZE (1024 * 1024 + 17)

/* ---- certificates, made once for the whole program ---- */

static char g_dir[64];
static char g_cert[128];     /* self-signed, SAN IP:127.0.0.1 */
static char g_key[128];      /* its key */
static char g_cert2[128];    /* another certificate for 127.0.0.1 */
static char g_key2[128];     /* its key */
static char g_ed_key[128];   /* an Ed25519 key: of another type than the certificates' */
static char g_enc_key[128];  /* g_key, encrypted */
static char g_not_pem[128];  /* a file that holds no PEM */
static char g_missing[128];  /* a file that does not exist */
static char g_combined[128]; /* g_cert and g_key in one file */
static char *g_big_body;

static void write_key(const char *path, EVP_PKEY *key, const EVP_CIPHER *cipher)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    if (cipher != NULL) {
        assert_int_equal(
            PEM_write_PrivateKey(f, key, cipher, (unsigned char *)"secret", 6, NULL, NULL), 1);
    } else {
        assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    }
    fclose(f);
}

static void write_self_signed(const char *path, EVP_PKEY *key, long serial)
{
    X509 *x = X509_new();
    X509V3_CTX v3;
    FILE *f;

    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"riposte test", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
    assert_non_null(san);
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
    X509_free(x);
}

static int make_certificates(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/riposte-tls-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_cert, sizeof(g_cert), "%s/cert.pem", g_dir);
    snprintf(g_key, sizeof(g_key), "%s/key.pem", g_dir);
    snprintf(g_cert2, sizeof(g_cert2), "%s/cert2.pem", g_dir);
    snprintf(g_key2, sizeof(g_key2), "%s/key2.pem", g_dir);
    snprintf(g_ed_key, sizeof(g_ed_key), "%s/ed25519.pem", g_dir);
    snprintf(g_enc_key, sizeof(g_enc_key), "%s/encrypted.pem", g_dir);
    snprintf(g_not_pem, sizeof(g_not_pem), "%s/not.pem", g_dir);
    snprintf(g_missing, sizeof(g_missing), "%s/missing.pem", g_dir);
    snprintf(g_combined, sizeof(g_combined), "%s/combined.pem", g_dir);

    EVP_PKEY *key = EVP_EC_gen("P-256");
    EVP_PKEY *key2 = EVP_EC_gen("P-256");
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(key);
    assert_non_null(key2);
    assert_non_null(ed);
    write_self_signed(g_cert, key, 1);
    write_key(g_key, key, NULL);
    write_self_signed(g_cert2, key2, 2);
    write_key(g_key2, key2, NULL);
    write_key(g_ed_key, ed, NULL);
    write_key(g_enc_key, key, EVP_aes_128_cbc());
    write_self_signed(g_combined, key, 3);
    FILE *combined = fopen(g_combined, "a");
    assert_non_null(combined);
    assert_int_equal(PEM_write_PrivateKey(combined, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(combined);
    EVP_PKEY_free(key);
    EVP_PKEY_free(key2);
    EVP_PKEY_free(ed);

    FILE *f = fopen(g_not_pem, "w");
    assert_non_null(f);
    fputs("just some text\n", f);
    fclose(f);

    g_big_body = malloc(BIG_BODY_SIZE);
    assert_non_null(g_big_body);
    for (size_t i = 0; i < BIG_BODY_SIZE; i++) {
        g_big_body[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    }
    return 0;
}

static int remove_certificates(void **state)
{
    const char *files[] = {g_cert,   g_key,     g_cert2,   g_key2,
                           g_ed_key, g_enc_key, g_not_pem, g_combined};

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        unlink(files[i]);
    }
    rmdir(g_dir);
    free(g_big_body);
    return 0;
}

/* ---- the server under test, on its own loop thread ---- */

static void handle_hello(http_exchange_t *ex, void *data)
{
    (void)data;
    http_respond(ex, 200, "text/plain", "hello", 5);
}

static void handle_echo(http_exchange_t *ex, void *data)
{
    size_t len;
    const char *body = http_exchange_body(ex, &len);

    (void)data;
    http_respond(ex, 200, "application/octet-stream", body, len);
}

static void handle_big(http_exchange_t *ex, void *data)
{
    (void)data;
    http_respond(ex, 200, "application/octet-stream", g_big_body, BIG_BODY_SIZE);
}

static http_limits_t test_limits(void)
{
    http_limits_t limits;

    http_limits_default(&limits);
    limits.max_header_bytes = 2048;
    limits.max_body_bytes = 4096;
    limits.max_connections = 64;
    limits.header_timeout_ms = 300;
    limits.body_timeout_ms = 300;
    limits.idle_timeout_ms = 500;
    return limits;
}

static server_thread_t *fixture_start(const http_limits_t *limits)
{
    server_thread_t *fx = calloc(1, sizeof(*fx));
    http_tls_config_t tls = {g_cert, g_key};
    char err[256];

    assert_non_null(fx);
    server_thread_init(fx, limits);
    assert_int_equal(http_server_route(fx->srv, "GET", "/hello", handle_hello, fx), 0);
    assert_int_equal(http_server_route(fx->srv, "POST", "/echo", handle_echo, fx), 0);
    assert_int_equal(http_server_route(fx->srv, "GET", "/big", handle_big, fx), 0);
    assert_int_equal(http_server_set_tls(fx->srv, &tls, err, sizeof(err)), 0);
    server_thread_start(fx);
    assert_true(fx->port > 0);
    return fx;
}

/* ASan fails on any SSL left behind. */
static void fixture_stop(server_thread_t *fx)
{
    server_thread_stop(fx);
    free(fx);
}

static size_t connection_count(server_thread_t *fx)
{
    return server_thread_connection_count(fx);
}

static int setup_default(void **state)
{
    http_limits_t limits = test_limits();
    *state = fixture_start(&limits);
    return 0;
}

static int setup_one_connection(void **state)
{
    http_limits_t limits = test_limits();
    limits.max_connections = 1;
    *state = fixture_start(&limits);
    return 0;
}

static int teardown(void **state)
{
    fixture_stop(*state);
    return 0;
}

/* ---- blocking clients ---- */

static int connect_fd(int port)
{
    int fd = socket_connect_loopback(port, 3, true);

    assert_true(fd >= 0);
    return fd;
}

/* Reads until the server closes; returns how long that took, or -1 when it
   did not within the socket's 3 s timeout. Bytes read are counted in *got. */
static double wait_for_close(int fd, size_t *got)
{
    double start = now_ms();
    char buf[4096];

    *got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            return now_ms() - start;
        }
        if (n < 0) {
            return -1;
        }
        *got += (size_t)n;
    }
}

/* A client context that trusts only cert_file and checks the IP SAN. */
static SSL_CTX *client_ctx(const char *cert_file)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, cert_file, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    assert_int_equal(X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx), "127.0.0.1"), 1);
    return ctx;
}

typedef struct tls_client {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    int last_error; /* SSL_get_error of the last failed read */
    size_t len;
    size_t cap;
    size_t answered; /* bytes of the last answer read, dropped at the next read */
    char *buf;
} tls_client_t;

/* Connects and handshakes; the client then owns ctx. NULL when the handshake
   fails, with the reason of OpenSSL's last error in *reason (when not NULL);
   ctx stays the caller's. */
static tls_client_t *tls_connect_with(server_thread_t *fx, SSL_CTX *ctx, unsigned long *reason)
{
    tls_client_t *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    c->fd = connect_fd(fx->port);
    c->ctx = ctx;
    c->ssl = SSL_new(ctx);
    assert_non_null(c->ssl);
    SSL_set_fd(c->ssl, c->fd);
    ERR_clear_error();
    if (SSL_connect(c->ssl) != 1) {
        if (reason != NULL) {
            *reason = ERR_GET_REASON(ERR_peek_last_error());
        }
        ERR_clear_error();
        SSL_free(c->ssl);
        close(c->fd);
        free(c);
        return NULL;
    }
    assert_int_equal(SSL_get_verify_result(c->ssl), X509_V_OK);
    c->cap = 2 * BIG_BODY_SIZE;
    c->buf = malloc(c->cap);
    assert_non_null(c->buf);
    return c;
}

static tls_client_t *tls_connect(server_thread_t *fx)
{
    tls_client_t *c = tls_connect_with(fx, client_ctx(g_cert), NULL);
    assert_non_null(c);
    return c;
}

static void tls_close(tls_client_t *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    close(c->fd);
    free(c->buf);
    free(c);
}

static void tls_send_bytes(tls_client_t *c, const char *data, size_t len)
{
    size_t written = 0;
    assert_int_equal(SSL_write_ex(c->ssl, data, len, &written), 1);
    assert_int_equal(written, len);
}

static void tls_send(tls_client_t *c, const char *text)
{
    tls_send_bytes(c, text, strlen(text));
}

static void drop_answered(tls_client_t *c)
{
    memmove(c->buf, c->buf + c->answered, c->len - c->answered);
    c->len -= c->answered;
    c->answered = 0;
}

/* > 0: bytes added; 0: the server closed (last_error says how); -1: error. */
static int tls_fill(tls_client_t *c)
{
    size_t n = 0;

    drop_answered(c);
    assert_true(c->len < c->cap);
    if (SSL_read_ex(c->ssl, c->buf + c->len, c->cap - c->len, &n) == 1) {
        c->len += n;
        return 1;
    }
    c->last_error = SSL_get_error(c->ssl, 0);
    ERR_clear_error();
    return c->last_error == SSL_ERROR_ZERO_RETURN || c->last_error == SSL_ERROR_SYSCALL ? 0 : -1;
}

typedef struct response {
    int status;
    char head[4096];
    char *body; /* points into the client's buffer until the next read */
    size_t body_len;
} response_t;

/* Reads one answer framed by Content-Length; the previous one is dropped. */
static bool read_response(tls_client_t *c, response_t *r)
{
    size_t head_len;

    drop_answered(c);
    while ((head_len = response_head_parse(c->buf, c->len, r->head, sizeof(r->head), &r->status)) ==
           0) {
        if (tls_fill(c) <= 0) {
            return false;
        }
    }
    r->body_len = response_content_length(r->head);
    while (c->len < head_len + r->body_len) {
        if (tls_fill(c) <= 0) {
            return false;
        }
    }
    r->body = c->buf + head_len;
    c->answered = head_len + r->body_len;
    return true;
}

static void expect_response(tls_client_t *c, int status, const char *body)
{
    response_t r;

    assert_true(read_response(c, &r));
    assert_int_equal(r.status, status);
    assert_int_equal(r.body_len, strlen(body));
    assert_memory_equal(r.body, body, r.body_len);
}

/* After every failure the server must go on serving new connections. */
static void assert_serving(server_thread_t *fx)
{
    tls_client_t *c = tls_connect(fx);
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    tls_close(c);
}

/* Waits for the server to drop every connection. */
static void assert_no_connections(server_thread_t *fx)
{
    for (int i = 0; i < 100 && connection_count(fx) > 0; i++) {
        sleep_ms(20);
    }
    assert_int_equal(connection_count(fx), 0);
}

/* The first flight of a TLS handshake, made without a socket. */
static size_t client_hello(char *out, size_t size)
{
    SSL_CTX *ctx = client_ctx(g_cert);
    SSL *ssl = SSL_new(ctx);
    BIO *in = BIO_new(BIO_s_mem());
    BIO *wire = BIO_new(BIO_s_mem());

    SSL_set_bio(ssl, in, wire);
    SSL_set_connect_state(ssl);
    assert_int_equal(SSL_do_handshake(ssl), -1);
    assert_int_equal(SSL_get_error(ssl, -1), SSL_ERROR_WANT_READ);
    int n = BIO_read(wire, out, (int)size);
    assert_true(n > 0 && (size_t)n < size);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return (size_t)n;
}

/* ---- tests ---- */

static void expect_set_tls_error(const char *cert, const char *key, const char *want)
{
    uv_loop_t loop;
    http_tls_config_t tls = {cert, key};
    char err[512] = "";

    assert_int_equal(uv_loop_init(&loop), 0);
    http_server_t *srv = http_server_new(&loop, NULL);
    assert_non_null(srv);
    assert_int_equal(http_server_set_tls(srv, &tls, err, sizeof(err)), -1);
    assert_string_equal(err, want);
    http_server_free(srv);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_config_errors(void **state)
{
    char want[512];

    (void)state;
    snprintf(want, sizeof(want), "%s: no such file or directory", g_missing);
    expect_set_tls_error(g_missing, g_key, want);
    expect_set_tls_error(g_cert, g_missing, want);
    snprintf(want, sizeof(want), "%s: no PEM certificate found", g_not_pem);
    expect_set_tls_error(g_not_pem, g_key, want);
    snprintf(want, sizeof(want), "%s: no PEM private key found", g_cert);
    expect_set_tls_error(g_cert, g_cert, want);
    snprintf(want, sizeof(want), "%s: no PEM private key found", g_not_pem);
    expect_set_tls_error(g_cert, g_not_pem, want);
    snprintf(want, sizeof(want), "%s: key does not match certificate %s", g_key2, g_cert);
    expect_set_tls_error(g_cert, g_key2, want);
    snprintf(want, sizeof(want), "%s: key does not match certificate %s", g_ed_key, g_cert);
    expect_set_tls_error(g_cert, g_ed_key, want);
    snprintf(want, sizeof(want), "%s: the key is encrypted; an unencrypted key is needed",
             g_enc_key);
    expect_set_tls_error(g_cert, g_enc_key, want);
    expect_set_tls_error(NULL, g_key, "tls: a certificate file and a key file are needed");

    /* Certificate and key in one file. */
    uv_loop_t loop;
    http_tls_config_t combined = {g_combined, g_combined};
    char err[256];
    assert_int_equal(uv_loop_init(&loop), 0);
    http_server_t *srv = http_server_new(&loop, NULL);
    assert_int_equal(http_server_set_tls(srv, &combined, err, sizeof(err)), 0);
    http_server_free(srv);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_get_routed(void **state)
{
    server_thread_t *fx = *state;
    tls_client_t *c = tls_connect(fx);

    assert_int_equal(SSL_version(c->ssl), TLS1_3_VERSION);
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    tls_send(c, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 404, "{\"error\":\"not found\"}");
    tls_close(c);
}

static void test_keep_alive(void **state)
{
    server_thread_t *fx = *state;
    tls_client_t *c = tls_connect(fx);

    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    tls_send(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nagain");
    expect_response(c, 200, "again");
    assert_int_equal(connection_count(fx), 1);
    /* Pipelined, in one record. */
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    expect_response(c, 200, "hello");
    expect_response(c, 200, "abc");
    tls_close(c);
}

static void test_chunked_post(void **state)
{
    server_thread_t *fx = *state;
    tls_client_t *c = tls_connect(fx);

    tls_send(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    tls_send(c, "5\r\nhello\r\n");
    tls_send(c, "7\r\n, world\r\n0\r\n\r\n");
    expect_response(c, 200, "hello, world");
    tls_close(c);
}

static void test_large_response(void **state)
{
    server_thread_t *fx = *state;
    tls_client_t *c = tls_connect(fx);
    response_t r;

    tls_send(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    /* Let the answer back up in the server's socket and queue first. */
    sleep_ms(100);
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, BIG_BODY_SIZE);
    assert_memory_equal(r.body, g_big_body, BIG_BODY_SIZE);
    /* The connection goes on after it. */
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    tls_close(c);
}

static void test_old_protocol_refused(void **state)
{
    server_thread_t *fx = *state;
    SSL_CTX *ctx = client_ctx(g_cert);
    unsigned long reason = 0;

    /* OpenSSL clients refuse TLS 1.1 themselves unless told otherwise; this
       one offers it, so that the refusal has to come from the server. */
    SSL_CTX_set_security_level(ctx, 0);
    assert_int_equal(SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0"), 1);
    assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION), 1);
    assert_null(tls_connect_with(fx, ctx, &reason));
    assert_int_equal(reason, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    SSL_CTX_free(ctx);
    assert_serving(fx);
}

static void test_tls12_ciphers(void **state)
{
    server_thread_t *fx = *state;
    SSL_CTX *ctx = client_ctx(g_cert);
    unsigned long reason = 0;

    assert_int_equal(SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION), 1);
    /* ECDHE but CBC, not AEAD: refused. */
    assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-SHA256"), 1);
    assert_null(tls_connect_with(fx, ctx, &reason));
    assert_int_equal(reason, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
    /* ECDHE with AES-GCM: accepted. */
    assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256"), 1);
    tls_client_t *c = tls_connect_with(fx, ctx, NULL);
    assert_non_null(c);
    assert_int_equal(SSL_version(c->ssl), TLS1_2_VERSION);
    assert_null(SSL_get_current_compression(c->ssl));
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    /* Renegotiation is refused with an alert, which ends the connection. */
    assert_int_equal(SSL_renegotiate(c->ssl), 1);
    ERR_clear_error();
    assert_true(SSL_do_handshake(c->ssl) <= 0);
    assert_int_equal(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_RENEGOTIATION);
    ERR_clear_error();
    tls_close(c);
    assert_serving(fx);
}

static void test_plaintext_to_tls_port(void **state)
{
    server_thread_t *fx = *state;
    int fd = connect_fd(fx->port);
    char buf[256];
    size_t got = 0;

    socket_send_all(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 33);
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK);
    if (n > 0) {
        /* At most a TLS alert record (content type 21), never an answer. */
        assert_int_equal((unsigned char)buf[0], 21);
    }
    assert_true(wait_for_close(fd, &got) >= 0);
    assert_true(got < 16);
    close(fd);
    assert_serving(fx);
    assert_no_connections(fx);
}

static void test_stalled_handshake(void **state)
{
    server_thread_t *fx = *state;
    char hello[4096];
    size_t hello_len = client_hello(hello, sizeof(hello));
    size_t got = 0;

    /* Half a ClientHello, then nothing. */
    int fd = connect_fd(fx->port);
    socket_send_all(fd, hello, hello_len / 2);
    double waited = wait_for_close(fd, &got);
    assert_true(waited >= 250 && waited < 2000);
    assert_int_equal(got, 0);
    close(fd);

    /* A whole ClientHello: the server answers, then the client goes quiet. */
    fd = connect_fd(fx->port);
    socket_send_all(fd, hello, hello_len);
    waited = wait_for_close(fd, &got);
    assert_true(waited >= 200 && waited < 2000);
    assert_true(got > 100);
    close(fd);

    /* Nothing at all. */
    fd = connect_fd(fx->port);
    waited = wait_for_close(fd, &got);
    assert_true(waited >= 250 && waited < 2000);
    close(fd);

    assert_serving(fx);
    assert_no_connections(fx);
}

/* Limits count decrypted bytes: this head arrives 8 bytes per record, several
   times max_header_bytes of ciphertext, and is still accepted. */
static void test_limits_on_plaintext(void **state)
{
    server_thread_t *fx = *state;
    tls_client_t *c = tls_connect(fx);
    char request[2048];
    char filler[1500];

    memset(filler, 'f', sizeof(filler) - 1);
    filler[sizeof(filler) - 1] = '\0';
    int n = snprintf(request, sizeof(request), "GET /hello HTTP/1.1\r\nHost: x\r\nX-F: %s\r\n\r\n",
                     filler);
    for (int i = 0; i < n; i += 8) {
        tls_send_bytes(c, request + i, n - i < 8 ? (size_t)(n - i) : 8);
    }
    expect_response(c, 200, "hello");

    /* Past the limit in plaintext: 431, and the connection ends cleanly. */
    char big[2100];
    memset(big, 'f', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\nX-F: ");
    tls_send(c, big);
    tls_send(c, "\r\n\r\n");
    response_t r;
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 431);
    assert_int_equal(tls_fill(c), 0);
    assert_int_equal(c->last_error, SSL_ERROR_ZERO_RETURN);
    tls_close(c);
    assert_serving(fx);
}

/* A request whose headers stall after the handshake gets its 408 over TLS. */
static void test_header_timeout_after_handshake(void **state)
{
    server_thread_t *fx = *state;
    tls_client_t *c = tls_connect(fx);

    tls_send(c, "GET /hello HTTP/1.1\r\nHo");
    expect_response(c, 408, "{\"error\":\"request header timeout\"}");
    tls_close(c);
    assert_serving(fx);
}

/* Every way a connection ends sends close_notify, so the client can tell an
   end from a truncation. */
static void test_close_notify(void **state)
{
    server_thread_t *fx = *state;

    tls_client_t *c = tls_connect(fx);
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect_response(c, 200, "hello");
    assert_int_equal(tls_fill(c), 0);
    assert_int_equal(c->last_error, SSL_ERROR_ZERO_RETURN);
    tls_close(c);

    /* Idle timeout. */
    c = tls_connect(fx);
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    double start = now_ms();
    assert_int_equal(tls_fill(c), 0);
    assert_int_equal(c->last_error, SSL_ERROR_ZERO_RETURN);
    assert_true(now_ms() - start >= 400);
    tls_close(c);

    /* The client's close_notify ends the connection on the server too. */
    c = tls_connect(fx);
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    assert_true(SSL_shutdown(c->ssl) >= 0);
    start = now_ms();
    assert_int_equal(tls_fill(c), 0);
    assert_int_equal(c->last_error, SSL_ERROR_ZERO_RETURN);
    assert_true(now_ms() - start < 300);
    tls_close(c);
    assert_no_connections(fx);
}

/* Past max_connections a TLS client sees the connection close, without the
   plaintext 503 a plaintext client gets. */
static void test_connection_limit(void **state)
{
    server_thread_t *fx = *state;
    tls_client_t *c = tls_connect(fx);
    size_t got = 0;

    int fd = connect_fd(fx->port);
    assert_true(wait_for_close(fd, &got) >= 0);
    assert_int_equal(got, 0);
    close(fd);
    tls_send(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(c, 200, "hello");
    tls_close(c);
    assert_no_connections(fx);
    assert_serving(fx);
}

typedef struct set_tls_call {
    const char *cert;
    const char *key;
    int rc;
} set_tls_call_t;

static void call_set_tls(server_thread_t *fx, void *arg)
{
    set_tls_call_t *call = arg;
    http_tls_config_t tls = {call->cert, call->key};
    char err[256];

    call->rc = http_server_set_tls(fx->srv, &tls, err, sizeof(err));
}

/* A failed reload keeps the certificate in use; a good one serves new
   connections with the new certificate while open ones go on. */
static void test_certificate_reload(void **state)
{
    server_thread_t *fx = *state;
    set_tls_call_t bad = {g_cert2, g_key, 0};
    set_tls_call_t good = {g_cert2, g_key2, 0};
    unsigned long reason = 0;

    server_thread_run(fx, call_set_tls, &bad);
    assert_int_equal(bad.rc, -1);
    tls_client_t *old = tls_connect(fx);

    server_thread_run(fx, call_set_tls, &good);
    assert_int_equal(good.rc, 0);
    SSL_CTX *trusts_old = client_ctx(g_cert);
    assert_null(tls_connect_with(fx, trusts_old, &reason));
    assert_int_equal(reason, SSL_R_CERTIFICATE_VERIFY_FAILED);
    SSL_CTX_free(trusts_old);
    tls_client_t *renewed = tls_connect_with(fx, client_ctx(g_cert2), NULL);
    assert_non_null(renewed);
    tls_send(renewed, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(renewed, 200, "hello");
    tls_send(old, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_response(old, 200, "hello");
    tls_close(renewed);
    tls_close(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test_setup_teardown(test_get_routed, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_keep_alive, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_chunked_post, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_large_response, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_old_protocol_refused, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_tls12_ciphers, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_plaintext_to_tls_port, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_handshake, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_limits_on_plaintext, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_header_timeout_after_handshake, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_close_notify, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_connection_limit, setup_one_connection, teardown),
        cmocka_unit_test_setup_teardown(test_certificate_reload, setup_default, teardown),
    };
    return cmocka_run_group_tests(tests, make_certificates, remove_certificates);
}
