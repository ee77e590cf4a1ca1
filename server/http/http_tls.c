/*
 * HTTPS: the server's TLS context and, per connection, an SSL over two memory
 * BIOs. libuv does all the socket work; OpenSSL only ever sees the bytes we
 * hand it, so it never blocks and never touches a file descriptor.
 */
#include "http/http_tls.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "util/log.h"

/* TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 keeps OpenSSL's
   defaults, which are all of that kind. */
#define TLS12_CIPHERS                                                                              \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* Plaintext encrypted per SSL_write: bounds the ciphertext held in the write
   BIO before it moves to the output queue. */
#define TLS_WRITE_CHUNK 65536

/* ---- the server's context ---- */

/* An encrypted key would make OpenSSL prompt on the terminal; refuse instead
   and remember why. */
static int refuse_passphrase(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    *(bool *)userdata = true;
    return -1;
}

typedef struct load_errors {
    unsigned long first; /* the cause; later ones only say where it surfaced */
    int sys_errno;
    bool no_pem;
    bool key_mismatch;
} load_errors_t;

/* Empties OpenSSL's error queue, keeping what a message needs. */
static load_errors_t take_load_errors(void)
{
    load_errors_t errors = {0, 0, false, false};
    unsigned long e;

    while ((e = ERR_get_error()) != 0) {
        int lib = ERR_GET_LIB(e);
        int reason = ERR_GET_REASON(e);
        if (errors.first == 0) {
            errors.first = e;
        }
        if (lib == ERR_LIB_SYS && errors.sys_errno == 0) {
            errors.sys_errno = reason;
        }
        /* No decoder takes a file that holds no key at all. */
        if ((lib == ERR_LIB_PEM && reason == PEM_R_NO_START_LINE) ||
            (lib == ERR_LIB_OSSL_DECODER && reason == ERR_R_UNSUPPORTED)) {
            errors.no_pem = true;
        }
        if (lib == ERR_LIB_X509 &&
            (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH)) {
            errors.key_mismatch = true;
        }
    }
    return errors;
}

static void describe_load_failure(const load_errors_t *errors, const char *path, const char *what,
                                  char *err, size_t err_size)
{
    if (errors->sys_errno != 0) {
        char text[128];
        snprintf(text, sizeof(text), "%s", strerror(errors->sys_errno));
        text[0] = (char)tolower((unsigned char)text[0]);
        snprintf(err, err_size, "%s: %s", path, text);
    } else if (errors->no_pem) {
        snprintf(err, err_size, "%s: no PEM %s found", path, what);
    } else {
        const char *reason = ERR_reason_error_string(errors->first);
        snprintf(err, err_size, "%s: cannot load %s: %s", path, what,
                 reason != NULL ? reason : "unknown error");
    }
}

static SSL_CTX *new_context(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL) {
        return NULL;
    }
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Idle keep-alive connections then hold no record buffers. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    /* Resumption works through tickets, which cost the server no memory; a
       session cache would grow with every client. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

static int load_credentials(SSL_CTX *ctx, const http_tls_config_t *tls, char *err, size_t err_size)
{
    bool encrypted = false;
    int rc = -1;

    SSL_CTX_set_default_passwd_cb(ctx, refuse_passphrase);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &encrypted);
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1) {
        load_errors_t errors = take_load_errors();
        describe_load_failure(&errors, tls->cert_file, "certificate", err, err_size);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, tls->key_file, SSL_FILETYPE_PEM) != 1) {
        load_errors_t errors = take_load_errors();
        if (encrypted) {
            snprintf(err, err_size, "%s: the key is encrypted; an unencrypted key is needed",
                     tls->key_file);
        } else if (errors.key_mismatch) {
            snprintf(err, err_size, "%s: key does not match certificate %s", tls->key_file,
                     tls->cert_file);
        } else {
            describe_load_failure(&errors, tls->key_file, "private key", err, err_size);
        }
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        /* A key of another type than the certificate's lands here. */
        ERR_clear_error();
        snprintf(err, err_size, "%s: key does not match certificate %s", tls->key_file,
                 tls->cert_file);
    } else {
        rc = 0;
    }
    SSL_CTX_set_default_passwd_cb(ctx, NULL);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    return rc;
}

