/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The schedule of the periodic check: next-run computation with an injected clock, zone and random source. */
#include <gio/gio.h>
#include <string.h>

#include "schedule.h"
#include "test-util.h"

#define MAC "00095200000E"

/* Always the same draw: 0 = the lower bound, G_MAXUINT32 = the upper bound. */
static guint32 fixed_random(guint32 upper_bound, gpointer user_data) {
        guint32 value = GPOINTER_TO_UINT(user_data);

        return value >= upper_bound ? upper_bound - 1 : value;
}

static gint64 usec(GTimeZone *tz, int year, int month, int day, int hour, int minute) {
        g_autoptr(GDateTime) time = g_date_time_new(tz, year, month, day, hour, minute, 0);

        return g_date_time_to_unix(time) * G_USEC_PER_SEC;
}

static gint64 utc_usec(int year, int month, int day, int hour, int minute) {
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc();

        return usec(utc, year, month, day, hour, minute);
}

static Schedule every_day_at(int hour, int minute) {
        Schedule schedule = { .second_of_day = hour * 3600 + minute * 60 };

        for (int day = 0; day < 7; day++)
                schedule.weekdays[day] = TRUE;
        return schedule;
}

static gint64 next_run(const Schedule *schedule, GTimeZone *tz, gint64 now) {
        return schedule_next_run(schedule, MAC, tz, now, fixed_random, NULL);
}

static GTimeZone *berlin(void) {
        GTimeZone *tz = g_time_zone_new_identifier("Europe/Berlin");

        g_assert_nonnull(tz); /* tzdata */
        return tz;
}

static void test_schedule_weekday_wraps_to_next_week(void) {
        g_autoptr(GTimeZone) tz = berlin();
        Schedule schedule = { .second_of_day = 3 * 3600 + 30 * 60 };

        schedule.weekdays[0] = TRUE; /* Mondays only */
        /* Sunday 2024-06-09 → Monday 2024-06-10 03:30 local. */
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 6, 9, 12, 0)), ==,
                        usec(tz, 2024, 6, 10, 3, 30));
        /* Monday after the slot → the Monday after. */
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 6, 10, 3, 30)), ==,
                        usec(tz, 2024, 6, 17, 3, 30));
        /* Saturday night across the year end. */
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 12, 28, 23, 0)), ==,
                        usec(tz, 2024, 12, 30, 3, 30));
}

static void test_schedule_no_day_enabled_is_none(void) {
        g_autoptr(GTimeZone) tz = berlin();
        Schedule schedule = every_day_at(3, 30);

        for (int day = 0; day < 7; day++)
                schedule.weekdays[day] = FALSE;
        g_assert_false(schedule_is_enabled(&schedule));
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 6, 9, 12, 0)), ==, 0);
}

/* Counts the runs whose instant lies in [from, to), following next_run from @from. */
static guint count_runs(const Schedule *schedule, GTimeZone *tz, gint64 from, gint64 to, gint64 *first) {
        guint runs = 0;

        for (gint64 now = from;;) {
                gint64 next = next_run(schedule, tz, now);

                if (next == 0 || next >= to)
                        return runs;
                if (runs++ == 0 && first != NULL)
                        *first = next;
                now = next;
        }
}

static void test_schedule_dst_gap_runs_once_after_the_gap(void) {
        g_autoptr(GTimeZone) tz = berlin();
        Schedule schedule = every_day_at(2, 30);
        gint64 first = 0;

        /* Europe/Berlin skips 02:00-03:00 on 2024-03-31: 02:30 runs once, at 03:30 CEST = 01:30 UTC. */
        g_assert_cmpuint(
                count_runs(&schedule, tz, utc_usec(2024, 3, 31, 0, 0), utc_usec(2024, 4, 1, 0, 0), &first),
                ==, 1);
        g_assert_cmpint(first, ==, utc_usec(2024, 3, 31, 1, 30));
        /* The days around it run once each: 30th, 31st, 1st. */
        g_assert_cmpuint(
                count_runs(&schedule, tz, utc_usec(2024, 3, 30, 0, 0), utc_usec(2024, 4, 1, 23, 0), NULL),
                ==, 3);
}

static void test_schedule_dst_repeat_runs_once_at_first_occurrence(void) {
        g_autoptr(GTimeZone) tz = berlin();
        Schedule schedule = every_day_at(2, 30);
        gint64 first = 0;

        /* 2024-10-27 repeats 02:00-03:00: 02:30 CEST (00:30 UTC) runs, 02:30 CET (01:30 UTC) does not. */
        g_assert_cmpuint(count_runs(&schedule, tz, utc_usec(2024, 10, 26, 23, 0),
                                    utc_usec(2024, 10, 27, 23, 0), &first),
                         ==, 1);
        g_assert_cmpint(first, ==, utc_usec(2024, 10, 27, 0, 30));
        g_assert_cmpint(next_run(&schedule, tz, first), ==, utc_usec(2024, 10, 28, 1, 30));
}

