/*
 * YAML to cJSON, one parser event at a time, under the rules listed in conf_doc.h. Collections
 * being built sit on a stack; a value is attached to its parent when it is complete. Problems
 * that leave the rest of the file readable are reported and reading goes on, so that one run
 * lists them all; the values concerned are moved to `discarded` instead of the tree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config/conf_doc_internal.h"

/* A short, printable copy of a value from the file, for messages. */
static const char *excerpt(const char *text, char *buf, size_t size)
{
    size_t n = 0;

    for (; text[n] != '\0' && n + 4 < size; n++) {
        unsigned char c = (unsigned char)text[n];
        buf[n] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    strcpy(buf + n, text[n] ? "..." : "");
    return buf;
}

/*
 * Plain scalars, typed by the YAML 1.2 core schema. Integers beyond 2^53 become the nearest
 * double, as they would from any JSON parser.
 */
enum scalar_kind { SCALAR_NULL, SCALAR_BOOL, SCALAR_INT, SCALAR_FLOAT, SCALAR_STRING };

struct scalar {
    enum scalar_kind kind;
    bool flag;
    double number;
    const char *problem; /* why the text cannot become a JSON value, or NULL */
};

static const char DIGITS[] = "0123456789";

static bool is_one_of(const char *text, const char *const *words)
{
    for (; *words; words++) {
        if (strcmp(text, *words) == 0) {
            return true;
        }
    }
    return false;
}

static const char *skip_sign(const char *s)
{
    return *s == '-' || *s == '+' ? s + 1 : s;
}

static bool is_decimal_int(const char *s)
{
    s = skip_sign(s);
    return *s != '\0' && s[strspn(s, DIGITS)] == '\0';
}

static bool is_prefixed_int(const char *s, const char *prefix, const char *digits)
{
    size_t n = strlen(prefix);

    return strncmp(s, prefix, n) == 0 && s[n] != '\0' && s[n + strspn(s + n, digits)] == '\0';
}

static bool is_float(const char *s)
{
    s = skip_sign(s);
    size_t whole = strspn(s, DIGITS);
    s += whole;
    if (*s == '.') {
        size_t fraction = strspn(s + 1, DIGITS);
        if (whole == 0 && fraction == 0) {
            return false;
        }
        s += 1 + fraction;
    } else if (whole == 0) {
        return false;
    }
    if (*s == 'e' || *s == 'E') {
        s = skip_sign(s + 1);
        size_t exponent = strspn(s, DIGITS);
        if (exponent == 0) {
            return false;
        }
        s += exponent;
    }
    return *s == '\0';
}

static double digits_value(const char *s, int base)
{
    double value = 0;

    for (; *s; s++) {
        int digit = *s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10;
        value = value * base + digit;
    }
    return value;
}

static void classify_plain(const char *text, struct scalar *out)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    static const char *const special[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                          "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
                                          ".NaN",  ".NAN",  NULL};
    const char *digits = skip_sign(text);

    memset(out, 0, sizeof(*out));
    out->kind = SCALAR_STRING;
    if (is_one_of(text, nulls)) {
        out->kind = SCALAR_NULL;
    } else if (is_one_of(text, trues) || is_one_of(text, falses)) {
        out->kind = SCALAR_BOOL;
        out->flag = text[0] == 't' || text[0] == 'T';
    } else if (is_decimal_int(text)) {
        out->kind = SCALAR_INT;
        out->number = strtod(text, NULL);
        if (digits[0] == '0' && digits[1] != '\0') {
            out->problem = "a leading zero reads as octal in YAML 1.1 and decimal in YAML 1.2; "
                           "quote it if it is a string (an account id, say)";
        }
    } else if (is_prefixed_int(text, "0x", "0123456789abcdefABCDEF")) {
        out->kind = SCALAR_INT;
        out->number = digits_value(text + 2, 16);
    } else if (is_prefixed_int(text, "0o", "01234567")) {
        out->kind = SCALAR_INT;
        out->number = digits_value(text + 2, 8);
    } else if (is_float(text)) {
        /* strtod follows LC_NUMERIC; the server never changes it from "C". */
        out->kind = SCALAR_FLOAT;
        out->number = strtod(text, NULL);
        if (!isfinite(out->number)) {
            out->problem = "number out of range";
        }
    } else if (is_one_of(text, special)) {
        out->kind = SCALAR_FLOAT;
        out->problem = "infinity and NaN cannot be represented in JSON";
    }
}

