/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The automatic run starters (triggers.c) with a real store, a fake clock and a
 * start_run callback that records what would start: the boot marker, the timer's
 * two events (its instant came; the wall clock was set), the retry backoff and its
 * cap at the next scheduled run, and the DHCP-change entry point. The timerfd is
 * real but never dispatched: the tests call triggers_timer_fired() themselves, as
 * the timer would. The time zone is UTC; the real-bus tests are test_triggers.py.
 */
#include <glib/gstdio.h>

#include "provision-error.h"
#include "test-util.h"
#include "triggers.h"

#define USEC G_GINT64_CONSTANT(1000000)
#define DAY (86400 * USEC)

/* Monday 2026-11-30 12:00:00 UTC; the schedule's 3:30 is 15 h 30 min later. */
#define NOON G_GINT64_CONSTANT(1796040000000000)
#define NEXT_3_30 (NOON + (15 * 3600 + 30 * 60) * USEC)

typedef struct {
        char *dir;
        char *runtime_dir;
        char *boot_id_file;
        Store *store;
        GTimeZone *utc;
        gint64 now;
        GPtrArray *started; /* the triggers of the runs started, in order */
        guint64 next_id;
        gint64 next_run;
        guint next_run_changes;
} Fixture;

static const char *settings_text(gboolean active, gboolean dhcp) {
        return active ?
                (dhcp ? "<configuration><provisioning><active>true</active><dhcp>true</dhcp>"
                        "<execution><mondays>true</mondays><tuesdays>true</tuesdays>"
                        "<wednesdays>true</wednesdays><thursdays>true</thursdays><fridays>true</fridays>"
                        "<saturdays>true</saturdays><sundays>true</sundays><time>3:30</time>"
                        "<useRandomDelay>false</useRandomDelay></execution></provisioning></configuration>" :
                        "<configuration><provisioning><active>true</active><dhcp>false</dhcp>"
                        "<execution><mondays>true</mondays><time>3:30</time></execution>"
                        "</provisioning></configuration>") :
                "<configuration><provisioning><active>false</active><dhcp>true</dhcp>"
                "<execution><mondays>true</mondays><time>3:30</time></execution>"
                "</provisioning></configuration>";
}

static void set_settings(Fixture *fixture, gboolean active, gboolean dhcp) {
        g_autoptr(GError) error = NULL;

        g_assert_true(store_commit(fixture->store, parse_text(settings_text(active, dhcp)), &error));
        g_assert_no_error(error);
}

static void write_file(const char *path, const char *text) {
        g_autoptr(GError) error = NULL;

        g_assert_true(g_file_set_contents(path, text, -1, &error));
}

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *defaults = NULL;
        g_autofree char *state_dir = NULL;

        fixture->dir = g_dir_make_tmp("test-triggers-XXXXXX", &error);
        g_assert_no_error(error);
        defaults = g_build_filename(fixture->dir, "defaults.xml", NULL);
        state_dir = g_build_filename(fixture->dir, "state", NULL);
        fixture->runtime_dir = g_build_filename(fixture->dir, "run", NULL);
        fixture->boot_id_file = g_build_filename(fixture->dir, "boot_id", NULL);
        write_file(defaults, settings_text(TRUE, TRUE));
        write_file(fixture->boot_id_file, "boot-1\n");
        g_assert_cmpint(g_mkdir(state_dir, 0700), ==, 0);
        fixture->store = store_open(state_dir, defaults, &error);
        g_assert_no_error(error);
        fixture->utc = g_time_zone_new_utc();
        fixture->now = NOON;
        fixture->started = g_ptr_array_new_with_free_func(g_free);
        fixture->next_id = 1;
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        store_free(fixture->store);
        g_time_zone_unref(fixture->utc);
        g_ptr_array_unref(fixture->started);
        remove_tree(fixture->dir);
        g_free(fixture->dir);
        g_free(fixture->runtime_dir);
        g_free(fixture->boot_id_file);
}

static gboolean record_start(const RunRequest *request, guint64 *run_id, GError **error, gpointer user_data) {
        Fixture *fixture = user_data;

        g_assert_null(request->url);
        g_ptr_array_add(fixture->started, g_strdup(request->trigger));
        *run_id = fixture->next_id++;
        return TRUE;
}

static void record_next_run(gint64 next_run, gpointer user_data) {
        Fixture *fixture = user_data;

        fixture->next_run = next_run;
        fixture->next_run_changes++;
}

static gint64 fake_clock(gpointer user_data) {
        return ((Fixture *) user_data)->now;
}

static Triggers *new_triggers(Fixture *fixture) {
        static const TriggersCallbacks callbacks = { .start_run = record_start,
                                                     .next_run_changed = record_next_run };
        Triggers *triggers = triggers_new(fixture->store, "00:09:52:00:00:0E", fixture->utc, &callbacks,
                                          fixture);

        triggers_set_clock(triggers, fake_clock, fixture);
        return triggers;
}

