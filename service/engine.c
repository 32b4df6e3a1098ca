/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine-private.h"

#include "apply-queue.h"
#include "backup.h"
#include "commit-info.h"
#include "device.h"
#include "discovery.h"
#include "download-cache.h"
#include "generations.h"
#include "migrate.h"
#include "provision-error.h"
#include "run-history.h"
#include "run.h"
#include "schema.h"
#include "store.h"
#include "triggers.h"
#include "url.h"
#include "xml-cleanup.h"

void engine_notify_status(Engine *engine) {
        g_auto(GStrv) names = status_take_changed(&engine->status);

        if (names != NULL && engine->callbacks.status_changed != NULL)
                engine->callbacks.status_changed((const char *const *) names, engine->callbacks_data);
}

void engine_update_state(Engine *engine) {
        const char *state = "idle";

        if (engine->applies_pending > 0)
                state = "applying";
        else if (engine->run != NULL)
                state = "running";

        if (g_str_equal(engine->status.state, state))
                return;
        engine->status.state = state;
        status_changed(&engine->status, STATUS_STATE);
}

void engine_refresh_store_status(Engine *engine) {
        status_set_number(&engine->status, &engine->status.last_change, store_get_last_change(engine->store),
                          STATUS_LAST_CHANGE);
        status_set_number(&engine->status, &engine->status.settings_generation,
                          store_get_generation(engine->store), STATUS_SETTINGS_GENERATION);
}

static void log_settings_sections(const Engine *engine) {
        for (const char *const *name = schema_set_sections(engine->schemas); *name != NULL; name++) {
                g_autoptr(GError) error = NULL;
                xmlNode *section = store_get_section(engine->store, *name);
                if (section == NULL)
                        g_warning("stored settings have no section %s", *name);
                else if (!schema_set_validate_section(engine->schemas, section, &error))
                        g_warning("stored settings: %s", error->message);
        }
}

static DeviceIdentity *load_device(const DaemonConfig *config) {
        g_autoptr(GError) error = NULL;
        DeviceIdentity *device = device_identity_load(config->device_mac, config->device_serial,
                                                      config->device_type, config->device_interface, NULL,
                                                      &error);

        if (device != NULL)
                return device;
        /* A phone without a readable MAC can still be provisioned from URLs without markers. */
        g_warning("device identity: %s", error->message);
        device = g_new0(DeviceIdentity, 1);
        device->mac = g_strdup("");
        device->serial = g_strdup(config->device_serial);
        device->type = g_strdup(config->device_type);
        return device;
}

/* A store written by an older release is migrated once and committed atomically; a
 * section from a newer release (a downgrade) is kept as it is rather than refusing to start. */
static gboolean migrate_stored_settings(Engine *engine, GError **error) {
        g_autoptr(xmlDoc) migrated = NULL;
        g_autoptr(GPtrArray) warnings = NULL;
        g_autoptr(CommitInfo) info = NULL;
        gboolean changed;

        /* The usual start: nothing to migrate, and no copy of the settings made for nothing. */
        if (!migrate_store_document_needed(store_get_document(engine->store), engine->schemas))
                return TRUE;
        migrated = store_copy_document(engine->store);
        warnings = g_ptr_array_new_with_free_func(g_free);
        changed = migrate_store_document(migrated, engine->schemas, warnings);
        info = commit_info_new(COMMIT_TRIGGER_MIGRATION, "", "", 0);

        for (guint i = 0; i < warnings->len; i++)
                g_message("migrating stored settings: %s", (const char *) g_ptr_array_index(warnings, i));
        if (!changed)
                return TRUE;
        g_message("stored settings migrated to release %s", schema_set_release(engine->schemas));
        return store_commit_with_info(engine->store, g_steal_pointer(&migrated), info, error);
}

static DownloadCache *new_download_cache(const Engine *engine) {
        g_autofree char *stamp = download_cache_stamp(schema_set_release(engine->schemas));

        return download_cache_new(engine->config->state_dir, engine->config->max_cache_size, stamp);
}

Engine *engine_new(const DaemonConfig *config) {
        Engine *engine = g_new0(Engine, 1);

        status_init(&engine->status);
        engine->finished_runs = g_ptr_array_new_with_free_func((GDestroyNotify) run_free);
        engine->config = daemon_config_copy(config);
        engine->queue = apply_queue_new();
        return engine;
}

