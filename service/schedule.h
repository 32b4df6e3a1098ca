/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The periodic provisioning check: when the next scheduled run is due.
 *
 * A pure computation: the clock (@now), the time zone and the random source are
 * passed in, so every rule can be tested for any date and zone. The rules are
 * those of the provisioning section's `execution` block (docs/triggers.md):
 * weekday booleans, `time` HH:MM in local time (empty: a per-device slot in
 * 0:00–5:55, the 1.34.0 default), and an optional random delay.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/* 0:00 .. 5:55 inclusive, in seconds: the window of the per-device slot (1.34.0's
 * "random time between 0:00 and 5:55"). */
#define SCHEDULE_SLOT_WINDOW_SECONDS (5 * 3600 + 56 * 60)

/* Retries after a failed scheduled or boot run (TR-069 §3.2.1.1 style backoff):
 * retry n waits a uniform time in [m·k^(n-1), m·k^n] seconds, capped. */
#define SCHEDULE_RETRY_MIN_SECONDS 5
#define SCHEDULE_RETRY_FACTOR 2
#define SCHEDULE_RETRY_MAX_SECONDS 3600

typedef struct {
        gboolean weekdays[7]; /* [0] = Monday … [6] = Sunday (ISO 8601 order) */
        int second_of_day;    /* local time of day in seconds, or -1: the device's own slot */
        gboolean use_random_delay;
        guint min_random_delay; /* seconds */
        guint max_random_delay; /* seconds, >= min_random_delay */
} Schedule;

/*
 * A uniform random integer in [0, @upper_bound) (@upper_bound >= 1). Injected so
 * that tests and the fleet benchmark control it; the daemon passes g_random_int_range.
 */
typedef guint32 (*ScheduleRandomFunc)(guint32 upper_bound, gpointer user_data);

/*
 * schedule_from_execution:
 * @execution: the `execution` element of the provisioning section, or NULL (no schedule)
 *
 * Reads the schedule. Absent weekday elements are false, an absent or empty `time`
 * means the device slot, absent delays are 60 and 3600 seconds (the factory defaults).
 * Fails with G_IO_ERROR_INVALID_DATA naming the element for a time that is not
 * H:MM/HH:MM (00:00–23:59), a delay that is not a number of seconds ≤ 86400, or a
 * minimal delay above the maximal one while the random delay is used.
 */
gboolean schedule_from_execution(xmlNode *execution, Schedule *schedule, GError **error);

/* schedule_is_enabled: whether any weekday is enabled. */
gboolean schedule_is_enabled(const Schedule *schedule);

/*
 * schedule_device_slot:
 * @mac: the device's MAC (any case, "" if unknown)
 *
 * The device's own second of the day in [0, SCHEDULE_SLOT_WINDOW_SECONDS), derived
 * from a hash of the MAC: the same device keeps its slot across restarts, and a fleet
 * of consecutive MACs spreads evenly over the window.
 */
int schedule_device_slot(const char *mac);

/*
 * schedule_next_run:
 * @now: wall-clock time, µs since the epoch
 * @tz: the local time zone (not NULL)
 *
 * The next scheduled run after @now, in µs since the epoch, or 0 if no weekday is
 * enabled. Each enabled local day has exactly one slot instant: a time that the day
 * skips (spring forward) runs right after the gap, a time that it repeats (fall back)
 * runs at its first occurrence, so a DST change never runs a day zero or two times.
 * The random delay (drawn from @random) is added after the slot is chosen: a slot
 * whose delay is still pending at @now is not repeated.
 */
gint64 schedule_next_run(const Schedule *schedule, const char *mac, GTimeZone *tz, gint64 now,
                         ScheduleRandomFunc random, gpointer random_data);

/*
 * schedule_retry_delay:
 * @retry: 1 for the first retry after a failure, 2 for the second, …
 *
 * How long to wait before retry @retry, in seconds: uniform in
 * [5·2^(retry-1), 5·2^retry], never more than SCHEDULE_RETRY_MAX_SECONDS. The caller
 * also caps it at the next scheduled run.
 */
guint schedule_retry_delay(guint retry, ScheduleRandomFunc random, gpointer random_data);

/* The daemon's random source: GLib's global PRNG. */
guint32 schedule_random_glib(guint32 upper_bound, gpointer user_data);
