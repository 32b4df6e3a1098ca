/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "run.h"

#include "download.h"
#include "preconditions.h"
#include "progress.h"
#include "provision-error.h"
#include "url.h"
#include "working-copy.h"

/* Where each stage of a run starts, in percent of the whole run. */
#define PERCENT_DOWNLOAD_SHARE 70
#define PERCENT_APPLYING 75
#define PERCENT_COMMITTING 90

/* What an asynchronous step (preconditions, discovery) calls back with: run_free() detaches it. */
typedef struct {
        Run *run; /* NULL once the run is freed */
} RunStep;

struct Run {
        RunRequest *request;
        char *url;            /* the start URL as given or discovered, or NULL */
        GPtrArray *fallbacks; /* char*: the next candidates of the discovered source, head first */
        RunContext context;
        char *username;
        char *password;
        GCancellable *cancellable; /* the preconditions and the discovery */
        RunStep *step;             /* the step in flight, or NULL */
        guint files_fetched;       /* by the current download */
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

        run->files_fetched++;
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

/* The settings generation now, on the main thread (a job may be committing). */
static guint64 run_store_generation(Run *run) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = apply_queue_lock_store(run->context.queue);

        return store_get_generation(run->context.store);
}

/* Every file is as the last successful run applied it and the settings are what it left:
 * applying them again would change nothing, so nothing is parsed or applied. */
static gboolean finish_if_unchanged(Run *run, Download *download) {
        g_autoptr(ApplyResult) result = NULL;
        g_autoptr(GPtrArray) no_changes = NULL;
        guint64 generation = run_store_generation(run);

        if (run->context.cache == NULL ||
            !download_cache_run_unchanged(run->context.cache, download_get_files(download), generation))
                return FALSE;
        g_message(
                "every file is unchanged since the last successful run and the settings are still at generation "
                "%" G_GUINT64_FORMAT ": nothing parsed or applied",
                generation);
        /* New validators for the same bytes (a 200 from a server without 304) are kept. */
        download_cache_remember_run(run->context.cache, download_get_files(download), generation);
        result = apply_result_new();
        no_changes = g_ptr_array_new();
        report_progress(run, PROGRESS_STAGE_APPLYING, PERCENT_APPLYING,
                        "unchanged since the last run: nothing to apply");
        run->callbacks.committed(run, result, no_changes, run->user_data);
        report_progress(run, PROGRESS_STAGE_DONE, 100, "");
        run->callbacks.finished(run, 0, run->user_data);
        return TRUE;
}

/* What the generation this run commits records: the trigger, the source and URL as the discovery
 * resolved them (the candidate in use), the run id. */
static CommitInfo *new_commit_info(const Run *run) {
        g_autofree char *redacted = run->url != NULL ? url_redact(run->url) : NULL;

        return commit_info_new(run->request->trigger, run_source_name(run->request->source), redacted,
                               run->context.run_id);
}

/* The apply of a run, as one ApplyQueue job: filled in the worker, reported on the main thread. */
typedef struct {
        Run *run; /* read only on the main thread */
        Store *store;
        const SchemaSet *schemas;
        CommitInfo *info;     /* what the commit is recorded as (generations.h) */
        GPtrArray *documents; /* Document*, the download's; emptied in the worker once applied */
        guint n_documents;
        ApplyOutcome outcome;
} RunApply;

static void run_apply_free(RunApply *apply) {
        g_clear_pointer(&apply->documents, g_ptr_array_unref);
        g_clear_pointer(&apply->info, commit_info_free);
        apply_outcome_clear(&apply->outcome);
        g_free(apply);
}

