/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine.h"

#include "apply.h"
#include "device.h"
#include "document.h"
#include "migrate.h"
#include "operations.h"
#include "progress.h"
#include "provision.h"
#include "run.h"
#include "schema.h"
#include "secrets.h"
#include "store.h"
#include "url.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

/* Where each stage of a run starts, in percent of the whole run. */
#define PERCENT_DOWNLOAD_SHARE 70
#define PERCENT_APPLYING 75
#define PERCENT_COMMITTING 90

struct Engine {
        Store *store;
        SchemaSet *schemas;
        DeviceIdentity *device;
        DaemonConfig *config; /* a copy: limits, TLS */
        char *user_agent;
        Status status;

        Run *run; /* the active run, or NULL */
        ProgressTracker progress;
        GPtrArray *finished_runs; /* freed from an idle callback, never inside their own callbacks */
        guint reap_source;

        EngineCallbacks callbacks;
        gpointer callbacks_data;
};

static void notify_status(Engine *engine) {
        g_auto(GStrv) names = status_take_changed(&engine->status);

        if (names != NULL && engine->callbacks.status_changed != NULL)
                engine->callbacks.status_changed((const char *const *)names, engine->callbacks_data);
}

static void set_state(Engine *engine, const char *state) {
        if (g_str_equal(engine->status.state, state))
                return;
        engine->status.state = state;
        status_changed(&engine->status, STATUS_STATE);
}

static void refresh_store_status(Engine *engine) {
        status_set_number(&engine->status, &engine->status.last_change, store_get_last_change(engine->store),
                          STATUS_LAST_CHANGE);
        status_set_number(&engine->status, &engine->status.settings_generation,
                          store_get_generation(engine->store), STATUS_SETTINGS_GENERATION);
}

static const char *error_name_of(const GError *error) {
        const char *name = NULL;

        if (error->domain == PROV_ERROR)
                name = prov_error_to_dbus_name(error->code);
        else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                name = prov_error_to_dbus_name(PROV_ERROR_CANCELLED);
        return name != NULL ? name : "org.freedesktop.DBus.Error.Failed";
}

static void log_settings_sections(const Engine *engine) {
        xmlDoc *doc = store_get_document(engine->store);

        for (const char *const *name = schema_set_sections(engine->schemas); *name != NULL; name++) {
                g_autoptr(GError) error = NULL;
                xmlNode *section = apply_find_section(doc, *name);
                if (section == NULL)
                        g_warning("stored settings have no section %s", *name);
                else if (!schema_set_validate_section(engine->schemas, section, &error))
                        g_warning("stored settings: %s", error->message);
        }
}

static DeviceIdentity *load_device(const DaemonConfig *config) {
        g_autoptr(GError) error = NULL;
        DeviceIdentity *device = device_identity_load(config->device_mac, config->device_serial, config->device_type,
                                                      config->device_interface, NULL, &error);

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
        g_autoptr(xmlDoc) migrated = store_copy_document(engine->store);
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        gboolean changed = migrate_store_document(migrated, engine->schemas, warnings);

        for (guint i = 0; i < warnings->len; i++)
                g_message("migrating stored settings: %s", (const char *)g_ptr_array_index(warnings, i));
        if (!changed)
                return TRUE;
        g_message("stored settings migrated to release %s", schema_set_release(engine->schemas));
        return store_commit(engine->store, g_steal_pointer(&migrated), error);
}

Engine *engine_new(const DaemonConfig *config, GError **error) {
        g_autoptr(Engine) engine = g_new0(Engine, 1);

        status_init(&engine->status);
        engine->finished_runs = g_ptr_array_new_with_free_func((GDestroyNotify)run_free);
        engine->config = daemon_config_copy(config);
        engine->schemas = schema_set_load(config->schemas_dir, error);
        if (engine->schemas == NULL)
                return NULL;
        engine->store = store_open(config->state_dir, config->defaults_file, error);
        if (engine->store == NULL || !migrate_stored_settings(engine, error))
                return NULL;
        engine->device = load_device(config);
        engine->user_agent = g_strdup_printf("provisiond/%s (%s; MAC %s; SN %s)", PROVISIOND_VERSION,
                                             engine->device->type, engine->device->mac, engine->device->serial);
        refresh_store_status(engine);
        g_ptr_array_set_size(engine->status.changed, 0);

        g_info("release %s, settings generation %" G_GUINT64_FORMAT ", %s", schema_set_release(engine->schemas),
               store_get_generation(engine->store), engine->user_agent);
        log_settings_sections(engine);
        return g_steal_pointer(&engine);
}