static const char CORE_TAG[] = "tag:yaml.org,2002:";

static bool is_core_tag(const char *tag, const char *name)
{
    size_t n = sizeof(CORE_TAG) - 1;
    return strncmp(tag, CORE_TAG, n) == 0 && strcmp(tag + n, name) == 0;
}

/* The tag as written in the file: !!int rather than tag:yaml.org,2002:int. */
static const char *short_tag(const char *tag, char *buf, size_t size)
{
    size_t n = sizeof(CORE_TAG) - 1;

    if (strncmp(tag, CORE_TAG, n) == 0) {
        char rest[48];
        snprintf(buf, size, "!!%s", excerpt(tag + n, rest, sizeof(rest)));
        return buf;
    }
    return excerpt(tag, buf, size);
}

/* Types a scalar that carries an explicit tag; problem is set when tag and text disagree. */
static void classify_tagged(const char *tag, const char *text, struct scalar *out)
{
    enum scalar_kind want;

    memset(out, 0, sizeof(*out));
    out->kind = SCALAR_STRING;
    if (strcmp(tag, "!") == 0 || is_core_tag(tag, "str")) {
        return;
    }
    if (is_core_tag(tag, "null")) {
        want = SCALAR_NULL;
    } else if (is_core_tag(tag, "bool")) {
        want = SCALAR_BOOL;
    } else if (is_core_tag(tag, "int")) {
        want = SCALAR_INT;
    } else if (is_core_tag(tag, "float")) {
        want = SCALAR_FLOAT;
    } else if (is_core_tag(tag, "map") || is_core_tag(tag, "seq")) {
        out->problem = "this tag belongs on a collection, not on a scalar";
        return;
    } else {
        out->problem = "unsupported tag (use !!str, !!int, !!float, !!bool or !!null)";
        return;
    }

    classify_plain(text, out);
    if (want == SCALAR_FLOAT && out->kind == SCALAR_INT) {
        out->kind = SCALAR_FLOAT;
    }
    if (out->problem == NULL && out->kind != want) {
        out->problem = "the value does not match its tag";
    }
}

static cJSON *scalar_to_json(const struct scalar *s, const char *text)
{
    switch (s->kind) {
    case SCALAR_NULL:
        return cJSON_CreateNull();
    case SCALAR_BOOL:
        return cJSON_CreateBool(s->flag);
    case SCALAR_INT:
    case SCALAR_FLOAT:
        return cJSON_CreateNumber(s->number);
    case SCALAR_STRING:
        break;
    }
    return cJSON_CreateString(text);
}

struct frame {
    cJSON *node;
    uint32_t entry; /* CONF_NO_ENTRY inside a discarded value: no lines, no duplicate checks */
    bool is_map;
    bool has_key;    /* a mapping key is waiting for its value */
    bool drop_value; /* ... and that value is to be discarded */
    char *key;
    uint32_t key_entry;
    size_t items; /* sequence items begun */
    char *anchor;
    uint32_t anchor_first; /* first line entry made inside this collection */
    size_t values_before;
    int height; /* 1 for a collection of scalars, 1 + the child's height otherwise */
};

struct anchor {
    const cJSON *node; /* in the tree or in discarded, both alive until the end */
    uint32_t entry;
    uint32_t first; /* the line entries made inside the anchored value */
    uint32_t end;
    size_t values;
    int height;
};

struct yaml_reader {
    struct conf_reading rd;
    struct frame stack[CONF_DOC_MAX_DEPTH];
    int depth;
    cJSON *root;
    cJSON *discarded;
    struct anchor *anchors;
    size_t nanchors;
    size_t anchors_cap;
    conf_lines_t anchor_names; /* name -> index in anchors, through the index field */
    int documents;
};

