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

#include "apply-result.h"
#include "daemon-config.h"
#include "device.h"
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
} RunCallbacks;

/* What a run works with; all borrowed, all must outlive the run. */
typedef struct {
        Store *store;
        const SchemaSet *schemas;
        const DeviceIdentity *device;
        const DaemonConfig *config; /* limits, TLS */
        const char *user_agent;
        guint64 run_id; /* recorded with the run's settings generation */
} RunContext;

/**
 * run_new:
 * Prepares a run for @request (copied): the start URL is the request's, else
 * /provisioning/url (through url_normalize_input()); the credentials are /provisioning/username and
 * /provisioning/password. The run starts from an idle callback, so that its
 * id is replied before anything is reported; every problem, a missing URL
 * (NoSource) included, arrives through the failed callback.
 */
Run *run_new(const RunRequest *request, const RunContext *context, const RunCallbacks *callbacks,
             gpointer user_data);

/** run_get_url: the start URL as given or configured (markers not replaced), or NULL when there is none. */
const char *run_get_url(const Run *run);

/** run_get_request: the request the run was started for (its source resolved). */
const RunRequest *run_get_request(const Run *run);

/**
 * run_cancel:
 * Aborts downloads in flight; the failed callback follows with
 * PROV_ERROR_CANCELLED. Once the downloads are done, the rest is synchronous
 * and cannot be interrupted.
 */
void run_cancel(Run *run);

void run_free(Run *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Run, run_free)
