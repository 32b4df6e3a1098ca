/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Local changes of the settings: ApplyFile, the body of a check-sync NOTIFY
 * and Rollback, each an apply job (apply-queue.h) that commits in the worker
 * under the store lock; and the kept generations (ListGenerations,
 * DiffGenerations), read under generations.c's own lock.
 */
#include "engine-private.h"

#include "apply-queue.h"
#include "commit-info.h"
#include "document.h"
#include "generations.h"
#include "rollback.h"
#include "settings-diff.h"
#include "working-copy.h"
#include "xml-cleanup.h"

/* After an apply of a document this large, freed memory is given back to the system. */
#define ENGINE_TRIM_AFTER_BYTES (64 * 1024)

static void record_failure(Engine *engine, const GError *reported, GPtrArray *warnings) {
        g_autoptr(GError) failure = engine_failure_reason(reported);

        status_set_result(&engine->status, failure, warnings);
        g_message("apply: failed: %s: %s", engine->status.last_error_name, failure->message);
}

/* One local change (ApplyFile, a check-sync body, Rollback): filled in the worker, reported on the main thread. */
typedef struct {
        Engine *engine; /* read only on the main thread */
        Store *store;
        const SchemaSet *schemas;
        Generations *generations;
        GBytes *data; /* the document (NULL for a rollback); dropped before the commit */
        gsize size;
        gboolean rollback;
        guint64 generation; /* Rollback's */
        CommitInfo *info;   /* what the commit is recorded as (generations.h) */
        const char *how;    /* reported for every change instead of its own (Rollback), or NULL */
        ApplyOutcome outcome;
        EngineApplyCallback callback;
        gpointer user_data;
} LocalApply;

static void local_apply_free(LocalApply *apply) {
        g_clear_pointer(&apply->data, g_bytes_unref);
        g_clear_pointer(&apply->info, commit_info_free);
        apply_outcome_clear(&apply->outcome);
        g_free(apply);
}

/* ApplyFile's bytes, or a kept generation (Rollback) as a document that replaces its sections. */
static Document *load_local_document(const LocalApply *apply, GError **error) {
        gsize size = 0;
        const char *text;
        DocumentType type;
        g_autoptr(xmlDoc) doc = NULL;

        if (apply->rollback)
                return rollback_document_new(apply->generations, apply->generation, error);
        text = g_bytes_get_data(apply->data, &size);
        doc = document_parse(text, size, "the document", apply->schemas, &type, error);
        if (doc == NULL)
                return NULL;
        return document_new(g_strdup("the document"), type, g_steal_pointer(&doc));
}

/* Parses, applies and validates; the document is freed on return, before the commit. */
static gboolean apply_local_document(WorkingCopy *copy, const LocalApply *apply, GError **error) {
        g_autoptr(Document) document = load_local_document(apply, error);

        return document != NULL && working_copy_apply(copy, document, error) &&
                working_copy_validate(copy, error);
}

static void local_apply_run(ApplyQueue *queue, LocalApply *apply) {
        g_autoptr(WorkingCopy) copy = working_copy_new(apply->store, apply->schemas);
        gboolean applied;

        working_copy_set_commit_info(copy, apply->info);
        applied = apply_local_document(copy, apply, &apply->outcome.error);
        g_clear_pointer(&apply->data, g_bytes_unref);
        working_copy_conclude(copy, applied, queue, &apply->outcome);
}

static void local_apply_work(ApplyQueue *queue, gpointer data) {
        LocalApply *apply = data;

        local_apply_run(queue, apply);
        /* A rollback's document is a whole generation. */
        if (apply->size >= ENGINE_TRIM_AFTER_BYTES || apply->rollback)
                apply_queue_trim_memory();
}

/* Every change reported as @how (a rollback's sections were applied as replacements). */
static void report_changes_as(GPtrArray *changes, const char *how) {
        for (guint i = 0; how != NULL && i < changes->len; i++) {
                SectionChange *change = g_ptr_array_index(changes, i);
                g_free(change->how);
                change->how = g_strdup(how);
        }
}