static struct frame *top_frame(struct yaml_reader *r)
{
    return r->depth > 0 ? &r->stack[r->depth - 1] : NULL;
}

static bool in_key_position(struct yaml_reader *r)
{
    struct frame *top = top_frame(r);
    return top && top->is_map && !top->has_key;
}

static void discard(struct yaml_reader *r, cJSON *value)
{
    cJSON_AddItemToArray(r->discarded, value);
}

/* Claims the place of the next value in its parent and returns its line entry. */
static uint32_t begin_value(struct yaml_reader *r, int line)
{
    struct frame *top = top_frame(r);

    if (top == NULL) {
        r->rd.lines->entries[0].line = line;
        return 0;
    }
    if (top->is_map) {
        return top->has_key ? top->key_entry : CONF_NO_ENTRY;
    }
    size_t index = top->items++;
    if (top->entry == CONF_NO_ENTRY) {
        return CONF_NO_ENTRY;
    }
    return conf_doc__add_item(&r->rd, top->entry, index, line);
}

/* Attaches a complete value to its parent; a value in a key's place only discards it. */
static void finish_value(struct yaml_reader *r, cJSON *value, int height)
{
    struct frame *top = top_frame(r);

    if (value == NULL) {
        conf_doc__out_of_memory(&r->rd);
        return;
    }
    if (top == NULL) {
        r->root = value;
        return;
    }
    if (top->height < height + 1) {
        top->height = height + 1;
    }
    if (top->is_map && !top->has_key) {
        discard(r, value);
        top->has_key = true;
        top->drop_value = true;
        top->key_entry = CONF_NO_ENTRY;
        return;
    }
    if (!top->is_map) {
        cJSON_AddItemToArray(top->node, value);
        return;
    }

    if (top->drop_value) {
        discard(r, value);
    } else if (!cJSON_AddItemToObject(top->node, top->key, value)) {
        discard(r, value);
        conf_doc__out_of_memory(&r->rd);
    }
    free(top->key);
    top->key = NULL;
    top->has_key = false;
    top->drop_value = false;
}

static bool count_values(struct yaml_reader *r, size_t n, int line, uint32_t entry)
{
    if (r->rd.values + n > CONF_DOC_MAX_VALUES) {
        conf_doc__report(&r->rd, line, entry, NULL, "more than %u values once aliases are expanded",
                         CONF_DOC_MAX_VALUES);
        r->rd.stop = true;
        return false;
    }
    r->rd.values += n;
    return true;
}

static void add_anchor(struct yaml_reader *r, const char *name, const struct anchor *a)
{
    if (r->nanchors == r->anchors_cap) {
        size_t cap = r->anchors_cap ? r->anchors_cap * 2 : 8;
        struct anchor *anchors = realloc(r->anchors, cap * sizeof(*anchors));
        if (anchors == NULL) {
            conf_doc__out_of_memory(&r->rd);
            return;
        }
        r->anchors = anchors;
        r->anchors_cap = cap;
    }

    /* A name may be anchored again; later aliases mean the latest. */
    uint32_t known = conf_lines_find(&r->anchor_names, 0, name, 0);
    if (known != CONF_NO_ENTRY) {
        r->anchor_names.entries[known].index = r->nanchors;
    } else if (conf_lines_add(&r->anchor_names, 0, name, false, r->nanchors, 0) == CONF_NO_ENTRY) {
        conf_doc__out_of_memory(&r->rd);
        return;
    }
    r->anchors[r->nanchors++] = *a;
}

/* A double-quoted "\0" gives one, which a C string would silently cut short. */
static bool holds_nul(const yaml_event_t *ev)
{
    return memchr(ev->data.scalar.value, '\0', ev->data.scalar.length) != NULL;
}

