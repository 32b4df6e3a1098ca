/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "run.h"

#include "download.h"
#include "progress.h"
#include "url.h"
#include "working-copy.h"

/* Where each stage of a run starts, in percent of the whole run. */
#define PERCENT_DOWNLOAD_SHARE 70
#define PERCENT_APPLYING 75
#define PERCENT_COMMITTING 90

struct Run {
        RunRequest *request;
        char *url; /* the start URL as given or configured, or NULL */
        Store *store;
        const SchemaSet *schemas;
        Download *download;
        ProgressTracker progress;
        CommitInfo *commit_info; /* recorded with the generation the run commits */

        RunCallbacks callbacks;
        gpointer user_data;
};

static void report_progress(Run *run, const char *stage, guint percent, const char *detail) {
        if (!progress_tracker_update(&run->progress, stage, percent, g_get_monotonic_time()))
                return;
        run->callbacks.progress(run, stage, run->progress.percent, detail, run->user_data);
}

static void fail(Run *run, const GError *error, GPtrArray *warnings) {
        g_autoptr(GPtrArray) no_warnings = g_ptr_array_new();

        run->callbacks.failed(run, error, warnings != NULL ? warnings : no_warnings, run->user_data);
}

static void on_downloading(Download *download, guint percent, const char *detail, gpointer user_data) {
        report_progress(user_data, PROGRESS_STAGE_DOWNLOADING, percent * PERCENT_DOWNLOAD_SHARE / 100, detail);
}

static void on_fetched(Download *download, guint64 bytes, gpointer user_data) {
        Run *run = user_data;

        run->callbacks.fetched(run, bytes, run->user_data);
}

static char *describe_applied(GPtrArray *documents, const ApplyResult *result) {
        g_autoptr(GString) detail = g_string_new(NULL);

        g_string_printf(detail, "%u document(s) applied", documents->len);
        for (guint i = 0; i < result->discarded->len; i++)
                g_string_append_printf(detail, "; discarded %s",
                                       (const char *) g_ptr_array_index(result->discarded, i));
        return g_string_free(g_steal_pointer(&detail), FALSE);
}

/* Everything is downloaded: one working copy of the settings as they are now, committed once. */
static void on_downloaded(Download *download, GPtrArray *documents, gpointer user_data) {
        Run *run = user_data;
        g_autoptr(WorkingCopy) copy = working_copy_new(run->store, run->schemas);
        const ApplyResult *result = working_copy_get_result(copy);
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;
        g_autofree char *detail = NULL;

        working_copy_set_commit_info(copy, run->commit_info);
        if (!working_copy_apply_all(copy, documents, &error)) {
                fail(run, error, result->warnings);
                return;
        }
        detail = describe_applied(documents, result);
        report_progress(run, PROGRESS_STAGE_APPLYING, PERCENT_APPLYING, detail);
        report_progress(run, PROGRESS_STAGE_COMMITTING, PERCENT_COMMITTING, "");
        changes = working_copy_commit(copy, &error);
        if (changes == NULL) {
                fail(run, error, result->warnings);
                return;
        }
        run->callbacks.committed(run, result, changes, run->user_data);
        report_progress(run, PROGRESS_STAGE_DONE, 100, "");
        run->callbacks.finished(run, changes->len, run->user_data);
}

static void on_download_failed(Download *download, const GError *error, gpointer user_data) {
        fail(user_data, error, NULL);
}

static const DownloadCallbacks download_callbacks = {
        .downloading = on_downloading,
        .fetched = on_fetched,
        .downloaded = on_downloaded,
        .failed = on_download_failed,
};

static CommitInfo *new_commit_info(const RunRequest *request, const char *url, guint64 run_id) {
        g_autofree char *redacted = url != NULL ? url_redact(url) : NULL;

        return commit_info_new(request->trigger, run_source_name(request->source), redacted, run_id);
}

Run *run_new(const RunRequest *request, const RunContext *context, const RunCallbacks *callbacks,
             gpointer user_data) {
        Run *run = g_new0(Run, 1);
        g_autofree char *username = store_get_setting(context->store, "provisioning", "username");
        g_autofree char *password = store_get_setting(context->store, "provisioning", "password");
        g_autofree char *configured_url = store_get_setting(context->store, "provisioning", "url");
        const DaemonConfig *config = context->config;
        DownloadSettings settings = {
                .device = context->device,
                .schemas = context->schemas,
                .fetch = {
                        .connect_timeout_seconds = config->connect_timeout,
                        .file_timeout_seconds = config->file_timeout,
                        .max_file_size = config->max_file_size,
                        .max_redirects = config->max_redirects,
                        .ca_file = config->ca_file,
                        .user_agent = context->user_agent,
                        .username = username,
                        .password = password,
                },
                .max_files = config->max_files,
                .max_reference_depth = config->max_reference_depth,
        };

        run->request = run_request_copy(request);
        run->url = request->url != NULL ? g_strdup(request->url) : url_normalize_input(configured_url);
        run->store = context->store;
        run->schemas = context->schemas;
        run->callbacks = *callbacks;
        run->user_data = user_data;
        progress_tracker_init(&run->progress);
        settings.url = run->url;
        run->commit_info = new_commit_info(run->request, run->url, context->run_id);
        run->download = download_new(&settings, &download_callbacks, run);
        return run;
}

const char *run_get_url(const Run *run) {
        return run->url;
}

const RunRequest *run_get_request(const Run *run) {
        return run->request;
}

void run_cancel(Run *run) {
        download_cancel(run->download);
}

void run_free(Run *run) {
        if (run == NULL)
                return;
        g_clear_pointer(&run->download, download_free);
        g_clear_pointer(&run->request, run_request_free);
        g_clear_pointer(&run->commit_info, commit_info_free);
        g_free(run->url);
        g_free(run);
}
