/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "download.h"

#include <string.h>

#include "markers.h"
#include "provision-error.h"
#include "reference.h"
#include "url.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

/* One URL to fetch; parents form the chain of reference files that led to it. */
typedef struct Pending {
        char *url;
        char *final_url; /* where it was finally retrieved from (after redirects); NULL until fetched */
        guint depth;
        struct Pending *parent;
} Pending;

struct Download {
        const SchemaSet *schemas;
        const DeviceIdentity *device;
        guint max_files;
        guint max_reference_depth;

        Fetcher *fetcher;
        GCancellable *cancellable;
        GPtrArray *pending_nodes; /* owns every Pending */
        GQueue queue;             /* Pending* still to fetch, head first */
        Pending *current;
        guint files_fetched;
        GPtrArray *documents;      /* Document*; doc NULL: deferred (see download_parse_deferred()) */
        GPtrArray *document_files; /* DownloadedFile* of each document (borrowed from files) */
        GPtrArray *files;          /* DownloadedFile*, every file fetched, in order */
        DownloadCache *cache;      /* borrowed; NULL: none */
        DownloadedFile *cached;    /* the cache's copy of the current file, or NULL */
        guint start_source;
        GError *start_error; /* a problem found by download_new, reported once started */

        DownloadCallbacks callbacks;
        gpointer user_data;
};

static void pending_free(Pending *pending) {
        g_free(pending->url);
        g_free(pending->final_url);
        g_free(pending);
}

static Pending *add_pending(Download *download, char *url, guint depth, Pending *parent) {
        Pending *pending = g_new0(Pending, 1);

        pending->url = url;
        pending->depth = depth;
        pending->parent = parent;
        g_ptr_array_add(download->pending_nodes, pending);
        return pending;
}

static void fail(Download *download, GError *error) {
        g_autoptr(GError) owned = error;

        download->callbacks.failed(download, owned, download->user_data);
}

static void fetch_next(Download *download);

/* Whether @url was requested or finally retrieved anywhere in the chain ending at @parent. */
static gboolean in_chain(const Pending *parent, const char *url) {
        for (const Pending *ancestor = parent; ancestor != NULL; ancestor = ancestor->parent)
                if (g_str_equal(ancestor->url, url) || g_strcmp0(ancestor->final_url, url) == 0)
                        return TRUE;
        return FALSE;
}

static void set_cycle_error(GError **error, const char *from, const char *to) {
        g_autofree char *redacted_from = url_redact(from);
        g_autofree char *redacted_to = url_redact(to);

        g_set_error(error, PROV_ERROR, PROV_ERROR_REFERENCE_CYCLE,
                    "%s refers to %s, which is already in its reference chain", redacted_from, redacted_to);
}

/* A file redirected to one of the reference files that led to it closes a cycle too. */
static gboolean check_redirect_cycle(const Pending *fetched, GError **error) {
        if (g_str_equal(fetched->url, fetched->final_url) || !in_chain(fetched->parent, fetched->final_url))
                return TRUE;
        set_cycle_error(error, fetched->parent->final_url, fetched->final_url);
        return FALSE;
}

/* Queues the URLs of a reference document right after it, in document order.
 * Relative URLs resolve against the URL it was finally retrieved from (RFC 3986 §5.1.3). */
static gboolean expand_reference(Download *download, Pending *reference, xmlDoc *doc, GError **error) {
        g_autofree char *redacted = url_redact(reference->final_url);
        g_auto(GStrv) urls = NULL;

        if (reference->depth + 1 > download->max_reference_depth) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_REFERENCE_DEPTH,
                            "reference files nested deeper than %u at %s", download->max_reference_depth,
                            redacted);
                return FALSE;
        }
        urls = reference_urls(doc, reference->final_url, download->device, error);
        if (urls == NULL)
                return FALSE;
        for (gsize i = g_strv_length(urls); i > 0; i--) {
                const char *url = urls[i - 1];
                if (in_chain(reference, url)) {
                        set_cycle_error(error, reference->final_url, url);
                        return FALSE;
                }
                g_queue_push_head(&download->queue,
                                  add_pending(download, g_strdup(url), reference->depth + 1, reference));
        }
        return TRUE;
}

/* "URL", or "URL (redirected to FINAL)": messages name the file that was actually read. */
static char *describe_source(const Pending *source) {
        g_autofree char *redacted = url_redact(source->url);
        g_autofree char *redacted_final = url_redact(source->final_url);

        if (g_str_equal(redacted, redacted_final))
                return g_steal_pointer(&redacted);
        return g_strdup_printf("%s (redirected to %s)", redacted, redacted_final);
}

/* A login page or an error page served with 200 is not "bad XML": say what the server sent. */
static void note_content_type(const char *content_type, GError **error) {
        char *message;

        if (error == NULL || *error == NULL || content_type == NULL || strstr(content_type, "xml") != NULL)
                return;
        message = g_strdup_printf("%s (the server sent Content-Type %s, not XML)", (*error)->message,
                                  content_type);
        g_free((*error)->message);
        (*error)->message = message;
}