int http_server_set_tls(http_server_t *srv, const http_tls_config_t *tls, char *err,
                        size_t err_size)
{
    SSL_CTX *ctx;

    if (tls == NULL || tls->cert_file == NULL || tls->key_file == NULL) {
        snprintf(err, err_size, "tls: a certificate file and a key file are needed");
        return -1;
    }
    if (srv->tls_plain == NULL) {
        srv->tls_plain = malloc(HTTP_READ_BUFFER_SIZE);
    }
    ctx = srv->tls_plain != NULL ? new_context() : NULL;
    if (ctx == NULL) {
        ERR_clear_error();
        snprintf(err, err_size, "tls: out of memory");
        return -1;
    }
    if (load_credentials(ctx, tls, err, err_size) != 0) {
        SSL_CTX_free(ctx);
        return -1;
    }
    /* Open connections hold their own reference to the old context. */
    SSL_CTX_free(srv->tls_ctx);
    srv->tls_ctx = ctx;
    return 0;
}

void http__tls_server_free(http_server_t *srv)
{
    SSL_CTX_free(srv->tls_ctx);
    srv->tls_ctx = NULL;
    free(srv->tls_plain);
    srv->tls_plain = NULL;
}

/* ---- one connection ---- */

int http__tls_conn_start(http_conn_t *conn)
{
    SSL *ssl = SSL_new(conn->server->tls_ctx);
    BIO *in = BIO_new(BIO_s_mem());
    BIO *out = BIO_new(BIO_s_mem());

    if (ssl == NULL || in == NULL || out == NULL) {
        SSL_free(ssl);
        BIO_free(in);
        BIO_free(out);
        ERR_clear_error();
        return -1;
    }
    /* An empty BIO means "wait for more", not end of stream. */
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_accept_state(ssl);
    conn->tls = ssl;
    return 0;
}

void http__tls_conn_free(http_conn_t *conn)
{
    SSL_free(conn->tls);
    conn->tls = NULL;
}

/* Moves the ciphertext OpenSSL has produced to the connection's output
   queue. */
static int queue_output(http_conn_t *conn)
{
    BIO *wbio = SSL_get_wbio(conn->tls);
    size_t pending = BIO_ctrl_pending(wbio);

    if (pending == 0) {
        return 0;
    }
    http_buf_t *queue = http__conn_out_queue(conn);
    if (pending > INT_MAX || http__buf_reserve(queue, pending) != 0) {
        return -1;
    }
    int n = BIO_read(wbio, queue->data + queue->len, (int)pending);
    if (n > 0) {
        queue->len += (size_t)n;
    }
    return 0;
}

static void output_lost(http_conn_t *conn)
{
    log_error("http: out of memory writing to a tls connection");
    http__conn_close(conn);
}

/* Queues what OpenSSL wrote and starts writing it, unless answers are being
   gathered. */
static void send_output(http_conn_t *conn)
{
    if (queue_output(conn) != 0) {
        output_lost(conn);
    } else if (!conn->pumping) {
        http__conn_flush(conn);
    }
}

static log_level_t failure_level(const http_conn_t *conn, unsigned long e)
{
    /* The client refused the handshake (e.g. "unknown ca"): most likely our
       certificate is at fault, which an operator must see. Anything else is
       the client's problem, or a scanner's. */
    if (conn->state == HTTP_CONN_HANDSHAKE && ERR_GET_LIB(e) == ERR_LIB_SSL &&
        ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET) {
        return LOG_WARN;
    }
    return LOG_DEBUG;
}

/* One line for the whole connection, the alert OpenSSL prepared if the socket
   takes it now, and the end. */
static void fail(http_conn_t *conn, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = ERR_reason_error_string(e);
    log_field_t fields[] = {{"peer", conn->ex->peer}};

    log_fields(failure_level(conn, e), fields, 1, "%s: %s", what,
               reason != NULL ? reason : "connection broken");
    ERR_clear_error();
    if (queue_output(conn) == 0) {
        http__conn_flush(conn);
    }
    http__conn_close(conn);
}

/* True once the handshake is done and the connection still open. */
static bool handshake(http_conn_t *conn)
{
    ERR_clear_error();
    int rc = SSL_do_handshake(conn->tls);
    int status = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(conn->tls, rc);

    if (status == SSL_ERROR_NONE) {
        /* Should this flight still be in the socket when the first request
           comes, its completion arms the idle timeout rather than the header
           one; either way the connection stays bounded. */
        conn->state = HTTP_CONN_IDLE;
        send_output(conn);
        return !conn->closing;
    }
    /* Memory BIOs take any amount, so WANT_WRITE only asks for the output to
       be sent, which this does. */
    if (status == SSL_ERROR_WANT_READ || status == SSL_ERROR_WANT_WRITE) {
        send_output(conn);
        return false;
    }
    fail(conn, "tls handshake failed");
    return false;
}

