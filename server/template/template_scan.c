/*
 * Lexical scan of a jq 1.6 expression: strings with \( ) interpolation, # comments, brackets,
 * identifiers, variables and field accesses. Anything else is treated as an operator.
 */
#include "template/template_scan.h"

#include <string.h>

#define MAX_DEPTH 128

/* Marks an open string interpolation "\(" on the bracket stack. */
#define INTERPOLATION 'S'

typedef struct scanner {
    const char *s;
    size_t len;
    size_t i;
    char stack[MAX_DEPTH];
    int depth;
    int open_braces;
    bool in_string;
    /* The previous token ends a term, so a following ".name" reads a field of that term and
       not of the root. After ")" and after a variable this is false on purpose: "(.)" and
       "$root" may stand for the root. */
    bool after_term;
    tmpl_scan_t *out;
} scanner_t;

static const char *const keywords[] = {
    "as",  "import", "include", "module", "def",     "if",  "then",  "elif",  "else",
    "end", "and",    "or",      "reduce", "foreach", "try", "catch", "label", "__loc__",
};

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ident(const scanner_t *sc, size_t i)
{
    while (i < sc->len) {
        if (is_ident_char(sc->s[i])) {
            i++;
        } else if (i + 2 < sc->len && sc->s[i] == ':' && sc->s[i + 1] == ':' &&
                   is_ident_start(sc->s[i + 2])) {
            i += 2;
        } else {
            break;
        }
    }
    return i;
}

static size_t skip_space(const scanner_t *sc, size_t i)
{
    while (i < sc->len && is_space(sc->s[i])) {
        i++;
    }
    return i;
}

static size_t skip_number(const scanner_t *sc, size_t i)
{
    while (i < sc->len && (is_digit(sc->s[i]) || sc->s[i] == '.')) {
        i++;
    }
    if (i < sc->len && (sc->s[i] == 'e' || sc->s[i] == 'E')) {
        size_t j = i + 1;
        if (j < sc->len && (sc->s[j] == '+' || sc->s[j] == '-')) {
            j++;
        }
        if (j < sc->len && is_digit(sc->s[j])) {
            i = j;
            while (i < sc->len && is_digit(sc->s[i])) {
                i++;
            }
        }
    }
    return i;
}

static bool word_is(const scanner_t *sc, size_t start, size_t end, const char *word)
{
    return end - start == strlen(word) && memcmp(sc->s + start, word, end - start) == 0;
}

static bool is_keyword(const scanner_t *sc, size_t start, size_t end)
{
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        if (word_is(sc, start, end, keywords[k])) {
            return true;
        }
    }
    return false;
}

/* Whether the string literal "steps" starts at i; returns the index after it. */
static size_t quoted_steps_at(const scanner_t *sc, size_t i)
{
    static const char quoted[] = "\"steps\"";
    size_t n = sizeof quoted - 1;
    if (i + n <= sc->len && memcmp(sc->s + i, quoted, n) == 0) {
        return i + n;
    }
    return 0;
}

/* Whether [ "steps" ] starts at i, whitespace allowed around each part. */
static bool bracketed_steps_at(const scanner_t *sc, size_t i)
{
    i = skip_space(sc, i);
    if (i >= sc->len || sc->s[i] != '[') {
        return false;
    }
    size_t after = quoted_steps_at(sc, skip_space(sc, i + 1));
    if (after == 0) {
        return false;
    }
    after = skip_space(sc, after);
    return after < sc->len && sc->s[after] == ']';
}

/* ".name", ".\"name\"", ".[\"name\"]", "..", ".5" or "." alone. */
static void scan_dot(scanner_t *sc)
{
    bool at_root = !sc->after_term;
    size_t i = sc->i + 1;

    sc->after_term = true;
    if (i < sc->len && sc->s[i] == '.') {
        sc->out->reads_steps |= at_root;
        sc->i = i + 1;
        return;
    }
    if (i < sc->len && is_digit(sc->s[i])) {
        sc->i = skip_number(sc, i);
        return;
    }
    if (i < sc->len && is_ident_start(sc->s[i])) {
        size_t end = skip_ident(sc, i);
        sc->out->reads_steps |= at_root && word_is(sc, i, end, "steps");
        sc->i = end;
        return;
    }
    sc->out->reads_steps |= at_root && (quoted_steps_at(sc, i) || bracketed_steps_at(sc, i));
    /* A following string or "[" is scanned as usual. */
    sc->i = i;
}