static void run_apply_work(ApplyQueue *queue, gpointer data) {
        RunApply *apply = data;
        g_autoptr(WorkingCopy) copy = working_copy_new(apply->store, apply->schemas);
        gboolean applied;

        working_copy_set_commit_info(copy, apply->info);
        applied = working_copy_apply_all(copy, apply->documents, &apply->outcome.error);

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
        /* The next job starts after this: the generation is the one this run left. */
        if (run->context.cache != NULL)
                download_cache_remember_run(run->context.cache, download_get_files(run->download),
                                            run_store_generation(run));
        run->callbacks.committed(run, apply->outcome.result, apply->outcome.changes, run->user_data);
        report_progress(run, PROGRESS_STAGE_DONE, 100, "");
        run->callbacks.finished(run, apply->outcome.changes->len, run->user_data);
}

/* Everything is downloaded: one working copy of the settings as they are when the job runs, committed once. */
static void on_downloaded(Download *download, GPtrArray *documents, gpointer user_data) {
        Run *run = user_data;
        g_autoptr(GError) error = NULL;
        RunApply *apply;

        /* On the main thread, before the job: the cache and the deferred parse are the download's. */
        if (finish_if_unchanged(run, download))
                return;
        if (!download_parse_deferred(download, &error)) {
                fail(run, error, NULL);
                return;
        }
        apply = g_new0(RunApply, 1);
        *apply = (RunApply){
                .run = run,
                .store = run->context.store,
                .schemas = run->context.schemas,
                .documents = g_ptr_array_ref(documents),
                .n_documents = documents->len,
                .info = new_commit_info(run),
        };
        apply_queue_push(run->context.queue, run_apply_work, run_apply_done, apply,
                         (GDestroyNotify) run_apply_free);
}

static void start_download(Run *run);

/* A discovered source may name several candidates (DHCP's 66 without a scheme: https, then http):
 * the next is tried when the current one gave no file at all. */
static void on_download_failed(Download *download, const GError *error, gpointer user_data) {
        Run *run = user_data;
        g_autofree char *redacted = NULL;

        if (run->files_fetched > 0 || run->fallbacks->len == 0 ||
            g_error_matches(error, PROV_ERROR, PROV_ERROR_CANCELLED)) {
                fail(run, error, NULL);
                return;
        }
        redacted = url_redact(run->url);
        g_message("%s: %s; trying the next candidate", redacted, error->message);
        g_free(run->url);
        run->url = g_ptr_array_steal_index(run->fallbacks, 0);
        start_download(run);
}

static const DownloadCallbacks download_callbacks = {
        .downloading = on_downloading,
        .fetched = on_fetched,
        .downloaded = on_downloaded,
        .failed = on_download_failed,
};

/* The old download (a failed candidate) is freed from an idle callback: we may be inside its callback. */
static void start_download(Run *run) {
        const DaemonConfig *config = run->context.config;
        DownloadSettings settings = {
                .url = run->url,
                .device = run->context.device,
                .schemas = run->context.schemas,
                .fetch = {
                        .connect_timeout_seconds = config->connect_timeout,
                        .file_timeout_seconds = config->file_timeout,
                        .max_file_size = config->max_file_size,
                        .max_redirects = config->max_redirects,
                        .ca_file = config->ca_file,
                        .client_certificate = config->client_certificate,
                        .client_key = config->client_key,
                        .user_agent = run->context.user_agent,
                        .username = run->username,
                        .password = run->password,
                },
                .max_files = config->max_files,
                .max_reference_depth = config->max_reference_depth,
                .cache = run->context.cache,
        };

        if (run->download != NULL)
                g_idle_add_once((GSourceOnceFunc) download_free, g_steal_pointer(&run->download));
        run->files_fetched = 0;
        run->download = download_new(&settings, &download_callbacks, run);
}

static RunStep *step_new(Run *run) {
        run->step = g_new0(RunStep, 1);
        run->step->run = run;
        return run->step;
}

/* The step's callback: the run it belongs to (the step is freed), or NULL when the run is gone. */
static Run *step_finish(RunStep *step) {
        Run *run = step->run;

        g_free(step);
        if (run != NULL)
                run->step = NULL;
        return run;
}

