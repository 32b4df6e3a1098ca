/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's signals: one match for all of them, a dispatcher per signal that calls the caller's
 * handler, and the GSource that dispatches the bus and reports the connection's loss. */
#include "provision.h"

#include <string.h>

#include "prov-bus-source.h"
#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

/* ---- Signals: each dispatcher reads one signal's arguments and calls its handler. */

static int dispatch_section_applied(sd_bus_message *message, const ProvSignalHandlers *handlers,
                                    gpointer user_data) {
        const char *section, *version, *how;
        uint64_t run_id;
        int r;

        if (handlers->section_applied == NULL)
                return 0;
        r = sd_bus_message_read(message, "tsss", &run_id, &section, &version, &how);
        if (r >= 0)
                handlers->section_applied(run_id, section, version, how, user_data);
        return r;
}

static int dispatch_progress(sd_bus_message *message, const ProvSignalHandlers *handlers, gpointer user_data) {
        const char *stage, *detail;
        uint64_t run_id;
        uint32_t percent;
        int r;

        if (handlers->progress == NULL)
                return 0;
        r = sd_bus_message_read(message, "tsus", &run_id, &stage, &percent, &detail);
        if (r >= 0)
                handlers->progress(run_id, stage, percent, detail, user_data);
        return r;
}

static int dispatch_failed(sd_bus_message *message, const ProvSignalHandlers *handlers, gpointer user_data) {
        const char *error_name, *error_message;
        uint64_t run_id;
        int r;

        if (handlers->failed == NULL)
                return 0;
        r = sd_bus_message_read(message, "tss", &run_id, &error_name, &error_message);
        if (r >= 0)
                handlers->failed(run_id, error_name, error_message, user_data);
        return r;
}

static int dispatch_finished(sd_bus_message *message, const ProvSignalHandlers *handlers, gpointer user_data) {
        uint64_t run_id;
        uint32_t sections_changed;
        int r;

        if (handlers->finished == NULL)
                return 0;
        r = sd_bus_message_read(message, "tu", &run_id, &sections_changed);
        if (r >= 0)
                handlers->finished(run_id, sections_changed, user_data);
        return r;
}

static const struct {
        const char *member;
        const char *signature;
        int (*dispatch)(sd_bus_message *message, const ProvSignalHandlers *handlers, gpointer user_data);
} signal_dispatchers[] = {
        { "SectionApplied", "tsss", dispatch_section_applied },
        { "Progress", "tsus", dispatch_progress },
        { "Failed", "tss", dispatch_failed },
        { "Finished", "tu", dispatch_finished },
};

static int on_signal(sd_bus_message *message, void *user_data, sd_bus_error *ret_error) {
        ProvClient *client = user_data;

        for (size_t i = 0; i < G_N_ELEMENTS(signal_dispatchers); i++) {
                if (!sd_bus_message_is_signal(message, INTERFACE_NAME, signal_dispatchers[i].member))
                        continue;
                /* Not ours to fail: someone sent a malformed signal. */
                if (sd_bus_message_has_signature(message, signal_dispatchers[i].signature) <= 0 ||
                    signal_dispatchers[i].dispatch(message, &client->handlers, client->handlers_data) < 0)
                        g_debug("ignoring a malformed %s signal", signal_dispatchers[i].member);
                return 0;
        }
        return 0; /* a signal newer than this library */
}

gboolean prov_client_subscribe_sized(ProvClient *client, const ProvSignalHandlers *handlers,
                                     gsize handlers_size, gpointer user_data, GError **error) {
        g_autoptr(sd_bus_slot) slot = NULL;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(handlers != NULL, FALSE);
        /* Whole members only: the struct holds nothing but function pointers. */
        g_return_val_if_fail(handlers_size % sizeof(handlers->finished) == 0, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        /* One match for every signal of the interface (member NULL).
         * Synchronous AddMatch: once this returns, no signal of a later call is missed. */
        r = sd_bus_match_signal(client->bus, &slot, SERVICE_NAME, OBJECT_PATH, INTERFACE_NAME, NULL,
                                on_signal, client);
        if (r < 0)
                return client_fail(error, r, "Cannot subscribe to the daemon's signals");

        sd_bus_slot_unref(client->signal_slot);
        client->signal_slot = g_steal_pointer(&slot);
        /* Members the caller's (older) struct lacks stay NULL; those of a newer one are ignored. */
        memset(&client->handlers, 0, sizeof(client->handlers));
        memcpy(&client->handlers, handlers, MIN(handlers_size, sizeof(client->handlers)));
        client->handlers_data = user_data;
        return TRUE;
}

void client_detach(ProvClient *client) {
        if (client->bus_source == NULL)
                return;
        g_source_destroy(client->bus_source);
        g_clear_pointer(&client->bus_source, g_source_unref);
}

/* The callback of the client's source: the bus source calls it once it cannot
 * process the bus any more, i.e. the connection is gone. */
static gboolean report_disconnected(gpointer user_data) {
        ProvClient *client = user_data;

        if (!client->disconnect_reported && client->handlers.disconnected != NULL) {
                client->disconnect_reported = TRUE;
                client->handlers.disconnected(client->handlers_data);
        }
        return G_SOURCE_REMOVE;
}

void prov_client_attach(ProvClient *client, GMainContext *context) {
        g_return_if_fail(client != NULL);

        client_detach(client);
        /* A closed connection has no fd left to watch: report its loss at once. */
        if (sd_bus_get_fd(client->bus) < 0)
                client->bus_source = g_idle_source_new();
        else
                client->bus_source = prov_bus_source_new(client->bus);
        g_source_set_callback(client->bus_source, report_disconnected, client, NULL);
        g_source_attach(client->bus_source, context);
}