gboolean engine_load(Engine *engine, GError **error) {
        const DaemonConfig *config = engine->config;

        engine->schemas = schema_set_load(config->schemas_dir, error);
        if (engine->schemas == NULL)
                return FALSE;
        engine->store = store_open(config->state_dir, config->defaults_file, error);
        if (engine->store == NULL)
                return FALSE;
        store_set_max_size(engine->store, MIN(config->max_settings_size, CONFIG_MAX_SETTINGS_SIZE_CEILING));
        engine->generations = generations_open(config->state_dir, engine->store, config->generations_keep,
                                               config->generations_max_bytes);
        if (!migrate_stored_settings(engine, error))
                return FALSE;
        engine->device = load_device(config);
        engine->cache = new_download_cache(engine);
        engine->history = run_history_open(config->state_dir, RUN_HISTORY_MAX_RUNS);
        engine->user_agent = g_strdup_printf("provisiond/%s (%s; MAC %s; SN %s)", PROVISIOND_VERSION,
                                             engine->device->type, engine->device->mac,
                                             engine->device->serial);
        engine_refresh_store_status(engine);
        g_ptr_array_set_size(engine->status.changed, 0);

        g_info("release %s, settings generation %" G_GUINT64_FORMAT ", %s",
               schema_set_release(engine->schemas), store_get_generation(engine->store), engine->user_agent);
        /* Loading (schema documents, a migration's copy) leaves freed memory behind. */
        apply_queue_trim_memory();
        return TRUE;
}

static void check_stored_settings_work(ApplyQueue *queue, gpointer data) {
        log_settings_sections(data);
        apply_queue_trim_memory();
}

void engine_check_stored_settings(Engine *engine) {
        apply_queue_push(engine->queue, check_stored_settings_work, NULL, engine, NULL);
}

void engine_free(Engine *engine) {
        if (engine == NULL)
                return;
        g_clear_pointer(&engine->queue, apply_queue_free);
        g_clear_pointer(&engine->run, run_free);
        g_clear_pointer(&engine->triggers, triggers_free);
        g_clear_handle_id(&engine->reap_source, g_source_remove);
        g_clear_handle_id(&engine->follow_up_source, g_source_remove);
        g_clear_pointer(&engine->follow_up, run_request_free);
        g_clear_pointer(&engine->finished_runs, g_ptr_array_unref);
        g_clear_pointer(&engine->generations, generations_free);
        g_clear_pointer(&engine->store, store_free);
        g_clear_pointer(&engine->cache, download_cache_free);
        g_clear_pointer(&engine->history, run_history_free);
        g_clear_pointer(&engine->schemas, schema_set_free);
        g_clear_pointer(&engine->device, device_identity_free);
        g_clear_pointer(&engine->config, daemon_config_free);
        g_free(engine->user_agent);
        g_free(engine->last_dhcp_url);
        if (engine->discover_cancellable != NULL)
                g_cancellable_cancel(engine->discover_cancellable);
        g_clear_object(&engine->discover_cancellable);
        status_clear(&engine->status);
        g_free(engine);
}

void engine_set_callbacks(Engine *engine, const EngineCallbacks *callbacks, gpointer user_data) {
        engine->callbacks = *callbacks;
        engine->callbacks_data = user_data;
}

/* ---- What an apply or a run reports (engine-apply.c, the runs below) ------------------ */

static gboolean changes_include(GPtrArray *changes, const char *section) {
        for (guint i = 0; i < changes->len; i++)
                if (g_str_equal(((const SectionChange *) g_ptr_array_index(changes, i))->section, section))
                        return TRUE;
        return FALSE;
}

void engine_emit_section_applied(Engine *engine, guint64 run_id, GPtrArray *changes) {
        for (guint i = 0; i < changes->len; i++) {
                const SectionChange *change = g_ptr_array_index(changes, i);
                g_message("run %" G_GUINT64_FORMAT ": section %s %s (%s)", run_id, change->section,
                          change->how, change->version);
                if (engine->callbacks.section_applied != NULL)
                        engine->callbacks.section_applied(run_id, change->section, change->version,
                                                          change->how, engine->callbacks_data);
        }
        /* The service provisions its own schedule: after the signals, NextRun follows. */
        if (engine->triggers != NULL && changes_include(changes, "provisioning"))
                triggers_settings_changed(engine->triggers);
}