static void local_apply_done(gpointer data) {
        LocalApply *apply = data;
        Engine *engine = apply->engine;

        engine->applies_pending--;
        engine_update_state(engine);
        if (apply->outcome.changes == NULL) {
                record_failure(engine, apply->outcome.error, apply->outcome.result->warnings);
                engine_notify_status(engine);
                apply->callback(NULL, apply->outcome.error, apply->user_data);
                return;
        }
        engine_refresh_store_status(engine);
        report_changes_as(apply->outcome.changes, apply->how);
        engine_log_warnings(0, apply->outcome.result);
        g_message("apply: %u section(s) changed, settings generation %" G_GUINT64_FORMAT,
                  apply->outcome.changes->len, store_get_generation(engine->store));
        status_set_result(&engine->status, NULL, apply->outcome.result->warnings);
        engine_notify_status(engine);
        engine_emit_section_applied(engine, 0, apply->outcome.changes);
        apply->callback(apply->outcome.changes, NULL, apply->user_data);
}

/* Queues @apply (filled in by the caller); State is "applying" until the last one is done. */
static void push_local_apply(Engine *engine, LocalApply *apply) {
        apply->engine = engine;
        apply->store = engine->store;
        apply->schemas = engine->schemas;
        apply->generations = engine->generations;
        engine->applies_pending++;
        engine_update_state(engine);
        engine_notify_status(engine);
        apply_queue_push(engine->queue, local_apply_work, local_apply_done, apply,
                         (GDestroyNotify) local_apply_free);
}

static LocalApply *local_apply_new(GBytes *data, CommitInfo *info, EngineApplyCallback callback,
                                   gpointer user_data) {
        LocalApply *apply = g_new0(LocalApply, 1);

        apply->data = data != NULL ? g_bytes_ref(data) : NULL;
        apply->size = data != NULL ? g_bytes_get_size(data) : 0;
        apply->info = info;
        apply->callback = callback;
        apply->user_data = user_data;
        return apply;
}

void engine_apply_document_async(Engine *engine, GBytes *data, EngineApplyCallback callback,
                                 gpointer user_data) {
        CommitInfo *info = commit_info_new(COMMIT_TRIGGER_APPLY, "file", "", 0);

        push_local_apply(engine, local_apply_new(data, info, callback, user_data));
}

void engine_apply_check_sync_body_async(Engine *engine, GBytes *data, EngineApplyCallback callback,
                                        gpointer user_data) {
        const char *check_sync = run_source_name(RUN_SOURCE_CHECK_SYNC);
        CommitInfo *info = commit_info_new(check_sync, check_sync, "", 0);

        push_local_apply(engine, local_apply_new(data, info, callback, user_data));
}

void engine_rollback_async(Engine *engine, guint64 generation, EngineApplyCallback callback,
                           gpointer user_data) {
        LocalApply *apply = local_apply_new(NULL, rollback_commit_info(generation), callback, user_data);

        apply->rollback = TRUE;
        apply->generation = generation;
        apply->how = HOW_ROLLBACK;
        g_message("rollback to settings generation %" G_GUINT64_FORMAT, generation);
        push_local_apply(engine, apply);
}

/* The kept generations are the module's own files, read under its own lock (generations.c). */
GPtrArray *engine_list_generations(Engine *engine) {
        return generations_list(engine->generations);
}

GPtrArray *engine_diff_generations(Engine *engine, guint64 from, guint64 to, GError **error) {
        g_autoptr(xmlDoc) old_doc = generations_load(engine->generations, from, error);
        g_autoptr(xmlDoc) new_doc = old_doc != NULL ? generations_load(engine->generations, to, error) : NULL;

        if (new_doc == NULL)
                return NULL;
        return settings_diff(old_doc, new_doc);
}

void engine_record_failure(Engine *engine, const GError *failure) {
        g_autoptr(GPtrArray) no_warnings = g_ptr_array_new();

        record_failure(engine, failure, no_warnings);
        engine_notify_status(engine);
}
