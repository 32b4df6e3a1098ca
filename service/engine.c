/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine.h"

#include "apply.h"
#include "document.h"
#include "provision.h"
#include "schema.h"
#include "store.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

struct Engine {
        Store *store;
        SchemaSet *schemas;
        guint64 max_file_size;

        const char *state;
        const char *last_result;
        char *last_error_name;
        char *last_error_message;
        GStrv last_warnings;

        EngineCallbacks callbacks;
        gpointer callbacks_data;
};

static void notify_status(Engine *engine, const char *const *names) {
        if (engine->callbacks.status_changed != NULL)
                engine->callbacks.status_changed(names, engine->callbacks_data);
}

static void set_state(Engine *engine, const char *state) {
        static const char *const names[] = { ENGINE_PROPERTY_STATE, NULL };

        engine->state = state;
        notify_status(engine, names);
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

Engine *engine_new(const DaemonConfig *config, GError **error) {
        g_autoptr(Engine) engine = g_new0(Engine, 1);

        engine->state = "idle";
        engine->last_result = "none";
        engine->last_error_name = g_strdup("");
        engine->last_error_message = g_strdup("");
        engine->last_warnings = g_new0(char *, 1);
        engine->max_file_size = config->max_file_size;

        engine->schemas = schema_set_load(config->schemas_dir, error);
        if (engine->schemas == NULL)
                return NULL;
        engine->store = store_open(config->state_dir, config->defaults_file, error);
        if (engine->store == NULL)
                return NULL;
        g_info("release %s, settings generation %" G_GUINT64_FORMAT, schema_set_release(engine->schemas),
               store_get_generation(engine->store));
        log_settings_sections(engine);
        return g_steal_pointer(&engine);
}

void engine_free(Engine *engine) {
        if (engine == NULL)
                return;
        g_clear_pointer(&engine->store, store_free);
        g_clear_pointer(&engine->schemas, schema_set_free);
        g_free(engine->last_error_name);
        g_free(engine->last_error_message);
        g_strfreev(engine->last_warnings);
        g_free(engine);
}

void engine_set_callbacks(Engine *engine, const EngineCallbacks *callbacks, gpointer user_data) {
        engine->callbacks = *callbacks;
        engine->callbacks_data = user_data;
}

static void set_warnings(Engine *engine, GPtrArray *warnings) {
        g_strfreev(engine->last_warnings);
        g_ptr_array_add(warnings, NULL);
        engine->last_warnings = (GStrv)g_ptr_array_steal(warnings, NULL);
}

static void record_result(Engine *engine, const GError *failure, GPtrArray *warnings, gboolean committed) {
        static const char *const names[] = {
                ENGINE_PROPERTY_LAST_RESULT, ENGINE_PROPERTY_LAST_ERROR, ENGINE_PROPERTY_LAST_WARNINGS, NULL,
        };
        static const char *const names_after_commit[] = {
                ENGINE_PROPERTY_LAST_RESULT, ENGINE_PROPERTY_LAST_ERROR, ENGINE_PROPERTY_LAST_WARNINGS,
                ENGINE_PROPERTY_LAST_CHANGE, ENGINE_PROPERTY_SETTINGS_GENERATION, NULL,
        };
        const char *error_name = NULL;

        if (failure != NULL && failure->domain == PROV_ERROR)
                error_name = prov_error_to_dbus_name(failure->code);
        g_free(engine->last_error_name);
        g_free(engine->last_error_message);
        engine->last_result = failure == NULL ? "success" : "failed";
        engine->last_error_name = g_strdup(failure == NULL ? "" : error_name != NULL ? error_name : "org.freedesktop.DBus.Error.Failed");
        engine->last_error_message = g_strdup(failure == NULL ? "" : failure->message);
        set_warnings(engine, warnings);
        notify_status(engine, committed ? names_after_commit : names);
}

/* Parses, classifies and applies @data to a working copy; returns it, or NULL on error. */
static xmlDoc *build_working_copy(Engine *engine, const char *data, gsize size, ApplyResult *result,
                                  GError **error) {
        g_autoptr(xmlDoc) document = xml_parse_untrusted(data, size, "the document", error);
        g_autoptr(xmlDoc) working = NULL;
        DocumentType type;

        if (document == NULL || !document_classify(document, engine->schemas, &type, error))
                return NULL;
        if (type == DOCUMENT_REFERENCE) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_REFERENCE_NOT_ALLOWED,
                            "reference documents (<referencedSettings>) can only be provisioned from a server, "
                            "not applied from a file");
                return NULL;
        }
        if (type != DOCUMENT_PATCH) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s documents are not supported",
                            document_type_name(type));
                return NULL;
        }
        working = store_copy_document(engine->store);
        if (!apply_patch_document(working, document, engine->schemas, result, error) ||
            !apply_validate_touched(working, engine->schemas, result, error))
                return NULL;
        return g_steal_pointer(&working);
}

