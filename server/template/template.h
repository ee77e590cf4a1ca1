/*
 * Templates in step parameters: `{{ ... }}` holds a jq expression evaluated over one run's
 * context {"event": ..., "steps": {"<id>": <output>, ...}, "run": {...}}.
 *
 * - A string that is one whole template ("{{ .event.detail.severity }}", spaces inside the
 *   braces allowed) becomes the expression's value with its JSON type.
 * - A template inside text ("bucket {{ .x }} locked") becomes text: a string result is inserted
 *   as is, any other value as compact JSON.
 * - Only string values are templated, at any depth of objects and arrays; object keys and
 *   other values pass through unchanged. There is no escape: "{{" always opens a template.
 * - The template ends at the first "}}" outside jq strings and comments that closes no "{"
 *   of the expression, so "{{ {a: .x} }}" builds an object.
 * - Every expression must produce exactly one value: none, several, or a jq error fail the
 *   render with "KEYPATH: message".
 * - Templates see only the context: `env` and `$ENV` are empty objects (the environment holds
 *   credentials), `halt` and `halt_error` raise errors. libjq 1.6 itself still reads
 *   $HOME/.jq, if present, into every program it compiles.
 *
 * KEYPATH is the path inside `with`, as in "body.text" or "labels[1]". When `with` is itself a
 * string, errors carry no KEYPATH prefix.
 *
 * Reading `.steps`: an expression reads the steps when it names the field "steps" on the
 * root, written as `.steps`, `."steps"` or `.["steps"]` (whitespace allowed inside the
 * brackets), at the start of a pipe, term or operand, after a `$variable` (it may hold the root)
 * or after `)`; `..` at such a place counts too. A field named steps below another field
 * (`.event.steps`, `.a[0].steps`) does not count. Not detected: keys computed at run time
 * (`.[$k]`, `getpath(["steps"])`) and whole-context uses (`.`, `tojson`, `keys`).
 *
 * Cost: libjq 1.6 re-parses its builtin library on every compile (about 38 ms of CPU on the
 * reference machine), so all templates of one `with` tree share one compiled program: compile
 * once at config load. A context converts the event once; rendering then costs microseconds.
 *
 * Thread safety, established with ThreadSanitizer on libjq 1.6 and Oniguruma 6.9.8 rebuilt
 * from Debian's sources with -fsanitize=thread (the packaged libraries are not instrumented, so
 * TSan cannot see races inside them), 4 threads rendering the S3 finding:
 * - each thread with its own compiled jq_state and its own input: no report, same outputs;
 * - one jq_state shared without a lock: races in jq_start and the stack code, then an
 *   assertion failure inside libjq;
 * - one jq_state per program behind a mutex, each thread its own input: no report;
 * - the same, but results freed after unlocking: heap-use-after-free on reference counts,
 *   as results share counts with constants inside the compiled program;
 * - one input value used by several threads at once, even read-only: races on reference counts
 *   (jv counts are not atomic), then a crash;
 * - two threads making their first regex call at once: a race in Oniguruma's lazy set-up, which
 *   libjq never triggers itself; the first compile here now does it once.
 * One report remains possible, in glibc's tzset under jq's mktime: glibc guards it with an
 * internal lock that TSan cannot see. Hence: a tmpl_t may be rendered from any number of
 * threads at once (its program has its own mutex, held while jq runs and while the results are
 * converted to cJSON); a tmpl_ctx_t must be used by one thread at a time.
 *
 * Known shortcomings of libjq 1.6 that templates inherit:
 * - evaluation has no time limit: `def f: f; f` or a huge `range` holds a worker thread for
 *   good. Rules are trusted configuration; nothing here can stop a running program.
 * - each evaluation of `first`, `isempty`, `any/2`, `all/2`, `nth`, `IN` or `limit` (and an
 *   error that escapes `try` or `?` after output) leaks about 20 bytes (one object key of the
 *   input), found by fuzzing and reproduced with plain libjq: a rule using them leaks on every
 *   run. Prefer `.[0]`, `map(...)`, `select(...)` in templates.
 */
#ifndef RIPOSTE_TEMPLATE_H
#define RIPOSTE_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct tmpl tmpl_t;         /* a compiled `with` tree */
typedef struct tmpl_ctx tmpl_ctx_t; /* one run's context in jq form */

/* Compiles every template in `with` (which is copied). On error returns NULL and writes
   "KEYPATH: message" to err; for invalid jq the message includes jq's own text. */
tmpl_t *tmpl_compile(const cJSON *with, char *err, size_t err_size);
/* Compiles one string, as tmpl_compile would compile a `with` that is this string. */
tmpl_t *tmpl_compile_string(const char *text, char *err, size_t err_size);
void tmpl_free(tmpl_t *t);

/* Whether any expression reads .steps (see the rule above). */
bool tmpl_reads_steps(const tmpl_t *t);
/* Whether `with` holds no template at all: rendering then copies it and needs no context. */
bool tmpl_is_static(const tmpl_t *t);

/* A context for one run: converts `event` (NULL: null) and `run` (NULL: {}) to jq values once.
   Returns NULL when a value nests deeper than cJSON's nesting limit or memory runs out. */
tmpl_ctx_t *tmpl_ctx_new(const cJSON *event, const cJSON *run);
/* Adds or replaces .steps[step_id] (NULL output: null). Returns false when the output nests
   too deeply or memory runs out; the context is then unchanged. */
bool tmpl_ctx_set_step(tmpl_ctx_t *ctx, const char *step_id, const cJSON *output);
void tmpl_ctx_free(tmpl_ctx_t *ctx);

/* Renders a new cJSON tree, owned by the caller. On error returns NULL with "KEYPATH: message"
   in err. ctx may be NULL when tmpl_is_static(t). */
cJSON *tmpl_render(const tmpl_t *t, tmpl_ctx_t *ctx, char *err, size_t err_size);
/* For `riposte simulate`: like tmpl_render, but a string holding a template that reads .steps
   is kept as its original text. */
cJSON *tmpl_render_partial(const tmpl_t *t, tmpl_ctx_t *ctx, char *err, size_t err_size);
/* Renders and returns text (malloc'd): a string result as is, any other value as compact
   JSON. Meant for single-string settings such as a credential's role_arn. */
char *tmpl_render_text(const tmpl_t *t, tmpl_ctx_t *ctx, char *err, size_t err_size);

#endif
