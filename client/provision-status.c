/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* prov_client_get_status(): GetStatus' a{sv}, read from sd-bus into a GVariant and a ProvStatus. */
#include "provision.h"

#include <errno.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

static int read_value(sd_bus_message *message, GVariant **ret);

/* Reads the next basic value into a new floating GVariant of the same type. */
static int read_basic(sd_bus_message *message, char type, GVariant **ret) {
        union {
                uint8_t byte;
                int boolean; /* sd-bus reads "b" into an int */
                int16_t int16;
                uint16_t uint16;
                int32_t int32;
                uint32_t uint32;
                int64_t int64;
                uint64_t uint64;
                double number;
                const char *string;
        } value;
        int r = sd_bus_message_read_basic(message, type, &value);

        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (type) {
        case SD_BUS_TYPE_BYTE:
                *ret = g_variant_new_byte(value.byte);
                break;
        case SD_BUS_TYPE_BOOLEAN:
                *ret = g_variant_new_boolean(value.boolean);
                break;
        case SD_BUS_TYPE_INT16:
                *ret = g_variant_new_int16(value.int16);
                break;
        case SD_BUS_TYPE_UINT16:
                *ret = g_variant_new_uint16(value.uint16);
                break;
        case SD_BUS_TYPE_INT32:
                *ret = g_variant_new_int32(value.int32);
                break;
        case SD_BUS_TYPE_UINT32:
                *ret = g_variant_new_uint32(value.uint32);
                break;
        case SD_BUS_TYPE_INT64:
                *ret = g_variant_new_int64(value.int64);
                break;
        case SD_BUS_TYPE_UINT64:
                *ret = g_variant_new_uint64(value.uint64);
                break;
        case SD_BUS_TYPE_DOUBLE:
                *ret = g_variant_new_double(value.number);
                break;
        case SD_BUS_TYPE_STRING:
                *ret = g_variant_new_string(value.string);
                break;
        case SD_BUS_TYPE_OBJECT_PATH:
                *ret = g_variant_new_object_path(value.string);
                break;
        case SD_BUS_TYPE_SIGNATURE:
                *ret = g_variant_new_signature(value.string);
                break;
        /* The fd itself belongs to the reply: keep only that there was one. */
        case SD_BUS_TYPE_UNIX_FD:
                *ret = g_variant_new_handle(-1);
                break;
        default:
                return -EBADMSG;
        }
        return 0;
}

static int read_variant(sd_bus_message *message, const char *contents, GVariant **ret) {
        g_autoptr(GVariant) inner = NULL;
        int r;

        r = sd_bus_message_enter_container(message, SD_BUS_TYPE_VARIANT, contents);
        if (r >= 0)
                r = read_value(message, &inner);
        if (r < 0)
                return r;
        g_variant_ref_sink(inner);
        r = sd_bus_message_exit_container(message);
        if (r >= 0)
                *ret = g_variant_new_variant(inner);
        return r;
}

/* The type string of a container of @type holding @contents: D-Bus and GVariant write it alike. */
static char *compound_type_string(char type, const char *contents) {
        if (type == SD_BUS_TYPE_ARRAY)
                return g_strconcat("a", contents, NULL);
        if (type == SD_BUS_TYPE_STRUCT)
                return g_strconcat("(", contents, ")", NULL);
        return g_strconcat("{", contents, "}", NULL); /* SD_BUS_TYPE_DICT_ENTRY */
}

/* An array, struct or dict entry, element by element. */
static int read_compound(sd_bus_message *message, char type, const char *contents, GVariant **ret) {
        g_autofree char *type_string = compound_type_string(type, contents);
        g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE(type_string));
        int r;

        r = sd_bus_message_enter_container(message, type, contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_at_end(message, FALSE)) == 0) {
                GVariant *element = NULL;

                r = read_value(message, &element);
                if (r < 0)
                        return r;
                g_variant_builder_add_value(&builder, element);
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(message);
        if (r >= 0)
                *ret = g_variant_builder_end(&builder);
        return r;
}

/* Reads the next value, of any D-Bus type, into a new floating GVariant of the
 * same type: ProvStatus.raw keeps keys and types newer than this library. */