static void fail_step(Run *run, GError *error) {
        g_autoptr(GError) owned = error;

        if (g_error_matches(owned, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                g_clear_error(&owned);
                owned = g_error_new_literal(PROV_ERROR, PROV_ERROR_CANCELLED, "the run was cancelled");
        }
        fail(run, owned, NULL);
}

static void on_discovery_progress(const char *detail, gpointer user_data) {
        RunStep *step = user_data;

        if (step->run != NULL)
                report_progress(step->run, PROGRESS_STAGE_DISCOVERING, 0, detail);
}

static void on_discovered(GObject *source_object, GAsyncResult *async_result, gpointer user_data) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DiscoveryResult) result = discovery_find_finish(async_result, &error);
        Run *run = step_finish(user_data);

        if (run == NULL)
                return;
        if (result == NULL) {
                fail_step(run, g_steal_pointer(&error));
                return;
        }
        run->request->source = result->source;
        run->url = g_strdup(result->url);
        for (guint i = 0; i < result->fallbacks->len; i++)
                g_ptr_array_add(run->fallbacks, g_strdup(g_ptr_array_index(result->fallbacks, i)));
        run->callbacks.discovered(run, result, run->user_data);
        if (run->url == NULL) {
                fail_step(run, discovery_result_no_source_error(result));
                return;
        }
        start_download(run);
}

static void start_discovery(Run *run) {
        const DiscoveryContext context = {
                .store = run->context.store,
                .config = run->context.config,
                .device = run->context.device,
                .leases = run->context.leases,
                .user_agent = run->context.user_agent,
        };

        report_progress(run, PROGRESS_STAGE_DISCOVERING, 0, "");
        discovery_find_async(&context, run->cancellable, on_discovery_progress, on_discovered, step_new(run));
}

static void on_preconditions_stage(const char *stage, gpointer user_data) {
        RunStep *step = user_data;

        if (step->run != NULL)
                report_progress(step->run, stage, 0, "");
}

static void on_preconditions_met(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GError) error = NULL;
        gboolean met = preconditions_wait_finish(result, &error);
        Run *run = step_finish(user_data);

        if (run == NULL)
                return;
        if (!met)
                fail_step(run, g_steal_pointer(&error));
        else if (run->url == NULL)
                start_discovery(run);
        else
                start_download(run);
}

Run *run_new(const RunRequest *request, const RunContext *context, const RunCallbacks *callbacks,
             gpointer user_data) {
        Run *run = g_new0(Run, 1);

        run->request = run_request_copy(request);
        run->url = g_strdup(request->url);
        run->fallbacks = g_ptr_array_new_with_free_func(g_free);
        run->context = *context;
        run->username = store_get_setting(context->store, "provisioning", "username");
        run->password = store_get_setting(context->store, "provisioning", "password");
        run->cancellable = g_cancellable_new();
        run->callbacks = *callbacks;
        run->user_data = user_data;
        progress_tracker_init(&run->progress);
        preconditions_wait_async(&context->config->preconditions, run->cancellable, on_preconditions_stage,
                                 on_preconditions_met, step_new(run));
        return run;
}

const char *run_get_url(const Run *run) {
        return run->url;
}

const RunRequest *run_get_request(const Run *run) {
        return run->request;
}

GPtrArray *run_get_files(const Run *run) {
        return run->download != NULL ? download_get_files(run->download) : NULL;
}

guint run_get_last_http_status(const Run *run) {
        return run->download != NULL ? download_get_last_http_status(run->download) : 0;
}

void run_cancel(Run *run) {
        g_cancellable_cancel(run->cancellable);
        if (run->download != NULL)
                download_cancel(run->download);
}

void run_free(Run *run) {
        if (run == NULL)
                return;
        if (run->step != NULL) {
                run->step->run = NULL;
                g_cancellable_cancel(run->cancellable);
        }
        g_clear_object(&run->cancellable);
        g_clear_pointer(&run->download, download_free);
        g_clear_pointer(&run->request, run_request_free);
        g_clear_pointer(&run->fallbacks, g_ptr_array_unref);
        g_free(run->url);
        g_free(run->username);
        g_free(run->password);
        g_free(run);
}
