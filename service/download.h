/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The download part of a provisioning run: fetches the start URL, expands
 * reference documents depth-first in document order (relative URLs resolved
 * against the URL the referencing file was finally retrieved from, markers
 * replaced, cycles over requested and final URLs, depth and file count
 * bounded) and hands every patch and operations document, in order, to
 * its owner. Nothing here touches the settings.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "device.h"
#include "document.h"
#include "download-cache.h"
#include "fetch.h"
#include "schema.h"

typedef struct Download Download;

typedef struct {
        /* "file k of n URL", percent of the download stage (0..100). */
        void (*downloading)(Download *download, guint percent, const char *detail, gpointer user_data);
        /* One file arrived with @bytes bytes (0 for a 304: the body came from the cache). */
        void (*fetched)(Download *download, guint64 bytes, gpointer user_data);
        /* Everything is downloaded: @documents (Document*, owned by the download), in the order to
         * apply. A document unchanged since the last successful run is not parsed yet (its doc is
         * NULL): call download_parse_deferred() before applying them. */
        void (*downloaded)(Download *download, GPtrArray *documents, gpointer user_data);
        /* The download part failed or was cancelled (PROV_ERROR_CANCELLED). */
        void (*failed)(Download *download, const GError *error, gpointer user_data);
} DownloadCallbacks;

typedef struct {
        const char *url; /* the start URL as given (url_normalize_input() is applied), markers not
                          * yet replaced; NULL or blank: none */
        const DeviceIdentity *device;
        const SchemaSet *schemas;
        FetchOptions fetch;
        guint max_files;
        guint max_reference_depth;
        DownloadCache *cache; /* borrowed; NULL: no conditional requests */
} DownloadSettings;

/**
 * download_new:
 * A download that starts from an idle callback, so that the run id is replied before
 * anything is reported. Every problem, a missing URL (NoSource) included,
 * arrives through the failed callback. @settings is copied.
 */
Download *download_new(const DownloadSettings *settings, const DownloadCallbacks *callbacks,
                       gpointer user_data);

/**
 * download_parse_deferred:
 * Parses the documents the download left unparsed (unchanged since the last
 * successful run, their type known from the cache). Errors are those of
 * parsing (PROV_ERROR_INVALID_FILE).
 */
gboolean download_parse_deferred(Download *download, GError **error);

/** download_get_files: every file fetched so far (DownloadedFile*, owned by @download), references included, in order. */
GPtrArray *download_get_files(Download *download);

/** download_get_last_http_status: the HTTP status of the last response, 0 before any. */
guint download_get_last_http_status(const Download *download);

/** download_cancel: aborts downloads in flight; the failed callback follows with PROV_ERROR_CANCELLED. */
void download_cancel(Download *download);

void download_free(Download *download);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Download, download_free)