static int read_value(sd_bus_message *message, GVariant **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(message, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        if (type == SD_BUS_TYPE_VARIANT)
                return read_variant(message, contents, ret);
        if (contents != NULL)
                return read_compound(message, type, contents, ret);
        return read_basic(message, type, ret);
}

static int read_dictionary(sd_bus_message *message, GVariant **ret) {
        GVariant *dictionary = NULL;
        int r;

        if (sd_bus_message_has_signature(message, "a{sv}") <= 0)
                return -EBADMSG;
        r = read_value(message, &dictionary);
        if (r >= 0)
                *ret = g_variant_ref_sink(dictionary);
        return r;
}

int client_read_value(sd_bus_message *message, GVariant **ret) {
        GVariant *value = NULL;
        int r = read_value(message, &value);

        if (r >= 0)
                *ret = g_variant_ref_sink(value);
        return r;
}

char *client_lookup_string(GVariant *dictionary, const char *key) {
        char *value = NULL;

        if (!g_variant_lookup(dictionary, key, "s", &value))
                return g_strdup("");
        return value;
}

guint64 client_lookup_uint64(GVariant *dictionary, const char *key) {
        guint64 value = 0;

        g_variant_lookup(dictionary, key, "t", &value);
        return value;
}

guint client_lookup_uint32(GVariant *dictionary, const char *key) {
        guint32 value = 0;

        g_variant_lookup(dictionary, key, "u", &value);
        return value;
}

/* An a{ss} as pairs key, value (in the reply's order); empty when missing. */
static char **lookup_pairs(GVariant *dictionary, const char *key) {
        g_autoptr(GVariant) pairs = g_variant_lookup_value(dictionary, key, G_VARIANT_TYPE("a{ss}"));
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
        GVariantIter iter;
        const char *name, *text;

        if (pairs != NULL) {
                g_variant_iter_init(&iter, pairs);
                while (g_variant_iter_next(&iter, "{&s&s}", &name, &text)) {
                        g_strv_builder_add(builder, name);
                        g_strv_builder_add(builder, text);
                }
        }
        return g_strv_builder_end(builder);
}

/* Missing keys get the neutral values the header documents. */
static ProvStatus *status_new_from_dictionary(GVariant *dictionary) {
        ProvStatus *status = g_new0(ProvStatus, 1);

        status->raw = g_variant_ref(dictionary);
        status->state = client_lookup_string(dictionary, "State");
        status->last_result = client_lookup_string(dictionary, "LastResult");
        if (!g_variant_lookup(dictionary, "LastError", "(ss)", &status->last_error_name,
                              &status->last_error_message)) {
                status->last_error_name = g_strdup("");
                status->last_error_message = g_strdup("");
        }
        if (!g_variant_lookup(dictionary, "LastWarnings", "^as", &status->last_warnings))
                status->last_warnings = g_new0(char *, 1);
        status->last_change = client_lookup_uint64(dictionary, "LastChange");
        status->settings_generation = client_lookup_uint64(dictionary, "SettingsGeneration");
        status->run_id = client_lookup_uint64(dictionary, "RunId");
        status->trigger = client_lookup_string(dictionary, "Trigger");
        status->url = client_lookup_string(dictionary, "Url");
        status->progress = client_lookup_uint32(dictionary, "Progress");
        status->last_run_started = client_lookup_uint64(dictionary, "LastRunStarted");
        status->last_run_finished = client_lookup_uint64(dictionary, "LastRunFinished");
        status->last_success = client_lookup_uint64(dictionary, "LastSuccess");
        status->files_fetched = client_lookup_uint32(dictionary, "FilesFetched");
        status->bytes_fetched = client_lookup_uint64(dictionary, "BytesFetched");
        status->next_run = client_lookup_uint64(dictionary, "NextRun");
        if (!g_variant_lookup(dictionary, "LastCheckSync", "(stbs)", &status->last_check_sync_sender,
                              &status->last_check_sync_time, &status->last_check_sync_accepted,
                              &status->last_check_sync_reason)) {
                status->last_check_sync_sender = g_strdup("");
                status->last_check_sync_reason = g_strdup("");
        }
        status->source = client_lookup_string(dictionary, "Source");
        status->discovery = lookup_pairs(dictionary, "Discovery");
        return status;
}

ProvStatus *prov_client_get_status(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GVariant) dictionary = NULL;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        reply = client_call_without_arguments(client, "GetStatus", error);
        if (reply == NULL)
                return NULL;
        r = read_dictionary(reply, &dictionary);
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of GetStatus");
                return NULL;
        }
        return status_new_from_dictionary(dictionary);
}

void prov_status_free(ProvStatus *status) {
        if (status == NULL)
                return;
        g_free(status->state);
        g_free(status->last_result);
        g_free(status->last_error_name);
        g_free(status->last_error_message);
        g_strfreev(status->last_warnings);
        g_free(status->trigger);
        g_free(status->url);
        g_free(status->last_check_sync_sender);
        g_free(status->last_check_sync_reason);
        g_free(status->source);
        g_strfreev(status->discovery);
        g_clear_pointer(&status->raw, g_variant_unref);
        g_free(status);
}
