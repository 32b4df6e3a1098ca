/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Herd safety of the default schedule: 10 000 devices with consecutive MACs (one
 * delivery), every day, empty time (the per-device slot in 0:00-5:55) and the
 * default random delay of 60-3600 s. Counts the runs that fall into each minute
 * and compares the busiest minute with the uniform share of the slot window
 * (devices / minutes of 0:00-5:55). The bound is 2; above it fails.
 */
#include <glib.h>

#include "schedule.h"

#define DEVICES 10000

static guint32 seeded_random(guint32 upper_bound, gpointer user_data) {
        return g_rand_int_range(user_data, 0, (gint32) upper_bound);
}

static double busiest_minute_ratio(gboolean use_random_delay) {
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
        g_autoptr(GDateTime) noon = g_date_time_new(utc, 2026, 11, 30, 12, 0, 0);
        g_autoptr(GRand) rand = g_rand_new_with_seed(42);
        g_autoptr(GHashTable) per_minute = g_hash_table_new(g_int64_hash, g_int64_equal);
        g_autofree gint64 *minutes = g_new0(gint64, DEVICES);
        Schedule schedule = { .second_of_day = -1,
                              .use_random_delay = use_random_delay,
                              .min_random_delay = 60,
                              .max_random_delay = 3600 };
        guint busiest = 0;

        for (int day = 0; day < 7; day++)
                schedule.weekdays[day] = TRUE;
        for (guint device = 0; device < DEVICES; device++) {
                g_autofree char *mac = g_strdup_printf("000952%06X", device);
                gint64 next = schedule_next_run(
                        &schedule, mac, utc, g_date_time_to_unix(noon) * G_USEC_PER_SEC, seeded_random, rand);
                guint count;

                minutes[device] = next / (60 * G_USEC_PER_SEC);
                count = GPOINTER_TO_UINT(g_hash_table_lookup(per_minute, &minutes[device])) + 1;
                g_hash_table_insert(per_minute, &minutes[device], GUINT_TO_POINTER(count));
                busiest = MAX(busiest, count);
        }
        return busiest / ((double) DEVICES / (SCHEDULE_SLOT_WINDOW_SECONDS / 60));
}

int main(void) {
        double plain = busiest_minute_ratio(FALSE);
        double delayed = busiest_minute_ratio(TRUE);

        g_print("schedule-fleet       %u devices, default schedule: busiest minute %.2f x the uniform share "
                "(%.2f without the random delay; bound 2)\n",
                DEVICES, delayed, plain);
        return delayed <= 2.0 && plain <= 2.0 ? 0 : 1;
}
