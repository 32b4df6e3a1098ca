/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "run-history.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "provision-error.h"
#include "run-request.h"
#include "store.h"

#define GROUP_HISTORY "History"
#define GROUP_SOURCE_PREFIX "Source "
#define GROUP_RUN_PREFIX "Run "

struct RunHistory {
        char *path; /* NULL: not kept on disk (the directory could not be made) */
        guint max_runs;
        guint64 next_number;
        GPtrArray *runs;    /* RunRecord*, oldest first */
        GPtrArray *sources; /* SourceStats* */
};

void run_record_free(RunRecord *record) {
        if (record == NULL)
                return;
        g_free(record->trigger);
        g_free(record->source);
        g_free(record->url);
        g_free(record->result);
        g_free(record->error_name);
        g_free(record);
}

static void source_stats_free(SourceStats *stats) {
        g_free(stats->source);
        g_free(stats->last_result);
        g_free(stats->last_url);
        g_free(stats);
}

static SourceStats *find_source(RunHistory *history, const char *name) {
        SourceStats *stats;

        for (guint i = 0; i < history->sources->len; i++) {
                stats = g_ptr_array_index(history->sources, i);
                if (g_str_equal(stats->source, name))
                        return stats;
        }
        stats = g_new0(SourceStats, 1);
        stats->source = g_strdup(name);
        stats->last_result = g_strdup("none");
        stats->last_url = g_strdup("");
        g_ptr_array_add(history->sources, stats);
        return stats;
}

/* ---- The file ----------------------------------------------------------------- */

static char *get_string(GKeyFile *file, const char *group, const char *key, const char *fallback) {
        char *value = g_key_file_get_string(file, group, key, NULL);

        return value != NULL ? value : g_strdup(fallback);
}

static guint64 get_number(GKeyFile *file, const char *group, const char *key) {
        return g_key_file_get_uint64(file, group, key, NULL);
}

static void load_source(RunHistory *history, GKeyFile *file, const char *group) {
        SourceStats *stats = find_source(history, group + strlen(GROUP_SOURCE_PREFIX));

        stats->runs = get_number(file, group, "Runs");
        stats->successes = get_number(file, group, "Successes");
        stats->failures = get_number(file, group, "Failures");
        g_free(stats->last_result);
        stats->last_result = get_string(file, group, "LastResult", "none");
        stats->last_http_status = (guint) MIN(get_number(file, group, "LastHttpStatus"), G_MAXUINT);
        g_free(stats->last_url);
        stats->last_url = get_string(file, group, "LastUrl", "");
        stats->last_run = get_number(file, group, "LastRun");
}

static RunRecord *load_run(GKeyFile *file, const char *group) {
        RunRecord *record = g_new0(RunRecord, 1);

        record->number = g_ascii_strtoull(group + strlen(GROUP_RUN_PREFIX), NULL, 10);
        record->run_id = get_number(file, group, "RunId");
        record->trigger = get_string(file, group, "Trigger", "");
        record->source = get_string(file, group, "Source", "");
        record->url = get_string(file, group, "Url", "");
        record->result = get_string(file, group, "Result", "");
        record->error_name = get_string(file, group, "Error", "");
        record->files = (guint) MIN(get_number(file, group, "Files"), G_MAXUINT);
        record->bytes = get_number(file, group, "Bytes");
        record->not_modified = (guint) MIN(get_number(file, group, "NotModified"), G_MAXUINT);
        record->http_status = (guint) MIN(get_number(file, group, "HttpStatus"), G_MAXUINT);
        record->sections_changed = (guint) MIN(get_number(file, group, "SectionsChanged"), G_MAXUINT);
        record->started = get_number(file, group, "Started");
        record->duration = get_number(file, group, "Duration");
        return record;
}

static gint compare_runs(gconstpointer a, gconstpointer b) {
        const RunRecord *first = *(const RunRecord *const *) a;
        const RunRecord *second = *(const RunRecord *const *) b;

        return first->number < second->number ? -1 : first->number > second->number;
}

