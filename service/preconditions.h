/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The preconditions of a provisioning run (issue "zero-touch discovery", flow
 * point 1): a usable network and a valid clock. TLS needs a valid clock, and
 * every source of a provisioning URL needs the network, so a run waits for
 * both, up to a configured time, before it looks for a URL.
 *
 * Nothing is polled: the network is watched through GNetworkMonitor (netlink
 * route events), the clock through timedated's PropertiesChanged and a timerfd
 * that the kernel wakes when the clock is set (see precondition-clock.h).
 */
#pragma once

#include <gio/gio.h>

#define PRECONDITIONS_STAGE_WAITING_FOR_NETWORK "waiting-for-network"
#define PRECONDITIONS_STAGE_WAITING_FOR_TIME "waiting-for-time"

#define PRECONDITIONS_DEFAULT_TIMEOUT 120 /* seconds */

/* Where "the clock is valid" comes from ([Preconditions] Time=). */
typedef enum {
        PRECONDITIONS_TIME_NONE,      /* "none": the clock is not checked */
        PRECONDITIONS_TIME_TIMEDATED, /* "timedated": org.freedesktop.timedate1 NTPSynchronized */
        PRECONDITIONS_TIME_KERNEL,    /* "kernel": adjtimex(2) reports the clock synchronized */
} PreconditionsTimeSource;

/* [Preconditions] of provisiond.conf. Network = FALSE and time = NONE turn the
 * checks off (development machines without a default route or NTP). */
typedef struct {
        gboolean network;             /* wait for a usable network (precondition-network.h) */
        PreconditionsTimeSource time; /* wait for a valid clock from this source */
        guint timeout;                /* seconds to wait for both, > 0 */
} PreconditionsConfig;

/** preconditions_config_init_default: network and timedated checked, 120 s. */
void preconditions_config_init_default(PreconditionsConfig *config);

/**
 * preconditions_time_source_from_string:
 * Parses a Time= value ("timedated", "kernel", "none"). Returns FALSE for
 * anything else and leaves @source unchanged.
 */
gboolean preconditions_time_source_from_string(const char *text, PreconditionsTimeSource *source);

/** preconditions_time_source_to_string: the Time= spelling of @source (static string). */
const char *preconditions_time_source_to_string(PreconditionsTimeSource source);

/**
 * PreconditionsStageFunc:
 * Called with PRECONDITIONS_STAGE_WAITING_FOR_NETWORK or
 * PRECONDITIONS_STAGE_WAITING_FOR_TIME (static strings) when the wait for that
 * precondition actually starts, i.e. it was not met at once; again only when
 * the missing precondition changes (the network is checked first: NTP needs
 * it). Never called when both are met at the first look.
 */
typedef void (*PreconditionsStageFunc)(const char *stage, gpointer user_data);

/**
 * preconditions_wait_async:
 * Waits until the preconditions of @config (copied) are met, at most
 * @config->timeout seconds from now, in the thread-default main context.
 * @stage_cb (may be NULL) and @callback get @user_data. Callbacks never run
 * before this function has returned.
 */
void preconditions_wait_async(const PreconditionsConfig *config, GCancellable *cancellable,
                              PreconditionsStageFunc stage_cb, GAsyncReadyCallback callback,
                              gpointer user_data);

/**
 * preconditions_wait_finish:
 * Returns TRUE when both preconditions were met. Fails with
 * PROV_ERROR_PRECONDITION when the timeout passed first; the message names
 * each missing precondition and why, e.g. "no network: no interface with an
 * address and a default route after 120 s (IPv4: no default route; IPv6: no
 * default route)" or "clock not synchronized (timedated
 * NTPSynchronized=false) after 120 s". Fails with G_IO_ERROR_CANCELLED when
 * @cancellable was cancelled.
 */
gboolean preconditions_wait_finish(GAsyncResult *result, GError **error);
