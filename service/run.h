/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The run pipeline: one provisioning run from its request to the commit.
 * Sequences the stages (download with reference expansion → working copy:
 * apply, validate → commit once), says what share of the run each stage is,
 * throttles progress, and reports everything upward through RunCallbacks. It
 * takes the store and the schemas, never the engine; the engine keeps the
 * status and the one-run rule.
 */
#pragma once

#include <glib.h>

#include "apply-queue.h"
#include "apply-result.h"
#include "daemon-config.h"
#include "device.h"
#include "dhcp-leases.h"
#include "discovery.h"
#include "download-cache.h"
#include "run-request.h"
#include "schema.h"
#include "store.h"

typedef struct Run Run;

/* A run is freed by its owner, never inside one of these callbacks. */
typedef struct {
        /* Progress of the whole run, already throttled (see progress.h); @percent 0..100. */
        void (*progress)(Run *run, const char *stage, guint percent, const char *detail, gpointer user_data);
        /* One file arrived with @bytes bytes. */
        void (*fetched)(Run *run, guint64 bytes, gpointer user_data);
        /* The working copy is committed (or nothing changed): @changes (SectionChange*) are durable. */
        void (*committed)(Run *run, const ApplyResult *result, GPtrArray *changes, gpointer user_data);
        /* The run ended with a commit; comes after committed and progress "done". */
        void (*finished)(Run *run, guint sections_changed, gpointer user_data);
        /* The run ended without a commit; @warnings (char*) are those of the apply, if it got that far. */
        void (*failed)(Run *run, const GError *error, GPtrArray *warnings, gpointer user_data);
        /* A run without a URL: the discovery ended (@result->url NULL: no source found one; failed follows). */
        void (*discovered)(Run *run, const DiscoveryResult *result, gpointer user_data);
} RunCallbacks;

/* What a run works with; all borrowed, all must outlive the run. */
typedef struct {
        Store *store;
        ApplyQueue *queue; /* the run's documents are applied and committed as one job of it */
        const SchemaSet *schemas;
        const DeviceIdentity *device;
        const DaemonConfig *config; /* limits, TLS */
        const char *user_agent;
        DhcpLeases *leases;   /* for discovery; NULL: none */
        DownloadCache *cache; /* conditional downloads; NULL: none */
        guint64 run_id;       /* recorded with the run's settings generation */
} RunContext;

/**
 * run_new:
 * Starts a run for @request (copied): first the preconditions
 * (preconditions.h, Progress `waiting-for-network` / `waiting-for-time`),
 * then, when the request has no URL, the discovery (discovery.h, Progress
 * `discovering`), then the download from the request's or the discovered
 * URL; the credentials are /provisioning/username and /provisioning/password.
 * Nothing is reported before this returns, so that the run id is replied
 * first; every problem (Precondition, NoSource, …) arrives through the
 * failed callback.
 */
Run *run_new(const RunRequest *request, const RunContext *context, const RunCallbacks *callbacks,
             gpointer user_data);

/** run_get_url: the start URL as given or discovered (markers not replaced), or NULL when none is known (yet). */
const char *run_get_url(const Run *run);

/** run_get_request: the request the run was started for (its source resolved). */
const RunRequest *run_get_request(const Run *run);

/** run_get_files: the files the current download fetched so far (DownloadedFile*, owned by the run),
 * references included; NULL before the download started (preconditions, discovery). */
GPtrArray *run_get_files(const Run *run);

/** run_get_last_http_status: the HTTP status of the run's last response, 0 before any. */
guint run_get_last_http_status(const Run *run);

/**
 * run_cancel:
 * Aborts the wait for the preconditions, the discovery or the downloads in
 * flight; the failed callback follows with PROV_ERROR_CANCELLED. Once the
 * downloads are done, the apply is a job of the ApplyQueue (in a worker
 * thread) and cannot be interrupted.
 */
void run_cancel(Run *run);

void run_free(Run *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Run, run_free)