/* Triggers started in a boot that already has its marker: no boot run. */
static Triggers *start_after_boot(Fixture *fixture) {
        g_autofree char *marker = g_build_filename(fixture->runtime_dir, TRIGGERS_BOOT_MARKER_FILE, NULL);
        Triggers *triggers = new_triggers(fixture);

        g_assert_cmpint(g_mkdir_with_parents(fixture->runtime_dir, 0700), ==, 0);
        write_file(marker, "boot-1\n");
        triggers_start(triggers, fixture->runtime_dir, fixture->boot_id_file);
        g_assert_cmpuint(fixture->started->len, ==, 0);
        return triggers;
}

static const char *started(const Fixture *fixture, guint index) {
        g_assert_cmpuint(index, <, fixture->started->len);
        return g_ptr_array_index(fixture->started, index);
}

static void fail_run(Triggers *triggers, guint64 run_id, gint code) {
        g_autoptr(GError) failure = g_error_new_literal(PROV_ERROR, code, "the test says so");

        triggers_run_ended(triggers, run_id, failure);
}

static void test_boot_run_once_per_boot(Fixture *fixture, gconstpointer data) {
        g_autofree char *marker = g_build_filename(fixture->runtime_dir, TRIGGERS_BOOT_MARKER_FILE, NULL);
        g_autofree char *recorded = NULL;

        {
                g_autoptr(Triggers) first = new_triggers(fixture);
                triggers_start(first, fixture->runtime_dir, fixture->boot_id_file);
        }
        g_assert_cmpuint(fixture->started->len, ==, 1);
        g_assert_cmpstr(started(fixture, 0), ==, "boot");
        g_assert_true(g_file_get_contents(marker, &recorded, NULL, NULL));
        g_assert_cmpstr(recorded, ==, "boot-1\n");

        {
                g_autoptr(Triggers) restarted = new_triggers(fixture);
                triggers_start(restarted, fixture->runtime_dir, fixture->boot_id_file);
        }
        g_assert_cmpuint(fixture->started->len, ==, 1);

        write_file(fixture->boot_id_file, "boot-2\n");
        {
                g_autoptr(Triggers) rebooted = new_triggers(fixture);
                triggers_start(rebooted, fixture->runtime_dir, fixture->boot_id_file);
        }
        g_assert_cmpuint(fixture->started->len, ==, 2);
        g_assert_cmpstr(started(fixture, 1), ==, "boot");
}

static void test_no_boot_run_when_not_active(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = new_triggers(fixture);

        set_settings(fixture, FALSE, TRUE);
        triggers_start(triggers, fixture->runtime_dir, fixture->boot_id_file);

        g_assert_cmpuint(fixture->started->len, ==, 0);
        g_assert_cmpint(triggers_get_next_run(triggers), ==, 0);
}

static void test_scheduled_run_fires_and_moves_on(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = start_after_boot(fixture);

        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30);
        fixture->now = NEXT_3_30;
        triggers_timer_fired(triggers, FALSE);

        g_assert_cmpuint(fixture->started->len, ==, 1);
        g_assert_cmpstr(started(fixture, 0), ==, "schedule");
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30 + DAY);
}

static void test_early_wakeup_starts_nothing(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = start_after_boot(fixture);

        fixture->now = NEXT_3_30 - 1;
        triggers_timer_fired(triggers, FALSE);

        g_assert_cmpuint(fixture->started->len, ==, 0);
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30);
}

static void assert_retry_within(const Fixture *fixture, gint64 low_seconds, gint64 high_seconds) {
        g_assert_cmpint(fixture->next_run, >=, fixture->now + low_seconds * USEC);
        g_assert_cmpint(fixture->next_run, <=, fixture->now + high_seconds * USEC);
}

static void test_backoff_doubles_and_resets(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = start_after_boot(fixture);
        gint64 low = 5;

        fixture->now = NEXT_3_30;
        triggers_timer_fired(triggers, FALSE);
        for (guint retry = 1; retry <= 6; retry++, low *= 2) {
                fail_run(triggers, fixture->next_id - 1, PROV_ERROR_DOWNLOAD);
                assert_retry_within(fixture, low, 2 * low);
                fixture->now = fixture->next_run;
                triggers_timer_fired(triggers, FALSE);
                g_assert_cmpuint(fixture->started->len, ==, retry + 1);
                g_assert_cmpstr(started(fixture, retry), ==, "schedule");
        }

        triggers_run_ended(triggers, fixture->next_id - 1, NULL);
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30 + DAY);
        /* Reset: the next failure waits 5-10 s again. */
        fixture->now = NEXT_3_30 + DAY;
        triggers_timer_fired(triggers, FALSE);
        fail_run(triggers, fixture->next_id - 1, PROV_ERROR_DOWNLOAD);
        assert_retry_within(fixture, 5, 10);
}

