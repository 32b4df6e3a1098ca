/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-check-sync.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "bus-error.h"
#include "bus-service.h"
#include "bus-status.h"
#include "check-sync.h"
#include "prov-sd-bus-cleanup.h"
#include "provision-error.h"
#include "text-limit.h"

/* The string options and where they go in a CheckSyncRequest. */
static const struct {
        const char *key;
        gsize offset;
} string_options[] = {
        { "sender", G_STRUCT_OFFSET(CheckSyncRequest, sender) },
        { "event", G_STRUCT_OFFSET(CheckSyncRequest, event) },
        { "content_type", G_STRUCT_OFFSET(CheckSyncRequest, content_type) },
};

static int invalid_option(GError **error, const char *key, const char *why) {
        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS, "option '%s' %s", key, why);
        return -EINVAL;
}

static int read_string_option(sd_bus_message *message, const char *key, char **value, GError **error) {
        const char *text;
        int r;

        r = sd_bus_message_read(message, "s", &text);
        if (r < 0)
                return r;
        if (strlen(text) > TEXT_LIMIT_URL_OPTION_BYTES) {
                g_autofree char *why = g_strdup_printf("is longer than %u bytes", TEXT_LIMIT_URL_OPTION_BYTES);
                return invalid_option(error, key, why);
        }
        g_free(*value);
        *value = g_strdup(text);
        return 0;
}

/* body: ay (any bytes) or s (text); the size cap is check-sync.c's. */
static int read_body(sd_bus_message *message, const char *contents, GBytes **body) {
        const void *data = NULL;
        size_t size = 0;
        int r;

        if (g_str_equal(contents, "s"))
                r = sd_bus_message_read(message, "s", &data);
        else
                r = sd_bus_message_read_array(message, 'y', &data, &size);
        if (r < 0)
                return r;
        if (g_str_equal(contents, "s"))
                size = strlen(data);
        g_clear_pointer(body, g_bytes_unref);
        *body = g_bytes_new(data, size);
        return 0;
}

static int read_value(sd_bus_message *message, const char *key, CheckSyncRequest *request, GError **error) {
        const char *contents = NULL;
        int r;

        r = sd_bus_message_peek_type(message, NULL, &contents);
        if (r < 0)
                return r;
        for (gsize i = 0; i < G_N_ELEMENTS(string_options); i++) {
                if (!g_str_equal(string_options[i].key, key))
                        continue;
                if (!g_str_equal(contents, "s"))
                        return invalid_option(error, key, "must be a string");
                r = sd_bus_message_enter_container(message, 'v', "s");
                if (r >= 0)
                        r = read_string_option(message, key,
                                               &G_STRUCT_MEMBER(char *, request, string_options[i].offset),
                                               error);
                return r < 0 ? r : sd_bus_message_exit_container(message);
        }
        if (!g_str_equal(key, "body")) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS, "unknown option '%s'", key);
                return -EINVAL;
        }
        if (!g_str_equal(contents, "ay") && !g_str_equal(contents, "s"))
                return invalid_option(error, key, "must be a byte array or a string");
        r = sd_bus_message_enter_container(message, 'v', contents);
        if (r >= 0)
                r = read_body(message, contents, &request->body);
        return r < 0 ? r : sd_bus_message_exit_container(message);
}

/* Reads the a{sv}; bad keys, types or values: -EINVAL with PROV_ERROR_INVALID_ARGS in @error. */
static int read_options(sd_bus_message *message, CheckSyncRequest *request, GError **error) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                r = sd_bus_message_read(message, "s", &key);
                if (r >= 0)
                        r = read_value(message, key, request, error);
                if (r >= 0)
                        r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (request->sender == NULL || request->sender[0] == '\0')
                return invalid_option(error, "sender", "is required: the source address of the NOTIFY");
        return sd_bus_message_exit_container(message);
}

static void on_check_sync_done(const GError *failure, gpointer user_data) {
        g_autoptr(sd_bus_message) message = user_data;
        int r;

        if (failure != NULL) {
                g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
                bus_error_set_from_gerror(&error, failure);
                r = sd_bus_reply_method_error(message, &error);
        } else {
                r = sd_bus_reply_method_return(message, NULL);
        }
        if (r < 0)
                g_warning("cannot reply to CheckSync: %s", g_strerror(-r));
}

/* Replies when the outcome is decided (on_check_sync_done): a snippet body is applied in the apply queue. */
static int method_check_sync(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autoptr(CheckSyncRequest) request = check_sync_request_new();
        g_autoptr(GError) local_error = NULL;
        int r;

        r = read_options(message, request, &local_error);
        if (local_error != NULL)
                return bus_error_set_from_gerror(error, local_error);
        if (r < 0)
                return r;
        check_sync_handle_async(userdata, request, on_check_sync_done, sd_bus_message_ref(message));
        return 1;
}

static const sd_bus_vtable check_sync_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("CheckSync", "a{sv}", SD_BUS_PARAM(options), "", , method_check_sync,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY(STATUS_LAST_CHECK_SYNC, "(stbs)", bus_status_get_property, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

int bus_check_sync_add(sd_bus *bus, Engine *engine, sd_bus_slot **ret_slot) {
        return sd_bus_add_object_vtable(bus, ret_slot, BUS_PATH, BUS_INTERFACE, check_sync_vtable, engine);
}
