/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-history.h"

#include <glib.h>

#include "prov-sd-bus-cleanup.h"

static int append_entry(sd_bus_message *reply, const char *key, const char *signature, ...) {
        va_list args;
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', signature);
        if (r >= 0) {
                va_start(args, signature);
                r = sd_bus_message_appendv(reply, signature, args);
                va_end(args);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int append_source(sd_bus_message *reply, const SourceStats *stats) {
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sa{sv}");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", stats->source);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = append_entry(reply, "Runs", "t", stats->runs);
        if (r >= 0)
                r = append_entry(reply, "Successes", "t", stats->successes);
        if (r >= 0)
                r = append_entry(reply, "Failures", "t", stats->failures);
        if (r >= 0)
                r = append_entry(reply, "LastResult", "s", stats->last_result);
        if (r >= 0)
                r = append_entry(reply, "LastHttpStatus", "u", (uint32_t) stats->last_http_status);
        if (r >= 0)
                r = append_entry(reply, "LastUrl", "s", stats->last_url);
        if (r >= 0)
                r = append_entry(reply, "LastRun", "t", stats->last_run);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_history_append_source_stats(sd_bus_message *reply, const Engine *engine) {
        GPtrArray *sources = run_history_get_sources(engine_get_run_history(engine));
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sa{sv}}");
        for (guint i = 0; r >= 0 && i < sources->len; i++)
                r = append_source(reply, g_ptr_array_index(sources, i));
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int append_run_details(sd_bus_message *reply, const RunRecord *run) {
        int r;

        r = append_entry(reply, "RunId", "t", run->run_id);
        if (r >= 0)
                r = append_entry(reply, "Trigger", "s", run->trigger);
        if (r >= 0)
                r = append_entry(reply, "Source", "s", run->source);
        if (r >= 0)
                r = append_entry(reply, "Url", "s", run->url);
        if (r >= 0)
                r = append_entry(reply, "Result", "s", run->result);
        if (r >= 0)
                r = append_entry(reply, "Error", "s", run->error_name);
        if (r >= 0)
                r = append_entry(reply, "Files", "u", (uint32_t) run->files);
        if (r >= 0)
                r = append_entry(reply, "NotModified", "u", (uint32_t) run->not_modified);
        if (r >= 0)
                r = append_entry(reply, "HttpStatus", "u", (uint32_t) run->http_status);
        if (r >= 0)
                r = append_entry(reply, "SectionsChanged", "u", (uint32_t) run->sections_changed);
        if (r >= 0)
                r = append_entry(reply, "Bytes", "t", run->bytes);
        if (r >= 0)
                r = append_entry(reply, "Started", "t", run->started);
        if (r >= 0)
                r = append_entry(reply, "Duration", "t", run->duration);
        return r;
}

static int append_run(sd_bus_message *reply, const RunRecord *run) {
        int r;

        r = sd_bus_message_open_container(reply, 'r', "ta{sv}");
        if (r >= 0)
                r = sd_bus_message_append(reply, "t", run->number);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = append_run_details(reply, run);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_history_method_list_runs(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        GPtrArray *runs = run_history_get_runs(engine_get_run_history(userdata));
        g_autoptr(sd_bus_message) reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ta{sv})");
        for (guint i = 0; r >= 0 && i < runs->len; i++)
                r = append_run(reply, g_ptr_array_index(runs, i));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
