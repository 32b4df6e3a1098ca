/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Discovery without a run (Discover) and the DHCP change trigger: the engine's part of discovery. */
#include "engine-private.h"

#include "discover.h"
#include "discovery.h"
#include "provision-error.h"
#include "url.h"
#include "xml-parse.h"

/* ---- Discovery without a run; the DHCP change trigger -------------------------------- */

static DiscoveryContext discovery_context(Engine *engine) {
        return (DiscoveryContext){
                .store = engine->store,
                .config = engine->config,
                .device = engine->device,
                .leases = engine->leases,
                .user_agent = engine->user_agent,
        };
}

void engine_set_dhcp_leases(Engine *engine, DhcpLeases *leases) {
        engine->leases = leases;
        /* Options kept from before a restart are not a change. */
        g_free(engine->last_dhcp_url);
        engine->last_dhcp_url = discovery_dhcp_url(leases);
}

/* A boolean of the provisioning section; absent counts as on (the factory defaults). */
/* A source switch (/provisioning/dhcp): on unless it says false, as discovery reads it. */
static gboolean provisioning_enabled(Engine *engine, const char *name) {
        g_autofree char *value = store_get_setting(engine->store, "provisioning", name);

        return value == NULL || !(g_str_equal(value, "false") || g_str_equal(value, "0"));
}

/* /provisioning/active: only true starts an automatic run, as for boot and schedule (triggers.c). */
static gboolean provisioning_active(Engine *engine) {
        g_autofree char *value = store_get_setting(engine->store, "provisioning", "active");

        return xml_boolean_is_true(value);
}

void engine_dhcp_options_changed(Engine *engine) {
        g_autofree char *url = discovery_dhcp_url(engine->leases);
        g_autofree char *redacted = NULL;
        g_autoptr(RunRequest) request = NULL;
        g_autoptr(GError) error = NULL;
        guint64 run_id;

        if (url == NULL || g_strcmp0(url, engine->last_dhcp_url) == 0)
                return;
        g_free(engine->last_dhcp_url);
        engine->last_dhcp_url = g_strdup(url);
        redacted = url_redact(url);
        if (!provisioning_active(engine) || !provisioning_enabled(engine, "dhcp")) {
                g_message("DHCP: new provisioning URL %s; no run: /provisioning/active is not true or "
                          "/provisioning/dhcp is false",
                          redacted);
                return;
        }
        g_message("DHCP: new provisioning URL %s: starting a run", redacted);
        request = run_request_new("dhcp", NULL, RUN_SOURCE_CONFIGURED);
        if (!engine_start_run(engine, request, &run_id, &error))
                g_message("DHCP: no run: %s", error->message);
}

typedef struct {
        Engine *engine;
        GTask *task;
} DiscoverCall;

static void on_discover_done(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        g_autofree DiscoverCall *call = user_data;
        g_autoptr(GTask) task = call->task;
        g_autoptr(GError) error = NULL;
        DiscoveryResult *found = discover_finish(result, &error);

        /* Only engine_free() cancels it: then the engine is gone. */
        if (found != NULL || !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                g_clear_object(&call->engine->discover_cancellable);
        if (found == NULL)
                g_task_return_error(task, g_steal_pointer(&error));
        else
                g_task_return_pointer(task, found, (GDestroyNotify) discovery_result_free);
}

gboolean engine_discover_async(Engine *engine, GAsyncReadyCallback callback, gpointer user_data,
                               GError **error) {
        const DiscoveryContext context = discovery_context(engine);
        DiscoverCall *call;

        if (engine->discover_cancellable != NULL) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_BUSY, "a Discover call is already running");
                return FALSE;
        }
        call = g_new0(DiscoverCall, 1);
        call->engine = engine;
        call->task = g_task_new(NULL, NULL, callback, user_data);
        engine->discover_cancellable = g_cancellable_new();
        discover_async(&engine->config->preconditions, &context, engine->discover_cancellable,
                       on_discover_done, call);
        return TRUE;
}

DiscoveryResult *engine_discover_finish(GAsyncResult *result, GError **error) {
        return g_task_propagate_pointer(G_TASK(result), error);
}
