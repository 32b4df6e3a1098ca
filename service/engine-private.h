/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine's state, shared by the files that implement engine.h: engine.c
 * (start, runs, status), engine-apply.c (ApplyFile, check-sync bodies,
 * Rollback, generations), engine-discover.c (Discover and the DHCP
 * change trigger) and engine-triggers.c (automatic runs). Nothing else
 * includes this header.
 */
#pragma once

#include "engine.h"

#include "apply-queue.h"
#include "device.h"
#include "download-cache.h"
#include "generations.h"
#include "provision-error.h"
#include "run-history.h"
#include "run.h"
#include "schema.h"
#include "store.h"
#include "triggers.h"

struct Engine {
        Store *store;
        Generations *generations; /* the kept settings generations; Rollback */
        SchemaSet *schemas;
        DeviceIdentity *device;
        DaemonConfig *config; /* a copy: limits, TLS */
        char *user_agent;
        Status status;
        DownloadCache *cache; /* conditional downloads, STATE_DIR/cache */
        RunHistory *history;  /* per source and the last runs, STATE_DIR/runs; main thread only */
        ApplyQueue *queue;    /* every change of the settings, one at a time, in a worker */
        guint applies_pending; /* ApplyFile, check-sync bodies, Rollback queued or running: State is "applying" */

        DhcpLeases *leases;  /* borrowed from main.c, or NULL */
        char *last_dhcp_url; /* the DHCP URL last used or seen at start (the "DHCP change" trigger) */
        GCancellable *discover_cancellable; /* of the Discover call in flight, or NULL */

        Run *run;                 /* the active run, or NULL */
        GPtrArray *finished_runs; /* freed from an idle callback, never inside their own callbacks */
        guint reap_source;
        RunRequest *follow_up;  /* engine_queue_run() while a run was active, or NULL */
        guint follow_up_source; /* starts it once the active run has ended */

        Triggers *triggers; /* boot, schedule, retries; NULL until engine_start_triggers() */

        EngineCallbacks callbacks;
        gpointer callbacks_data;
};

/* Sends PropertiesChanged (through EngineCallbacks.status_changed) for the status fields changed so far. */
void engine_notify_status(Engine *engine);

/*
 * State (a Status state string) from what is in progress, marked changed only if it differs:
 * "applying" while an ApplyFile, check-sync body or Rollback is queued or running (also during
 * a run: docs/dbus-api.md, until the last one's reply), else "running" while a run is active,
 * else "idle".
 */
void engine_update_state(Engine *engine);

/* LastChange and SettingsGeneration from the store; on the main thread while no job commits. */
void engine_refresh_store_status(Engine *engine);

/* SectionApplied for each change (SectionChange*), then NextRun if "provisioning" changed. */
void engine_emit_section_applied(Engine *engine, guint64 run_id, GPtrArray *changes);

/* The warnings of an apply in the log (at most STATUS_MAX_WARNINGS). */
void engine_log_warnings(guint64 run_id, const ApplyResult *result);

/*
 * engine_failure_reason:
 * A copy of @error, the reason an apply or a run failed. A stage that fails
 * without setting its GError is a bug: it is logged as critical and reported
 * as PROV_ERROR_FAILED, never dereferenced (and never taken for a success).
 */
static inline GError *engine_failure_reason(const GError *error) {
        if (error != NULL)
                return g_error_copy(error);
        g_critical("a stage failed without saying why");
        return g_error_new_literal(PROV_ERROR, PROV_ERROR_FAILED, "internal error: failed without a reason");
}