static void trim_runs(RunHistory *history) {
        if (history->runs->len > history->max_runs)
                g_ptr_array_remove_range(history->runs, 0, history->runs->len - history->max_runs);
}

static void load(RunHistory *history) {
        g_autoptr(GKeyFile) file = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) groups = NULL;

        if (!g_key_file_load_from_file(file, history->path, G_KEY_FILE_NONE, &error)) {
                if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        g_warning("run history: %s: %s (starting an empty one)", history->path,
                                  error->message);
                return;
        }
        history->next_number = MAX(get_number(file, GROUP_HISTORY, "NextNumber"), 1);
        groups = g_key_file_get_groups(file, NULL);
        for (gsize i = 0; groups[i] != NULL; i++) {
                if (g_str_has_prefix(groups[i], GROUP_SOURCE_PREFIX))
                        load_source(history, file, groups[i]);
                else if (g_str_has_prefix(groups[i], GROUP_RUN_PREFIX))
                        g_ptr_array_add(history->runs, load_run(file, groups[i]));
        }
        g_ptr_array_sort(history->runs, compare_runs);
        trim_runs(history);
        for (guint i = 0; i < history->runs->len; i++) {
                const RunRecord *record = g_ptr_array_index(history->runs, i);
                history->next_number = MAX(history->next_number, record->number + 1);
        }
}

static void save_source(GKeyFile *file, const SourceStats *stats) {
        g_autofree char *group = g_strconcat(GROUP_SOURCE_PREFIX, stats->source, NULL);

        if (stats->runs == 0)
                return;
        g_key_file_set_uint64(file, group, "Runs", stats->runs);
        g_key_file_set_uint64(file, group, "Successes", stats->successes);
        g_key_file_set_uint64(file, group, "Failures", stats->failures);
        g_key_file_set_string(file, group, "LastResult", stats->last_result);
        g_key_file_set_uint64(file, group, "LastHttpStatus", stats->last_http_status);
        g_key_file_set_string(file, group, "LastUrl", stats->last_url);
        g_key_file_set_uint64(file, group, "LastRun", stats->last_run);
}

static void save_run(GKeyFile *file, const RunRecord *record) {
        g_autofree char *group = g_strdup_printf(GROUP_RUN_PREFIX "%" G_GUINT64_FORMAT, record->number);

        g_key_file_set_uint64(file, group, "RunId", record->run_id);
        g_key_file_set_string(file, group, "Trigger", record->trigger);
        g_key_file_set_string(file, group, "Source", record->source);
        g_key_file_set_string(file, group, "Url", record->url);
        g_key_file_set_string(file, group, "Result", record->result);
        g_key_file_set_string(file, group, "Error", record->error_name);
        g_key_file_set_uint64(file, group, "Files", record->files);
        g_key_file_set_uint64(file, group, "Bytes", record->bytes);
        g_key_file_set_uint64(file, group, "NotModified", record->not_modified);
        g_key_file_set_uint64(file, group, "HttpStatus", record->http_status);
        g_key_file_set_uint64(file, group, "SectionsChanged", record->sections_changed);
        g_key_file_set_uint64(file, group, "Started", record->started);
        g_key_file_set_uint64(file, group, "Duration", record->duration);
}

static void save(const RunHistory *history) {
        g_autoptr(GKeyFile) file = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *data = NULL;
        gsize length = 0;

        if (history->path == NULL)
                return;
        g_key_file_set_comment(file, NULL, NULL,
                               " provisiond's run history (ListRuns, SourceStats); URLs redacted", NULL);
        g_key_file_set_uint64(file, GROUP_HISTORY, "NextNumber", history->next_number);
        for (guint i = 0; i < history->sources->len; i++)
                save_source(file, g_ptr_array_index(history->sources, i));
        for (guint i = 0; i < history->runs->len; i++)
                save_run(file, g_ptr_array_index(history->runs, i));
        data = g_key_file_to_data(file, &length, NULL);
        if (!store_write_file_atomic(history->path, data, length, &error))
                g_warning("run history: %s", error->message);
}