static void emit_section_applied(Engine *engine, guint64 run_id, GPtrArray *changes) {
        if (engine->callbacks.section_applied == NULL)
                return;
        for (guint i = 0; i < changes->len; i++) {
                const SectionChange *change = g_ptr_array_index(changes, i);
                engine->callbacks.section_applied(run_id, change->section, change->version, change->how,
                                                  engine->callbacks_data);
        }
}

static gboolean apply_and_commit(Engine *engine, const char *data, gsize size, ApplyResult *result,
                                 GPtrArray **changes, GError **error) {
        g_autoptr(xmlDoc) working = build_working_copy(engine, data, size, result, error);
        g_autoptr(GPtrArray) changed = NULL;

        if (working == NULL)
                return FALSE;
        changed = apply_changed_sections(store_get_document(engine->store), working, result);
        if (changed->len > 0 && !store_commit(engine->store, g_steal_pointer(&working), error))
                return FALSE;
        *changes = g_steal_pointer(&changed);
        return TRUE;
}

gboolean engine_apply_document(Engine *engine, const char *data, gsize size, GPtrArray **changes,
                               GError **error) {
        g_autoptr(ApplyResult) result = apply_result_new();
        g_autoptr(GPtrArray) changed = NULL;
        g_autoptr(GError) local_error = NULL;

        set_state(engine, "applying");
        if (!apply_and_commit(engine, data, size, result, &changed, &local_error)) {
                g_message("apply: failed: %s", local_error->message);
                record_result(engine, local_error, result->warnings, FALSE);
                set_state(engine, "idle");
                g_propagate_error(error, g_steal_pointer(&local_error));
                return FALSE;
        }

        for (guint i = 0; i < result->warnings->len; i++)
                g_message("apply: %s", (const char *)g_ptr_array_index(result->warnings, i));
        g_message("apply: %u section(s) changed, settings generation %" G_GUINT64_FORMAT, changed->len,
                  store_get_generation(engine->store));
        record_result(engine, NULL, result->warnings, changed->len > 0);
        emit_section_applied(engine, 0, changed);
        set_state(engine, "idle");
        *changes = g_steal_pointer(&changed);
        return TRUE;
}

void engine_record_failure(Engine *engine, const GError *failure) {
        g_autoptr(GPtrArray) no_warnings = g_ptr_array_new();

        g_message("apply: refused: %s", failure->message);
        record_result(engine, failure, no_warnings, FALSE);
}

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

char *engine_backup(Engine *engine, const char *const *sections, GError **error) {
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
        return xml_doc_to_string(backup, NULL);
}

EngineStatus engine_get_status(const Engine *engine) {
        return (EngineStatus){
                .state = engine->state,
                .last_result = engine->last_result,
                .last_error_name = engine->last_error_name,
                .last_error_message = engine->last_error_message,
                .last_warnings = (const char *const *)engine->last_warnings,
                .last_change = store_get_last_change(engine->store),
                .settings_generation = store_get_generation(engine->store),
        };
}

guint64 engine_get_max_file_size(const Engine *engine) {
        return engine->max_file_size;
}
