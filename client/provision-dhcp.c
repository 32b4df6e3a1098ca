/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libprovision: handing a DHCP client's options to the daemon (SetDhcpOptions). */
#include <glib.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"
#include "provision.h"

static gint compare_codes(gconstpointer a, gconstpointer b) {
        return (gint) GPOINTER_TO_UINT(a) - (gint) GPOINTER_TO_UINT(b);
}

/* Appends the a{ys}, in code order. */
static int append_options(sd_bus_message *request, GHashTable *options) {
        g_autoptr(GList)
                codes = options != NULL ? g_list_sort(g_hash_table_get_keys(options), compare_codes) : NULL;
        int r = sd_bus_message_open_container(request, 'a', "{ys}");

        for (GList *code = codes; r >= 0 && code != NULL; code = code->next)
                r = sd_bus_message_append(request, "{ys}", (guint8) GPOINTER_TO_UINT(code->data),
                                          (const char *) g_hash_table_lookup(options, code->data));
        if (r < 0)
                return r;
        return sd_bus_message_close_container(request);
}

gboolean prov_client_set_dhcp_options(ProvClient *client, const char *interface, GHashTable *options,
                                      GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        g_return_val_if_fail(client != NULL, FALSE);
        g_return_val_if_fail(interface != NULL, FALSE);
        g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

        request = client_new_method_call(client, "SetDhcpOptions", error);
        if (request == NULL)
                return FALSE;
        r = sd_bus_message_append(request, "s", interface);
        if (r >= 0)
                r = append_options(request, options);
        if (r < 0)
                return client_fail(error, r, "Cannot append the arguments of SetDhcpOptions");
        reply = client_call(client, request, error);
        return reply != NULL;
}
