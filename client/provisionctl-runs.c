/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl history --runs: the daemon's last runs as a table, or as JSON with --json. */
#include <glib.h>
#include <string.h>

#include "provisionctl.h"

#define ERROR_NAME_PREFIX "org.provisiond.Provisioning1.Error."

static char *format_time(guint64 usec_since_epoch) {
        g_autoptr(GDateTime) time = NULL;

        if (usec_since_epoch == 0)
                return g_strdup("-");
        time = g_date_time_new_from_unix_local((gint64) (usec_since_epoch / G_USEC_PER_SEC));
        if (time == NULL)
                return g_strdup_printf("%" G_GUINT64_FORMAT, usec_since_epoch);
        return g_date_time_format(time, "%F %T");
}

/* "success", or "failed: Download" (the error's short name). */
static char *format_result(const ProvRun *run) {
        const char *name = run->error_name;

        if (name[0] == '\0')
                return g_strdup(run->result);
        if (g_str_has_prefix(name, ERROR_NAME_PREFIX))
                name += strlen(ERROR_NAME_PREFIX);
        return g_strdup_printf("%s: %s", run->result, name);
}

static void print_runs_table(GPtrArray *runs) {
        if (runs->len == 0) {
                g_print("No runs yet.\n");
                return;
        }
        g_print("%5s  %-19s  %-10s  %-10s  %-28s  %5s  %4s  %10s  %4s  %8s  %s\n", "#", "STARTED", "TRIGGER",
                "SOURCE", "RESULT", "FILES", "304", "BYTES", "HTTP", "SECONDS", "URL");
        for (guint i = 0; i < runs->len; i++) {
                const ProvRun *run = g_ptr_array_index(runs, i);
                g_autofree char *started = format_time(run->started);
                g_autofree char *result = format_result(run);

                g_print("%5" G_GUINT64_FORMAT "  %-19s  %-10s  %-10s  %-28s  %5u  %4u  %10" G_GUINT64_FORMAT
                        "  %4u  %8.3f  %s\n",
                        run->number, started, run->trigger, run->source, result, run->files,
                        run->not_modified, run->bytes, run->http_status,
                        (double) run->duration / G_USEC_PER_SEC, run->url[0] != '\0' ? run->url : "-");
        }
}

/* [{"number": N, "RunId": …, …}, …]: the bus' keys as they are. */
static void print_runs_json(GPtrArray *runs) {
        g_autoptr(GString) json = g_string_new("[");

        for (guint i = 0; i < runs->len; i++) {
                const ProvRun *run = g_ptr_array_index(runs, i);
                GVariantIter iter;
                const char *key;
                GVariant *value;

                g_string_append_printf(json, "%s\n  {\"number\": %" G_GUINT64_FORMAT, i == 0 ? "" : ",",
                                       run->number);
                g_variant_iter_init(&iter, run->raw);
                while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                        g_string_append(json, ", ");
                        append_json_string(json, key);
                        g_string_append(json, ": ");
                        append_json_value(json, value);
                }
                g_string_append(json, "}");
        }
        g_string_append(json, runs->len > 0 ? "\n]\n" : "]\n");
        print_raw(json->str);
}

int command_history_runs(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) runs = prov_client_list_runs(client, &error);

        if (runs == NULL)
                return report_error(error);
        if (arg_json)
                print_runs_json(runs);
        else
                print_runs_table(runs);
        return EXIT_OK;
}