void engine_log_warnings(guint64 run_id, const ApplyResult *result) {
        guint logged = MIN(result->warnings->len, STATUS_MAX_WARNINGS);

        for (guint i = 0; i < logged; i++)
                g_message("run %" G_GUINT64_FORMAT ": %s", run_id,
                          (const char *) g_ptr_array_index(result->warnings, i));
        if (result->warnings->len > logged)
                g_message("run %" G_GUINT64_FORMAT ": … and %u more warnings", run_id,
                          result->warnings->len - logged);
}

/* ---- Provisioning runs: the one-run rule and what the status shows ----------------- */

static gboolean reap_finished_runs(gpointer user_data) {
        Engine *engine = user_data;

        engine->reap_source = 0;
        g_ptr_array_set_size(engine->finished_runs, 0);
        return G_SOURCE_REMOVE;
}

static gboolean start_follow_up(gpointer user_data);

/* The run is done either way (@failure NULL: committed): back to idle; the Run is freed once
 * its callback has returned. */
static void end_run(Engine *engine, const GError *failure) {
        gboolean success = failure == NULL;
        guint64 now = (guint64) g_get_real_time();

        g_ptr_array_add(engine->finished_runs, g_steal_pointer(&engine->run));
        if (engine->reap_source == 0)
                engine->reap_source = g_idle_add(reap_finished_runs, engine);
        /* After this run's Finished or Failed has gone out. */
        if (engine->follow_up != NULL && engine->follow_up_source == 0)
                engine->follow_up_source = g_idle_add(start_follow_up, engine);

        engine_update_state(engine);
        status_set_number(&engine->status, &engine->status.last_run_finished, now, STATUS_LAST_RUN_FINISHED);
        if (success)
                status_set_number(&engine->status, &engine->status.last_success, now, STATUS_LAST_SUCCESS);
        if (engine->triggers != NULL)
                triggers_run_ended(engine->triggers, engine->status.run_id, failure);
        engine_notify_status(engine);
}

/* The run history and the SourceStats property, while the run is still ours. */
static void record_run(Engine *engine, const GError *failure, guint sections_changed) {
        run_history_record_run(engine->history, engine->run, &engine->status, failure, sections_changed);
        status_changed(&engine->status, STATUS_SOURCE_STATS);
}

static void fail_run(Engine *engine, const GError *failure, GPtrArray *warnings) {
        guint64 run_id = engine->status.run_id;
        g_autoptr(GError) error = engine_failure_reason(failure);

        record_run(engine, error, 0);
        status_set_result(&engine->status, error, warnings);
        g_message("run %" G_GUINT64_FORMAT ": failed: %s: %s", run_id, engine->status.last_error_name,
                  error->message);
        end_run(engine, error);
        if (engine->callbacks.failed != NULL)
                engine->callbacks.failed(run_id, error, engine->callbacks_data);
}

static void on_run_progress(Run *run, const char *stage, guint percent, const char *detail,
                            gpointer user_data) {
        Engine *engine = user_data;

        status_set_number(&engine->status, &engine->status.progress, percent, STATUS_PROGRESS);
        engine_notify_status(engine);
        if (engine->callbacks.progress != NULL)
                engine->callbacks.progress(engine->status.run_id, stage, percent, detail,
                                           engine->callbacks_data);
}

static void on_run_fetched(Run *run, guint64 bytes, gpointer user_data) {
        Engine *engine = user_data;
        Status *status = &engine->status;

        status_set_number(status, &status->files_fetched, status->files_fetched + 1, STATUS_FILES_FETCHED);
        status_set_number(status, &status->bytes_fetched, status->bytes_fetched + bytes, STATUS_BYTES_FETCHED);
        engine_notify_status(engine);
}

static void on_run_committed(Run *run, const ApplyResult *result, GPtrArray *changes, gpointer user_data) {
        Engine *engine = user_data;

        engine_refresh_store_status(engine);
        engine_log_warnings(engine->status.run_id, result);
        status_set_result(&engine->status, NULL, result->warnings);
        engine_notify_status(engine);
        engine_emit_section_applied(engine, engine->status.run_id, changes);
}