/* Decrypts all that has arrived, handing it on in batches of up to a read
   buffer, so that pipelined requests are parsed together. */
static void read_plaintext(http_conn_t *conn)
{
    char *plain = conn->server->tls_plain;

    for (;;) {
        size_t got = 0;
        int status = SSL_ERROR_NONE;
        while (got < HTTP_READ_BUFFER_SIZE && status == SSL_ERROR_NONE) {
            size_t n = 0;
            ERR_clear_error();
            int rc = SSL_read_ex(conn->tls, plain + got, HTTP_READ_BUFFER_SIZE - got, &n);
            if (rc == 1) {
                got += n;
            } else {
                status = SSL_get_error(conn->tls, rc);
            }
        }
        if (got > 0) {
            http__conn_on_bytes(conn, plain, got);
        }
        if (!conn->closing) {
            send_output(conn); /* post-handshake messages, e.g. a key update */
        }
        if (conn->closing || status == SSL_ERROR_WANT_READ) {
            return;
        }
        if (status == SSL_ERROR_ZERO_RETURN) {
            http__conn_on_eof(conn); /* close_notify */
            return;
        }
        if (status != SSL_ERROR_NONE) {
            fail(conn, "tls connection failed");
            return;
        }
    }
}

void http__tls_on_ciphertext(http_conn_t *conn, const char *data, size_t len)
{
    if (len > INT_MAX || BIO_write(SSL_get_rbio(conn->tls), data, (int)len) != (int)len) {
        ERR_clear_error();
        log_error("http: out of memory reading from a tls connection");
        http__conn_close(conn);
        return;
    }
    if (conn->state == HTTP_CONN_HANDSHAKE && !handshake(conn)) {
        return;
    }
    read_plaintext(conn);
}

void http__tls_send(http_conn_t *conn, const uv_buf_t *bufs, unsigned nbufs)
{
    for (unsigned i = 0; i < nbufs; i++) {
        const char *p = bufs[i].base;
        size_t left = bufs[i].len;
        while (left > 0) {
            size_t written = 0;
            ERR_clear_error();
            if (SSL_write_ex(conn->tls, p, left < TLS_WRITE_CHUNK ? left : TLS_WRITE_CHUNK,
                             &written) != 1) {
                fail(conn, "tls write failed");
                return;
            }
            p += written;
            left -= written;
            if (queue_output(conn) != 0) {
                output_lost(conn);
                return;
            }
        }
    }
    if (!conn->pumping) {
        http__conn_flush(conn);
    }
}

static bool may_send_close_notify(SSL *ssl)
{
    /* Not after a fatal error (which leaves the SSL in init), nor twice. */
    return SSL_is_init_finished(ssl) && (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) == 0;
}

void http__tls_send_close_notify(http_conn_t *conn)
{
    if (!may_send_close_notify(conn->tls)) {
        return;
    }
    ERR_clear_error();
    if (SSL_shutdown(conn->tls) < 0) {
        ERR_clear_error();
        return;
    }
    if (queue_output(conn) != 0) {
        output_lost(conn);
        return;
    }
    /* Even while gathering: the socket's sending side is shut down next. */
    http__conn_flush(conn);
}

void http__tls_abort(http_conn_t *conn)
{
    char alert[256];

    /* Output already waiting would go out of order or be cut anyway. */
    if (!may_send_close_notify(conn->tls) || conn->writing || conn->out[0].len > 0) {
        return;
    }
    ERR_clear_error();
    if (SSL_shutdown(conn->tls) < 0) {
        ERR_clear_error();
        return;
    }
    int n = BIO_read(SSL_get_wbio(conn->tls), alert, sizeof(alert));
    if (n > 0) {
        uv_buf_t buf = uv_buf_init(alert, (unsigned)n);
        (void)uv_try_write((uv_stream_t *)&conn->tcp, &buf, 1);
    }
}

void http__tls_handshake_timed_out(http_conn_t *conn)
{
    log_field_t fields[] = {{"peer", conn->ex->peer}};

    log_fields(LOG_DEBUG, fields, 1, "tls handshake timeout");
    http__conn_close(conn);
}
