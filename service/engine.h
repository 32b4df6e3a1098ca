/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine: owns the settings store, the schemas and the provisioning
 * runs; applies documents all-or-nothing; keeps the status; reports through
 * callbacks the bus adapter registers. Knows nothing of D-Bus.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "daemon-config.h"
#include "dhcp-leases.h"
#include "discovery.h"
#include "run-history.h"
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
        void (*progress)(guint64 run_id, const char *stage, guint percent, const char *detail,
                         gpointer user_data);
        /* A run ended without a commit; @error is PROV_ERROR (see provision-error.h). */
        void (*failed)(guint64 run_id, const GError *error, gpointer user_data);
        /* A run was committed; its SectionApplied calls came first. */
        void (*finished)(guint64 run_id, guint sections_changed, gpointer user_data);
} EngineCallbacks;

/**
 * engine_new:
 * An engine for @config (copied) that has loaded nothing yet: cheap, so that
 * the bus name can be taken first. Call engine_load() before anything else.
 */
Engine *engine_new(const DaemonConfig *config);

/**
 * engine_load:
 * Loads the schemas of the current release (older versions are compiled on
 * first use), opens (or creates) the settings store and migrates it, and
 * reads the device identity. A broken schema or settings file fails.
 */
gboolean engine_load(Engine *engine, GError **error);

/**
 * engine_check_stored_settings:
 * Validates every stored section and logs what is invalid (only logged: the
 * settings stay as they are). Not needed to serve; run after start-up.
 */
void engine_check_stored_settings(Engine *engine);

/** engine_free: cancels a run in flight (nothing of it is committed). */
void engine_free(Engine *engine);

void engine_set_callbacks(Engine *engine, const EngineCallbacks *callbacks, gpointer user_data);

/**
 * EngineApplyCallback:
 * The outcome of engine_apply_document_async(), on the main thread: the
 * changed sections (SectionChange*, see apply-result.h; owned by the engine,
 * possibly none), or NULL and @error (PROV_ERROR). Status and SectionApplied
 * signals come first.
 */
typedef void (*EngineApplyCallback)(GPtrArray *changes, const GError *error, gpointer user_data);

/**
 * engine_apply_document_async:
 * Applies one patch or operations document (@data, referenced) to the
 * stored settings, all-or-nothing, and commits it once. Reference documents
 * are refused. Parsing, applying, validating and the commit run in a worker
 * thread, one apply at a time: a document that comes while another apply
 * (or a run's) is in progress waits for it, in order. State is "applying"
 * from the call until the last queued ApplyFile is done. @callback is always
 * called later, never from within this call.
 */
void engine_apply_document_async(Engine *engine, GBytes *data, EngineApplyCallback callback,
                                 gpointer user_data);

/**
 * engine_apply_check_sync_body_async:
 * engine_apply_document_async() for the body of a check-sync NOTIFY
 * (check-sync.c): its generation records trigger and source "check-sync"
 * instead of "apply" and "file".
 */
void engine_apply_check_sync_body_async(Engine *engine, GBytes *data, EngineApplyCallback callback,
                                        gpointer user_data);

/**
 * engine_rollback_async:
 * Restores the settings of kept generation @generation (generations.h) as a
 * new commit, through the working copy like engine_apply_document_async()
 * (an apply job in the worker: migrated, validated, all-or-nothing), recorded
 * as trigger "rollback". The changed sections are reported (SectionApplied and
 * @callback) with how = HOW_ROLLBACK. Errors: PROV_ERROR_UNKNOWN_GENERATION,
 * PROV_ERROR_VALIDATION, PROV_ERROR_STORAGE, …; recorded in the status like
 * an apply's. @callback is always called later, on the main thread.
 */
void engine_rollback_async(Engine *engine, guint64 generation, EngineApplyCallback callback,
                           gpointer user_data);

/**
 * engine_list_generations: the kept generations (GenerationInfo*, generations.h),
 * oldest first; read under generations.c's own lock, safe while a job commits.
 */
GPtrArray *engine_list_generations(Engine *engine);

/**
 * engine_diff_generations:
 * The differences (SettingDifference*, settings-diff.h) from kept generation
 * @from to kept generation @to; PROV_ERROR_UNKNOWN_GENERATION when one is not kept.
 * The generation files are read under generations.c's own lock.
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
 * engine_queue_run:
 * Starts a run for @request like engine_start_run() when no run is active
 * (@run_id is its id). While one is active, the request is kept as the one
 * follow-up run instead (@run_id is 0): it starts, from an idle callback, once
 * the active run has ended (Finished or Failed, also a cancelled run). A later
 * call while the follow-up waits replaces it, so several requests coalesce
 * into one run. engine_stop() and engine_free() drop a waiting follow-up.
 * For CheckSync (check-sync.h): a NOTIFY says the files changed, so joining
 * a run that may have fetched them already would miss the change.
 */
void engine_queue_run(Engine *engine, const RunRequest *request, guint64 *run_id);

/**
 * engine_record_check_sync:
 * Sets LastCheckSync (see status.h) to @sender, @accepted and @reason, with
 * the time now, and announces it.
 */
void engine_record_check_sync(Engine *engine, const char *sender, gboolean accepted, const char *reason);

/**
 * engine_copy_section:
 * A copy of the committed settings section @name (transfer full: free with
 * xmlFreeNode()), or NULL. Taken under the store lock: a job of the apply
 * queue may commit at the same time.
 */
xmlNode *engine_copy_section(Engine *engine, const char *name);

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

/** engine_get_run_history: the runs per source and the last runs (owned by @engine). */
const RunHistory *engine_get_run_history(const Engine *engine);

/** engine_get_max_file_size: the size cap for documents, from the configuration. */
guint64 engine_get_max_file_size(const Engine *engine);

/**
 * engine_start_triggers:
 * Starts the automatic runs (triggers.h): the boot run when this is the first
 * start since the system booted and provisioning is active, then the schedule
 * timer; NextRun follows the provisioning section from now on. Call once, after
 * the callbacks are set and the bus name is owned. Unit tests that never call it
 * get no automatic runs.
 */
void engine_start_triggers(Engine *engine);

/**
 * engine_set_dhcp_leases:
 * The DHCP options the discovery reads (@leases borrowed, owned by main.c;
 * must outlive @engine). Their URL counts as used: options kept from before
 * a restart start no run.
 */
void engine_set_dhcp_leases(Engine *engine, DhcpLeases *leases);

/**
 * engine_dhcp_options_changed:
 * The "DHCP change" trigger (issue 11): called after SetDhcpOptions stored new
 * options. When they give a URL other than the one last used or seen (by a
 * run's DHCP source, at start, or by an earlier call while the trigger was
 * off), and /provisioning/active and
 * /provisioning/dhcp are on, a run starts with trigger "dhcp" and no URL (so
 * through the preconditions and the discovery). The same URL again starts
 * nothing; with a run active, the request joins it (engine_start_run()).
 */
void engine_dhcp_options_changed(Engine *engine);

/**
 * engine_discover_async:
 * Discover(): the preconditions and the sources of a run without a URL,
 * without downloading (discover.h). One at a time: another call while one
 * runs fails at once with PROV_ERROR_BUSY (FALSE, @callback not called).
 */
gboolean engine_discover_async(Engine *engine, GAsyncReadyCallback callback, gpointer user_data,
                               GError **error);

/** engine_discover_finish: the result (see discover_finish()). */
DiscoveryResult *engine_discover_finish(GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Engine, engine_free)