static xmlDoc *parse_file(Download *download, const DownloadedFile *file, const char *origin,
                          DocumentType *type, GError **error) {
        g_autofree char *what = g_strdup_printf("the file from %s", origin);
        gsize size = 0;
        const char *data = g_bytes_get_data(file->body, &size);
        xmlDoc *doc = document_parse_with_charset(data, size, file->charset, what, download->schemas, type,
                                                  error);

        if (doc == NULL)
                note_content_type(file->content_type, error);
        return doc;
}

/* A reference is read at once (its URLs are fetched next); a document whose type the cache
 * knows from an unchanged body waits: a run that turns out unchanged never parses it. */
static gboolean take_file(Download *download, Pending *source, DownloadedFile *file, GError **error) {
        g_autofree char *origin = describe_source(source);
        g_autoptr(xmlDoc) doc = NULL;
        DocumentType type = file->type;

        g_ptr_array_add(download->files, file);
        if (!file->type_known || file->type == DOCUMENT_REFERENCE) {
                doc = parse_file(download, file, origin, &type, error);
                if (doc == NULL)
                        return FALSE;
                file->type = type;
                file->type_known = TRUE;
        }
        if (type == DOCUMENT_REFERENCE)
                return expand_reference(download, source, doc, error);

        g_ptr_array_add(download->documents,
                        document_new(g_steal_pointer(&origin), type, g_steal_pointer(&doc)));
        g_ptr_array_add(download->document_files, file);
        return TRUE;
}

/* What arrived: the response, or after a 304 the cache's copy (at the URL it came from this time,
 * with the validators the 304 carried). */
static DownloadedFile *downloaded_file_new(Download *download, const FetchResponse *response) {
        g_autoptr(DownloadedFile) cached = g_steal_pointer(&download->cached);
        DownloadedFile *file;

        if (response->status == 304 && cached != NULL) {
                g_free(cached->final_url);
                cached->final_url = g_strdup(response->url);
                downloaded_file_freshen(cached, response->etag, response->last_modified);
                return g_steal_pointer(&cached);
        }
        file = g_new0(DownloadedFile, 1);
        file->url = g_strdup(download->current->url);
        file->final_url = g_strdup(response->url);
        file->status = response->status;
        file->etag = g_strdup(response->etag);
        file->last_modified = g_strdup(response->last_modified);
        file->content_type = g_strdup(response->content_type);
        file->charset = g_strdup(response->charset);
        file->body = g_bytes_ref(response->body);
        file->hash = download_cache_hash(file->body);
        /* The same bytes read the same way: the cache's classification holds (a server without 304). */
        if (cached != NULL && cached->type_known && g_str_equal(cached->hash, file->hash) &&
            g_strcmp0(cached->charset, file->charset) == 0) {
                file->type_known = TRUE;
                file->type = cached->type;
        }
        return file;
}

static void on_fetched(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        Download *download = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(FetchResponse) response = fetcher_fetch_finish(download->fetcher, result, &error);
        DownloadedFile *file;

        if (response == NULL) {
                g_clear_pointer(&download->cached, downloaded_file_free);
                fail(download, g_steal_pointer(&error));
                return;
        }
        download->callbacks.fetched(download, response->status == 304 ? 0 : g_bytes_get_size(response->body),
                                    download->user_data);
        download->current->final_url = g_strdup(response->url);
        if (!check_redirect_cycle(download->current, &error)) {
                g_clear_pointer(&download->cached, downloaded_file_free);
                fail(download, g_steal_pointer(&error));
                return;
        }
        /* take_file() owns the file, also when it fails. */
        file = downloaded_file_new(download, response);
        if (!take_file(download, download->current, file, &error)) {
                fail(download, g_steal_pointer(&error));
                return;
        }
        fetch_next(download);
}

static void report_downloading(Download *download) {
        guint total = download->files_fetched + g_queue_get_length(&download->queue);
        g_autofree char *redacted = url_redact(download->current->url);
        g_autofree char *detail = g_strdup_printf("file %u of %u %s", download->files_fetched, total,
                                                  redacted);

        download->callbacks.downloading(download, 100 * (download->files_fetched - 1) / total, detail,
                                        download->user_data);
}

/* With a cached copy, the request asks whether it is still current (If-None-Match, If-Modified-Since). */
static void fetch_current(Download *download) {
        const char *url = download->current->url;
        FetchValidators validators = { 0 };

        g_clear_pointer(&download->cached, downloaded_file_free);
        if (download->cache != NULL)
                download->cached = download_cache_lookup(download->cache, url);
        if (download->cached != NULL)
                validators = (FetchValidators){
                        .url = download->cached->final_url,
                        .etag = download->cached->etag,
                        .last_modified = download->cached->last_modified,
                };
        fetcher_fetch_conditional_async(download->fetcher, url, download->cached != NULL ? &validators : NULL,
                                        download->cancellable, on_fetched, download);
}

