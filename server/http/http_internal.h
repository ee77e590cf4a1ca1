/*
 * What the files of server/http share: the server, connection and exchange
 * structs and the calls between them. Not for use outside server/http.
 */
#ifndef RIPOSTE_HTTP_INTERNAL_H
#define RIPOSTE_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <llhttp.h>
#include <uv.h>

#include "http/http_server.h"

struct ssl_st;
struct ssl_ctx_st;

/* The socket read buffer, shared by all connections of a server. */
#define HTTP_READ_BUFFER_SIZE 65536
/* Unparsed bytes a connection keeps before it stops reading. */
#define HTTP_MAX_STASHED_INPUT 65536
/* How long a closing connection waits for the client to go after our FIN. */
#define HTTP_LINGER_MS 1000

/* A growable byte buffer whose storage is reused from request to request. */
typedef struct http_buf {
    char *data;
    size_t len;
    size_t cap;
} http_buf_t;

int http__buf_reserve(http_buf_t *buf, size_t extra);
int http__buf_append(http_buf_t *buf, const void *data, size_t len);
/* Empties buf, giving its storage back when it grew beyond keep bytes. */
void http__buf_clear(http_buf_t *buf, size_t keep);
void http__buf_free(http_buf_t *buf);

/* Offsets into the exchange's head buffer; both strings are NUL-terminated. */
typedef struct http_header {
    uint32_t name;
    uint32_t value;
} http_header_t;

struct http_exchange {
    struct http_conn *conn; /* NULL once the connection is gone */
    const char *method;     /* llhttp's static name */
    http_buf_t head;        /* "path\0query\0name\0value\0name\0value\0..." */
    uint32_t query;         /* offset of the query string in head */
    http_header_t *headers;
    size_t nheaders;
    size_t headers_cap;
    http_buf_t body;
    http_buf_t reply_headers; /* "Name: value\r\n" lines for the answer */
    bool pending;             /* handed to a handler, not answered yet */
    bool head_only;           /* a HEAD request: the answer carries no body */
    char peer[64];
};

http_exchange_t *http__exchange_new(void);
void http__exchange_reset(http_exchange_t *ex);
void http__exchange_free(http_exchange_t *ex);

typedef enum http_conn_state {
    HTTP_CONN_HANDSHAKE, /* TLS only: the handshake is not done yet */
    HTTP_CONN_IDLE,      /* waiting for the first byte of a request */
    HTTP_CONN_HEAD,      /* inside a request line and headers */
    HTTP_CONN_BODY,      /* inside a request body */
    HTTP_CONN_HANDLER,   /* request complete, waiting for its answer */
    HTTP_CONN_LINGER     /* our side is shut down; waiting for the client to go */
} http_conn_state_t;

typedef struct http_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t write_req;
    uv_shutdown_t shutdown_req;
    llhttp_t parser;
    struct ssl_st *tls; /* NULL on a plaintext server */
    http_server_t *server;
    http_exchange_t *ex; /* owned while not pending; reused for every request */
    struct http_conn *prev;
    struct http_conn *next;
    http_conn_state_t state;
    http_buf_t in; /* received bytes not parsed yet, from in_off */
    size_t in_off;
    http_buf_t out[2]; /* out[0] is being written (or gathered), out[1] waits for it */
    size_t head_bytes; /* raw bytes of the current request's head so far */
    size_t body_bytes; /* raw bytes of its body: chunk framing and trailers included */
    uint64_t screen;   /* http__request_screen's state between reads */
    bool header_open;  /* a header name is being received */
    int refusal;       /* status to answer when a parser callback refuses */
    const char *refusal_reason;
    int open_handles;
    bool pumping;        /* inside the parse loop; answers must not re-enter it */
    bool resume_pending; /* the parser paused and has work left without input */
    bool writing;        /* out[0] is in a uv_write */
    bool reading;
    bool close_after; /* close once the current answer is flushed */
    bool keep_alive_http10;
    bool peer_eof;
    bool closing; /* uv_close has been called */
} http_conn_t;

