/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Provisioning runs: StartProvisioning with its options, and Cancel. */
#include "provision.h"

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

/* Appends {"key": <"value">} to an open a{sv}, unless @value is NULL. */
static int append_string_option(sd_bus_message *request, const char *key, const char *value) {
        if (value == NULL)
                return 0;
        return sd_bus_message_append(request, "{sv}", key, "s", value);
}

static int append_start_options(sd_bus_message *request, const char *url, const char *trigger) {
        int r;

        r = sd_bus_message_open_container(request, 'a', "{sv}");
        if (r >= 0)
                r = append_string_option(request, "url", url);
        if (r >= 0)
                r = append_string_option(request, "trigger", trigger);
        if (r >= 0)
                r = sd_bus_message_close_container(request);
        return r;
}

gboolean prov_client_start(ProvClient *client, const char *url, const char *trigger, guint64 *run_id,
                           GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        uint64_t started_run_id;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        request = client_new_method_call(client, "StartProvisioning", error);
        if (request == NULL)
                return FALSE;
        r = append_start_options(request, url, trigger);
        if (r < 0)
                return client_fail(error, r, "Cannot append the options of StartProvisioning");
        /* sd_bus_call() queues the signals that arrive meanwhile: the
         * handlers see them only after the caller has the run id. */
        reply = client_call(client, request, error);
        if (reply == NULL)
                return FALSE;
        r = sd_bus_message_read(reply, "t", &started_run_id);
        if (r < 0)
                return client_fail(error, r, "Cannot read the reply of StartProvisioning");
        if (run_id != NULL)
                *run_id = started_run_id;
        return TRUE;
}

gboolean prov_client_cancel(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        reply = client_call_without_arguments(client, "Cancel", error);
        return reply != NULL;
}
