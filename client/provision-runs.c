/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The run history: prov_client_list_runs() (ListRuns' a(ta{sv}) into ProvRun) and
 * prov_client_get_source_stats() (the SourceStats property). */
#include "provision.h"

#include <errno.h>

#include "prov-sd-bus-cleanup.h"
#include "provision-client-private.h"

/* Missing keys get the neutral values the header documents. */
static ProvRun *run_new_from_entry(GVariant *entry) {
        ProvRun *run = g_new0(ProvRun, 1);
        GVariant *dictionary = NULL;

        g_variant_get(entry, "(t@a{sv})", &run->number, &dictionary);
        run->raw = dictionary;
        run->run_id = client_lookup_uint64(dictionary, "RunId");
        run->trigger = client_lookup_string(dictionary, "Trigger");
        run->source = client_lookup_string(dictionary, "Source");
        run->url = client_lookup_string(dictionary, "Url");
        run->result = client_lookup_string(dictionary, "Result");
        run->error_name = client_lookup_string(dictionary, "Error");
        run->files = client_lookup_uint32(dictionary, "Files");
        run->not_modified = client_lookup_uint32(dictionary, "NotModified");
        run->http_status = client_lookup_uint32(dictionary, "HttpStatus");
        run->sections_changed = client_lookup_uint32(dictionary, "SectionsChanged");
        run->bytes = client_lookup_uint64(dictionary, "Bytes");
        run->started = client_lookup_uint64(dictionary, "Started");
        run->duration = client_lookup_uint64(dictionary, "Duration");
        return run;
}

GPtrArray *prov_client_list_runs(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) reply = NULL;
        g_autoptr(GVariant) entries = NULL;
        g_autoptr(GPtrArray) runs = NULL;
        GVariant *read = NULL;
        GVariantIter iter;
        GVariant *entry;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        reply = client_call_without_arguments(client, "ListRuns", error);
        if (reply == NULL)
                return NULL;
        r = sd_bus_message_has_signature(reply, "a(ta{sv})") > 0 ? client_read_value(reply, &read) : -EBADMSG;
        if (r < 0) {
                client_fail(error, r, "Cannot read the reply of ListRuns");
                return NULL;
        }
        entries = read; /* a new reference */
        runs = g_ptr_array_new_with_free_func((GDestroyNotify) prov_run_free);
        g_variant_iter_init(&iter, entries);
        while ((entry = g_variant_iter_next_value(&iter)) != NULL) {
                g_ptr_array_add(runs, run_new_from_entry(entry));
                g_variant_unref(entry);
        }
        return g_steal_pointer(&runs);
}

GVariant *prov_client_get_source_stats(ProvClient *client, GError **error) {
        g_autoptr(sd_bus_message) request = NULL;
        g_autoptr(sd_bus_message) reply = NULL;
        GVariant *stats = NULL;
        int r;

        g_return_val_if_fail(client != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        request = client_new_property_get(client, "SourceStats", error);
        if (request == NULL)
                return NULL;
        reply = client_call(client, request, error);
        if (reply == NULL)
                return NULL;
        r = sd_bus_message_enter_container(reply, 'v', "a{sa{sv}}");
        if (r == 0)
                r = -EBADMSG; /* not a variant of that type */
        if (r > 0)
                r = client_read_value(reply, &stats);
        if (r < 0) {
                client_fail(error, r, "Cannot read the SourceStats property");
                return NULL;
        }
        return stats;
}

void prov_run_free(ProvRun *run) {
        if (run == NULL)
                return;
        g_free(run->trigger);
        g_free(run->source);
        g_free(run->url);
        g_free(run->result);
        g_free(run->error_name);
        g_clear_pointer(&run->raw, g_variant_unref);
        g_free(run);
}
