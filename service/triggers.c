/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "triggers.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "provision-error.h"
#include "schedule.h"
#include "wall-timer.h"
#include "xml-parse.h"

#define TRIGGER_BOOT "boot"
#define TRIGGER_SCHEDULE "schedule"

struct Triggers {
        Store *store;
        char *mac;
        GTimeZone *tz;
        TriggersCallbacks callbacks;
        gpointer user_data;
        WallTimer *timer; /* NULL before triggers_start() */

        gint64 scheduled;          /* the next scheduled run, µs since the epoch, 0 = none */
        gint64 retry_at;           /* a pending retry, µs since the epoch, 0 = none */
        const char *retry_trigger; /* TRIGGER_BOOT or TRIGGER_SCHEDULE */
        guint failures;            /* failed boot or scheduled runs in a row */
        guint64 own_run_id;        /* the run a boot, schedule or retry started or joined; 0 = none */
        const char *own_trigger;
        gint64 next_run;         /* as last announced */
        TriggersClockFunc clock; /* NULL: g_get_real_time() */
        gpointer clock_data;
};

static gint64 now_of(const Triggers *triggers) {
        return triggers->clock != NULL ? triggers->clock(triggers->clock_data) : g_get_real_time();
}

/* The store lock (TriggersCallbacks.lock_store) while the stored settings are read; never nested. */
static GMutexLocker *lock_store(const Triggers *triggers) {
        return triggers->callbacks.lock_store != NULL ? triggers->callbacks.lock_store(triggers->user_data) :
                                                        NULL;
}

static gboolean setting_is_true(const Triggers *triggers, const char *element) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = lock_store(triggers);
        g_autofree char *value = store_get_setting(triggers->store, "provisioning", element);

        return xml_boolean_is_true(value);
}

static gboolean provisioning_active(const Triggers *triggers) {
        return setting_is_true(triggers, "active");
}

static gboolean read_schedule(const Triggers *triggers, Schedule *schedule, GError **error) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = lock_store(triggers);
        xmlNode *provisioning = store_get_section(triggers->store, "provisioning");

        return schedule_from_execution(xml_find_child(provisioning, "execution"), schedule, error);
}

/* The next scheduled run after @now, or 0: provisioning not active, no weekday, or an invalid schedule. */
static gint64 compute_scheduled(const Triggers *triggers, gint64 now) {
        g_autoptr(GError) error = NULL;
        Schedule schedule;

        if (!provisioning_active(triggers))
                return 0;
        if (!read_schedule(triggers, &schedule, &error)) {
                g_warning("schedule: %s; no scheduled runs", error->message);
                return 0;
        }
        return schedule_next_run(&schedule, triggers->mac, triggers->tz, now, schedule_random_glib, NULL);
}

static gint64 next_due(const Triggers *triggers) {
        if (triggers->retry_at != 0 && (triggers->scheduled == 0 || triggers->retry_at < triggers->scheduled))
                return triggers->retry_at;
        return triggers->scheduled;
}

static char *format_instant(gint64 instant) {
        g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(instant / G_USEC_PER_SEC);
        g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local(utc) : NULL;

        return local != NULL ? g_date_time_format(local, "%F %T %Z") : g_strdup("?");
}

/* Arms the timer for what is due next and announces NextRun when it changed. */
static void update(Triggers *triggers) {
        gint64 next = next_due(triggers);

        if (triggers->timer != NULL)
                wall_timer_arm(triggers->timer, next);
        if (next == triggers->next_run)
                return;
        triggers->next_run = next;
        if (next != 0) {
                g_autofree char *shown = format_instant(next);
                g_message("next automatic run: %s (%s)", shown,
                          next == triggers->retry_at ? "retry" : TRIGGER_SCHEDULE);
        } else {
                g_message("no automatic run is scheduled");
        }
        if (triggers->callbacks.next_run_changed != NULL)
                triggers->callbacks.next_run_changed(next, triggers->user_data);
}

static void reschedule(Triggers *triggers, gint64 now) {
        triggers->scheduled = compute_scheduled(triggers, now);
        if (!provisioning_active(triggers)) {
                triggers->retry_at = 0;
                triggers->failures = 0;
        }
        /* Never later than the next scheduled run: that run is the retry then. */
        if (triggers->scheduled != 0 && triggers->retry_at >= triggers->scheduled)
                triggers->retry_at = 0;
        update(triggers);
}

static void start_automatic_run(Triggers *triggers, const char *trigger) {
        g_autoptr(RunRequest) request = run_request_new(trigger, NULL, RUN_SOURCE_CONFIGURED);
        g_autoptr(GError) error = NULL;
        guint64 run_id = 0;

        g_message("starting an automatic run (%s)", trigger);
        if (!triggers->callbacks.start_run(request, &run_id, &error, triggers->user_data)) {
                g_warning("automatic run (%s): %s", trigger, error->message);
                return;
        }
        triggers->own_run_id = run_id;
        triggers->own_trigger = trigger;
}

static void on_timer(gboolean clock_jumped, gpointer user_data) {
        triggers_timer_fired(user_data, clock_jumped);
}

