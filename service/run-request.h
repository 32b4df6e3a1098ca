/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What starts a provisioning run: the trigger, the start URL if one is known,
 * the source that found it, and per-run options. The bus adapter fills one for
 * StartProvisioning; discovery and triggers fill their own. Modelled on
 * fwupd's FuEngineRequest: one object passed down instead of a growing
 * argument list.
 */
#pragma once

#include <glib.h>

/* Who found the start URL. RUN_SOURCE_CONFIGURED: /provisioning/url, used when the request has none. */
typedef enum {
        RUN_SOURCE_MANUAL,     /* given by the caller (StartProvisioning's `url`) */
        RUN_SOURCE_CONFIGURED, /* /provisioning/url of the stored settings */
        RUN_SOURCE_DHCP,       /* DHCP options (66/67, 43, 114, 160) */
        RUN_SOURCE_REDIRECT,   /* a vendor's redirect service */
        RUN_SOURCE_MULTICAST,  /* SIP SUBSCRIBE to the ua-profile event (multicast PnP) */
        RUN_SOURCE_CHECK_SYNC, /* the notifySync body of a check-sync NOTIFY (checkSync/url) */
} RunSource;

/* Per-run options. None is defined yet; discovery and triggers add theirs here. */
typedef enum {
        RUN_REQUEST_FLAG_NONE = 0,
} RunRequestFlags;

typedef struct {
        char *trigger;    /* "manual", "boot", "schedule", …; never NULL */
        char *url;        /* the start URL, normalised, markers not replaced; NULL: none given */
        RunSource source; /* who found @url; RUN_SOURCE_CONFIGURED when @url is NULL */
        RunRequestFlags flags;
} RunRequest;

/**
 * run_request_new:
 * A request (strings copied). @trigger NULL means "manual". @url goes
 * through url_normalize_input() (surrounding whitespace trimmed), so the
 * one-run rule compares normalised URLs; NULL or blank means none: the run
 * uses /provisioning/url, and the source becomes RUN_SOURCE_CONFIGURED
 * whatever @source says.
 */
RunRequest *run_request_new(const char *trigger, const char *url, RunSource source);

RunRequest *run_request_copy(const RunRequest *request);

void run_request_free(RunRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RunRequest, run_request_free)

/** run_source_name: "manual", "configured", "dhcp", "redirect", "multicast" or "check-sync" (static). */
const char *run_source_name(RunSource source);