static void fetch_next(Download *download) {
        Pending *next = g_queue_pop_head(&download->queue);

        if (next == NULL) {
                download->callbacks.downloaded(download, download->documents, download->user_data);
                return;
        }
        if (download->files_fetched + 1 > download->max_files) {
                fail(download,
                     g_error_new(PROV_ERROR, PROV_ERROR_TOO_MANY_FILES, "the run needs more than %u files",
                                 download->max_files));
                return;
        }
        download->files_fetched++;
        download->current = next;
        report_downloading(download);
        fetch_current(download);
}

static gboolean on_start(gpointer user_data) {
        Download *download = user_data;

        download->start_source = 0;
        if (download->start_error != NULL)
                fail(download, g_steal_pointer(&download->start_error));
        else if (g_cancellable_is_cancelled(download->cancellable))
                fail(download, g_error_new_literal(PROV_ERROR, PROV_ERROR_CANCELLED, "the run was cancelled"));
        else
                fetch_next(download);
        return G_SOURCE_REMOVE;
}

static gboolean prepare_start(Download *download, const DownloadSettings *settings, GError **error) {
        g_autofree char *start_url = url_normalize_input(settings->url);
        g_autofree char *url = NULL;
        FetchOptions fetch = settings->fetch;

        if (start_url == NULL) {
                g_set_error_literal(error, PROV_ERROR, PROV_ERROR_NO_SOURCE,
                                    "no provisioning URL: none given and /provisioning/url is empty");
                return FALSE;
        }
        url = markers_replace(start_url, settings->device);
        if (!url_check_fetchable(url, error))
                return FALSE;
        /* The configured credentials are for the provisioning server, not for whatever it refers to. */
        fetch.credentials_url = url;
        download->fetcher = fetcher_new(&fetch, error);
        if (download->fetcher == NULL)
                return FALSE;
        g_queue_push_tail(&download->queue, add_pending(download, g_steal_pointer(&url), 0, NULL));
        return TRUE;
}

Download *download_new(const DownloadSettings *settings, const DownloadCallbacks *callbacks,
                       gpointer user_data) {
        Download *download = g_new0(Download, 1);

        download->schemas = settings->schemas;
        download->device = settings->device;
        download->max_files = settings->max_files;
        download->max_reference_depth = settings->max_reference_depth;
        download->callbacks = *callbacks;
        download->user_data = user_data;
        download->cancellable = g_cancellable_new();
        download->pending_nodes = g_ptr_array_new_with_free_func((GDestroyNotify) pending_free);
        download->documents = g_ptr_array_new_with_free_func((GDestroyNotify) document_free);
        download->document_files = g_ptr_array_new();
        download->files = g_ptr_array_new_with_free_func((GDestroyNotify) downloaded_file_free);
        download->cache = settings->cache;
        g_queue_init(&download->queue);

        prepare_start(download, settings, &download->start_error);
        download->start_source = g_idle_add(on_start, download);
        return download;
}

gboolean download_parse_deferred(Download *download, GError **error) {
        for (guint i = 0; i < download->documents->len; i++) {
                Document *document = g_ptr_array_index(download->documents, i);
                const DownloadedFile *file = g_ptr_array_index(download->document_files, i);
                DocumentType type;

                if (document->doc != NULL)
                        continue;
                document->doc = parse_file(download, file, document->origin, &type, error);
                if (document->doc == NULL)
                        return FALSE;
                if (type != document->type) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                                    "the file from %s is a %s document now, not a %s document",
                                    document->origin, document_type_name(type),
                                    document_type_name(document->type));
                        return FALSE;
                }
        }
        return TRUE;
}

GPtrArray *download_get_files(Download *download) {
        return download->files;
}

guint download_get_last_http_status(const Download *download) {
        return download->fetcher != NULL ? fetcher_get_last_status(download->fetcher) : 0;
}

void download_cancel(Download *download) {
        g_cancellable_cancel(download->cancellable);
}

void download_free(Download *download) {
        if (download == NULL)
                return;
        if (download->start_source != 0)
                g_source_remove(download->start_source);
        if (download->cancellable != NULL)
                g_cancellable_cancel(download->cancellable);
        g_clear_object(&download->cancellable);
        g_clear_pointer(&download->fetcher, fetcher_free);
        g_queue_clear(&download->queue);
        g_clear_pointer(&download->pending_nodes, g_ptr_array_unref);
        g_clear_pointer(&download->documents, g_ptr_array_unref);
        g_clear_pointer(&download->document_files, g_ptr_array_unref);
        g_clear_pointer(&download->files, g_ptr_array_unref);
        g_clear_pointer(&download->cached, downloaded_file_free);
        g_clear_error(&download->start_error);
        g_free(download);
}
