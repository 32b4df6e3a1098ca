/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl status: the daemon's status as aligned lines, or as JSON with --json. */
#include <glib.h>

#include "provisionctl.h"

static char *format_timestamp(guint64 usec_since_epoch) {
        g_autoptr(GDateTime) time = NULL;

        if (usec_since_epoch == 0)
                return g_strdup("never");
        time = g_date_time_new_from_unix_local((gint64) (usec_since_epoch / G_USEC_PER_SEC));
        if (time == NULL)
                return g_strdup_printf("%" G_GUINT64_FORMAT " µs since the epoch", usec_since_epoch);
        return g_date_time_format(time, "%FT%T%:z");
}

#define LABEL_FORMAT "%19s: "

static const char *string_or_none(const char *value) {
        return value[0] != '\0' ? value : "none";
}

/* The active run, or the last one. */
static void print_run_lines(const ProvStatus *status) {
        if (status->run_id == 0)
                g_print(LABEL_FORMAT "none\n", "Run id");
        else
                g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Run id", status->run_id);
        g_print(LABEL_FORMAT "%s\n", "Trigger", string_or_none(status->trigger));
        g_print(LABEL_FORMAT "%s\n", "Url", string_or_none(status->url));
        g_print(LABEL_FORMAT "%s\n", "Source", string_or_none(status->source));
        /* What each source found, one line each under the label. */
        for (size_t i = 0; status->discovery[i] != NULL && status->discovery[i + 1] != NULL; i += 2)
                g_print(i == 0 ? LABEL_FORMAT "%s: %s\n" : "%21s%s: %s\n", i == 0 ? "Discovery" : "",
                        status->discovery[i], status->discovery[i + 1]);
        g_print(LABEL_FORMAT "%u%%\n", "Progress", status->progress);
        g_print(LABEL_FORMAT "%u\n", "Files fetched", status->files_fetched);
        g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Bytes fetched", status->bytes_fetched);
}

/* "2026-12-01 03:41 (schedule)", "… (retry)" when a failed automatic run is retried first, or "none". */
static char *format_next_run(const ProvStatus *status) {
        g_autoptr(GDateTime) time = NULL;
        g_autofree char *shown = NULL;
        /* A retry is due before the schedule; the status has no separate field for it, the last result tells. */
        gboolean retry = g_str_equal(status->last_result, "failed") &&
                         (g_str_equal(status->trigger, "boot") || g_str_equal(status->trigger, "schedule"));

        if (status->next_run == 0)
                return g_strdup("none");
        time = g_date_time_new_from_unix_local((gint64) (status->next_run / G_USEC_PER_SEC));
        shown = time != NULL ? g_date_time_format(time, "%F %H:%M") : NULL;
        if (shown == NULL)
                return g_strdup_printf("%" G_GUINT64_FORMAT " µs since the epoch", status->next_run);
        return g_strdup_printf("%s (%s)", shown, retry ? "retry" : "schedule");
}

static void print_run_times(const ProvStatus *status) {
        g_autofree char *last_run_started = format_timestamp(status->last_run_started);
        g_autofree char *last_run_finished = format_timestamp(status->last_run_finished);
        g_autofree char *last_success = format_timestamp(status->last_success);

        g_print(LABEL_FORMAT "%s\n", "Last run started", last_run_started);
        g_print(LABEL_FORMAT "%s\n", "Last run finished", last_run_finished);
        g_print(LABEL_FORMAT "%s\n", "Last success", last_success);
}

static void print_next_run(const ProvStatus *status) {
        g_autofree char *next_run = format_next_run(status);

        g_print(LABEL_FORMAT "%s\n", "Next run", next_run);
}

/* "accepted from 10.0.0.1 at TIME: run 3 started", "refused from … at TIME: NotAllowed: …", or "none". */
static void print_check_sync_line(const ProvStatus *status) {
        g_autofree char *when = NULL;

        if (status->last_check_sync_time == 0) {
                g_print(LABEL_FORMAT "none\n", "Last check-sync");
                return;
        }
        when = format_timestamp(status->last_check_sync_time);
        g_print(LABEL_FORMAT "%s from %s at %s: %s\n", "Last check-sync",
                status->last_check_sync_accepted ? "accepted" : "refused", status->last_check_sync_sender, when,
                status->last_check_sync_reason);
}