static void read_key(struct yaml_reader *r, const yaml_event_t *ev, int line)
{
    struct frame *top = top_frame(r);
    const char *text = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool drop = top->entry == CONF_NO_ENTRY;

    if (holds_nul(ev)) {
        conf_doc__report(&r->rd, line, top->entry, text, "a key holds a NUL character");
        drop = true;
    }
    if (tag != NULL) {
        struct scalar typed;
        char shown[64];
        classify_tagged(tag, text, &typed);
        if (typed.problem) {
            conf_doc__report(&r->rd, line, top->entry, text, "key tagged %s: %s",
                             short_tag(tag, shown, sizeof(shown)), typed.problem);
            drop = true;
        }
    } else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(text, "<<") == 0) {
        conf_doc__report(&r->rd, line, top->entry, text,
                         "merge keys (<<) are not supported; write the keys out");
        drop = true;
    }

    top->key_entry = drop ? CONF_NO_ENTRY : conf_doc__add_key(&r->rd, top->entry, text, line);
    top->has_key = true;
    top->drop_value = drop || top->key_entry == CONF_NO_ENTRY;
    top->key = strdup(text);
    if (top->key == NULL && !r->rd.stop) {
        conf_doc__out_of_memory(&r->rd);
    }
    if (r->rd.stop) {
        return;
    }

    /* An alias of a key stands for the key's text. */
    if (ev->data.scalar.anchor != NULL) {
        cJSON *node = cJSON_CreateString(text);
        if (node == NULL) {
            conf_doc__out_of_memory(&r->rd);
            return;
        }
        discard(r, node);
        struct anchor a = {.node = node, .entry = CONF_NO_ENTRY, .values = 1};
        add_anchor(r, (const char *)ev->data.scalar.anchor, &a);
    }
}

static void read_scalar(struct yaml_reader *r, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    int line = (int)ev->start_mark.line + 1;
    struct scalar typed = {.kind = SCALAR_STRING};

    if (in_key_position(r)) {
        read_key(r, ev, line);
        return;
    }

    uint32_t entry = begin_value(r, line);
    if (!count_values(r, 1, line, entry)) {
        return;
    }
    if (holds_nul(ev)) {
        conf_doc__report(&r->rd, line, entry, NULL, "a string holds a NUL character");
    }
    if (tag != NULL) {
        classify_tagged(tag, text, &typed);
    } else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        classify_plain(text, &typed);
    }
    if (typed.problem) {
        char shown_text[48];
        char shown_tag[64];
        if (tag != NULL) {
            conf_doc__report(&r->rd, line, entry, NULL, "%s tagged %s: %s",
                             excerpt(text, shown_text, sizeof(shown_text)),
                             short_tag(tag, shown_tag, sizeof(shown_tag)), typed.problem);
        } else {
            conf_doc__report(&r->rd, line, entry, NULL, "%s: %s",
                             excerpt(text, shown_text, sizeof(shown_text)), typed.problem);
        }
        typed.kind = SCALAR_NULL;
    }

    cJSON *value = scalar_to_json(&typed, text);
    if (value != NULL && ev->data.scalar.anchor != NULL) {
        struct anchor a = {.node = value,
                           .entry = entry,
                           .first = r->rd.lines->count,
                           .end = r->rd.lines->count,
                           .values = 1};
        add_anchor(r, (const char *)ev->data.scalar.anchor, &a);
    }
    finish_value(r, value, 0);
}

static bool collection_tag_ok(const char *tag, bool is_map)
{
    return tag == NULL || strcmp(tag, "!") == 0 || is_core_tag(tag, is_map ? "map" : "seq");
}

