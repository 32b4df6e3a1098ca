/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libprovision: Discover, what a run without a URL would find. */
#include <glib.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"
#include "provision.h"

/* The daemon waits for the preconditions (120 s by default) and the multicast answer (5 s). */
#define DISCOVER_TIMEOUT_USEC (600 * G_USEC_PER_SEC)

static int read_findings(sd_bus_message *reply, char ***ret) {
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
        const char *name, *text;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "{ss}", &name, &text)) > 0) {
                g_strv_builder_add(builder, name);
                g_strv_builder_add(builder, text);
        }
        if (r < 0)
                return r;
        *ret = g_strv_builder_end(builder);
        return sd_bus_message_exit_container(reply);
}

ProvDiscovery *prov_client_discover(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(ProvDiscovery) discovery = NULL;
        const char *source, *url;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        request = client_new_method_call(client, "Discover", error);
        if (request == NULL)
                return NULL;
        r = sd_bus_message_append(request, "a{sv}", 0);
        if (r < 0) {
                client_fail(error, r, "Cannot append the arguments of Discover");
                return NULL;
        }
        reply = client_call_with_timeout(client, request, DISCOVER_TIMEOUT_USEC, error);
        if (reply == NULL)
                return NULL;
        discovery = g_new0(ProvDiscovery, 1);
        r = sd_bus_message_read(reply, "ss", &source, &url);
        if (r >= 0) {
                discovery->source = g_strdup(source);
                discovery->url = g_strdup(url);
                r = read_findings(reply, &discovery->findings);
        }
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of Discover");
                return NULL;
        }
        return g_steal_pointer(&discovery);
}

void prov_discovery_free(ProvDiscovery *discovery) {
        if (discovery == NULL)
                return;
        g_free(discovery->source);
        g_free(discovery->url);
        g_strfreev(discovery->findings);
        g_free(discovery);
}
