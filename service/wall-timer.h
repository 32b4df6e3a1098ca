/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A one-shot timer for a wall-clock instant, on the main loop: a timerfd on
 * CLOCK_REALTIME armed with an absolute time and TFD_TIMER_CANCEL_ON_SET, in a
 * GSource. The kernel wakes it at the instant, or at once when the wall clock is
 * set discontinuously (settimeofday, NTP's first step): the callback then learns
 * that the clock jumped and can compute its instant again. No polling.
 */
#pragma once

#include <glib.h>

typedef struct WallTimer WallTimer;

/*
 * @clock_jumped: FALSE: the armed instant has come; TRUE: the wall clock was set
 * (the instant may or may not have passed). Either way, arm it again for what is due next.
 */
typedef void (*WallTimerFunc)(gboolean clock_jumped, gpointer user_data);

/** wall_timer_new: a disarmed timer attached to the thread-default main context. */
WallTimer *wall_timer_new(WallTimerFunc func, gpointer user_data, GError **error);

void wall_timer_free(WallTimer *timer);

/**
 * wall_timer_arm:
 * @instant: µs since the epoch; 0 disarms. An instant already past fires on the
 *   next main loop iteration.
 */
void wall_timer_arm(WallTimer *timer, gint64 instant);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(WallTimer, wall_timer_free)
