/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libprovision: forwarding a check-sync NOTIFY to the daemon (CheckSync). */
#include <glib.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"
#include "provision.h"

static int append_string(sd_bus_message *request, const char *key, const char *value) {
        if (value == NULL)
                return 0;
        return sd_bus_message_append(request, "{sv}", key, "s", value);
}

/* {"body": <ay>}, unless there is no body. */
static int append_body(sd_bus_message *request, GBytes *body) {
        gsize size = 0;
        const void *data = body != NULL ? g_bytes_get_data(body, &size) : NULL;
        int r;

        if (size == 0)
                return 0;
        r = sd_bus_message_open_container(request, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(request, "s", "body");
        if (r >= 0)
                r = sd_bus_message_open_container(request, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(request, 'y', data, size);
        if (r >= 0)
                r = sd_bus_message_close_container(request);
        if (r >= 0)
                r = sd_bus_message_close_container(request);
        return r;
}

static int append_options(sd_bus_message *request, const char *sender, const char *event,
                          const char *content_type, GBytes *body) {
        int r = sd_bus_message_open_container(request, 'a', "{sv}");

        if (r >= 0)
                r = append_string(request, "sender", sender);
        if (r >= 0)
                r = append_string(request, "event", event);
        if (r >= 0 && body != NULL && g_bytes_get_size(body) > 0)
                r = append_string(request, "content_type", content_type);
        if (r >= 0)
                r = append_body(request, body);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(request);
}

gboolean prov_client_check_sync(ProvClient *client, const char *sender, const char *event,
                                const char *content_type, GBytes *body, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(sender != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        request = client_new_method_call(client, "CheckSync", error);
        if (request == NULL)
                return FALSE;
        r = append_options(request, sender, event, content_type, body);
        if (r < 0)
                return client_fail(error, r, "Cannot append the options of CheckSync");
        reply = client_call(client, request, error);
        return reply != NULL;
}