typedef struct http_route_method {
    char *method;
    http_handler_fn handler;
    void *data;
} http_route_method_t;

typedef struct http_route {
    char *path;
    char *allow; /* value of the Allow header for a 405 */
    http_route_method_t *methods;
    size_t nmethods;
} http_route_t;

struct http_server {
    uv_loop_t *loop;
    http_limits_t limits;
    uv_tcp_t *listener; /* NULL when not listening; freed once closed */
    bool draining;      /* stop_accepting was called */
    bool closing;
    int port;
    http_conn_t *conns;
    size_t nconns;
    size_t open_handles; /* listener, connections and refused sockets not yet closed */
    void (*close_done)(void *data);
    void *close_data;
    http_route_t *routes;
    size_t nroutes;
    http_buf_t scratch; /* an answer's head while it is built */
    uint64_t date_sec;
    char date[40];
    struct ssl_ctx_st *tls_ctx; /* NULL unless http_server_set_tls succeeded */
    char *tls_plain;            /* HTTP_READ_BUFFER_SIZE bytes decrypted from read_buf */
    char read_buf[HTTP_READ_BUFFER_SIZE];
};

/* http_conn.c */
int http__conn_accept(http_server_t *srv);
/* The one way received bytes enter a connection (with TLS, the decrypted
   bytes). */
void http__conn_on_bytes(http_conn_t *conn, const char *data, size_t len);
/* The client will send no more (a FIN, or TLS close_notify). */
void http__conn_on_eof(http_conn_t *conn);
/* The exchange has been answered: parse what follows or close. */
void http__conn_answered(http_conn_t *conn);
/* Answers an error that belongs to no handler, then closes. */
void http__conn_refuse(http_conn_t *conn, int status, const char *reason);
void http__conn_close(http_conn_t *conn);
/* Closes the connection now if it has nothing in progress. */
void http__conn_close_if_idle(http_conn_t *conn);

/* Everything queued has been written. */
void http__conn_flushed(http_conn_t *conn);

/* http_write.c */
/* The one way bytes leave a connection; copies what the socket does not take.
   While the connection parses, answers are gathered until http__conn_flush. */
void http__conn_send(http_conn_t *conn, const uv_buf_t *bufs, unsigned nbufs);
/* Starts writing what has been gathered. */
void http__conn_flush(http_conn_t *conn);
/* Where bytes to send are queued now: behind the write in progress, if any. */
http_buf_t *http__conn_out_queue(http_conn_t *conn);

/* http_request.c */
const llhttp_settings_t *http__request_settings(void);
/* After the parser stopped at the end of the headers: checks the request as a
   whole. Returns false when it has been refused. */
bool http__request_headers_done(http_conn_t *conn);
/* After the parser stopped at the end of the request: readies the exchange for
   its handler. Returns false when it has been refused. */
bool http__request_complete(http_conn_t *conn);
/* Reads the raw bytes llhttp has just consumed in phase (HTTP_CONN_HEAD or
   HTTP_CONN_BODY) for the line framing llhttp accepts but must not; *state
   carries it across reads. Returns false when it has refused the request. */
bool http__request_screen(http_conn_t *conn, http_conn_state_t phase, uint64_t *state,
                          const char *p, size_t n);

/* http_router.c */
void http__router_dispatch(http_server_t *srv, http_exchange_t *ex);
void http__router_free(http_server_t *srv);

/* http_response.c */
void http__response_send(http_conn_t *conn, int status, const char *content_type, const char *body,
                         size_t len);
/* Writes {"error":"<reason>"} into out; returns its length. */
size_t http__error_json(char *out, size_t size, const char *reason);

/* http_server.c */
void http__server_handle_closed(http_server_t *srv);
/* "ip:port", or "[ip6]:port". */
void http__format_peer(uv_tcp_t *tcp, char *out, size_t size);

#endif
