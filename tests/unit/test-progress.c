/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run progress: never down, 100 only when done, throttled within a stage. */
#include <glib.h>

#include "progress.h"

static void test_percent_never_goes_down(void) {
        ProgressTracker tracker;

        progress_tracker_init(&tracker);
        progress_tracker_update(&tracker, PROGRESS_STAGE_DOWNLOADING, 40, 0);
        progress_tracker_update(&tracker, PROGRESS_STAGE_DOWNLOADING, 20, G_USEC_PER_SEC);
        g_assert_cmpuint(tracker.percent, ==, 40);
}

static void test_hundred_only_when_done(void) {
        ProgressTracker tracker;

        progress_tracker_init(&tracker);
        progress_tracker_update(&tracker, PROGRESS_STAGE_COMMITTING, 100, 0);
        g_assert_cmpuint(tracker.percent, ==, 99);
        g_assert_true(progress_tracker_update(&tracker, PROGRESS_STAGE_DONE, 0, 1));
        g_assert_cmpuint(tracker.percent, ==, 100);
}

static void test_updates_within_stage_throttled(void) {
        ProgressTracker tracker;
        guint emitted = 0;

        progress_tracker_init(&tracker);
        /* 64 files within 64 ms: one emission for the stage, not 64. */
        for (gint64 file = 0; file < 64; file++)
                emitted += progress_tracker_update(&tracker, PROGRESS_STAGE_DOWNLOADING, (guint)file, file * 1000);
        g_assert_cmpuint(emitted, ==, 1);
        g_assert_cmpuint(tracker.percent, ==, 63);
}

static void test_update_after_interval_passes(void) {
        ProgressTracker tracker;

        progress_tracker_init(&tracker);
        g_assert_true(progress_tracker_update(&tracker, PROGRESS_STAGE_DOWNLOADING, 1, 0));
        g_assert_false(progress_tracker_update(&tracker, PROGRESS_STAGE_DOWNLOADING, 2, PROGRESS_MIN_INTERVAL_USEC - 1));
        g_assert_true(progress_tracker_update(&tracker, PROGRESS_STAGE_DOWNLOADING, 3, PROGRESS_MIN_INTERVAL_USEC * 2));
}

static void test_stage_change_always_emitted(void) {
        ProgressTracker tracker;

        progress_tracker_init(&tracker);
        g_assert_true(progress_tracker_update(&tracker, PROGRESS_STAGE_DOWNLOADING, 10, 0));
        g_assert_true(progress_tracker_update(&tracker, PROGRESS_STAGE_APPLYING, 75, 1));
        g_assert_true(progress_tracker_update(&tracker, PROGRESS_STAGE_COMMITTING, 90, 2));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/progress/percent-never-goes-down", test_percent_never_goes_down);
        g_test_add_func("/progress/hundred-only-when-done", test_hundred_only_when_done);
        g_test_add_func("/progress/updates-within-stage-throttled", test_updates_within_stage_throttled);
        g_test_add_func("/progress/update-after-interval-passes", test_update_after_interval_passes);
        g_test_add_func("/progress/stage-change-always-emitted", test_stage_change_always_emitted);
        return g_test_run();
}
