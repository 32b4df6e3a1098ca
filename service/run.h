/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The download part of a provisioning run: fetches the start URL, expands
 * reference documents depth-first in document order (relative URLs resolved
 * against the referencing file, markers replaced, cycles, depth and file
 * count bounded) and hands every patch and operations document, in order, to
 * its owner. Nothing here touches the settings.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "device.h"
#include "document.h"
#include "fetch.h"
#include "schema.h"

typedef struct Run Run;

typedef struct {
        /* "file k of n URL", percent of the download stage (0..100). */
        void (*downloading)(Run *run, guint percent, const char *detail, gpointer user_data);
        /* One file arrived with @bytes bytes. */
        void (*fetched)(Run *run, guint64 bytes, gpointer user_data);
        /* Everything is downloaded: @documents (Document*, owned by the run) are ready to apply. */
        void (*downloaded)(Run *run, GPtrArray *documents, gpointer user_data);
        /* The download part failed or was cancelled (PROV_ERROR_CANCELLED). */
        void (*failed)(Run *run, const GError *error, gpointer user_data);
} RunCallbacks;

typedef struct {
        const char *url;              /* the start URL as given (url_normalize_input() is applied), markers not
                                       * yet replaced; NULL or blank: none */
        const DeviceIdentity *device;
        const SchemaSet *schemas;
        FetchOptions fetch;
        guint max_files;
        guint max_reference_depth;
} RunSettings;

/**
 * run_new:
 * A run that starts from an idle callback, so that its id is replied before
 * anything is reported. Every problem, a missing URL (NoSource) included,
 * arrives through the failed callback. @settings is copied.
 */
Run *run_new(const RunSettings *settings, const RunCallbacks *callbacks, gpointer user_data);


/** run_cancel: aborts downloads in flight; the failed callback follows with PROV_ERROR_CANCELLED. */
void run_cancel(Run *run);

void run_free(Run *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Run, run_free)
