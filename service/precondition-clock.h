/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Is the clock valid? From one of two sources ([Preconditions] Time=):
 *
 * - kernel: adjtimex(2) does not return TIME_ERROR and STA_UNSYNC is clear,
 *   i.e. an NTP client (systemd-timesyncd, chrony, ntpd) told the kernel the
 *   clock is synchronized.
 * - timedated: org.freedesktop.timedate1's NTPSynchronized property on the
 *   system bus. systemd's timedated computes it from adjtimex(2) on each read
 *   and does not emit PropertiesChanged for it (its vtable has no
 *   EMITS_CHANGE flag), so the property is read again on every event below;
 *   a PropertiesChanged that carries it is taken as well (other
 *   implementations, the test's mock).
 *
 * The kernel does not notify a change of its sync state, but it does notify
 * a clock that is set: a CLOCK_REALTIME timerfd armed with
 * TFD_TIMER_CANCEL_ON_SET wakes up (the same signal as systemd-time-wait-sync).
 * NTP clients set the clock when they first synchronize from a clock that is
 * off by more than a fraction of a second, which is the case this check is
 * for. Events that re-read the state: that timerfd, for timedated also the
 * service appearing on the bus, systemd-timesyncd's PropertiesChanged (one per
 * NTP exchange), and clock_watch_refresh() (the caller's deadline). A clock
 * marked synchronized without being set (slewed only) is thus seen at the
 * latest at the deadline. No periodic timer.
 */
#pragma once

#include "preconditions.h"

typedef enum {
        CLOCK_STATE_UNKNOWN, /* the first answer of timedated has not come yet */
        CLOCK_STATE_SYNCHRONIZED,
        CLOCK_STATE_UNSYNCHRONIZED, /* or the source cannot be asked; see clock_watch_get_reason() */
} ClockState;

typedef struct ClockWatch ClockWatch;
typedef void (*ClockWatchFunc)(gpointer user_data);

/**
 * clock_watch_new:
 * Watches the clock through @source (not PRECONDITIONS_TIME_NONE) in the
 * thread-default main context; calls @changed with @user_data after every
 * re-read (also from within clock_watch_refresh(), never from within
 * clock_watch_new() or clock_watch_free()). Fails only when the timerfd
 * cannot be made.
 */
ClockWatch *clock_watch_new(PreconditionsTimeSource source, ClockWatchFunc changed, gpointer user_data,
                            GError **error);

ClockState clock_watch_get_state(ClockWatch *watch);

/** clock_watch_get_reason: why the clock is not valid, e.g. "timedated NTPSynchronized=false". */
const char *clock_watch_get_reason(ClockWatch *watch);

/** clock_watch_refresh: reads the state again; @changed follows. */
void clock_watch_refresh(ClockWatch *watch);

/** clock_watch_is_settled: no answer is outstanding (a refresh has been answered). */
gboolean clock_watch_is_settled(ClockWatch *watch);

/** clock_watch_free: stops watching; @changed is not called afterwards. NULL is fine. */
void clock_watch_free(ClockWatch *watch);

/**
 * clock_kernel_judge:
 * The pure part of the kernel source: @result is adjtimex(2)'s return value
 * (-1 with @errno_value on failure), @status its timex.status. Returns TRUE
 * when the clock is synchronized, else FALSE with a newly allocated @reason.
 */
gboolean clock_kernel_judge(int result, int errno_value, int status, char **reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ClockWatch, clock_watch_free)