static void start_collection(struct yaml_reader *r, const yaml_event_t *ev, bool is_map)
{
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    const char *anchor =
        (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    int line = (int)ev->start_mark.line + 1;
    bool key_position = in_key_position(r);

    uint32_t entry = key_position ? CONF_NO_ENTRY : begin_value(r, line);
    uint32_t place = key_position ? top_frame(r)->entry : entry;
    if (r->depth == CONF_DOC_MAX_DEPTH) {
        conf_doc__report(&r->rd, line, place, NULL, "nested deeper than %d levels",
                         CONF_DOC_MAX_DEPTH);
        r->rd.stop = true;
        return;
    }
    if (key_position) {
        conf_doc__report(&r->rd, line, place, NULL, "mapping keys must be scalars");
    }
    if (!collection_tag_ok(tag, is_map)) {
        char shown[64];
        conf_doc__report(&r->rd, line, place, NULL, "tag %s cannot be used on a %s",
                         short_tag(tag, shown, sizeof(shown)), is_map ? "mapping" : "sequence");
    }
    if (!count_values(r, 1, line, place)) {
        return;
    }

    struct frame *f = &r->stack[r->depth];
    memset(f, 0, sizeof(*f));
    f->node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
    f->anchor = anchor ? strdup(anchor) : NULL;
    if (f->node == NULL || (anchor && f->anchor == NULL)) {
        cJSON_Delete(f->node);
        free(f->anchor);
        conf_doc__out_of_memory(&r->rd);
        return;
    }
    f->entry = entry;
    f->is_map = is_map;
    f->key_entry = CONF_NO_ENTRY;
    f->anchor_first = r->rd.lines->count;
    f->values_before = r->rd.values - 1;
    f->height = 1;
    r->depth++;
}

static void end_collection(struct yaml_reader *r)
{
    struct frame f = r->stack[--r->depth];

    free(f.key);
    if (f.anchor != NULL) {
        struct anchor a = {.node = f.node,
                           .entry = f.entry,
                           .first = f.anchor_first,
                           .end = r->rd.lines->count,
                           .values = r->rd.values - f.values_before,
                           .height = f.height};
        add_anchor(r, f.anchor, &a);
        free(f.anchor);
    }
    finish_value(r, f.node, f.height);
}

/* Gives the copy of an anchored value the lines of the original, under its new place. */
static void copy_lines(struct yaml_reader *r, const struct anchor *a, uint32_t target)
{
    uint32_t base = r->rd.lines->count;

    for (uint32_t i = a->first; i < a->end; i++) {
        conf_line_entry_t e = r->rd.lines->entries[i];
        bool inside = e.parent >= a->first && e.parent < i;
        uint32_t parent = inside ? base + (e.parent - a->first) : target;
        if (conf_lines_add(r->rd.lines, parent, e.key, true, e.index, e.line) == CONF_NO_ENTRY) {
            conf_doc__out_of_memory(&r->rd);
            return;
        }
    }
}

static bool anchor_is_open(const struct yaml_reader *r, const char *name)
{
    for (int i = 0; i < r->depth; i++) {
        if (r->stack[i].anchor && strcmp(r->stack[i].anchor, name) == 0) {
            return true;
        }
    }
    return false;
}

static void read_alias(struct yaml_reader *r, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    int line = (int)ev->start_mark.line + 1;
    bool key_position = in_key_position(r);
    uint32_t known = conf_lines_find(&r->anchor_names, 0, name, 0);
    char shown[64];

    uint32_t entry = key_position ? CONF_NO_ENTRY : begin_value(r, line);
    uint32_t place = key_position ? top_frame(r)->entry : entry;
    excerpt(name, shown, sizeof(shown));
    if (key_position) {
        conf_doc__report(&r->rd, line, place, NULL, "an alias (*%s) cannot be a mapping key",
                         shown);
    } else if (known == CONF_NO_ENTRY && anchor_is_open(r, name)) {
        conf_doc__report(&r->rd, line, place, NULL, "alias *%s refers to a value that contains it",
                         shown);
    } else if (known == CONF_NO_ENTRY) {
        conf_doc__report(&r->rd, line, place, NULL, "alias *%s has no anchor &%s before it", shown,
                         shown);
    }
    if (key_position || known == CONF_NO_ENTRY) {
        finish_value(r, cJSON_CreateNull(), 0);
        return;
    }

    const struct anchor a = r->anchors[r->anchor_names.entries[known].index];
    if (r->depth + a.height > CONF_DOC_MAX_DEPTH) {
        conf_doc__report(&r->rd, line, place, NULL,
                         "nested deeper than %d levels once alias *%s is expanded",
                         CONF_DOC_MAX_DEPTH, shown);
        r->rd.stop = true;
        return;
    }
    if (!count_values(r, a.values, line, place)) {
        return;
    }
    if (entry != CONF_NO_ENTRY) {
        copy_lines(r, &a, entry);
    }
    finish_value(r, cJSON_Duplicate(a.node, true), a.height);
}

static void report_syntax_error(struct yaml_reader *r, const yaml_parser_t *p, const char *text)
{
    const char *problem = p->problem ? p->problem : "cannot be parsed";

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        conf_doc__out_of_memory(&r->rd);
        break;
    case YAML_READER_ERROR:
        if (p->problem_value != -1) {
            conf_doc__report(&r->rd, conf_doc__line_at(text, p->problem_offset), CONF_NO_ENTRY,
                             NULL, "%s (0x%x)", problem, (unsigned)p->problem_value);
        } else {
            conf_doc__report(&r->rd, conf_doc__line_at(text, p->problem_offset), CONF_NO_ENTRY,
                             NULL, "%s", problem);
        }
        break;
    default:
        if (p->context) {
            conf_doc__report(&r->rd, (int)p->problem_mark.line + 1, CONF_NO_ENTRY, NULL,
                             "syntax error: %s at column %zu, %s at line %zu", problem,
                             p->problem_mark.column + 1, p->context, p->context_mark.line + 1);
        } else {
            conf_doc__report(&r->rd, (int)p->problem_mark.line + 1, CONF_NO_ENTRY, NULL,
                             "syntax error: %s at column %zu", problem, p->problem_mark.column + 1);
        }
        break;
    }
}