void engine_free(Engine *engine) {
        if (engine == NULL)
                return;
        g_clear_pointer(&engine->run, run_free);
        g_clear_handle_id(&engine->reap_source, g_source_remove);
        g_clear_pointer(&engine->finished_runs, g_ptr_array_unref);
        g_clear_pointer(&engine->store, store_free);
        g_clear_pointer(&engine->schemas, schema_set_free);
        g_clear_pointer(&engine->device, device_identity_free);
        g_clear_pointer(&engine->config, daemon_config_free);
        g_free(engine->user_agent);
        status_clear(&engine->status);
        g_free(engine);
}

void engine_set_callbacks(Engine *engine, const EngineCallbacks *callbacks, gpointer user_data) {
        engine->callbacks = *callbacks;
        engine->callbacks_data = user_data;
}

/* ---- Applying documents to a working copy, committing once ----------------------- */

static gboolean apply_one_document(Engine *engine, xmlDoc *working, Document *document, ApplyResult *result,
                                   GError **error) {
        switch (document->type) {
        case DOCUMENT_PATCH:
                return apply_patch_document(working, document->doc, engine->schemas, result, error);
        case DOCUMENT_OPERATIONS:
                return operations_apply(working, document->doc, engine->schemas, result, error);
        case DOCUMENT_REFERENCE:
                break;
        }
        g_set_error(error, PROV_ERROR, PROV_ERROR_REFERENCE_NOT_ALLOWED,
                    "reference documents (<referencedSettings>) can only be provisioned from a server, "
                    "not applied from a file");
        return FALSE;
}

/* Applies @documents in order to a copy of the stored settings and validates what they touched. */
static xmlDoc *build_working_copy(Engine *engine, GPtrArray *documents, ApplyResult *result, GError **error) {
        g_autoptr(xmlDoc) working = store_copy_document(engine->store);

        for (guint i = 0; i < documents->len; i++) {
                Document *document = g_ptr_array_index(documents, i);
                if (!apply_one_document(engine, working, document, result, error)) {
                        /* A run applies many files: name the one that failed. */
                        g_prefix_error(error, "%s: ", document->origin);
                        return NULL;
                }
        }
        if (!apply_validate_touched(working, engine->schemas, result, error))
                return NULL;
        return g_steal_pointer(&working);
}

/* Commits @working if it changed anything; returns the changed sections. */
static GPtrArray *commit_working_copy(Engine *engine, xmlDoc *working, const ApplyResult *result, GError **error) {
        g_autoptr(xmlDoc) owned = working;
        g_autoptr(GPtrArray) changes = apply_changed_sections(store_get_document(engine->store), owned, result);

        if (changes->len > 0 && !store_commit(engine->store, g_steal_pointer(&owned), error))
                return NULL;
        refresh_store_status(engine);
        return g_steal_pointer(&changes);
}

static void emit_section_applied(Engine *engine, guint64 run_id, GPtrArray *changes) {
        for (guint i = 0; i < changes->len; i++) {
                const SectionChange *change = g_ptr_array_index(changes, i);
                g_message("run %" G_GUINT64_FORMAT ": section %s %s (%s)", run_id, change->section, change->how,
                          change->version);
                if (engine->callbacks.section_applied != NULL)
                        engine->callbacks.section_applied(run_id, change->section, change->version, change->how,
                                                          engine->callbacks_data);
        }
}

static void log_warnings(guint64 run_id, const ApplyResult *result) {
        guint logged = MIN(result->warnings->len, STATUS_MAX_WARNINGS);

        for (guint i = 0; i < logged; i++)
                g_message("run %" G_GUINT64_FORMAT ": %s", run_id, (const char *)g_ptr_array_index(result->warnings, i));
        if (result->warnings->len > logged)
                g_message("run %" G_GUINT64_FORMAT ": … and %u more warnings", run_id, result->warnings->len - logged);
}

static void record_failure(Engine *engine, const GError *failure, GPtrArray *warnings) {
        g_message("apply: failed: %s: %s", error_name_of(failure), failure->message);
        status_set_result(&engine->status, error_name_of(failure), failure->message, warnings);
}

