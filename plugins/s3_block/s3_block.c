/*
 * The s3_block plugin: locks an S3 bucket's public access
 * (block_public_access) and puts back what was there before
 * (restore_public_access). Both bring the bucket's public access block to a
 * wanted configuration the same way: read it, act only if it differs, read
 * it back to confirm.
 */
#include <stdio.h>

#include "s3_block.h"

#define S3_BLOCK_PLUGIN_VERSION "1.0.0"

#define TARGET_PARAMS                                                                              \
    "\"bucket\": {\"type\": \"string\", \"required\": true, \"description\": "                     \
    "\"the bucket's name; no other bucket is touched\"},"                                          \
    "\"credential\": {\"type\": \"string\", \"required\": true, \"description\": "                 \
    "\"the aws credential to call S3 with; it needs s3:GetBucketPublicAccessBlock and "            \
    "s3:PutBucketPublicAccessBlock on the bucket\"},"                                              \
    "\"region\": {\"type\": \"string\", \"description\": "                                         \
    "\"the bucket's region; default the credential's, else the event's\"},"                       \
    "\"expected_owner\": {\"type\": \"string\", \"description\": "                                 \
    "\"the 12-digit account that must own the bucket (usually the finding's); "                    \
    "S3 refuses every call when another account owns it\"}"

#define COMMON_OUTPUTS                                                                             \
    "\"bucket\": {\"type\": \"string\", \"description\": \"the bucket's name\"},"                  \
    "\"previous\": {\"type\": \"any\", \"description\": "                                          \
    "\"the configuration before: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and "        \
    "RestrictPublicBuckets as booleans, or null when the bucket had none\"},"                      \
    "\"current\": {\"type\": \"any\", \"description\": "                                           \
    "\"the configuration read back afterwards, in the same form\"},"                               \
    "\"result\": {\"type\": \"string\", \"description\": "                                         \
    "\"changed, already (nothing needed changing) or dry_run\"},"                                  \
    "\"region\": {\"type\": \"string\", \"description\": \"the region, when one was given\"},"     \
    "\"would_set\": {\"type\": \"any\", \"description\": "                                         \
    "\"dry run only: the configuration that would have been set, null for none\"}"

static const char block_params[] = "{" TARGET_PARAMS "}";

static const char restore_params[] =
    "{" TARGET_PARAMS ","
    "\"settings\": {\"type\": \"object\", \"description\": "
    "\"required: the configuration to put back, as block_public_access's previous output, "
    "or null to remove the bucket's configuration\"}"
    "}";

static const char action_outputs[] = "{" COMMON_OUTPUTS "}";

static rp_status_t output_build(const rp_call_t *call, const struct s3_target *target,
                                const struct s3_pab *previous, const struct s3_pab *current,
                                const struct s3_pab *would_set, const char *result, cJSON **output)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *prev = s3_pab_to_json(previous);
    cJSON *cur = s3_pab_to_json(current);
    cJSON *planned = would_set ? s3_pab_to_json(would_set) : NULL;
    bool ok = out != NULL && prev != NULL && cur != NULL && (would_set == NULL || planned != NULL);

    if (ok) {
        cJSON_AddItemToObject(out, "previous", prev);
        cJSON_AddItemToObject(out, "current", cur);
        if (planned != NULL) {
            cJSON_AddItemToObject(out, "would_set", planned);
        }
        prev = cur = planned = NULL;
        ok = cJSON_AddStringToObject(out, "bucket", target->bucket) != NULL &&
             cJSON_AddStringToObject(out, "result", result) != NULL &&
             (target->region == NULL ||
              cJSON_AddStringToObject(out, "region", target->region) != NULL);
    }
    cJSON_Delete(prev);
    cJSON_Delete(cur);
    cJSON_Delete(planned);
    if (!ok) {
        cJSON_Delete(out);
        return s3_fail(call, RP_ERR_TRANSIENT, "out of memory for the output");
    }
    *output = out;
    return RP_OK;
}

static rp_status_t write_configuration(const rp_call_t *call, const struct s3_target *target,
                                       const struct s3_pab *before, const struct s3_pab *want)
{
    char was[160];
    char now[160];
    rp_status_t status;

    status = want->present ? s3_pab_put(call, target, want) : s3_pab_delete(call, target);
    if (status != RP_OK) {
        return status;
    }
    s3_pab_describe(before, was, sizeof(was));
    s3_pab_describe(want, now, sizeof(now));
    call->host->log(call->ctx, RP_LOG_INFO, "bucket %s: public access block %s (was %s)",
                    target->bucket, want->present ? now : "removed", was);
    return RP_OK;
}

/* Check, act, read back: safe to repeat, and a no-op when already there. */
static rp_status_t converge(const rp_call_t *call, const struct s3_target *target,
                            const struct s3_pab *want, cJSON **output)
{
    struct s3_pab before;
    struct s3_pab after;
    char seen[160];
    rp_status_t status;

    if ((status = s3_pab_get(call, target, &before)) != RP_OK) {
        return status;
    }
    if (s3_pab_equal(&before, want)) {
        return output_build(call, target, &before, &before, NULL, "already", output);
    }
    if (call->dry_run) {
        return output_build(call, target, &before, &before, want, "dry_run", output);
    }
    if ((status = write_configuration(call, target, &before, want)) != RP_OK ||
        (status = s3_pab_get(call, target, &after)) != RP_OK) {
        return status;
    }
    if (!s3_pab_equal(&after, want)) {
        s3_pab_describe(&after, seen, sizeof(seen));
        return s3_fail(call, RP_ERR_PERMANENT,
                       "read back did not confirm: bucket %s's public access block is %s",
                       target->bucket, seen);
    }
    return output_build(call, target, &before, &after, NULL, "changed", output);
}

static rp_status_t run_block(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    struct s3_target target;
    struct s3_pab want = {.present = true, .flags = {true, true, true, true}};

    if (s3_target_read(params, &target, call->error, call->error_size) != 0) {
        return RP_ERR_INVALID;
    }
    return converge(call, &target, &want, output);
}

static rp_status_t run_restore(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    struct s3_target target;
    struct s3_pab want;

    if (s3_target_read(params, &target, call->error, call->error_size) != 0 ||
        s3_settings_read(params, &want, call->error, call->error_size) != 0) {
        return RP_ERR_INVALID;
    }
    return converge(call, &target, &want, output);
}

static const rp_action_t s3_block_actions[] = {
    {
        .name = "block_public_access",
        .description = "Turns on all four settings of a bucket's S3 Block Public Access.",
        .params_json = block_params,
        .outputs_json = action_outputs,
        .run = run_block,
    },
    {
        .name = "restore_public_access",
        .description = "Puts a bucket's S3 Block Public Access back to given settings, or none.",
        .params_json = restore_params,
        .outputs_json = action_outputs,
        .run = run_restore,
    },
};

static const rp_plugin_t s3_block_plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "s3_block",
    .version = S3_BLOCK_PLUGIN_VERSION,
    .description = "Blocks public access to S3 buckets, and restores it.",
    .actions = s3_block_actions,
    .action_count = sizeof(s3_block_actions) / sizeof(s3_block_actions[0]),
};

RP_PLUGIN_DEFINE(s3_block_plugin)
