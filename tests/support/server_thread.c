#include "support/server_thread.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>

#include <cmocka.h>

static void on_async(uv_async_t *async)
{
    server_thread_t *st = async->data;

    if (st->call != NULL) {
        server_thread_call_fn call = st->call;
        st->call = NULL;
        call(st, st->call_arg);
        uv_sem_post(&st->call_done);
    }
}

static void run_loop(void *arg)
{
    server_thread_t *st = arg;
    uv_run(&st->loop, UV_RUN_DEFAULT);
}

void server_thread_init(server_thread_t *st, const http_limits_t *limits)
{
    assert_int_equal(uv_loop_init(&st->loop), 0);
    assert_int_equal(uv_async_init(&st->loop, &st->async, on_async), 0);
    st->async.data = st;
    uv_mutex_init(&st->call_lock);
    uv_sem_init(&st->call_done, 0);
    st->srv = http_server_new(&st->loop, limits);
    assert_non_null(st->srv);
}

void server_thread_start(server_thread_t *st)
{
    char err[256];

    assert_int_equal(http_server_listen(st->srv, "127.0.0.1", 0, err, sizeof(err)), 0);
    st->port = http_server_port(st->srv);
    assert_int_equal(uv_thread_create(&st->thread, run_loop, st), 0);
}

void server_thread_run(server_thread_t *st, server_thread_call_fn fn, void *arg)
{
    uv_mutex_lock(&st->call_lock);
    st->call = fn;
    st->call_arg = arg;
    uv_async_send(&st->async);
    uv_sem_wait(&st->call_done);
    uv_mutex_unlock(&st->call_lock);
}

static void on_server_closed(void *data)
{
    server_thread_t *st = data;
    uv_close((uv_handle_t *)&st->async, NULL);
}

static void close_server(server_thread_t *st, void *arg)
{
    (void)arg;
    http_server_close(st->srv, on_server_closed, st);
}

void server_thread_close_server(server_thread_t *st)
{
    server_thread_run(st, close_server, NULL);
}

/* Everything the server opened must be closed once it is: uv_loop_close fails
   on any handle left behind. */
void server_thread_join(server_thread_t *st)
{
    uv_thread_join(&st->thread);
    http_server_free(st->srv);
    assert_int_equal(uv_loop_close(&st->loop), 0);
    uv_mutex_destroy(&st->call_lock);
    uv_sem_destroy(&st->call_done);
}

void server_thread_stop(server_thread_t *st)
{
    server_thread_close_server(st);
    server_thread_join(st);
}

static void get_count(server_thread_t *st, void *arg)
{
    *(size_t *)arg = http_server_connection_count(st->srv);
}

size_t server_thread_connection_count(server_thread_t *st)
{
    size_t count;
    server_thread_run(st, get_count, &count);
    return count;
}
