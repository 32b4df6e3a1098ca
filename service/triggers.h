/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The automatic run starters (docs/triggers.md): a run at the first daemon start
 * after a system boot (trigger "boot"), the periodic check of the provisioning
 * section's `execution` block (trigger "schedule"), retries of a failed boot or
 * scheduled run with exponential backoff. (The DHCP change trigger is engine_dhcp_options_changed(): it needs the stored DHCP options.)
 *
 * Owned by the engine. Knows nothing of the engine: it reads the stored settings
 * and starts runs through TriggersCallbacks, and the engine tells it when the
 * provisioning section changed and when a run ended. The schedule is waited for
 * with a timerfd on CLOCK_REALTIME (absolute, TFD_TIMER_CANCEL_ON_SET) in a
 * GSource of the main loop: no polling, and a wall-clock jump (NTP's first sync
 * on a phone without RTC) wakes it up to compute the next run again.
 */
#pragma once

#include <glib.h>

#include "run-request.h"
#include "store.h"

/* The boot marker in the runtime directory: the boot id of the last start. */
#define TRIGGERS_BOOT_MARKER_FILE "boot-id"

typedef struct Triggers Triggers;

typedef struct {
        /*
         * Start a run for @request (engine_start_run(): with a run active, a request
         * without URL joins it). @run_id is the started or joined run's id.
         */
        gboolean (*start_run)(const RunRequest *request, guint64 *run_id, GError **error, gpointer user_data);
        /* When the next automatic run is due changed: µs since the epoch, 0 = none (NextRun). */
        void (*next_run_changed)(gint64 next_run, gpointer user_data);
        /*
         * May be NULL. Takes the lock that keeps the stored settings from being replaced
         * while they are read (apply_queue_lock_store(): commits happen in a worker thread);
         * the triggers hold it only for a read, never while calling back.
         */
        GMutexLocker *(*lock_store)(gpointer user_data);
} TriggersCallbacks;

/**
 * triggers_new:
 * @store: the settings (not owned; must outlive the Triggers): `/provisioning/active`,
 *   `/provisioning/dhcp` and `/provisioning/execution` are read from it
 * @mac: the device's MAC ("" if unknown): the seed of the device's slot (schedule_device_slot())
 * @tz: the time zone of the schedule's times (reffed), NULL: the local one (TZ, /etc/localtime)
 *
 * Nothing happens until triggers_start().
 */
Triggers *triggers_new(Store *store, const char *mac, GTimeZone *tz, const TriggersCallbacks *callbacks,
                       gpointer user_data);

void triggers_free(Triggers *triggers);

/**
 * triggers_start:
 * @runtime_dir: holds the boot marker (created 0700 if missing)
 * @boot_id_file: the kernel's boot id
 *
 * Starts the boot run if this is the first start since the system booted (the
 * boot id differs from @runtime_dir/boot-id, which is then written) and
 * provisioning is active, then arms the schedule. A boot id that cannot be read
 * counts as "unknown", so the marker alone (on a tmpfs) still tells a restart.
 * Call once, after the bus name is owned: the run's signals go out at once.
 */
void triggers_start(Triggers *triggers, const char *runtime_dir, const char *boot_id_file);

/**
 * triggers_settings_changed:
 * The provisioning section changed (ApplyFile or a run committed it): the next
 * scheduled run is computed again. With provisioning no longer active, a pending
 * retry is dropped too and NextRun becomes 0.
 */
void triggers_settings_changed(Triggers *triggers);

/**
 * triggers_run_ended:
 * @failure: NULL when the run was committed (Finished)
 *
 * Any successful run resets the backoff. A boot or scheduled run started (or
 * joined) by the triggers that fails is retried after schedule_retry_delay(n)
 * for the n-th failure in a row, but never later than the next scheduled run
 * (which then counts as the retry). A cancelled run (PROV_ERROR_CANCELLED) is
 * not retried: somebody decided so.
 */
void triggers_run_ended(Triggers *triggers, guint64 run_id, const GError *failure);

/** triggers_get_next_run: µs since the epoch of the next automatic run (a retry or the schedule), 0 = none. */
gint64 triggers_get_next_run(const Triggers *triggers);

/* ---- The clock and the timer, for tests (tests/unit/test-triggers.c) ---- */

/* Wall-clock time in µs since the epoch; the daemon uses g_get_real_time(). */
typedef gint64 (*TriggersClockFunc)(gpointer user_data);

/** triggers_set_clock: reads the time from @clock from now on. */
void triggers_set_clock(Triggers *triggers, TriggersClockFunc clock, gpointer user_data);

/**
 * triggers_timer_fired:
 * What the schedule timer calls (wall-timer.h): with @clock_jumped FALSE, the
 * armed instant has come and the run that is due starts; with TRUE, the wall
 * clock was set, the next scheduled run is computed again from the new time, a
 * pending retry waits a fresh delay from it, and nothing starts.
 */
void triggers_timer_fired(Triggers *triggers, gboolean clock_jumped);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Triggers, triggers_free)