static void read_event(struct yaml_reader *r, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++r->documents > 1) {
            conf_doc__report(&r->rd, (int)ev->start_mark.line + 1, CONF_NO_ENTRY, NULL,
                             "a second document starts here; a configuration file holds one");
            r->rd.stop = true;
        }
        break;
    case YAML_SCALAR_EVENT:
        read_scalar(r, ev);
        break;
    case YAML_ALIAS_EVENT:
        read_alias(r, ev);
        break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        start_collection(r, ev, ev->type == YAML_MAPPING_START_EVENT);
        break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        end_collection(r);
        break;
    default:
        break;
    }
}

static void yaml_reader_free(struct yaml_reader *r)
{
    while (r->depth > 0) {
        struct frame *f = &r->stack[--r->depth];
        cJSON_Delete(f->node);
        free(f->key);
        free(f->anchor);
    }
    cJSON_Delete(r->root);
    cJSON_Delete(r->discarded);
    free(r->anchors);
    conf_lines_free(&r->anchor_names);
}

bool conf_doc__read_yaml(conf_doc_t *doc, const char *text, size_t len, diag_list_t *diags)
{
    struct yaml_reader r = {.rd = {.file = doc->file, .diags = diags, .lines = &doc->lines}};
    yaml_parser_t parser;
    yaml_event_t ev;
    bool done = false;

    r.discarded = cJSON_CreateArray();
    if (r.discarded == NULL || !conf_lines_init(&r.anchor_names) ||
        !yaml_parser_initialize(&parser)) {
        conf_doc__out_of_memory(&r.rd);
        cJSON_Delete(r.discarded);
        conf_lines_free(&r.anchor_names);
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    while (!done && !r.rd.stop) {
        if (!yaml_parser_parse(&parser, &ev)) {
            report_syntax_error(&r, &parser, text);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        read_event(&r, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);

    if (!r.rd.failed && r.root == NULL) {
        r.root = cJSON_CreateNull();
        if (r.root == NULL) {
            conf_doc__out_of_memory(&r.rd);
        }
    }
    if (!r.rd.failed) {
        doc->root = r.root;
        r.root = NULL;
    }
    yaml_reader_free(&r);
    return doc->root != NULL;
}
