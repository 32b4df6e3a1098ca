/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "schedule.h"

#include <gio/gio.h>
#include <string.h>

#include "xml-parse.h"

#define SECONDS_PER_DAY 86400
#define MAX_RANDOM_DELAY_SECONDS 86400 /* the schema's randomDelaySeconds bound */
#define DEFAULT_MIN_RANDOM_DELAY 60
#define DEFAULT_MAX_RANDOM_DELAY 3600

/* The element names in ISO 8601 weekday order, matching Schedule.weekdays. */
static const char *const weekday_elements[7] = {
        "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
};

/* xs:boolean: true, false, 1, 0. An absent element is @fallback. */
static gboolean read_boolean(xmlNode *execution, const char *name, gboolean fallback, gboolean *value,
                             GError **error) {
        g_autofree char *text = xml_child_text(execution, name);

        *value = fallback;
        if (text == NULL)
                return TRUE;
        if (xml_boolean_is_true(text))
                *value = TRUE;
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
                *value = FALSE;
        else
                return g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "execution/%s: '%s' is not a boolean", name, text),
                       FALSE;
        return TRUE;
}

static gboolean read_seconds(xmlNode *execution, const char *name, guint fallback, guint *value,
                             GError **error) {
        g_autofree char *text = xml_child_text(execution, name);
        guint64 number = 0;

        *value = fallback;
        if (text == NULL)
                return TRUE;
        if (!g_ascii_string_to_unsigned(text, 10, 0, MAX_RANDOM_DELAY_SECONDS, &number, NULL))
                return g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "execution/%s: '%s' is not a number of seconds from 0 to %d", name, text,
                                   MAX_RANDOM_DELAY_SECONDS),
                       FALSE;
        *value = (guint) number;
        return TRUE;
}

/* "H:MM" or "HH:MM", 0:00–23:59 (the schema's timeOfDay); empty: the device slot (-1). */
static gboolean parse_time_of_day(const char *text, int *second_of_day) {
        const char *colon = strchr(text, ':');
        guint64 hours = 0, minutes = 0;
        g_autofree char *hours_text = NULL;

        if (*text == '\0') {
                *second_of_day = -1;
                return TRUE;
        }
        if (colon == NULL || colon - text < 1 || colon - text > 2 || strlen(colon + 1) != 2)
                return FALSE;
        hours_text = g_strndup(text, colon - text);
        if (!g_ascii_string_to_unsigned(hours_text, 10, 0, 23, &hours, NULL) ||
            !g_ascii_string_to_unsigned(colon + 1, 10, 0, 59, &minutes, NULL))
                return FALSE;
        *second_of_day = (int) (hours * 3600 + minutes * 60);
        return TRUE;
}

static gboolean read_time(xmlNode *execution, int *second_of_day, GError **error) {
        g_autofree char *text = xml_child_text(execution, "time");

        *second_of_day = -1;
        if (text == NULL)
                return TRUE;
        if (!parse_time_of_day(text, second_of_day))
                return g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "execution/time: '%s' is not a time of day (H:MM or HH:MM, 0:00-23:59)",
                                   text),
                       FALSE;
        return TRUE;
}

gboolean schedule_from_execution(xmlNode *execution, Schedule *schedule, GError **error) {
        *schedule = (Schedule){ .second_of_day = -1,
                                .min_random_delay = DEFAULT_MIN_RANDOM_DELAY,
                                .max_random_delay = DEFAULT_MAX_RANDOM_DELAY };
        if (execution == NULL)
                return TRUE;
        for (int day = 0; day < 7; day++)
                if (!read_boolean(execution, weekday_elements[day], FALSE, &schedule->weekdays[day], error))
                        return FALSE;
        if (!read_time(execution, &schedule->second_of_day, error) ||
            !read_boolean(execution, "useRandomDelay", FALSE, &schedule->use_random_delay, error) ||
            !read_seconds(execution, "minimalRandomDelay", DEFAULT_MIN_RANDOM_DELAY,
                          &schedule->min_random_delay, error) ||
            !read_seconds(execution, "maximalRandomDelay", DEFAULT_MAX_RANDOM_DELAY,
                          &schedule->max_random_delay, error))
                return FALSE;
        if (schedule->use_random_delay && schedule->min_random_delay > schedule->max_random_delay)
                return g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "execution: minimalRandomDelay %u is above maximalRandomDelay %u",
                                   schedule->min_random_delay, schedule->max_random_delay),
                       FALSE;
        return TRUE;
}

gboolean schedule_is_enabled(const Schedule *schedule) {
        for (int day = 0; day < 7; day++)
                if (schedule->weekdays[day])
                        return TRUE;
        return FALSE;
}