static Document *parse_local_document(Engine *engine, const char *data, gsize size, GError **error) {
        DocumentType type;
        g_autoptr(xmlDoc) doc = document_parse(data, size, "the document", engine->schemas, &type, error);

        if (doc == NULL)
                return NULL;
        return document_new(g_strdup("the document"), type, g_steal_pointer(&doc));
}

static GPtrArray *apply_and_commit_local(Engine *engine, const char *data, gsize size, ApplyResult *result,
                                         GError **error) {
        g_autoptr(GPtrArray) documents = g_ptr_array_new_with_free_func((GDestroyNotify)document_free);
        Document *document = parse_local_document(engine, data, size, error);
        xmlDoc *working;

        if (document == NULL)
                return NULL;
        g_ptr_array_add(documents, document);
        working = build_working_copy(engine, documents, result, error);
        if (working == NULL)
                return NULL;
        return commit_working_copy(engine, working, result, error);
}

gboolean engine_apply_document(Engine *engine, const char *data, gsize size, GPtrArray **changes,
                               GError **error) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GPtrArray) changed = NULL;
        g_autoptr(GError) local_error = NULL;
        const char *previous_state = engine->status.state;

        set_state(engine, "applying");
        notify_status(engine);
        changed = apply_and_commit_local(engine, data, size, result, &local_error);
        set_state(engine, previous_state);
        if (changed == NULL) {
                record_failure(engine, local_error, result->warnings);
                notify_status(engine);
                g_propagate_error(error, g_steal_pointer(&local_error));
                return FALSE;
        }

        log_warnings(0, result);
        g_message("apply: %u section(s) changed, settings generation %" G_GUINT64_FORMAT, changed->len,
                  store_get_generation(engine->store));
        status_set_result(&engine->status, NULL, NULL, result->warnings);
        notify_status(engine);
        emit_section_applied(engine, 0, changed);
        *changes = g_steal_pointer(&changed);
        return TRUE;
}

void engine_record_failure(Engine *engine, const GError *failure) {
        g_autoptr(GPtrArray) no_warnings = g_ptr_array_new();

        record_failure(engine, failure, no_warnings);
        notify_status(engine);
}

/* ---- Provisioning runs ------------------------------------------------------------ */

static void report_progress(Engine *engine, const char *stage, guint percent, const char *detail) {
        if (!progress_tracker_update(&engine->progress, stage, percent, g_get_monotonic_time()))
                return;
        status_set_number(&engine->status, &engine->status.progress, engine->progress.percent, STATUS_PROGRESS);
        notify_status(engine);
        if (engine->callbacks.progress != NULL)
                engine->callbacks.progress(engine->status.run_id, stage, engine->progress.percent, detail,
                                           engine->callbacks_data);
}

static gboolean reap_finished_runs(gpointer user_data) {
        Engine *engine = user_data;

        engine->reap_source = 0;
        g_ptr_array_set_size(engine->finished_runs, 0);
        return G_SOURCE_REMOVE;
}

/* The run is done either way: back to idle; the Run is freed once its callback has returned. */
static void end_run(Engine *engine, gboolean success) {
        guint64 now = (guint64)g_get_real_time();

        g_ptr_array_add(engine->finished_runs, g_steal_pointer(&engine->run));
        if (engine->reap_source == 0)
                engine->reap_source = g_idle_add(reap_finished_runs, engine);

        set_state(engine, "idle");
        status_set_number(&engine->status, &engine->status.last_run_finished, now, STATUS_LAST_RUN_FINISHED);
        if (success)
                status_set_number(&engine->status, &engine->status.last_success, now, STATUS_LAST_SUCCESS);
        notify_status(engine);
}

static void fail_run(Engine *engine, const GError *error, GPtrArray *warnings) {
        guint64 run_id = engine->status.run_id;

        g_message("run %" G_GUINT64_FORMAT ": failed: %s: %s", run_id, error_name_of(error), error->message);
        status_set_result(&engine->status, error_name_of(error), error->message, warnings);
        end_run(engine, FALSE);
        if (engine->callbacks.failed != NULL)
                engine->callbacks.failed(run_id, error_name_of(error), error->message, engine->callbacks_data);
}