static void on_run_finished(Run *run, guint sections_changed, gpointer user_data) {
        Engine *engine = user_data;
        guint64 run_id = engine->status.run_id;

        g_message("run %" G_GUINT64_FORMAT ": finished, %u section(s) changed", run_id, sections_changed);
        record_run(engine, NULL, sections_changed);
        end_run(engine, NULL);
        if (engine->callbacks.finished != NULL)
                engine->callbacks.finished(run_id, sections_changed, engine->callbacks_data);
}

static void on_run_failed(Run *run, const GError *error, GPtrArray *warnings, gpointer user_data) {
        fail_run(user_data, error, warnings);
}

static void replace_string(char **target, const char *value) {
        char *copy = g_strdup(value);

        g_free(*target);
        *target = copy;
}

static void on_run_discovered(Run *run, const DiscoveryResult *result, gpointer user_data) {
        Engine *engine = user_data;
        Status *status = &engine->status;
        g_autofree char *redacted = result->url != NULL ? url_redact(result->url) : g_strdup("");

        if (result->url != NULL && result->source == RUN_SOURCE_DHCP)
                replace_string(&engine->last_dhcp_url, result->url);
        status_set_string(status, &status->source,
                          result->url != NULL ? run_source_name(result->source) : "", STATUS_SOURCE);
        status_set_string(status, &status->url, redacted, STATUS_URL);
        status_set_pairs(status, &status->discovery, (const char *const *) result->findings, STATUS_DISCOVERY);
        if (result->url != NULL)
                g_message("run %" G_GUINT64_FORMAT ": %s found %s", status->run_id,
                          run_source_name(result->source), redacted);
        engine_notify_status(engine);
}

static const RunCallbacks run_callbacks = {
        .progress = on_run_progress,
        .fetched = on_run_fetched,
        .committed = on_run_committed,
        .finished = on_run_finished,
        .failed = on_run_failed,
        .discovered = on_run_discovered,
};

static void announce_run(Engine *engine, const RunRequest *request) {
        const char *url = run_get_url(engine->run);
        g_autofree char *redacted = url != NULL ? url_redact(url) : g_strdup("");
        Status *status = &engine->status;

        status_set_number(status, &status->run_id, status->run_id + 1, STATUS_RUN_ID);
        status_set_string(status, &status->trigger, request->trigger, STATUS_TRIGGER);
        status_set_string(status, &status->url, redacted, STATUS_URL);
        /* A run without a URL learns its source from the discovery (on_run_discovered). */
        status_set_string(status, &status->source, url != NULL ? run_source_name(request->source) : "",
                          STATUS_SOURCE);
        status_set_pairs(status, &status->discovery, NULL, STATUS_DISCOVERY);
        status_set_number(status, &status->progress, 0, STATUS_PROGRESS);
        status_set_number(status, &status->files_fetched, 0, STATUS_FILES_FETCHED);
        status_set_number(status, &status->bytes_fetched, 0, STATUS_BYTES_FETCHED);
        status_set_number(status, &status->last_run_started, (guint64) g_get_real_time(),
                          STATUS_LAST_RUN_STARTED);
        engine_update_state(engine);
        g_message("run %" G_GUINT64_FORMAT ": started (%s) from %s", status->run_id, status->trigger,
                  *redacted != '\0' ? redacted : "no URL");
        engine_notify_status(engine);
}

/* The menu pressed twice joins the active run; another explicit URL would be silently dropped, so it is refused. */
static gboolean may_join_active_run(Engine *engine, const RunRequest *request, GError **error) {
        const char *active_url = run_get_url(engine->run);
        g_autofree char *redacted_active = NULL;
        g_autofree char *redacted_requested = NULL;

        if (request->url == NULL || g_strcmp0(request->url, active_url) == 0)
                return TRUE;
        redacted_active = active_url != NULL ? url_redact(active_url) : g_strdup("no URL");
        redacted_requested = url_redact(request->url);
        g_set_error(error, PROV_ERROR, PROV_ERROR_BUSY,
                    "run %" G_GUINT64_FORMAT
                    " from %s is active; a run from %s can start when it has ended "
                    "or is cancelled",
                    engine->status.run_id, redacted_active, redacted_requested);
        return FALSE;
}

