#include "sources/https_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

typedef struct fetch_buffer {
    char *data;
    size_t len;
    size_t max;
    int too_large;
} fetch_buffer_t;

static size_t collect_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    fetch_buffer_t *buf = userdata;
    size_t n = size * nmemb;

    if (buf->len + n > buf->max) {
        buf->too_large = 1;
        return 0;
    }
    char *grown = realloc(buf->data, buf->len + n + 1);
    if (grown == NULL) {
        return 0;
    }
    buf->data = grown;
    memcpy(buf->data + buf->len, ptr, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return n;
}

static int add_ca_file(X509_STORE *store, const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *cert;
    int added = 0;

    if (f == NULL) {
        return -1;
    }
    while ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        X509_STORE_add_cert(store, cert);
        X509_free(cert);
        added++;
    }
    fclose(f);
    ERR_clear_error();
    return added > 0 ? 0 : -1;
}

/* Adds the configured CAs to the store curl already filled from the system. */
static CURLcode add_trusted_cas(CURL *curl, void *ssl_ctx, void *userdata)
{
    const https_fetch_opts_t *opts = userdata;
    X509_STORE *store = SSL_CTX_get_cert_store((SSL_CTX *)ssl_ctx);

    (void)curl;
    for (size_t i = 0; i < opts->ca_count; i++) {
        if (add_ca_file(store, opts->ca_files[i]) != 0) {
            return CURLE_SSL_CACERT_BADFILE;
        }
    }
    return CURLE_OK;
}

int https_fetch(const char *url, const https_fetch_opts_t *opts, long *status, char **body,
                size_t *body_len, char *err, size_t err_size)
{
    CURL *curl = curl_easy_init();
    fetch_buffer_t buf = {.max = opts->max_body};
    char curl_err[CURL_ERROR_SIZE] = "";

    if (curl == NULL) {
        snprintf(err, err_size, "cannot start an HTTP client");
        return -1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, opts->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    if (opts->ca_count > 0) {
        curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, add_trusted_cas);
        curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, (void *)opts);
    }

    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        snprintf(err, err_size, "%s",
                 buf.too_large ? "response body too large"
                 : curl_err[0] ? curl_err
                               : curl_easy_strerror(rc));
        free(buf.data);
        curl_easy_cleanup(curl);
        return -1;
    }

    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    if (buf.data == NULL) {
        buf.data = calloc(1, 1);
    }
    *body = buf.data;
    *body_len = buf.len;
    return 0;
}