static void on_run_downloading(Run *run, guint percent, const char *detail, gpointer user_data) {
        report_progress(user_data, PROGRESS_STAGE_DOWNLOADING, percent * PERCENT_DOWNLOAD_SHARE / 100, detail);
}

static void on_run_fetched(Run *run, guint64 bytes, gpointer user_data) {
        Engine *engine = user_data;
        Status *status = &engine->status;

        status_set_number(status, &status->files_fetched, status->files_fetched + 1, STATUS_FILES_FETCHED);
        status_set_number(status, &status->bytes_fetched, status->bytes_fetched + bytes, STATUS_BYTES_FETCHED);
        notify_status(engine);
}

static char *describe_applied(GPtrArray *documents, const ApplyResult *result) {
        g_autoptr(GString) detail = g_string_new(NULL);

        g_string_printf(detail, "%u document(s) applied", documents->len);
        for (guint i = 0; i < result->discarded->len; i++)
                g_string_append_printf(detail, "; discarded %s", (const char *)g_ptr_array_index(result->discarded, i));
        return g_string_free(g_steal_pointer(&detail), FALSE);
}

static void on_run_downloaded(Run *run, GPtrArray *documents, gpointer user_data) {
        Engine *engine = user_data;
        guint64 run_id = engine->status.run_id;
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;
        g_autofree char *detail = NULL;
        xmlDoc *working = build_working_copy(engine, documents, result, &error);

        if (working == NULL) {
                fail_run(engine, error, result->warnings);
                return;
        }
        detail = describe_applied(documents, result);
        report_progress(engine, PROGRESS_STAGE_APPLYING, PERCENT_APPLYING, detail);
        report_progress(engine, PROGRESS_STAGE_COMMITTING, PERCENT_COMMITTING, "");
        changes = commit_working_copy(engine, working, result, &error);
        if (changes == NULL) {
                fail_run(engine, error, result->warnings);
                return;
        }

        log_warnings(run_id, result);
        status_set_result(&engine->status, NULL, NULL, result->warnings);
        notify_status(engine);
        emit_section_applied(engine, run_id, changes);
        report_progress(engine, PROGRESS_STAGE_DONE, 100, "");
        g_message("run %" G_GUINT64_FORMAT ": finished, %u section(s) changed", run_id, changes->len);
        end_run(engine, TRUE);
        if (engine->callbacks.finished != NULL)
                engine->callbacks.finished(run_id, changes->len, engine->callbacks_data);
}

static void on_run_failed(Run *run, const GError *error, gpointer user_data) {
        g_autoptr(GPtrArray) no_warnings = g_ptr_array_new();

        fail_run(user_data, error, no_warnings);
}

static const RunCallbacks run_callbacks = {
        .downloading = on_run_downloading,
        .fetched = on_run_fetched,
        .downloaded = on_run_downloaded,
        .failed = on_run_failed,
};

/* The text of /SECTION/ELEMENT in the stored settings, or NULL when absent or empty. */
static char *read_setting(const Engine *engine, const char *section_name, const char *element) {
        xmlNode *section = apply_find_section(store_get_document(engine->store), section_name);
        g_autoptr(XmlString) text = NULL;

        for (xmlNode *child = section != NULL ? xml_first_element_child(section) : NULL; child != NULL;
             child = xml_next_element(child)) {
                if (g_str_equal(xml_node_name(child), element)) {
                        text = xmlNodeGetContent(child);
                        break;
                }
        }
        if (text == NULL || *g_strstrip((char *)text) == '\0')
                return NULL;
        return g_strdup((const char *)text);
}