static bool push(scanner_t *sc, char opener)
{
    if (sc->depth == MAX_DEPTH) {
        sc->out->too_deep = true;
        sc->out->balanced = false;
        return false;
    }
    sc->stack[sc->depth++] = opener;
    if (opener == '{') {
        sc->open_braces++;
    }
    return true;
}

static void pop_to(scanner_t *sc, int depth)
{
    while (sc->depth > depth) {
        if (sc->stack[--sc->depth] == '{') {
            sc->open_braces--;
        }
    }
}

static void scan_close(scanner_t *sc, char closer)
{
    char want = closer == ')' ? '(' : closer == ']' ? '[' : '{';
    int top = sc->depth - 1;

    sc->i++;
    sc->after_term = closer != ')';
    if (top >= 0 && closer == ')' && sc->stack[top] == INTERPOLATION) {
        pop_to(sc, top);
        sc->in_string = true;
        return;
    }
    if (top >= 0 && sc->stack[top] == want) {
        pop_to(sc, top);
        return;
    }
    sc->out->balanced = false;
    /* Recover at the nearest matching opener so that a later "}}" is still recognised. */
    for (int d = top; d >= 0 && sc->stack[d] != INTERPOLATION; d--) {
        if (sc->stack[d] == want) {
            pop_to(sc, d);
            return;
        }
    }
}

static bool scan_string_char(scanner_t *sc)
{
    char c = sc->s[sc->i];
    if (c == '"') {
        sc->in_string = false;
        sc->after_term = true;
        sc->i++;
    } else if (c == '\\' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '(') {
        if (!push(sc, INTERPOLATION)) {
            return false;
        }
        sc->in_string = false;
        sc->after_term = false;
        sc->i += 2;
    } else {
        sc->i += c == '\\' ? 2 : 1;
    }
    return true;
}

static void scan_word(scanner_t *sc)
{
    size_t start = sc->i;
    char c = sc->s[start];

    if (c == '$' || c == '@') {
        sc->i = skip_ident(sc, start + 1);
        sc->after_term = c == '@';
        return;
    }
    sc->i = skip_ident(sc, start);
    sc->after_term = !is_keyword(sc, start, sc->i);
}

/* Returns false when the scan must stop (closing braces found, or too deep). */
static bool scan_code_char(scanner_t *sc, bool stop_at_close)
{
    char c = sc->s[sc->i];

    if (stop_at_close && c == '}' && sc->open_braces == 0 && sc->i + 1 < sc->len &&
        sc->s[sc->i + 1] == '}') {
        sc->out->closed = true;
        return false;
    }
    if (is_space(c)) {
        sc->i++;
    } else if (c == '#') {
        while (sc->i < sc->len && sc->s[sc->i] != '\n') {
            sc->i++;
        }
    } else if (c == '"') {
        sc->in_string = true;
        sc->i++;
    } else if (c == '(' || c == '[' || c == '{') {
        if (!push(sc, c)) {
            return false;
        }
        sc->after_term = false;
        sc->i++;
    } else if (c == ')' || c == ']' || c == '}') {
        scan_close(sc, c);
    } else if (c == '.') {
        scan_dot(sc);
    } else if (is_digit(c)) {
        sc->i = skip_number(sc, sc->i);
        sc->after_term = true;
    } else if (is_ident_start(c) || c == '$' || c == '@') {
        scan_word(sc);
    } else {
        sc->after_term = c == '?';
        sc->i++;
    }
    return true;
}

void tmpl__scan(const char *text, size_t len, bool stop_at_close, tmpl_scan_t *out)
{
    scanner_t sc = {.s = text, .len = len, .out = out};

    memset(out, 0, sizeof *out);
    out->balanced = true;
    while (sc.i < sc.len) {
        bool go_on = sc.in_string ? scan_string_char(&sc) : scan_code_char(&sc, stop_at_close);
        if (!go_on) {
            break;
        }
    }
    if (sc.i > sc.len) {
        sc.i = sc.len; /* a trailing backslash inside a string */
    }
    if (sc.in_string || sc.depth > 0) {
        out->balanced = false;
    }
    out->length = sc.i;
}
