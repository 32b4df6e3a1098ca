/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conditional downloads (RFC 9110 §13): what the last successful run fetched,
 * kept in STATE_DIR/cache/ so that the next run can ask "changed since?" and
 * reuse the body on a 304, and can tell that nothing changed at all.
 *
 * One file per URL (NAME = SHA-256 of the requested URL, hex):
 *   cache/NAME.entry   a GVariant: validators (ETag, Last-Modified), the
 *                      media type and charset, the document type and the
 *                      release it was classified under, the SHA-256 of the
 *                      body, and the body
 *   cache/last-run     the last successful run: the settings generation it
 *                      left, the release, and (URL, body hash) of every file
 *                      in the order applied
 * Every file is written whole through a temp file and a rename
 * (store_write_file_atomic()); an entry that cannot be read, does not parse,
 * or whose body does not match its hash is ignored (the file is fetched
 * normally). Entries are written only after a successful run, only for files
 * with a validator, within [Limits] MaxCacheSize bytes of bodies in all, and
 * entries of URLs that run did not fetch are removed then. Nothing here
 * touches the settings.
 */
#pragma once

#include <glib.h>

#include "document.h"

#define DOWNLOAD_CACHE_SUBDIR "cache"

/**
 * DownloadedFile: one file of a run as it arrived (or as the cache had it,
 * after a 304). All strings owned; NULL where the server sent nothing.
 */
typedef struct {
        char *url;       /* requested, markers replaced (may carry userinfo) */
        char *final_url; /* the URL the body came from (FetchResponse.url) */
        guint status;    /* HTTP status of the answer: 2xx, or 304 (body from the cache) */
        char *etag;
        char *last_modified;
        char *content_type;
        char *charset;
        char *hash; /* SHA-256 of @body, hex */
        GBytes *body;
        gboolean type_known; /* @type is from this release's parse (now or cached) */
        DocumentType type;
        gboolean freshened; /* a 304 brought validators other than the cached ones */
} DownloadedFile;

void downloaded_file_free(DownloadedFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DownloadedFile, downloaded_file_free)

/**
 * downloaded_file_freshen:
 * Takes the validators of a 304 Not Modified into @cached, the cached copy it
 * stands for: an @etag or @last_modified the 304 carries replaces the stored
 * one, one it does not carry stays (RFC 9111 §4.3.4 "Freshening Stored
 * Responses upon Validation"; RFC 9110 §15.4.5: a 304 carries the ETag a 200
 * would). Sets @cached->freshened when a value changed, so that
 * download_cache_remember_run() writes the entry again.
 */
void downloaded_file_freshen(DownloadedFile *cached, const char *etag, const char *last_modified);

/** download_cache_hash: SHA-256 of @body, hex (newly allocated). */
char *download_cache_hash(GBytes *body);

typedef struct DownloadCache DownloadCache;

/**
 * download_cache_new:
 * The cache in @state_dir/cache (created if missing; when it cannot be, the
 * cache stays empty and a warning is logged). @max_size: the bytes of bodies
 * kept at most. @stamp: the release and daemon version (download_cache_stamp())
 * a cached document type is valid for.
 */
DownloadCache *download_cache_new(const char *state_dir, guint64 max_size, const char *stamp);

void download_cache_free(DownloadCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DownloadCache, download_cache_free)

/** download_cache_stamp: "RELEASE/VERSION" for @release and this daemon's version (newly allocated). */
char *download_cache_stamp(const char *release);

/**
 * download_cache_lookup:
 * The cached copy of @url (requested, markers replaced) as a DownloadedFile
 * with status 304 and type_known set only when it was classified under this
 * stamp; NULL when there is none or it is unreadable (logged at debug level).
 */
DownloadedFile *download_cache_lookup(const DownloadCache *cache, const char *url);

/**
 * download_cache_run_unchanged:
 * Whether @files (DownloadedFile*, in order) are exactly the files of the
 * last successful run (same URLs, same body hashes, same order), under the
 * same stamp, and the settings are still at @generation, the generation that
 * run left: applying them again would change nothing.
 */
gboolean download_cache_run_unchanged(const DownloadCache *cache, GPtrArray *files, guint64 generation);

/**
 * download_cache_remember_run:
 * After a successful run that left the settings at @generation: stores the
 * entries of @files that carry a validator (within the size cap, in run
 * order), the last-run record (unless it is the same already), and removes
 * every other entry. Entries of files answered 304 are kept as they are, unless
 * the 304 freshened their validators (downloaded_file_freshen()). Failures are
 * logged, never fatal: the next run then fetches those files in full.
 */
void download_cache_remember_run(DownloadCache *cache, GPtrArray *files, guint64 generation);