guint64 engine_start_run(Engine *engine, const char *url, const char *trigger) {
        /* A blank URL is what a phone menu sends when the field is left blank: use the configured one. */
        g_autofree char *given_url = url_normalize_input(url);
        g_autofree char *stored_url = given_url == NULL ? read_setting(engine, "provisioning", "url") : NULL;
        g_autofree char *configured_url = url_normalize_input(stored_url);
        g_autofree char *username = read_setting(engine, "provisioning", "username");
        g_autofree char *password = read_setting(engine, "provisioning", "password");
        g_autofree char *redacted = NULL;
        const DaemonConfig *config = engine->config;
        Status *status = &engine->status;
        RunSettings settings = {
                .url = given_url != NULL ? given_url : configured_url,
                .device = engine->device,
                .schemas = engine->schemas,
                .fetch = {
                        .connect_timeout_seconds = config->connect_timeout,
                        .file_timeout_seconds = config->file_timeout,
                        .max_file_size = config->max_file_size,
                        .max_redirects = config->max_redirects,
                        .ca_file = config->ca_file,
                        .user_agent = engine->user_agent,
                        .username = username,
                        .password = password,
                },
                .max_files = config->max_files,
                .max_reference_depth = config->max_reference_depth,
        };

        if (engine->run != NULL)
                return status->run_id;

        redacted = settings.url != NULL ? url_redact(settings.url) : g_strdup("");
        status_set_number(status, &status->run_id, status->run_id + 1, STATUS_RUN_ID);
        status_set_string(status, &status->trigger, trigger != NULL ? trigger : "manual", STATUS_TRIGGER);
        status_set_string(status, &status->url, redacted, STATUS_URL);
        status_set_number(status, &status->progress, 0, STATUS_PROGRESS);
        status_set_number(status, &status->files_fetched, 0, STATUS_FILES_FETCHED);
        status_set_number(status, &status->bytes_fetched, 0, STATUS_BYTES_FETCHED);
        status_set_number(status, &status->last_run_started, (guint64)g_get_real_time(), STATUS_LAST_RUN_STARTED);
        set_state(engine, "running");
        progress_tracker_init(&engine->progress);
        engine->run = run_new(&settings, &run_callbacks, engine);
        g_message("run %" G_GUINT64_FORMAT ": started (%s) from %s", status->run_id, status->trigger,
                  *redacted != '\0' ? redacted : "no URL");
        notify_status(engine);
        return status->run_id;
}

void engine_stop(Engine *engine) {
        g_autoptr(GError) stopping = NULL;
        g_autoptr(GPtrArray) no_warnings = NULL;

        if (engine->run == NULL)
                return;
        stopping = g_error_new_literal(PROV_ERROR, PROV_ERROR_CANCELLED, "provisiond is stopping");
        no_warnings = g_ptr_array_new();
        run_cancel(engine->run);
        fail_run(engine, stopping, no_warnings);
}

gboolean engine_cancel_run(Engine *engine, GError **error) {
        if (engine->run == NULL) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_NOT_RUNNING, "no provisioning run is active");
                return FALSE;
        }
        g_message("run %" G_GUINT64_FORMAT ": cancelling", engine->status.run_id);
        run_cancel(engine->run);
        return TRUE;
}

/* ---- Backup and status ------------------------------------------------------------ */

static gboolean check_section_names(const Engine *engine, const char *const *sections, GError **error) {
        for (gsize i = 0; sections != NULL && sections[i] != NULL; i++) {
                if (schema_set_section_version(engine->schemas, sections[i]) == NULL) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS, "unknown section '%s'",
                                    sections[i]);
                        return FALSE;
                }
        }
        return TRUE;
}

char *engine_backup(Engine *engine, const char *const *sections, gboolean include_secrets, GError **error) {
        xmlDoc *stored = store_get_document(engine->store);
        gboolean all = sections == NULL || sections[0] == NULL;
        g_autoptr(xmlDoc) backup = NULL;
        xmlNode *root;

        if (!check_section_names(engine, sections, error))
                return NULL;

        backup = xmlNewDoc((const xmlChar *)"1.0");
        root = xmlNewNode(NULL, (const xmlChar *)"configuration");
        /* Restoring a backup reproduces the sections exactly, not merged into newer ones. */
        xmlSetProp(root, (const xmlChar *)"patchDefault", (const xmlChar *)"false");
        xmlDocSetRootElement(backup, root);
        for (const char *const *name = schema_set_sections(engine->schemas); *name != NULL; name++) {
                xmlNode *section;
                if (!all && !g_strv_contains(sections, *name))
                        continue;
                section = apply_find_section(stored, *name);
                if (section != NULL)
                        xmlAddChild(root, xmlDocCopyNode(section, backup, 1));
        }
        if (!include_secrets && secrets_remove(root) > 0)
                xmlAddPrevSibling(root, xmlNewDocComment(backup, (const xmlChar *)" passwords left out: the caller "
                                                                                  "may not change the settings "));
        return xml_doc_to_string(backup, NULL);
}

const Status *engine_get_status(const Engine *engine) {
        return &engine->status;
}

guint64 engine_get_max_file_size(const Engine *engine) {
        return engine->config->max_file_size;
}
