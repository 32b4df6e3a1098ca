/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "download-cache.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "store.h"
#include "url.h"

#define ENTRY_MAGIC "provisiond-cache-entry-1"
#define LAST_RUN_MAGIC "provisiond-cache-last-run-1"
#define ENTRY_SUFFIX ".entry"
#define LAST_RUN_FILE "last-run"
/* magic, URL, final URL (both redacted), ETag, Last-Modified, media type, charset, stamp, type, hash, body */
#define ENTRY_TYPE "(ssssssssusay)"
/* magic, stamp, generation, (URL key, body hash) of each file in order */
#define LAST_RUN_TYPE "(ssta(ss))"

struct DownloadCache {
        char *directory; /* NULL: no cache (the directory could not be made) */
        guint64 max_size;
        char *stamp;
};

void downloaded_file_free(DownloadedFile *file) {
        if (file == NULL)
                return;
        g_free(file->url);
        g_free(file->final_url);
        g_free(file->etag);
        g_free(file->last_modified);
        g_free(file->content_type);
        g_free(file->charset);
        g_free(file->hash);
        g_clear_pointer(&file->body, g_bytes_unref);
        g_free(file);
}

/* Replaces *@stored with @received when the 304 carried one that differs. */
static gboolean freshen_validator(char **stored, const char *received) {
        if (received == NULL || g_strcmp0(*stored, received) == 0)
                return FALSE;
        g_free(*stored);
        *stored = g_strdup(received);
        return TRUE;
}

void downloaded_file_freshen(DownloadedFile *cached, const char *etag, const char *last_modified) {
        gboolean etag_changed = freshen_validator(&cached->etag, etag);
        gboolean last_modified_changed = freshen_validator(&cached->last_modified, last_modified);

        if (etag_changed || last_modified_changed)
                cached->freshened = TRUE;
}

char *download_cache_hash(GBytes *body) {
        return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, body);
}

char *download_cache_stamp(const char *release) {
        return g_strdup_printf("%s/%s", release, PROVISIOND_VERSION);
}

DownloadCache *download_cache_new(const char *state_dir, guint64 max_size, const char *stamp) {
        DownloadCache *cache = g_new0(DownloadCache, 1);
        g_autofree char *directory = g_build_filename(state_dir, DOWNLOAD_CACHE_SUBDIR, NULL);

        cache->max_size = max_size;
        cache->stamp = g_strdup(stamp);
        if (g_mkdir_with_parents(directory, 0700) < 0)
                g_warning("download cache: cannot create %s: %s (every file is fetched in full)", directory,
                          g_strerror(errno));
        else
                cache->directory = g_steal_pointer(&directory);
        return cache;
}

void download_cache_free(DownloadCache *cache) {
        if (cache == NULL)
                return;
        g_free(cache->directory);
        g_free(cache->stamp);
        g_free(cache);
}

/* The name of a URL's entry: its hash, so that no URL (or its credentials) appears in a file name. */
static char *url_key(const char *url) {
        return g_compute_checksum_for_string(G_CHECKSUM_SHA256, url, -1);
}

static char *entry_path(const DownloadCache *cache, const char *key) {
        g_autofree char *name = g_strconcat(key, ENTRY_SUFFIX, NULL);

        return g_build_filename(cache->directory, name, NULL);
}

static const char *or_empty(const char *value) {
        return value != NULL ? value : "";
}

static char *or_null(const char *value) {
        return value[0] != '\0' ? g_strdup(value) : NULL;
}

/* A GVariant of @type read from @path, or NULL (missing, unreadable, wrong magic). */
static GVariant *read_variant(const char *path, const char *type, const char *magic) {
        g_autofree char *data = NULL;
        g_autoptr(GBytes) bytes = NULL;
        g_autoptr(GVariant) variant = NULL;
        g_autoptr(GVariant) first = NULL;
        gsize length = 0;

        if (!g_file_get_contents(path, &data, &length, NULL))
                return NULL;
        bytes = g_bytes_new_take(g_steal_pointer(&data), length);
        variant = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE(type), bytes, FALSE));
        first = g_variant_get_child_value(variant, 0);
        if (!g_str_equal(g_variant_get_string(first, NULL), magic))
                return NULL;
        return g_steal_pointer(&variant);
}

static DownloadedFile *file_from_entry(GVariant *entry, const char *stamp) {
        g_autoptr(DownloadedFile) file = g_new0(DownloadedFile, 1);
        g_autoptr(GVariant) body = g_variant_get_child_value(entry, 10);
        const char *strings[9];
        guint32 type;

        g_variant_get(entry, "(&s&s&s&s&s&s&s&su&s@ay)", &strings[0], &strings[1], &strings[2], &strings[3],
                      &strings[4], &strings[5], &strings[6], &strings[7], &type, &strings[8], NULL);
        file->final_url = g_strdup(strings[2]);
        file->etag = or_null(strings[3]);
        file->last_modified = or_null(strings[4]);
        file->content_type = or_null(strings[5]);
        file->charset = or_null(strings[6]);
        file->type_known = g_str_equal(strings[7], stamp) && type <= DOCUMENT_OPERATIONS;
        file->type = file->type_known ? (DocumentType) type : DOCUMENT_PATCH;
        file->hash = g_strdup(strings[8]);
        file->body = g_variant_get_data_as_bytes(body);
        file->status = 304;
        return g_steal_pointer(&file);
}

