#include "exec/event.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *copy_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static char *string_member(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? strdup(item->valuestring) : NULL;
}

event_t *event_new(const char *source, const char *message_id, const char *topic_arn, cJSON *body)
{
    event_t *ev = calloc(1, sizeof(*ev));
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    atomic_init(&ev->refs, 1);
    ev->source = copy_or_null(source);
    ev->message_id = copy_or_null(message_id);
    ev->topic_arn = copy_or_null(topic_arn);
    ev->event_id = string_member(body, "id");
    ev->detail_type = string_member(body, "detail-type");
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(body, "detail");
    ev->finding_id = string_member(detail, "id");
    ev->finding_type = string_member(detail, "type");
    ev->body = body;
    ev->received_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    return ev;
}

event_t *event_ref(event_t *ev)
{
    atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
    return ev;
}

void event_unref(event_t *ev)
{
    if (ev == NULL || atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    free(ev->source);
    free(ev->message_id);
    free(ev->topic_arn);
    free(ev->event_id);
    free(ev->detail_type);
    free(ev->finding_id);
    free(ev->finding_type);
    cJSON_Delete(ev->body);
    free(ev);
}
