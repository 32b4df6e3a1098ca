/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "run.h"

#include <string.h>

#include "markers.h"
#include "provision.h"
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

struct Run {
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
        GPtrArray *documents;     /* Document* */
        guint start_source;
        GError *start_error; /* a problem found by run_new, reported once started */

        RunCallbacks callbacks;
        gpointer user_data;
};

static void pending_free(Pending *pending) {
        g_free(pending->url);
        g_free(pending->final_url);
        g_free(pending);
}

static Pending *add_pending(Run *run, char *url, guint depth, Pending *parent) {
        Pending *pending = g_new0(Pending, 1);

        pending->url = url;
        pending->depth = depth;
        pending->parent = parent;
        g_ptr_array_add(run->pending_nodes, pending);
        return pending;
}

static void fail(Run *run, GError *error) {
        g_autoptr(GError) owned = error;

        run->callbacks.failed(run, owned, run->user_data);
}

static void fetch_next(Run *run);

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
static gboolean expand_reference(Run *run, Pending *reference, xmlDoc *doc, GError **error) {
        g_autofree char *redacted = url_redact(reference->final_url);
        g_auto(GStrv) urls = NULL;

        if (reference->depth + 1 > run->max_reference_depth) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_REFERENCE_DEPTH,
                            "reference files nested deeper than %u at %s", run->max_reference_depth, redacted);
                return FALSE;
        }
        urls = reference_urls(doc, reference->final_url, run->device, error);
        if (urls == NULL)
                return FALSE;
        for (gsize i = g_strv_length(urls); i > 0; i--) {
                const char *url = urls[i - 1];
                if (in_chain(reference, url)) {
                        set_cycle_error(error, reference->final_url, url);
                        return FALSE;
                }
                g_queue_push_head(&run->queue, add_pending(run, g_strdup(url), reference->depth + 1, reference));
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
static void note_content_type(const FetchResponse *response, GError **error) {
        char *message;

        if (error == NULL || *error == NULL || response->content_type == NULL ||
            strstr(response->content_type, "xml") != NULL)
                return;
        message = g_strdup_printf("%s (the server sent Content-Type %s, not XML)", (*error)->message,
                                  response->content_type);
        g_free((*error)->message);
        (*error)->message = message;
}

static gboolean take_document(Run *run, Pending *source, const FetchResponse *response, GError **error) {
        g_autofree char *redacted = describe_source(source);
        g_autofree char *what = g_strdup_printf("the file from %s", redacted);
        g_autoptr(xmlDoc) doc = NULL;
        DocumentType type;
        gsize size = 0;
        const char *data = g_bytes_get_data(response->body, &size);

        doc = document_parse_with_charset(data, size, response->charset, what, run->schemas, &type, error);
        if (doc == NULL) {
                note_content_type(response, error);
                return FALSE;
        }
        if (type == DOCUMENT_REFERENCE)
                return expand_reference(run, source, doc, error);

        g_ptr_array_add(run->documents, document_new(g_steal_pointer(&redacted), type, g_steal_pointer(&doc)));
        return TRUE;
}

static void on_fetched(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        Run *run = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(FetchResponse) response = fetcher_fetch_finish(run->fetcher, result, &error);

        if (response == NULL) {
                fail(run, g_steal_pointer(&error));
                return;
        }
        run->callbacks.fetched(run, g_bytes_get_size(response->body), run->user_data);
        run->current->final_url = g_strdup(response->url);
        if (!check_redirect_cycle(run->current, &error) ||
            !take_document(run, run->current, response, &error)) {
                fail(run, g_steal_pointer(&error));
                return;
        }
        fetch_next(run);
}

static void report_downloading(Run *run) {
        guint total = run->files_fetched + g_queue_get_length(&run->queue);
        g_autofree char *redacted = url_redact(run->current->url);
        g_autofree char *detail = g_strdup_printf("file %u of %u %s", run->files_fetched, total, redacted);

        run->callbacks.downloading(run, 100 * (run->files_fetched - 1) / total, detail, run->user_data);
}

static void fetch_next(Run *run) {
        Pending *next = g_queue_pop_head(&run->queue);

        if (next == NULL) {
                run->callbacks.downloaded(run, run->documents, run->user_data);
                return;
        }
        if (run->files_fetched + 1 > run->max_files) {
                fail(run,
                     g_error_new(PROV_ERROR, PROV_ERROR_TOO_MANY_FILES, "the run needs more than %u files",
                                 run->max_files));
                return;
        }
        run->files_fetched++;
        run->current = next;
        report_downloading(run);
        fetcher_fetch_async(run->fetcher, next->url, run->cancellable, on_fetched, run);
}

static gboolean on_start(gpointer user_data) {
        Run *run = user_data;

        run->start_source = 0;
        if (run->start_error != NULL)
                fail(run, g_steal_pointer(&run->start_error));
        else if (g_cancellable_is_cancelled(run->cancellable))
                fail(run, g_error_new_literal(PROV_ERROR, PROV_ERROR_CANCELLED, "the run was cancelled"));
        else
                fetch_next(run);
        return G_SOURCE_REMOVE;
}

static gboolean prepare_start(Run *run, const RunSettings *settings, GError **error) {
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
        run->fetcher = fetcher_new(&fetch, error);
        if (run->fetcher == NULL)
                return FALSE;
        g_queue_push_tail(&run->queue, add_pending(run, g_steal_pointer(&url), 0, NULL));
        return TRUE;
}

Run *run_new(const RunSettings *settings, const RunCallbacks *callbacks, gpointer user_data) {
        Run *run = g_new0(Run, 1);

        run->schemas = settings->schemas;
        run->device = settings->device;
        run->max_files = settings->max_files;
        run->max_reference_depth = settings->max_reference_depth;
        run->callbacks = *callbacks;
        run->user_data = user_data;
        run->cancellable = g_cancellable_new();
        run->pending_nodes = g_ptr_array_new_with_free_func((GDestroyNotify) pending_free);
        run->documents = g_ptr_array_new_with_free_func((GDestroyNotify) document_free);
        g_queue_init(&run->queue);

        prepare_start(run, settings, &run->start_error);
        run->start_source = g_idle_add(on_start, run);
        return run;
}

void run_cancel(Run *run) {
        g_cancellable_cancel(run->cancellable);
}

void run_free(Run *run) {
        if (run == NULL)
                return;
        if (run->start_source != 0)
                g_source_remove(run->start_source);
        if (run->cancellable != NULL)
                g_cancellable_cancel(run->cancellable);
        g_clear_object(&run->cancellable);
        g_clear_pointer(&run->fetcher, fetcher_free);
        g_queue_clear(&run->queue);
        g_clear_pointer(&run->pending_nodes, g_ptr_array_unref);
        g_clear_pointer(&run->documents, g_ptr_array_unref);
        g_clear_error(&run->start_error);
        g_free(run);
}