int schedule_device_slot(const char *mac) {
        g_autofree char *upper = g_ascii_strup(mac != NULL ? mac : "", -1);
        guint8 digest[32];
        gsize digest_length = sizeof(digest);
        g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
        guint64 value = 0;

        /* A cryptographic hash, so that consecutive MACs of one delivery land far apart. */
        g_checksum_update(checksum, (const guchar *) upper, -1);
        g_checksum_get_digest(checksum, digest, &digest_length);
        for (int i = 0; i < 8; i++)
                value = (value << 8) | digest[i];
        return (int) (value % SCHEDULE_SLOT_WINDOW_SECONDS);
}

static gint32 offset_at(GTimeZone *tz, gint64 unix_seconds) {
        int interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, unix_seconds);

        return g_time_zone_get_offset(tz, interval);
}

/*
 * The instant a naive local time (seconds since the epoch as if the zone were UTC)
 * first occurs. Inside a gap, the instant right after it that the clock shows as
 * @local + the gap (2:30 on a spring-forward day at 2:00 runs at 3:30).
 * Assumes offset changes are more than a day apart, as in every real zone.
 */
static gint64 local_to_unix(GTimeZone *tz, gint64 local) {
        gint32 before = offset_at(tz, local - SECONDS_PER_DAY);
        gint32 after = offset_at(tz, local + SECONDS_PER_DAY);
        gint64 first = local - before, second = local - after;
        gboolean first_valid = offset_at(tz, first) == before;
        gboolean second_valid = offset_at(tz, second) == after;

        if (first_valid && second_valid)
                return MIN(first, second);
        if (second_valid)
                return second;
        return first; /* valid, or a gap: the pre-gap offset lands just after it */
}

static gint64 epoch_julian(void) {
        GDate epoch;

        g_date_clear(&epoch, 1);
        g_date_set_dmy(&epoch, 1, G_DATE_JANUARY, 1970);
        return g_date_get_julian(&epoch);
}

/* The slot instant of @day (a local calendar day), in seconds since the epoch. */
static gint64 slot_instant(GTimeZone *tz, const GDate *day, int second_of_day) {
        gint64 local = ((gint64) g_date_get_julian(day) - epoch_julian()) * SECONDS_PER_DAY + second_of_day;

        return local_to_unix(tz, local);
}

gint64 schedule_next_run(const Schedule *schedule, const char *mac, GTimeZone *tz, gint64 now,
                         ScheduleRandomFunc random, gpointer random_data) {
        int second_of_day = schedule->second_of_day >= 0 ? schedule->second_of_day : schedule_device_slot(mac);
        gint64 now_seconds = now / G_USEC_PER_SEC;
        g_autoptr(GDateTime) now_utc = g_date_time_new_from_unix_utc(now_seconds);
        g_autoptr(GDateTime) now_local = NULL;
        gint64 next = 0;
        GDate day;

        if (!schedule_is_enabled(schedule) || now_utc == NULL)
                return 0;
        now_local = g_date_time_to_timezone(now_utc, tz);
        g_date_clear(&day, 1);
        g_date_set_dmy(&day, g_date_time_get_day_of_month(now_local), g_date_time_get_month(now_local),
                       g_date_time_get_year(now_local));
        /* From yesterday (a slot shifted across midnight by a gap) to a week ahead. */
        g_date_subtract_days(&day, 1);
        for (int i = 0; i <= 8 && next == 0; i++, g_date_add_days(&day, 1)) {
                gint64 instant;

                if (!schedule->weekdays[g_date_get_weekday(&day) - G_DATE_MONDAY])
                        continue;
                instant = slot_instant(tz, &day, second_of_day);
                if (instant * G_USEC_PER_SEC > now)
                        next = instant;
        }
        if (next == 0)
                return 0;
        if (schedule->use_random_delay)
                next += schedule->min_random_delay +
                        random(schedule->max_random_delay - schedule->min_random_delay + 1, random_data);
        return next * G_USEC_PER_SEC;
}

guint schedule_retry_delay(guint retry, ScheduleRandomFunc random, gpointer random_data) {
        guint64 low = SCHEDULE_RETRY_MIN_SECONDS, high;

        for (guint i = 1; i < MAX(retry, 1) && low < SCHEDULE_RETRY_MAX_SECONDS; i++)
                low *= SCHEDULE_RETRY_FACTOR;
        if (low >= SCHEDULE_RETRY_MAX_SECONDS)
                return SCHEDULE_RETRY_MAX_SECONDS;
        high = MIN(low * SCHEDULE_RETRY_FACTOR, SCHEDULE_RETRY_MAX_SECONDS);
        return (guint) (low + random((guint32) (high - low + 1), random_data));
}

guint32 schedule_random_glib(guint32 upper_bound, gpointer user_data) {
        return (guint32) g_random_int_range(0, (gint32) MIN(upper_bound, (guint32) G_MAXINT32));
}
