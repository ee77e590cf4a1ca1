/*
 * One event as a source hands it on: the unwrapped body and the ids needed to
 * follow it through the logs. Shared by every run it starts, so it is counted.
 */
#ifndef RIPOSTE_EVENT_H
#define RIPOSTE_EVENT_H

#include <stdatomic.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct event {
    atomic_int refs;
    char *source;       /* the configured source's name */
    char *message_id;   /* the transport's id (SNS MessageId) */
    char *topic_arn;    /* may be NULL */
    char *event_id;     /* the event's own "id", may be NULL */
    char *detail_type;  /* the event's "detail-type", may be NULL */
    char *finding_id;   /* detail.id (a GuardDuty finding's id), may be NULL */
    char *finding_type; /* detail.type ("Policy:S3/BucketAnonymousAccessGranted"), may be NULL */
    cJSON *body;        /* the unwrapped event */
    int64_t received_ms;
} event_t;

/* Takes over body; copies the strings. The new event holds one reference. */
event_t *event_new(const char *source, const char *message_id, const char *topic_arn, cJSON *body);
event_t *event_ref(event_t *ev);
void event_unref(event_t *ev);

#endif
