/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A run's progress as clients see it: the percentage never goes down, 100 is
 * reserved for "done", and updates within one stage are throttled so that a
 * long reference chain does not flood the bus.
 */
#pragma once

#include <glib.h>

/* Before the download (docs/dbus-api.md "Progress"): the preconditions (preconditions.h), then discovery. */
#define PROGRESS_STAGE_WAITING_FOR_NETWORK "waiting-for-network"
#define PROGRESS_STAGE_WAITING_FOR_TIME "waiting-for-time"
#define PROGRESS_STAGE_DISCOVERING "discovering"
#define PROGRESS_STAGE_DOWNLOADING "downloading"
#define PROGRESS_STAGE_APPLYING "applying"
#define PROGRESS_STAGE_COMMITTING "committing"
#define PROGRESS_STAGE_DONE "done"

/* At most one update per stage in this interval (µs), stage changes always pass. */
#define PROGRESS_MIN_INTERVAL_USEC (100 * G_USEC_PER_SEC / 1000)

typedef struct {
        guint percent;
        const char *stage;     /* static string, NULL before the first update */
        gint64 last_emitted;   /* monotonic µs */
} ProgressTracker;

/** progress_tracker_init: a tracker at 0 %, before any stage. */
void progress_tracker_init(ProgressTracker *tracker);

/**
 * progress_tracker_update:
 * Takes a new @stage (static string) and @percent (clamped to 99 unless the
 * stage is "done", and never below the last value). Returns TRUE when the
 * update should be emitted now: a new stage, "done", or the throttle interval
 * has passed since the last emitted update. @now is g_get_monotonic_time().
 */
gboolean progress_tracker_update(ProgressTracker *tracker, const char *stage, guint percent, gint64 now);
