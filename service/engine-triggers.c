/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Automatic runs: the engine's side of triggers.c (boot, schedule, retries) and the NextRun property. */
#include "engine-private.h"

/* ---- Automatic runs (triggers.c) --------------------------------------------------- */

static gboolean on_trigger_start_run(const RunRequest *request, guint64 *run_id, GError **error,
                                     gpointer user_data) {
        return engine_start_run(user_data, request, run_id, error);
}

/* Through the status' own notification, so NextRun joins what else changed at that moment. */
static void on_next_run_changed(gint64 next_run, gpointer user_data) {
        Engine *engine = user_data;

        status_set_number(&engine->status, &engine->status.next_run, (guint64) next_run, STATUS_NEXT_RUN);
        engine_notify_status(engine);
}

/* The triggers read the stored settings on the main thread while a job may commit. */
static GMutexLocker *on_trigger_lock_store(gpointer user_data) {
        Engine *engine = user_data;

        return apply_queue_lock_store(engine->queue);
}

void engine_start_triggers(Engine *engine) {
        static const TriggersCallbacks callbacks = {
                .start_run = on_trigger_start_run,
                .next_run_changed = on_next_run_changed,
                .lock_store = on_trigger_lock_store,
        };

        g_return_if_fail(engine->triggers == NULL);
        engine->triggers = triggers_new(engine->store, engine->device->mac, NULL, &callbacks, engine);
        triggers_start(engine->triggers, engine->config->runtime_dir, engine->config->boot_id_file);
}