DownloadedFile *download_cache_lookup(const DownloadCache *cache, const char *url) {
        g_autofree char *key = NULL;
        g_autofree char *path = NULL;
        g_autofree char *redacted = url_redact(url);
        g_autoptr(GVariant) entry = NULL;
        g_autoptr(DownloadedFile) file = NULL;
        g_autofree char *hash = NULL;
        const char *stored_url = NULL;

        if (cache->directory == NULL)
                return NULL;
        key = url_key(url);
        path = entry_path(cache, key);
        entry = read_variant(path, ENTRY_TYPE, ENTRY_MAGIC);
        if (entry == NULL)
                return NULL;
        g_variant_get_child(entry, 1, "&s", &stored_url);
        file = file_from_entry(entry, cache->stamp);
        hash = download_cache_hash(file->body);
        /* A torn or altered entry is no entry: the file is fetched in full. */
        if (!g_str_equal(stored_url, redacted) || !g_str_equal(hash, file->hash) ||
            (file->etag == NULL && file->last_modified == NULL)) {
                g_debug("download cache: ignoring the damaged entry %s", path);
                return NULL;
        }
        file->url = g_strdup(url);
        return g_steal_pointer(&file);
}

/* ---- After a successful run -------------------------------------------------- */

static GVariant *last_run_new(const DownloadCache *cache, GPtrArray *files, guint64 generation) {
        g_auto(GVariantBuilder) list = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a(ss)"));

        for (guint i = 0; i < files->len; i++) {
                const DownloadedFile *file = g_ptr_array_index(files, i);
                g_autofree char *key = url_key(file->url);
                g_variant_builder_add(&list, "(ss)", key, file->hash);
        }
        return g_variant_ref_sink(g_variant_new("(sst@a(ss))", LAST_RUN_MAGIC, cache->stamp, generation,
                                                g_variant_builder_end(&list)));
}

/* Whether the stored last-run record is @last_run. */
static gboolean last_run_is(const DownloadCache *cache, GVariant *last_run) {
        g_autofree char *path = g_build_filename(cache->directory, LAST_RUN_FILE, NULL);
        g_autoptr(GVariant) stored = read_variant(path, LAST_RUN_TYPE, LAST_RUN_MAGIC);

        return stored != NULL && g_variant_equal(stored, last_run);
}

gboolean download_cache_run_unchanged(const DownloadCache *cache, GPtrArray *files, guint64 generation) {
        g_autoptr(GVariant) now = NULL;

        if (cache->directory == NULL || files->len == 0)
                return FALSE;
        now = last_run_new(cache, files, generation);
        return last_run_is(cache, now);
}

static GVariant *entry_new(const DownloadCache *cache, const DownloadedFile *file) {
        g_autofree char *url = url_redact(file->url);
        g_autofree char *final_url = url_redact(file->final_url);
        GVariant *body = g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, file->body, TRUE);

        return g_variant_ref_sink(g_variant_new("(ssssssssus@ay)", ENTRY_MAGIC, url, final_url,
                                                or_empty(file->etag), or_empty(file->last_modified),
                                                or_empty(file->content_type), or_empty(file->charset),
                                                cache->stamp, (guint32) file->type, file->hash, body));
}

static gboolean write_variant(const char *path, GVariant *variant, GError **error) {
        return store_write_file_atomic(path, g_variant_get_data(variant), g_variant_get_size(variant), error);
}

/* Writes @file's entry unless the cache already holds it (a 304 that brought no new validators). */
static void store_entry(const DownloadCache *cache, const DownloadedFile *file, const char *key) {
        g_autofree char *path = entry_path(cache, key);
        g_autoptr(GVariant) entry = NULL;
        g_autoptr(GError) error = NULL;

        if (file->status == 304 && !file->freshened)
                return;
        entry = entry_new(cache, file);
        if (!write_variant(path, entry, &error))
                g_warning("download cache: %s", error->message);
}

/* Removes every file of the cache directory but @keep (names) and the last-run record. */
static void prune(const DownloadCache *cache, GHashTable *keep) {
        g_autoptr(GDir) directory = g_dir_open(cache->directory, 0, NULL);
        const char *name;

        if (directory == NULL)
                return;
        while ((name = g_dir_read_name(directory)) != NULL) {
                g_autofree char *path = NULL;
                if (g_hash_table_contains(keep, name) || g_str_equal(name, LAST_RUN_FILE))
                        continue;
                path = g_build_filename(cache->directory, name, NULL);
                if (g_unlink(path) < 0 && errno != ENOENT)
                        g_warning("download cache: cannot remove %s: %s", path, g_strerror(errno));
        }
}

static gboolean has_validator(const DownloadedFile *file) {
        return file->etag != NULL || file->last_modified != NULL;
}

void download_cache_remember_run(DownloadCache *cache, GPtrArray *files, guint64 generation) {
        g_autoptr(GHashTable) keep = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GVariant) last_run = NULL;
        g_autofree char *last_run_path = NULL;
        g_autoptr(GError) error = NULL;
        guint64 kept_size = 0;

        if (cache->directory == NULL)
                return;
        for (guint i = 0; i < files->len; i++) {
                const DownloadedFile *file = g_ptr_array_index(files, i);
                g_autofree char *key = url_key(file->url);
                g_autofree char *name = g_strconcat(key, ENTRY_SUFFIX, NULL);
                gsize size = g_bytes_get_size(file->body);

                if (!has_validator(file) || g_hash_table_contains(keep, name) ||
                    kept_size + size > cache->max_size)
                        continue;
                kept_size += size;
                store_entry(cache, file, key);
                g_hash_table_add(keep, g_steal_pointer(&name));
        }
        last_run = last_run_new(cache, files, generation);
        last_run_path = g_build_filename(cache->directory, LAST_RUN_FILE, NULL);
        if (!last_run_is(cache, last_run) && !write_variant(last_run_path, last_run, &error))
                g_warning("download cache: %s", error->message);
        prune(cache, keep);
}