static void test_schedule_leap_day(void) {
        g_autoptr(GTimeZone) tz = berlin();
        Schedule schedule = { .second_of_day = 4 * 3600 };

        schedule.weekdays[3] = TRUE; /* Thursdays: 2024-02-29 is one */
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 2, 23, 12, 0)), ==,
                        usec(tz, 2024, 2, 29, 4, 0));
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 2, 29, 5, 0)), ==, usec(tz, 2024, 3, 7, 4, 0));
        schedule = every_day_at(4, 0);
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 2, 28, 5, 0)), ==, usec(tz, 2024, 2, 29, 4, 0));
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2023, 2, 28, 5, 0)), ==, usec(tz, 2023, 3, 1, 4, 0));
}

static void test_schedule_fixed_offset_zone(void) {
        g_autoptr(GTimeZone) tz = g_time_zone_new_identifier("+05:30");
        Schedule schedule = every_day_at(0, 15);

        g_assert_nonnull(tz);
        /* 00:15 at +05:30 is 18:45 UTC the day before. */
        g_assert_cmpint(next_run(&schedule, tz, utc_usec(2024, 6, 9, 12, 0)), ==,
                        utc_usec(2024, 6, 9, 18, 45));
}

static void test_schedule_random_delay_bounds(void) {
        g_autoptr(GTimeZone) tz = berlin();
        Schedule schedule = every_day_at(3, 0);
        gint64 now = usec(tz, 2024, 6, 9, 12, 0), slot = usec(tz, 2024, 6, 10, 3, 0);

        schedule.use_random_delay = TRUE;
        schedule.min_random_delay = 60;
        schedule.max_random_delay = 3600;
        g_assert_cmpint(schedule_next_run(&schedule, MAC, tz, now, fixed_random, GUINT_TO_POINTER(0)), ==,
                        slot + 60 * (gint64) G_USEC_PER_SEC);
        g_assert_cmpint(schedule_next_run(&schedule, MAC, tz, now, fixed_random, GUINT_TO_POINTER(G_MAXUINT32)),
                        ==, slot + 3600 * (gint64) G_USEC_PER_SEC);
        for (int i = 0; i < 1000; i++) {
                gint64 next = schedule_next_run(&schedule, MAC, tz, now, schedule_random_glib, NULL);

                g_assert_cmpint(next, >=, slot + 60 * (gint64) G_USEC_PER_SEC);
                g_assert_cmpint(next, <=, slot + 3600 * (gint64) G_USEC_PER_SEC);
        }
        /* A slot whose delay is still pending is not run again the same day. */
        g_assert_cmpint(schedule_next_run(&schedule, MAC, tz, slot + G_USEC_PER_SEC, fixed_random, NULL), ==,
                        usec(tz, 2024, 6, 11, 3, 1));
}

static void test_schedule_device_slot_is_stable_and_in_window(void) {
        g_autoptr(GTimeZone) tz = berlin();
        Schedule schedule = every_day_at(0, 0);
        int slot = schedule_device_slot(MAC);
        gint64 midnight = usec(tz, 2024, 6, 10, 0, 0);

        schedule.second_of_day = -1;
        g_assert_cmpint(slot, ==, schedule_device_slot("00095200000e"));
        g_assert_cmpint(slot, >=, 0);
        g_assert_cmpint(slot, <, SCHEDULE_SLOT_WINDOW_SECONDS);
        g_assert_cmpint(slot, !=, schedule_device_slot("00095200000F"));
        g_assert_cmpint(next_run(&schedule, tz, usec(tz, 2024, 6, 9, 12, 0)), ==,
                        midnight + (gint64) slot * G_USEC_PER_SEC);
}

static xmlNode *execution_of(xmlDoc *doc) {
        return xmlDocGetRootElement(doc);
}

static void test_schedule_from_execution_reads_every_field(void) {
        g_autoptr(xmlDoc) doc = parse_text(
                "<execution><mondays>true</mondays><tuesdays>0</tuesdays>"
                "<sundays>1</sundays><time> 7:05 </time><useRandomDelay>true"
                "</useRandomDelay><minimalRandomDelay>10</minimalRandomDelay>"
                "<maximalRandomDelay>20</maximalRandomDelay></execution>");
        g_autoptr(GError) error = NULL;
        Schedule schedule;

        g_assert_true(schedule_from_execution(execution_of(doc), &schedule, &error));
        g_assert_no_error(error);
        g_assert_true(schedule.weekdays[0]);
        g_assert_false(schedule.weekdays[1]);
        g_assert_false(schedule.weekdays[2]);
        g_assert_true(schedule.weekdays[6]);
        g_assert_cmpint(schedule.second_of_day, ==, 7 * 3600 + 5 * 60);
        g_assert_true(schedule.use_random_delay);
        g_assert_cmpuint(schedule.min_random_delay, ==, 10);
        g_assert_cmpuint(schedule.max_random_delay, ==, 20);
}