RunHistory *run_history_open(const char *state_dir, guint max_runs) {
        RunHistory *history = g_new0(RunHistory, 1);
        g_autofree char *directory = g_build_filename(state_dir, RUN_HISTORY_SUBDIR, NULL);

        history->max_runs = MAX(max_runs, 1);
        history->next_number = 1;
        history->runs = g_ptr_array_new_with_free_func((GDestroyNotify) run_record_free);
        history->sources = g_ptr_array_new_with_free_func((GDestroyNotify) source_stats_free);
        /* Every source of a URL (run-request.h), in its order; RUN_SOURCE_CHECK_SYNC is the last. */
        for (RunSource source = RUN_SOURCE_MANUAL; source <= RUN_SOURCE_CHECK_SYNC; source++)
                find_source(history, run_source_name(source));
        if (g_mkdir_with_parents(directory, 0700) < 0) {
                g_warning("run history: cannot create %s: %s (kept in memory only)", directory,
                          g_strerror(errno));
                return history;
        }
        history->path = g_build_filename(directory, RUN_HISTORY_FILE, NULL);
        load(history);
        return history;
}

void run_history_free(RunHistory *history) {
        if (history == NULL)
                return;
        g_free(history->path);
        g_clear_pointer(&history->runs, g_ptr_array_unref);
        g_clear_pointer(&history->sources, g_ptr_array_unref);
        g_free(history);
}

/* ---- Recording ---------------------------------------------------------------- */

static guint count_not_modified(GPtrArray *files) {
        guint count = 0;

        for (guint i = 0; files != NULL && i < files->len; i++)
                if (((const DownloadedFile *) g_ptr_array_index(files, i))->status == 304)
                        count++;
        return count;
}

static const char *result_of(const GError *failure) {
        if (failure == NULL)
                return "success";
        return g_error_matches(failure, PROV_ERROR, PROV_ERROR_CANCELLED) ? "cancelled" : "failed";
}

static void count_in_source(RunHistory *history, const RunRecord *record, guint64 ended) {
        SourceStats *stats = find_source(history, record->source);

        stats->runs++;
        if (g_str_equal(record->result, "success"))
                stats->successes++;
        else
                stats->failures++;
        g_free(stats->last_result);
        stats->last_result = g_strdup(record->result);
        stats->last_http_status = record->http_status;
        g_free(stats->last_url);
        stats->last_url = g_strdup(record->url);
        stats->last_run = ended;
}

void run_history_record_run(RunHistory *history, Run *run, const Status *status, const GError *failure,
                            guint sections_changed) {
        RunRecord *record = g_new0(RunRecord, 1);
        guint64 now = (guint64) g_get_real_time();

        record->number = history->next_number++;
        record->run_id = status->run_id;
        record->trigger = g_strdup(status->trigger);
        /* As the status shows it: the source the discovery resolved; "" when no source found a URL. */
        record->source = g_strdup(status->source != NULL ? status->source : "");
        record->url = g_strdup(status->url);
        record->result = g_strdup(result_of(failure));
        record->error_name = g_strdup(failure != NULL ? prov_error_get_dbus_name(failure) : "");
        record->files = (guint) MIN(status->files_fetched, G_MAXUINT);
        record->bytes = status->bytes_fetched;
        record->not_modified = count_not_modified(run_get_files(run));
        record->http_status = run_get_last_http_status(run);
        record->sections_changed = sections_changed;
        record->started = status->last_run_started;
        record->duration = now > status->last_run_started ? now - status->last_run_started : 0;
        if (record->source[0] != '\0')
                count_in_source(history, record, now);
        g_ptr_array_add(history->runs, record);
        trim_runs(history);
        save(history);
}

GPtrArray *run_history_get_runs(const RunHistory *history) {
        return history->runs;
}

GPtrArray *run_history_get_sources(const RunHistory *history) {
        return history->sources;
}
