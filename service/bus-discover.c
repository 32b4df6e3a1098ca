/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-discover.h"

#include <errno.h>
#include <glib.h>

#include "bus-error.h"
#include "bus-service.h"
#include "prov-sd-bus-cleanup.h"
#include "bus-reply.h"
#include "provision-error.h"
#include "text-limit.h"
#include "url.h"

static int append_findings(sd_bus_message *reply, char **findings) {
        int r = sd_bus_message_open_container(reply, 'a', "{ss}");

        for (gsize i = 0; r >= 0 && findings[i] != NULL && findings[i + 1] != NULL; i += 2) {
                g_autofree char *shown = text_limit(findings[i + 1], TEXT_LIMIT_BYTES);
                r = sd_bus_message_append(reply, "{ss}", findings[i], shown);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int reply_result(sd_bus_message *message, const DiscoveryResult *result) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autofree char *url = result->url != NULL ? url_redact(result->url) : g_strdup("");
        const char *source = result->url != NULL ? run_source_name(result->source) : "";
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ss", source, url);
        if (r >= 0)
                r = append_findings(reply, result->findings);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static void on_discovered(GObject *source_object, GAsyncResult *async_result, gpointer user_data) {
        g_autoptr(sd_bus_message) message = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(DiscoveryResult) result = engine_discover_finish(async_result, &error);
        int r;

        if (result == NULL) {
                g_auto(sd_bus_error) bus_error = SD_BUS_ERROR_NULL;

                g_message("Discover: %s", error->message);
                bus_error_set_from_gerror(&bus_error, error);
                r = sd_bus_reply_method_error(message, &bus_error);
        } else {
                r = reply_result(message, result);
        }
        if (r < 0)
                g_message("Discover: cannot reply: %s", g_strerror(-r));
}

static int method_discover(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        g_autoptr(GError) local_error = NULL;
        int r;

        r = bus_read_no_options(message, &local_error);
        if (local_error != NULL)
                return bus_error_set_from_gerror(error, local_error);
        if (r < 0)
                return r;
        if (!engine_discover_async(userdata, on_discovered, sd_bus_message_ref(message), &local_error)) {
                sd_bus_message_unref(message);
                return bus_error_set_from_gerror(error, local_error);
        }
        return 1;
}

static const sd_bus_vtable discover_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("Discover", "a{sv}", SD_BUS_PARAM(options), "ssa{ss}",
                                 SD_BUS_PARAM(source) SD_BUS_PARAM(url) SD_BUS_PARAM(findings),
                                 method_discover, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_discover_add(sd_bus *bus, Engine *engine, sd_bus_slot **ret_slot) {
        return sd_bus_add_object_vtable(bus, ret_slot, BUS_PATH, BUS_INTERFACE, discover_vtable, engine);
}