gboolean engine_start_run(Engine *engine, const RunRequest *request, guint64 *run_id, GError **error) {
        const RunContext context = {
                .store = engine->store,
                .queue = engine->queue,
                .schemas = engine->schemas,
                .device = engine->device,
                .config = engine->config,
                .user_agent = engine->user_agent,
                .leases = engine->leases,
                .cache = engine->cache,
                .run_id = engine->status.run_id + 1, /* announce_run() counts it */
        };

        if (engine->run != NULL && !may_join_active_run(engine, request, error))
                return FALSE;
        if (engine->run == NULL) {
                g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = apply_queue_lock_store(engine->queue);
                engine->run = run_new(request, &context, &run_callbacks, engine);
                announce_run(engine, request);
        }
        *run_id = engine->status.run_id;
        return TRUE;
}

static gboolean start_follow_up(gpointer user_data) {
        Engine *engine = user_data;
        g_autoptr(RunRequest) request = NULL;
        guint64 run_id = 0;

        engine->follow_up_source = 0;
        /* Another run started in between: the follow-up waits for its end. */
        if (engine->run != NULL)
                return G_SOURCE_REMOVE;
        request = g_steal_pointer(&engine->follow_up);
        engine_start_run(engine, request, &run_id, NULL);
        g_message("run %" G_GUINT64_FORMAT ": the follow-up run (%s) queued during the last run", run_id,
                  request->trigger);
        return G_SOURCE_REMOVE;
}

void engine_queue_run(Engine *engine, const RunRequest *request, guint64 *run_id) {
        if (engine->run == NULL) {
                /* A follow-up about to start would only repeat this run. */
                g_clear_handle_id(&engine->follow_up_source, g_source_remove);
                g_clear_pointer(&engine->follow_up, run_request_free);
                /* Cannot fail: only joining an active run can be Busy. */
                engine_start_run(engine, request, run_id, NULL);
                return;
        }
        if (engine->follow_up != NULL)
                g_message("run %" G_GUINT64_FORMAT ": %s follow-up replaces the one already queued",
                          engine->status.run_id, request->trigger);
        else
                g_message("run %" G_GUINT64_FORMAT ": %s follow-up queued", engine->status.run_id,
                          request->trigger);
        g_clear_pointer(&engine->follow_up, run_request_free);
        engine->follow_up = run_request_copy(request);
        *run_id = 0;
}

void engine_record_check_sync(Engine *engine, const char *sender, gboolean accepted, const char *reason) {
        status_set_check_sync(&engine->status, sender, accepted, reason);
        engine_notify_status(engine);
}

xmlNode *engine_copy_section(Engine *engine, const char *name) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = apply_queue_lock_store(engine->queue);
        xmlNode *section = store_get_section(engine->store, name);

        return section != NULL ? xmlCopyNode(section, 1) : NULL;
}

void engine_stop(Engine *engine) {
        g_autoptr(GError) stopping = NULL;
        g_autoptr(GPtrArray) no_warnings = NULL;

        /* What is being applied is finished first: a commit is never cut short. */
        apply_queue_drain(engine->queue);
        g_clear_handle_id(&engine->follow_up_source, g_source_remove);
        g_clear_pointer(&engine->follow_up, run_request_free);
        if (engine->run == NULL)
                return;
        stopping = g_error_new_literal(PROV_ERROR, PROV_ERROR_CANCELLED, "provisiond is stopping");
        no_warnings = g_ptr_array_new();
        run_cancel(engine->run);
        fail_run(engine, stopping, no_warnings);
}

gboolean engine_cancel_run(Engine *engine, GError **error) {
        if (engine->run == NULL) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_NOT_RUNNING,
                                    "no provisioning run is active");
                return FALSE;
        }
        g_message("run %" G_GUINT64_FORMAT ": cancelling", engine->status.run_id);
        run_cancel(engine->run);
        return TRUE;
}

/* ---- Backup and status ------------------------------------------------------------ */

char *engine_backup(Engine *engine, const char *const *sections, gboolean include_secrets, GError **error) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = apply_queue_lock_store(engine->queue);

        return backup_generate(engine->store, engine->schemas, sections, include_secrets, error);
}

guint engine_count_sections(const Engine *engine) {
        return g_strv_length((char **) schema_set_sections(engine->schemas));
}

const Status *engine_get_status(const Engine *engine) {
        return &engine->status;
}

const RunHistory *engine_get_run_history(const Engine *engine) {
        return engine->history;
}

guint64 engine_get_max_file_size(const Engine *engine) {
        return engine->config->max_file_size;
}