void triggers_timer_fired(Triggers *triggers, gboolean clock_jumped) {
        gint64 now = now_of(triggers);

        if (clock_jumped) {
                /* A retry waits a span, not an instant: wait that span again from the new time. */
                g_message("the wall clock was set: computing the next automatic run again");
                if (triggers->retry_at != 0)
                        triggers->retry_at = now +
                                (gint64) schedule_retry_delay(triggers->failures, schedule_random_glib, NULL) *
                                        G_USEC_PER_SEC;
                reschedule(triggers, now);
                return;
        }
        if (triggers->retry_at != 0 && triggers->retry_at <= now) {
                triggers->retry_at = 0;
                start_automatic_run(triggers, triggers->retry_trigger);
        } else if (triggers->scheduled != 0 && triggers->scheduled <= now) {
                triggers->retry_at = 0; /* the scheduled run is the retry */
                start_automatic_run(triggers, TRIGGER_SCHEDULE);
        }
        if (triggers->scheduled != 0 && triggers->scheduled <= now)
                reschedule(triggers, now);
        else
                update(triggers);
}

Triggers *triggers_new(Store *store, const char *mac, GTimeZone *tz, const TriggersCallbacks *callbacks,
                       gpointer user_data) {
        Triggers *triggers = g_new0(Triggers, 1);

        triggers->store = store;
        triggers->mac = g_strdup(mac != NULL ? mac : "");
        triggers->tz = tz != NULL ? g_time_zone_ref(tz) : g_time_zone_new_local();
        triggers->callbacks = *callbacks;
        triggers->user_data = user_data;
        return triggers;
}

void triggers_free(Triggers *triggers) {
        if (triggers == NULL)
                return;
        g_clear_pointer(&triggers->timer, wall_timer_free);
        g_time_zone_unref(triggers->tz);
        g_free(triggers->mac);
        g_free(triggers);
}

/* ---- Boot --------------------------------------------------------------------------- */

static char *read_boot_id(const char *boot_id_file) {
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;

        if (!g_file_get_contents(boot_id_file, &contents, NULL, &error)) {
                g_warning("boot id: %s; the boot marker alone tells a restart", error->message);
                return g_strdup("unknown");
        }
        g_strstrip(contents);
        return *contents != '\0' ? g_steal_pointer(&contents) : g_strdup("unknown");
}

/* Whether this is the first start since the system booted; records this boot if so. */
static gboolean first_start_of_boot(const char *runtime_dir, const char *boot_id_file) {
        g_autofree char *boot_id = read_boot_id(boot_id_file);
        g_autofree char *marker = g_build_filename(runtime_dir, TRIGGERS_BOOT_MARKER_FILE, NULL);
        g_autofree char *recorded = NULL;
        g_autofree char *contents = NULL;
        g_autoptr(GError) error = NULL;

        if (g_file_get_contents(marker, &recorded, NULL, NULL) && g_str_equal(g_strstrip(recorded), boot_id))
                return FALSE;
        contents = g_strconcat(boot_id, "\n", NULL);
        if (g_mkdir_with_parents(runtime_dir, 0700) < 0)
                g_warning("boot marker: cannot create %s: %s", runtime_dir, g_strerror(errno));
        else if (!g_file_set_contents_full(marker, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
                g_warning("boot marker: %s; a restart will count as a boot", error->message);
        return TRUE;
}

void triggers_start(Triggers *triggers, const char *runtime_dir, const char *boot_id_file) {
        g_autoptr(GError) error = NULL;

        triggers->timer = wall_timer_new(on_timer, triggers, &error);
        if (triggers->timer == NULL)
                g_warning("schedule: %s; no scheduled runs", error->message);

        if (!first_start_of_boot(runtime_dir, boot_id_file))
                g_message("started again within the same boot: no boot run");
        else if (!provisioning_active(triggers))
                g_message("first start since boot: provisioning is not active, no boot run");
        else
                start_automatic_run(triggers, TRIGGER_BOOT);
        reschedule(triggers, now_of(triggers));
}

/* ---- What the engine reports ------------------------------------------------------- */

void triggers_settings_changed(Triggers *triggers) {
        if (triggers->timer == NULL)
                return; /* not started: nothing is scheduled yet */
        reschedule(triggers, now_of(triggers));
}

void triggers_run_ended(Triggers *triggers, guint64 run_id, const GError *failure) {
        gboolean own = run_id != 0 && run_id == triggers->own_run_id;
        guint delay;

        if (own)
                triggers->own_run_id = 0;
        if (failure == NULL) {
                if (triggers->failures > 0)
                        g_message("run %" G_GUINT64_FORMAT " succeeded: retries reset", run_id);
                triggers->failures = 0;
                triggers->retry_at = 0;
                update(triggers);
                return;
        }
        if (!own || g_error_matches(failure, PROV_ERROR, PROV_ERROR_CANCELLED) ||
            !provisioning_active(triggers))
                return;
        triggers->failures++;
        delay = schedule_retry_delay(triggers->failures, schedule_random_glib, NULL);
        triggers->retry_at = now_of(triggers) + (gint64) delay * G_USEC_PER_SEC;
        triggers->retry_trigger = triggers->own_trigger;
        g_message("run %" G_GUINT64_FORMAT " (%s) failed: retry %u in %u s", run_id, triggers->own_trigger,
                  triggers->failures, delay);
        if (triggers->scheduled != 0 && triggers->retry_at >= triggers->scheduled)
                triggers->retry_at = 0; /* the scheduled run comes first and is the retry */
        update(triggers);
}

gint64 triggers_get_next_run(const Triggers *triggers) {
        return triggers->next_run;
}

void triggers_set_clock(Triggers *triggers, TriggersClockFunc clock, gpointer user_data) {
        triggers->clock = clock;
        triggers->clock_data = user_data;
}
