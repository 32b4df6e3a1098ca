/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine: owns the settings store and the schemas, applies documents
 * all-or-nothing, keeps the status, and reports through callbacks the bus
 * adapter registers. Knows nothing of D-Bus.
 */
#pragma once

#include <glib.h>

#include "daemon-config.h"

typedef struct Engine Engine;

/** The engine's status, as GetStatus and the properties show it. */
typedef struct {
        const char *state;       /* "idle", "applying" */
        const char *last_result; /* "none", "success", "failed" */
        const char *last_error_name;    /* D-Bus error name, "" if none */
        const char *last_error_message; /* "" if none */
        const char *const *last_warnings;
        guint64 last_change;
        guint64 settings_generation;
} EngineStatus;

/** Status properties, by their bus names, as passed to status_changed. */
#define ENGINE_PROPERTY_STATE "State"
#define ENGINE_PROPERTY_LAST_RESULT "LastResult"
#define ENGINE_PROPERTY_LAST_ERROR "LastError"
#define ENGINE_PROPERTY_LAST_WARNINGS "LastWarnings"
#define ENGINE_PROPERTY_LAST_CHANGE "LastChange"
#define ENGINE_PROPERTY_SETTINGS_GENERATION "SettingsGeneration"

typedef struct {
        /* A section's change is durable on disk. run_id is 0 for ApplyFile. */
        void (*section_applied)(guint64 run_id, const char *section, const char *version, const char *how,
                                gpointer user_data);
        /* Some status properties changed; @names is NULL-terminated. */
        void (*status_changed)(const char *const *names, gpointer user_data);
} EngineCallbacks;

/** engine_new: loads the schemas and opens (or creates) the settings store. */
Engine *engine_new(const DaemonConfig *config, GError **error);

void engine_free(Engine *engine);

void engine_set_callbacks(Engine *engine, const EngineCallbacks *callbacks, gpointer user_data);

/**
 * engine_apply_document:
 * Applies one provisioning document (@size bytes at @data) to the stored
 * settings, all-or-nothing: reference documents are refused, patch sections
 * are stripped, merged or replaced and validated in a working copy, which is
 * committed once. On success returns TRUE and the changed sections (an array
 * of SectionChange, see apply.h) in @changes. Signals follow the commit.
 */
gboolean engine_apply_document(Engine *engine, const char *data, gsize size, GPtrArray **changes,
                               GError **error);

/**
 * engine_record_failure:
 * Records @failure as the result of an apply that was refused before a
 * document reached the engine (unreadable fd, bad options).
 */
void engine_record_failure(Engine *engine, const GError *failure);

/**
 * engine_backup:
 * A patch-type document of the named sections (NULL or empty: all) in
 * canonical order. An unknown name fails with PROV_ERROR_INVALID_ARGS.
 */
char *engine_backup(Engine *engine, const char *const *sections, GError **error);

/** engine_get_status: the current status; valid until the engine next changes. */
EngineStatus engine_get_status(const Engine *engine);

/** engine_get_max_file_size: the size cap for documents, from the configuration. */
guint64 engine_get_max_file_size(const Engine *engine);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Engine, engine_free)
