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
        ApplyQueue *queue;
        const SchemaSet *schemas;
        Download *download;
        ProgressTracker progress;

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

static char *describe_applied(guint n_documents, const ApplyResult *result) {
        g_autoptr(GString) detail = g_string_new(NULL);

        g_string_printf(detail, "%u document(s) applied", n_documents);
        for (guint i = 0; i < result->discarded->len; i++)
                g_string_append_printf(detail, "; discarded %s",
                                       (const char *) g_ptr_array_index(result->discarded, i));
        return g_string_free(g_steal_pointer(&detail), FALSE);
}

/* The apply of a run, as one ApplyQueue job: filled in the worker, reported on the main thread. */
typedef struct {
        Run *run; /* read only on the main thread */
        Store *store;
        const SchemaSet *schemas;
        GPtrArray *documents; /* Document*, the download's; emptied in the worker once applied */
        guint n_documents;
        ApplyOutcome outcome;
} RunApply;

static void run_apply_free(RunApply *apply) {
        g_clear_pointer(&apply->documents, g_ptr_array_unref);
        apply_outcome_clear(&apply->outcome);
        g_free(apply);
}

static void run_apply_work(ApplyQueue *queue, gpointer data) {
        RunApply *apply = data;
        g_autoptr(WorkingCopy) copy = working_copy_new(apply->store, apply->schemas);
        gboolean applied = working_copy_apply_all(copy, apply->documents, &apply->outcome.error);

        /* The documents are spent: not kept over the commit. */
        g_ptr_array_set_size(apply->documents, 0);
        working_copy_conclude(copy, applied, queue, &apply->outcome);
        g_clear_pointer(&copy, working_copy_free);
        apply_queue_trim_memory();
}

static void run_apply_done(gpointer data) {
        RunApply *apply = data;
        Run *run = apply->run;
        g_autofree char *detail = NULL;

        if (apply->outcome.changes == NULL) {
                fail(run, apply->outcome.error, apply->outcome.result->warnings);
                return;
        }
        detail = describe_applied(apply->n_documents, apply->outcome.result);
        report_progress(run, PROGRESS_STAGE_APPLYING, PERCENT_APPLYING, detail);
        report_progress(run, PROGRESS_STAGE_COMMITTING, PERCENT_COMMITTING, "");
        run->callbacks.committed(run, apply->outcome.result, apply->outcome.changes, run->user_data);
        report_progress(run, PROGRESS_STAGE_DONE, 100, "");
        run->callbacks.finished(run, apply->outcome.changes->len, run->user_data);
}

/* Everything is downloaded: one working copy of the settings as they are when the job runs, committed once. */
static void on_downloaded(Download *download, GPtrArray *documents, gpointer user_data) {
        Run *run = user_data;
        RunApply *apply = g_new0(RunApply, 1);

        *apply = (RunApply){
                .run = run,
                .store = run->store,
                .schemas = run->schemas,
                .documents = g_ptr_array_ref(documents),
                .n_documents = documents->len,
        };
        apply_queue_push(run->queue, run_apply_work, run_apply_done, apply, (GDestroyNotify) run_apply_free);
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
        run->queue = context->queue;
        run->schemas = context->schemas;
        run->callbacks = *callbacks;
        run->user_data = user_data;
        progress_tracker_init(&run->progress);
        settings.url = run->url;
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
        g_free(run->url);
        g_free(run);
}
