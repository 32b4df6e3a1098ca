/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine: owns the settings store, the schemas and the provisioning
 * runs; applies documents all-or-nothing; keeps the status; reports through
 * callbacks the bus adapter registers. Knows nothing of D-Bus.
 */
#pragma once

#include <glib.h>

#include "daemon-config.h"
#include "run-request.h"
#include "status.h"

typedef struct Engine Engine;

typedef struct {
        /* A section's change is durable on disk. run_id is 0 for ApplyFile. */
        void (*section_applied)(guint64 run_id, const char *section, const char *version, const char *how,
                                gpointer user_data);
        /* Status properties changed; @names is NULL-terminated. */
        void (*status_changed)(const char *const *names, gpointer user_data);
        /* A run's progress (already throttled). */
        void (*progress)(guint64 run_id, const char *stage, guint percent, const char *detail, gpointer user_data);
        /* A run ended without a commit; @error is PROV_ERROR (see provision-error.h). */
        void (*failed)(guint64 run_id, const GError *error, gpointer user_data);
        /* A run was committed; its SectionApplied calls came first. */
        void (*finished)(guint64 run_id, guint sections_changed, gpointer user_data);
} EngineCallbacks;

/** engine_new: loads the schemas and opens (or creates) the settings store. */
Engine *engine_new(const DaemonConfig *config, GError **error);

/** engine_free: cancels a run in flight (nothing of it is committed). */
void engine_free(Engine *engine);

void engine_set_callbacks(Engine *engine, const EngineCallbacks *callbacks, gpointer user_data);

/**
 * engine_apply_document:
 * Applies one patch or operations document (@size bytes at @data) to the
 * stored settings, all-or-nothing, and commits it once. Reference documents
 * are refused. On success returns the changed sections (SectionChange, see
 * apply-result.h) in @changes. Signals follow the commit.
 */
gboolean engine_apply_document(Engine *engine, const char *data, gsize size, GPtrArray **changes,
                               GError **error);

/**
 * engine_rollback:
 * Restores the settings of kept generation @generation (generations.h) as a
 * new commit, through the working copy like engine_apply_document() (migrated,
 * validated, all-or-nothing), recorded as trigger "rollback". The changed
 * sections are reported with how = HOW_ROLLBACK. Errors: PROV_ERROR_UNKNOWN_GENERATION,
 * PROV_ERROR_VALIDATION, PROV_ERROR_STORAGE, …; recorded in the status like
 * an apply's.
 */
gboolean engine_rollback(Engine *engine, guint64 generation, GPtrArray **changes, GError **error);

/** engine_list_generations: the kept generations (GenerationInfo*, generations.h), oldest first. */
GPtrArray *engine_list_generations(Engine *engine);

/**
 * engine_diff_generations:
 * The differences (SettingDifference*, settings-diff.h) from kept generation
 * @from to kept generation @to; PROV_ERROR_UNKNOWN_GENERATION when one is not kept.
 */
GPtrArray *engine_diff_generations(Engine *engine, guint64 from, guint64 to, GError **error);

/**
 * engine_record_failure:
 * Records @failure as the result of an apply that was refused before a
 * document reached the engine (unreadable fd, bad options).
 */
void engine_record_failure(Engine *engine, const GError *failure);

/**
 * engine_start_run:
 * Starts a provisioning run for @request (copied; see run-request.h: no URL
 * means the configured /provisioning/url) and sets @run_id to its id. While a
 * run is active, a request without a URL or with the active run's URL joins
 * it: @run_id is the active run's id and nothing starts. A request with
 * another URL fails with PROV_ERROR_BUSY, naming the active run's id and
 * (redacted) URL. Everything after this is reported through the callbacks
 * (progress, section_applied, finished or failed).
 */
gboolean engine_start_run(Engine *engine, const RunRequest *request, guint64 *run_id, GError **error);

/**
 * engine_stop:
 * Ends an active run at once, reported as Failed with PROV_ERROR_CANCELLED
 * ("provisiond is stopping"); nothing of it is committed. For shutdown.
 */
void engine_stop(Engine *engine);

/** engine_cancel_run: cancels the active run; PROV_ERROR_NOT_RUNNING without one. */
gboolean engine_cancel_run(Engine *engine, GError **error);

/**
 * engine_backup:
 * A patch-type document of the named sections (NULL or empty: all) in
 * canonical order. Without @include_secrets, passwords are left out (see
 * secrets.h) and a comment says so. An unknown name fails with
 * PROV_ERROR_INVALID_ARGS.
 */
char *engine_backup(Engine *engine, const char *const *sections, gboolean include_secrets, GError **error);

/** engine_count_sections: how many settings sections the schemas know (Backup() takes at most this many names). */
guint engine_count_sections(const Engine *engine);

/** engine_get_status: the current status (owned by @engine). */
const Status *engine_get_status(const Engine *engine);

/** engine_get_max_file_size: the size cap for documents, from the configuration. */
guint64 engine_get_max_file_size(const Engine *engine);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Engine, engine_free)