static void test_backoff_is_capped_at_an_hour(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = start_after_boot(fixture);

        set_settings(fixture, TRUE, FALSE); /* Mondays only: a week between scheduled runs */
        triggers_settings_changed(triggers);
        fixture->now = fixture->next_run;
        triggers_timer_fired(triggers, FALSE);
        for (guint retry = 1; retry <= 12; retry++) {
                fail_run(triggers, fixture->next_id - 1, PROV_ERROR_DOWNLOAD);
                g_assert_cmpint(fixture->next_run - fixture->now, <=, 3600 * USEC);
                fixture->now = fixture->next_run;
                triggers_timer_fired(triggers, FALSE);
        }
        fail_run(triggers, fixture->next_id - 1, PROV_ERROR_DOWNLOAD);
        g_assert_cmpint(fixture->next_run - fixture->now, ==, 3600 * USEC);
}

static void test_retry_never_later_than_the_schedule(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = new_triggers(fixture);

        /* A boot run that fails 3 s before the scheduled run: the scheduled run is the retry. */
        fixture->now = NEXT_3_30 - 3 * USEC;
        triggers_start(triggers, fixture->runtime_dir, fixture->boot_id_file);
        g_assert_cmpstr(started(fixture, 0), ==, "boot");
        fail_run(triggers, 1, PROV_ERROR_DOWNLOAD);
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30);

        fixture->now = NEXT_3_30;
        triggers_timer_fired(triggers, FALSE);
        g_assert_cmpuint(fixture->started->len, ==, 2);
        g_assert_cmpstr(started(fixture, 1), ==, "schedule");
}

static void test_boot_run_failure_is_retried_as_boot(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = new_triggers(fixture);

        triggers_start(triggers, fixture->runtime_dir, fixture->boot_id_file);
        g_assert_cmpstr(started(fixture, 0), ==, "boot");
        fail_run(triggers, 1, PROV_ERROR_NO_SOURCE);
        assert_retry_within(fixture, 5, 10);
        fixture->now = fixture->next_run;
        triggers_timer_fired(triggers, FALSE);
        g_assert_cmpstr(started(fixture, 1), ==, "boot");
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30);
}

static void test_no_retry_after_cancel_or_for_other_runs(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = start_after_boot(fixture);

        fixture->now = NEXT_3_30;
        triggers_timer_fired(triggers, FALSE);
        fail_run(triggers, 1, PROV_ERROR_CANCELLED);
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30 + DAY);

        fail_run(triggers, 7, PROV_ERROR_DOWNLOAD); /* a manual run */
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30 + DAY);
}

static void test_inactive_drops_schedule_and_retry(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = start_after_boot(fixture);

        fixture->now = NEXT_3_30;
        triggers_timer_fired(triggers, FALSE);
        fail_run(triggers, 1, PROV_ERROR_DOWNLOAD);
        g_assert_cmpint(fixture->next_run, <, NEXT_3_30 + DAY);

        set_settings(fixture, FALSE, TRUE);
        triggers_settings_changed(triggers);
        g_assert_cmpint(fixture->next_run, ==, 0);
        g_assert_cmpint(triggers_get_next_run(triggers), ==, 0);
}

static void test_clock_jump_computes_again(Fixture *fixture, gconstpointer data) {
        g_autoptr(Triggers) triggers = start_after_boot(fixture);
        gint64 years = 3 * 365 * DAY;

        /* A phone without RTC booted in 2026; NTP's first sync moves the clock by years. */
        fixture->now = NOON + years;
        triggers_timer_fired(triggers, TRUE);
        g_assert_cmpuint(fixture->started->len, ==, 0);
        g_assert_cmpint(fixture->next_run, ==, NEXT_3_30 + years);

        /* A pending retry waits a fresh delay from the new time. */
        fixture->now = NEXT_3_30 + years;
        triggers_timer_fired(triggers, FALSE);
        fail_run(triggers, 1, PROV_ERROR_DOWNLOAD);
        fixture->now -= years;
        triggers_timer_fired(triggers, TRUE);
        assert_retry_within(fixture, 5, 10);
        g_assert_cmpuint(fixture->started->len, ==, 1);
}

#define ADD(path, function) g_test_add(path, Fixture, NULL, fixture_set_up, function, fixture_tear_down)

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD("/triggers/boot-run-once-per-boot", test_boot_run_once_per_boot);
        ADD("/triggers/no-boot-run-when-not-active", test_no_boot_run_when_not_active);
        ADD("/triggers/scheduled-run-fires-and-moves-on", test_scheduled_run_fires_and_moves_on);
        ADD("/triggers/early-wakeup-starts-nothing", test_early_wakeup_starts_nothing);
        ADD("/triggers/backoff-doubles-and-resets", test_backoff_doubles_and_resets);
        ADD("/triggers/backoff-is-capped-at-an-hour", test_backoff_is_capped_at_an_hour);
        ADD("/triggers/retry-never-later-than-the-schedule", test_retry_never_later_than_the_schedule);
        ADD("/triggers/boot-run-failure-is-retried-as-boot", test_boot_run_failure_is_retried_as_boot);
        ADD("/triggers/no-retry-after-cancel-or-for-other-runs", test_no_retry_after_cancel_or_for_other_runs);
        ADD("/triggers/inactive-drops-schedule-and-retry", test_inactive_drops_schedule_and_retry);
        ADD("/triggers/clock-jump-computes-again", test_clock_jump_computes_again);
        return g_test_run();
}