static void test_schedule_empty_time_is_device_slot(void) {
        g_autoptr(xmlDoc) doc = parse_text("<execution><mondays>true</mondays><time/></execution>");
        Schedule schedule;

        g_assert_true(schedule_from_execution(execution_of(doc), &schedule, NULL));
        g_assert_cmpint(schedule.second_of_day, ==, -1);
        g_assert_true(schedule_from_execution(NULL, &schedule, NULL));
        g_assert_false(schedule_is_enabled(&schedule));
}

static void test_schedule_invalid_combinations_are_refused(void) {
        static const char *const invalid[] = {
                "<execution><time>24:00</time></execution>",
                "<execution><time>7:5</time></execution>",
                "<execution><time>noon</time></execution>",
                "<execution><mondays>yes</mondays></execution>",
                "<execution><maximalRandomDelay>90000</maximalRandomDelay></execution>",
                "<execution><minimalRandomDelay>-1</minimalRandomDelay></execution>",
                ("<execution><useRandomDelay>true</useRandomDelay><minimalRandomDelay>600</minimalRandomDelay>"
                 "<maximalRandomDelay>60</maximalRandomDelay></execution>"),
        };

        for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
                g_autoptr(xmlDoc) doc = parse_text(invalid[i]);
                g_autoptr(GError) error = NULL;
                Schedule schedule;

                g_assert_false(schedule_from_execution(execution_of(doc), &schedule, &error));
                g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
                g_assert_true(strstr(error->message, "execution") != NULL);
        }
}

static void test_schedule_delays_unused_may_be_in_any_order(void) {
        g_autoptr(xmlDoc) doc = parse_text(
                "<execution><useRandomDelay>false</useRandomDelay><minimalRandomDelay>600"
                "</minimalRandomDelay><maximalRandomDelay>60</maximalRandomDelay>"
                "</execution>");
        Schedule schedule;

        g_assert_true(schedule_from_execution(execution_of(doc), &schedule, NULL));
}

static void test_schedule_retry_backoff_bounds(void) {
        /* Retry n waits within [5·2^(n-1), 5·2^n] seconds, capped at an hour. */
        g_assert_cmpuint(schedule_retry_delay(1, fixed_random, GUINT_TO_POINTER(0)), ==, 5);
        g_assert_cmpuint(schedule_retry_delay(1, fixed_random, GUINT_TO_POINTER(G_MAXUINT32)), ==, 10);
        g_assert_cmpuint(schedule_retry_delay(2, fixed_random, GUINT_TO_POINTER(0)), ==, 10);
        g_assert_cmpuint(schedule_retry_delay(2, fixed_random, GUINT_TO_POINTER(G_MAXUINT32)), ==, 20);
        g_assert_cmpuint(schedule_retry_delay(10, fixed_random, GUINT_TO_POINTER(0)), ==, 2560);
        g_assert_cmpuint(schedule_retry_delay(10, fixed_random, GUINT_TO_POINTER(G_MAXUINT32)), ==, 3600);
        g_assert_cmpuint(schedule_retry_delay(11, fixed_random, GUINT_TO_POINTER(0)), ==, 3600);
        g_assert_cmpuint(schedule_retry_delay(1000, fixed_random, GUINT_TO_POINTER(0)), ==, 3600);
        g_assert_cmpuint(schedule_retry_delay(0, fixed_random, GUINT_TO_POINTER(0)), ==, 5);
        for (guint retry = 1; retry < 12; retry++)
                for (int i = 0; i < 100; i++)
                        g_assert_cmpuint(schedule_retry_delay(retry, schedule_random_glib, NULL), <=, 3600);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/schedule/weekday-wraps-to-next-week", test_schedule_weekday_wraps_to_next_week);
        g_test_add_func("/schedule/no-day-enabled-is-none", test_schedule_no_day_enabled_is_none);
        g_test_add_func("/schedule/dst-gap-runs-once-after-the-gap",
                        test_schedule_dst_gap_runs_once_after_the_gap);
        g_test_add_func("/schedule/dst-repeat-runs-once-at-first-occurrence",
                        test_schedule_dst_repeat_runs_once_at_first_occurrence);
        g_test_add_func("/schedule/leap-day", test_schedule_leap_day);
        g_test_add_func("/schedule/fixed-offset-zone", test_schedule_fixed_offset_zone);
        g_test_add_func("/schedule/random-delay-bounds", test_schedule_random_delay_bounds);
        g_test_add_func("/schedule/device-slot-is-stable-and-in-window",
                        test_schedule_device_slot_is_stable_and_in_window);
        g_test_add_func("/schedule/from-execution-reads-every-field",
                        test_schedule_from_execution_reads_every_field);
        g_test_add_func("/schedule/empty-time-is-device-slot", test_schedule_empty_time_is_device_slot);
        g_test_add_func("/schedule/invalid-combinations-are-refused",
                        test_schedule_invalid_combinations_are_refused);
        g_test_add_func("/schedule/delays-unused-may-be-in-any-order",
                        test_schedule_delays_unused_may_be_in_any_order);
        g_test_add_func("/schedule/retry-backoff-bounds", test_schedule_retry_backoff_bounds);
        return g_test_run();
}