/* "3 runs, 2 succeeded, 1 failed; last failed (HTTP 404) from URL" */
static char *describe_source(GVariant *stats) {
        g_autoptr(GString) text = g_string_new(NULL);
        guint64 runs = 0, successes = 0, failures = 0;
        const char *last_result = "none";
        const char *last_url = "";
        guint32 last_status = 0;

        g_variant_lookup(stats, "Runs", "t", &runs);
        g_variant_lookup(stats, "Successes", "t", &successes);
        g_variant_lookup(stats, "Failures", "t", &failures);
        g_variant_lookup(stats, "LastResult", "&s", &last_result);
        g_variant_lookup(stats, "LastHttpStatus", "u", &last_status);
        g_variant_lookup(stats, "LastUrl", "&s", &last_url);
        g_string_printf(text, "%" G_GUINT64_FORMAT " run%s, %" G_GUINT64_FORMAT " succeeded, %" G_GUINT64_FORMAT
                        " failed; last %s",
                        runs, runs == 1 ? "" : "s", successes, failures, last_result);
        if (last_status != 0)
                g_string_append_printf(text, " (HTTP %u)", last_status);
        if (last_url[0] != '\0')
                g_string_append_printf(text, " from %s", last_url);
        return g_string_free(g_steal_pointer(&text), FALSE);
}

/* One line per URL source that had a run, in words; @source_stats: the SourceStats property. */
static void print_source_lines(GVariant *source_stats) {
        GVariantIter iter;
        const char *source;
        GVariant *stats;
        gboolean any = FALSE;

        g_variant_iter_init(&iter, source_stats);
        while (g_variant_iter_loop(&iter, "{&s@a{sv}}", &source, &stats)) {
                guint64 runs = 0;
                g_autofree char *description = NULL;
                g_autofree char *line = NULL;

                if (!g_variant_lookup(stats, "Runs", "t", &runs) || runs == 0)
                        continue;
                description = describe_source(stats);
                line = g_strdup_printf("%s: %s", source, description);
                if (!any)
                        g_print(LABEL_FORMAT "%s\n", "Runs by source", line);
                else
                        g_print("%21s%s\n", "", line);
                any = TRUE;
        }
        if (!any)
                g_print(LABEL_FORMAT "none yet\n", "Runs by source");
}

static void print_status_lines(const ProvStatus *status, GVariant *source_stats) {
        g_autofree char *last_change = format_timestamp(status->last_change);

        g_print(LABEL_FORMAT "%s\n", "State", status->state);
        print_run_lines(status);
        g_print(LABEL_FORMAT "%s\n", "Last result", status->last_result);
        if (status->last_error_name[0] == '\0')
                g_print(LABEL_FORMAT "none\n", "Last error");
        else
                g_print(LABEL_FORMAT "%s: %s\n", "Last error", status->last_error_name,
                        status->last_error_message);
        if (status->last_warnings[0] == NULL)
                g_print(LABEL_FORMAT "none\n", "Warnings");
        for (size_t i = 0; status->last_warnings[i] != NULL; i++)
                if (i == 0)
                        g_print(LABEL_FORMAT "%s\n", "Warnings", status->last_warnings[i]);
                else
                        g_print("%21s%s\n", "", status->last_warnings[i]); /* under the first one */
        print_run_times(status);
        g_print(LABEL_FORMAT "%s\n", "Last change", last_change);
        g_print(LABEL_FORMAT "%" G_GUINT64_FORMAT "\n", "Settings generation", status->settings_generation);
        print_next_run(status);
        print_check_sync_line(status);
        print_source_lines(source_stats);
}

/* GetStatus' keys, then SourceStats (a property, not part of GetStatus). */
static void print_status_json(const ProvStatus *status, GVariant *source_stats) {
        g_autoptr(GString) json = g_string_new("{");
        GVariantIter iter;
        const char *key;
        GVariant *value;
        gboolean first = TRUE;

        g_variant_iter_init(&iter, status->raw);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                g_string_append(json, first ? "\n  " : ",\n  ");
                append_json_string(json, key);
                g_string_append(json, ": ");
                append_json_value(json, value);
                first = FALSE;
        }
        g_string_append(json, first ? "\n  " : ",\n  ");
        append_json_string(json, "SourceStats");
        g_string_append(json, ": ");
        append_json_value(json, source_stats);
        g_string_append(json, "\n}\n");
        print_raw(json->str);
}

int command_status(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);
        g_autoptr(GVariant) source_stats = NULL;

        if (status == NULL)
                return report_error(error);
        source_stats = prov_client_get_source_stats(client, &error);
        if (source_stats == NULL)
                return report_error(error);
        if (arg_json)
                print_status_json(status, source_stats);
        else
                print_status_lines(status, source_stats);
        return EXIT_OK;
}
