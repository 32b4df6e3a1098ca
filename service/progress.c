/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "progress.h"

void progress_tracker_init(ProgressTracker *tracker) {
        *tracker = (ProgressTracker){ .percent = 0, .stage = NULL, .last_emitted = 0 };
}

gboolean progress_tracker_update(ProgressTracker *tracker, const char *stage, guint percent, gint64 now) {
        gboolean done = g_str_equal(stage, PROGRESS_STAGE_DONE);
        gboolean new_stage = tracker->stage == NULL || !g_str_equal(tracker->stage, stage);

        percent = done ? 100 : MIN(percent, 99);
        tracker->percent = MAX(tracker->percent, percent);
        tracker->stage = stage;

        if (!new_stage && !done && now - tracker->last_emitted < PROGRESS_MIN_INTERVAL_USEC)
                return FALSE;
        tracker->last_emitted = now;
        return TRUE;
}
