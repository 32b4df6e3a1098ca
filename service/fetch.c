/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One fetch is a chain of callbacks on a GTask: send a GET (redirects are
 * followed here, not by libsoup, so that they can be counted and checked),
 * then read the body chunk by chunk so that the size limit stops the transfer
 * as soon as it is passed. The task's own GCancellable is cancelled by the
 * caller's cancellable and by the total per-file timer; which of the two it
 * was decides between Cancelled and Timeout.
 *
 * Timeouts of 0 mean "none" (libsoup's convention); the size limit and the
 * redirect limit are taken literally.
 */
#include "fetch.h"

#include <libsoup/soup.h>

#include "fetch-auth-private.h"
#include "fetch-conditional-private.h"
#include "fetch-tls-private.h"
#include "provision-error.h"
#include "url.h"

#define FETCH_CHUNK_SIZE (16 * 1024)

/* The limits every fetch of a fetcher keeps. */
typedef struct {
        guint file_timeout_seconds;
        guint64 max_file_size;
        guint max_redirects;
        gboolean https_only;
        gboolean http_errors_are_responses;
} FetchLimits;

struct Fetcher {
        SoupSession *session;
        FetchLimits limits;
        FetchCredentials configured; /* only for the origin of FetchOptions.credentials_url */
        FetchTls tls;
        char *accept;
        guint last_status; /* of the last response received, for the run history */
};

/* Statuses whose Location we follow; the others in 3xx are errors. */
static const guint redirect_statuses[] = {
        SOUP_STATUS_MOVED_PERMANENTLY,  /* 301 */
        SOUP_STATUS_FOUND,              /* 302 */
        SOUP_STATUS_SEE_OTHER,          /* 303 */
        SOUP_STATUS_TEMPORARY_REDIRECT, /* 307 */
        SOUP_STATUS_PERMANENT_REDIRECT,
};

/* Transport errors with a name of their own; everything else is a Download error. */
typedef struct {
        GQuark (*domain)(void);
        int code;
        ProvError prov_code;
} TransportError;

static const TransportError transport_errors[] = {
        { g_io_error_quark, G_IO_ERROR_TIMED_OUT, PROV_ERROR_TIMEOUT },
        { g_tls_error_quark, G_TLS_ERROR_BAD_CERTIFICATE, PROV_ERROR_CERTIFICATE },
        { g_tls_error_quark, G_TLS_ERROR_CERTIFICATE_REQUIRED, PROV_ERROR_CERTIFICATE },
};

typedef struct {
        Fetcher *fetcher; /* a reference: the job may outlive the caller's fetcher_free() */
        FetchAuth auth;
        char *requested_url; /* as the caller gave it, userinfo included */

        char *url;                   /* current request, never with userinfo */
        FetchConditional validators; /* of the caller's cached copy */
        gboolean conditional;        /* the current request carries them */
        GHashTable *visited;         /* every URL requested, to tell a loop */
        guint redirects;
        SoupMessage *message;
        GInputStream *body;
        gboolean body_complete;
        GByteArray *received;

        GCancellable *cancellable; /* ours; cancelled by the caller's and by the timer */
        GCancellable *caller_cancellable;
        gulong caller_cancelled_id;
        GSource *timer;
        gboolean timed_out;

        GTlsCertificateFlags certificate_errors;
        gboolean client_certificate_requested;
} FetchJob;

static void send_request(GTask *task);

/* ---- The fetcher ------------------------------------------------------- */

Fetcher *fetcher_new(const FetchOptions *options, GError **error) {
        g_autoptr(Fetcher) fetcher = g_rc_box_new0(Fetcher);
        const char *user_agent = options->user_agent != NULL ? options->user_agent :
                                                               "provisiond/" PROVISIOND_VERSION;

        /* libsoup's "timeout" covers connecting and every wait for the server,
         * so a silent server is noticed long before the total per-file limit. */
        fetcher->session = soup_session_new_with_options("timeout", options->connect_timeout_seconds,
                                                         "user-agent", user_agent, NULL);
        /* Direct connections: the default resolver would consult desktop proxy
         * settings (libproxy, dconf), which a system service has no business with. */
        soup_session_set_proxy_resolver(fetcher->session, NULL);
        if (!fetch_tls_init(&fetcher->tls, options, error))
                return NULL;
        fetch_tls_apply(&fetcher->tls, fetcher->session);
        fetcher->accept = g_strdup(options->accept);
        fetcher->limits = (FetchLimits){
                .file_timeout_seconds = options->file_timeout_seconds,
                .max_file_size = options->max_file_size,
                .max_redirects = options->max_redirects,
                .https_only = options->https_only,
                .http_errors_are_responses = options->http_errors_are_responses,
        };
        fetch_credentials_init(&fetcher->configured, options->username, options->password,
                               options->credentials_url);
        return g_steal_pointer(&fetcher);
}

static void fetcher_clear(Fetcher *fetcher) {
        g_clear_object(&fetcher->session);
        fetch_credentials_clear(&fetcher->configured);
        fetch_tls_clear(&fetcher->tls);
        g_clear_pointer(&fetcher->accept, g_free);
}

void fetcher_free(Fetcher *fetcher) {
        if (fetcher == NULL)
                return;
        /* Fetches still running end with an error; each holds its own reference. */
        if (fetcher->session != NULL)
                soup_session_abort(fetcher->session);
        g_rc_box_release_full(fetcher, (GDestroyNotify) fetcher_clear);
}

/* ---- One fetch: state, timer, cancellation ------------------------------ */

static FetchJob *fetch_job_new(Fetcher *fetcher, const char *url) {
        FetchJob *job = g_new0(FetchJob, 1);

        job->fetcher = g_rc_box_acquire(fetcher);
        job->requested_url = g_strdup(url);
        /* libsoup would answer challenges with the userinfo itself, Basic over http included. */
        job->url = url_redact(url);
        fetch_auth_init(&job->auth, &fetcher->configured, url);
        job->visited = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        job->received = g_byte_array_new();
        job->cancellable = g_cancellable_new();
        return job;
}

/* Lets go of the current response: its body, and the handlers that point at us. */
static void fetch_job_end_response(FetchJob *job) {
        if (job->body != NULL) {
                /* Closing runs libsoup's I/O to the end of the message, blocking. A
                 * cancelled close cannot block: an unfinished body costs the
                 * connection instead, which is what we want from an aborted transfer. */
                g_autoptr(GCancellable) abandon = g_cancellable_new();
                g_cancellable_cancel(abandon);
                g_input_stream_close(job->body, job->body_complete ? NULL : abandon, NULL);
                g_clear_object(&job->body);
                job->body_complete = FALSE;
        }
        if (job->message != NULL) {
                g_signal_handlers_disconnect_by_data(job->message, job);
                g_clear_object(&job->message);
        }
}

/* Nothing may call back into the job once its task has a result. */
static void fetch_job_stop(FetchJob *job) {
        fetch_job_end_response(job);
        if (job->timer != NULL) {
                g_source_destroy(job->timer);
                g_clear_pointer(&job->timer, g_source_unref);
        }
        if (job->caller_cancelled_id != 0) {
                g_cancellable_disconnect(job->caller_cancellable, job->caller_cancelled_id);
                job->caller_cancelled_id = 0;
        }
}

static void fetch_job_free(FetchJob *job) {
        fetch_job_stop(job);
        fetch_auth_clear(&job->auth);
        g_rc_box_release_full(job->fetcher, (GDestroyNotify) fetcher_clear);
        g_free(job->requested_url);
        g_free(job->url);
        fetch_conditional_clear(&job->validators);
        g_hash_table_unref(job->visited);
        g_clear_pointer(&job->received, g_byte_array_unref);
        g_clear_object(&job->cancellable);
        g_clear_object(&job->caller_cancellable);
        g_free(job);
}

static gboolean on_file_timeout(gpointer user_data) {
        FetchJob *job = user_data;

        job->timed_out = TRUE;
        g_cancellable_cancel(job->cancellable);
        return G_SOURCE_REMOVE;
}

static void on_caller_cancelled(GCancellable *caller_cancellable, gpointer user_data) {
        FetchJob *job = user_data;

        g_cancellable_cancel(job->cancellable);
}

static void fetch_job_start_limits(FetchJob *job, GCancellable *caller_cancellable) {
        if (job->fetcher->limits.file_timeout_seconds > 0) {
                job->timer = g_timeout_source_new(
                        MIN(job->fetcher->limits.file_timeout_seconds, G_MAXUINT / 1000) * 1000);
                g_source_set_callback(job->timer, on_file_timeout, job, NULL);
                g_source_attach(job->timer, g_main_context_get_thread_default());
        }
        if (caller_cancellable != NULL) {
                job->caller_cancellable = g_object_ref(caller_cancellable);
                /* Runs at once if it is already cancelled. */
                job->caller_cancelled_id = g_cancellable_connect(caller_cancellable,
                                                                 G_CALLBACK(on_caller_cancelled), job, NULL);
        }
}

/* ---- Results ------------------------------------------------------------ */

static void fetch_fail_with(GTask *task, ProvError code, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* Messages name the URL that failed; after a redirect, also the one the caller asked for. */
static void fetch_fail_with(GTask *task, ProvError code, const char *format, ...) {
        FetchJob *job = g_task_get_task_data(task);
        va_list arguments;
        GError *error;

        va_start(arguments, format);
        error = g_error_new_valist(PROV_ERROR, code, format, arguments);
        va_end(arguments);
        if (job->redirects > 0 && code != PROV_ERROR_REDIRECT) {
                g_autofree char *requested = url_redact(job->requested_url);
                g_autofree char *message = g_strdup_printf("%s (redirected from %s)", error->message,
                                                           requested);
                g_free(error->message);
                error->message = g_steal_pointer(&message);
        }
        fetch_job_stop(job);
        g_task_return_error(task, error);
}

void fetch_response_free(FetchResponse *response) {
        if (response == NULL)
                return;
        g_free(response->url);
        g_free(response->content_type);
        g_free(response->charset);
        g_free(response->etag);
        g_free(response->last_modified);
        g_clear_pointer(&response->body, g_bytes_unref);
        g_free(response);
}

/* The URL to read the body against: the final one, with the requested URL's
 * userinfo as long as it is still at that URL's origin (so relative references
 * keep their credentials, and no other host gets them). */
static char *final_url(const FetchJob *job) {
        g_autofree char *user = NULL;
        g_autofree char *password = NULL;
        g_autoptr(GUri) final = NULL;
        g_autofree char *origin = NULL;

        if (job->redirects == 0)
                return g_strdup(job->requested_url);
        if (job->auth.from_url.username == NULL)
                return g_strdup(job->url);
        origin = fetch_origin_of_url(job->url);
        final = g_uri_parse(job->url, G_URI_FLAGS_ENCODED, NULL);
        if (final == NULL || g_strcmp0(origin, job->auth.from_url.origin) != 0 ||
            !g_uri_split_with_user(job->requested_url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, NULL,
                                   &user, &password, NULL, NULL, NULL, NULL, NULL, NULL, NULL))
                return g_strdup(job->url);
        return g_uri_join_with_user(G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, g_uri_get_scheme(final),
                                    user, password, NULL, g_uri_get_host(final), g_uri_get_port(final),
                                    g_uri_get_path(final), g_uri_get_query(final), g_uri_get_fragment(final));
}

static FetchResponse *response_of(FetchJob *job) {
        SoupMessageHeaders *headers = soup_message_get_response_headers(job->message);
        FetchResponse *response = g_new0(FetchResponse, 1);
        GHashTable *parameters = NULL;
        const char *content_type = soup_message_headers_get_content_type(headers, &parameters);

        response->url = final_url(job);
        response->status = soup_message_get_status(job->message);
        response->content_type = content_type != NULL ? g_ascii_strdown(content_type, -1) : NULL;
        response->charset = parameters != NULL ? g_strdup(g_hash_table_lookup(parameters, "charset")) : NULL;
        response->etag = g_strdup(soup_message_headers_get_one(headers, "ETag"));
        response->last_modified = g_strdup(soup_message_headers_get_one(headers, "Last-Modified"));
        response->body = g_byte_array_free_to_bytes(g_steal_pointer(&job->received));
        g_clear_pointer(&parameters, g_hash_table_unref);
        return response;
}

static void fetch_succeed(GTask *task) {
        FetchJob *job = g_task_get_task_data(task);
        FetchResponse *response = response_of(job);

        fetch_job_stop(job);
        g_task_return_pointer(task, response, (GDestroyNotify) fetch_response_free);
}

static ProvError transport_error_code(const GError *error) {
        for (gsize i = 0; i < G_N_ELEMENTS(transport_errors); i++)
                if (g_error_matches(error, transport_errors[i].domain(), transport_errors[i].code))
                        return transport_errors[i].prov_code;
        return PROV_ERROR_DOWNLOAD;
}

/* A failed send or read. The URL in libsoup's messages never has userinfo:
 * it was removed before the request was made. */
static void fetch_fail_transport(GTask *task, const GError *error) {
        FetchJob *job = g_task_get_task_data(task);
        ProvError code;

        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                if (job->timed_out)
                        fetch_fail_with(task, PROV_ERROR_TIMEOUT, "%s did not arrive within %u s", job->url,
                                        job->fetcher->limits.file_timeout_seconds);
                else
                        fetch_fail_with(task, PROV_ERROR_CANCELLED, "download of %s cancelled", job->url);
                return;
        }
        code = transport_error_code(error);
        if (fetch_tls_is_client_certificate_refusal(job->client_certificate_requested, job->message, error)) {
                g_autofree char *why = fetch_tls_describe_refused_client(&job->fetcher->tls, job->url, error);
                fetch_fail_with(task, PROV_ERROR_CERTIFICATE, "%s", why);
        } else if (code == PROV_ERROR_CERTIFICATE) {
                g_autofree char *why = fetch_tls_describe_refused_server(&job->fetcher->tls, job->url,
                                                                         job->certificate_errors, error);
                fetch_fail_with(task, code, "%s", why);
        } else
                fetch_fail_with(task, code, "cannot fetch %s: %s", job->url, error->message);
}

/* ---- Certificates ------------------------------------------------------- */

/* Only records why: refusing is libsoup's default and ends the send with a TLS error. */
static gboolean on_accept_certificate(SoupMessage *message, GTlsCertificate *certificate,
                                      GTlsCertificateFlags errors, gpointer user_data) {
        FetchJob *job = user_data;

        job->certificate_errors |= errors;
        return FALSE;
}

/* Records that the server asked; without a client certificate the handshake goes on without one. */
static gboolean on_request_certificate(SoupMessage *message, GTlsClientConnection *connection,
                                       gpointer user_data) {
        FetchJob *job = user_data;

        job->client_certificate_requested = TRUE;
        return fetch_tls_offer_client_certificate(&job->fetcher->tls, message);
}

/* ---- Reading the body --------------------------------------------------- */

static void read_next_chunk(GTask *task);

/* The Content-Length of the response, or 0 when it has none. A compressed body's
 * length counts the compressed bytes, not what libsoup hands us, so it is not used. */
static guint64 announced_length(const FetchJob *job) {
        SoupMessageHeaders *headers = soup_message_get_response_headers(job->message);
        const char *content_encoding = soup_message_headers_get_one(headers, "Content-Encoding");

        if (soup_message_headers_get_encoding(headers) != SOUP_ENCODING_CONTENT_LENGTH ||
            (content_encoding != NULL && g_ascii_strcasecmp(content_encoding, "identity") != 0))
                return 0;
        return (guint64) soup_message_headers_get_content_length(headers);
}

/* libsoup 3.2 reports a connection closed before Content-Length bytes as a plain end of stream. */
static gboolean is_truncated(const FetchJob *job) {
        return announced_length(job) > job->received->len;
}

static void on_chunk_read(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GTask) task = user_data;
        FetchJob *job = g_task_get_task_data(task);
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, &error);
        gsize length;

        if (chunk == NULL) {
                fetch_fail_transport(task, error);
                return;
        }
        length = g_bytes_get_size(chunk);
        if (length == 0 && is_truncated(job)) {
                fetch_fail_with(task, PROV_ERROR_DOWNLOAD,
                                "%s was truncated: %u of %" G_GUINT64_FORMAT " bytes arrived", job->url,
                                job->received->len, announced_length(job));
                return;
        }
        if (length == 0) {
                job->body_complete = TRUE;
                fetch_succeed(task);
                return;
        }
        if ((guint64) job->received->len + length > job->fetcher->limits.max_file_size) {
                fetch_fail_with(task, PROV_ERROR_TOO_LARGE, "%s is larger than %" G_GUINT64_FORMAT " bytes",
                                job->url, job->fetcher->limits.max_file_size);
                return;
        }
        g_byte_array_append(job->received, g_bytes_get_data(chunk, NULL), length);
        read_next_chunk(g_steal_pointer(&task));
}

/* Takes over @task, as every step that starts another asynchronous call does. */
static void read_next_chunk(GTask *task) {
        FetchJob *job = g_task_get_task_data(task);

        g_input_stream_read_bytes_async(job->body, FETCH_CHUNK_SIZE, G_PRIORITY_DEFAULT, job->cancellable,
                                        on_chunk_read, task);
}

/* ---- Responses ---------------------------------------------------------- */

static gboolean is_followed_redirect(guint status) {
        for (gsize i = 0; i < G_N_ELEMENTS(redirect_statuses); i++)
                if (redirect_statuses[i] == status)
                        return TRUE;
        return FALSE;
}

/* libsoup 3 hands header values over as UTF-8: it replaces the bytes of invalid UTF-8 (a Latin-1
 * "\xfc") with U+FFFD, so the bytes the server meant are lost. Following the redirect would fetch a
 * URL with %EF%BF%BD in it that the server never named. */
#define REPLACEMENT_CHARACTER "\xef\xbf\xbd"

/* The Location, resolved and without any userinfo it may carry; NULL after failing the task. */
static char *redirect_target(GTask *task) {
        FetchJob *job = g_task_get_task_data(task);
        const char *location = soup_message_headers_get_one(soup_message_get_response_headers(job->message),
                                                            "Location");
        g_autoptr(GError) error = NULL;
        g_autofree char *resolved = NULL;

        if (location == NULL) {
                fetch_fail_with(task, PROV_ERROR_REDIRECT, "HTTP %u redirect without a Location from %s",
                                soup_message_get_status(job->message), job->url);
                return NULL;
        }
        if (strstr(location, REPLACEMENT_CHARACTER) != NULL) {
                fetch_fail_with(task, PROV_ERROR_REDIRECT,
                                "bad redirect from %s: its Location is not valid UTF-8, so the URL it "
                                "names is unknown (a Location is a URI reference, RFC 9110 section 10.2.2: "
                                "bytes outside ASCII must be sent percent-encoded)",
                                job->url);
                return NULL;
        }
        resolved = url_resolve(job->url, location, &error);
        if (resolved == NULL || !url_check_fetchable(resolved, &error)) {
                fetch_fail_with(task, PROV_ERROR_REDIRECT, "bad redirect from %s: %s", job->url,
                                error->message);
                return NULL;
        }
        if (job->fetcher->limits.https_only && g_ascii_strncasecmp(resolved, "https:", 6) != 0) {
                g_autofree char *redacted = url_redact(resolved);
                fetch_fail_with(task, PROV_ERROR_REDIRECT,
                                "redirect from %s to %s refused: only https is allowed", job->url, redacted);
                return NULL;
        }
        return url_redact(resolved);
}

static void follow_redirect(GTask *consumed_task) {
        g_autoptr(GTask) task = consumed_task;
        FetchJob *job = g_task_get_task_data(task);
        g_autofree char *target = redirect_target(task);

        if (target == NULL)
                return;
        if (g_hash_table_contains(job->visited, target)) {
                fetch_fail_with(task, PROV_ERROR_REDIRECT, "redirect loop: %s leads back to %s", job->url,
                                target);
                return;
        }
        if (job->redirects >= job->fetcher->limits.max_redirects) {
                fetch_fail_with(task, PROV_ERROR_REDIRECT, "more than %u redirects, the last from %s to %s",
                                job->fetcher->limits.max_redirects, job->url, target);
                return;
        }
        job->redirects++;
        fetch_job_end_response(job);
        g_free(job->url);
        job->url = g_steal_pointer(&target);
        send_request(g_steal_pointer(&task));
}

static const char *reason_phrase(SoupMessage *message) {
        const char *phrase = soup_message_get_reason_phrase(message);

        return phrase != NULL && *phrase != '\0' ? phrase :
                                                   soup_status_get_phrase(soup_message_get_status(message));
}

static void fail_http_status(GTask *task) {
        FetchJob *job = g_task_get_task_data(task);
        guint status = soup_message_get_status(job->message);

        if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_PROXY_AUTHENTICATION_REQUIRED) {
                g_autofree char *why = fetch_auth_describe_failure(&job->auth);
                fetch_fail_with(task, PROV_ERROR_AUTHENTICATION, "HTTP %u %s from %s: %s", status,
                                reason_phrase(job->message), job->url, why);
        } else
                fetch_fail_with(task, PROV_ERROR_DOWNLOAD, "HTTP %u %s from %s", status,
                                reason_phrase(job->message), job->url);
}

static gboolean announces_too_much(const FetchJob *job) {
        return announced_length(job) > job->fetcher->limits.max_file_size;
}

static void on_response(GObject *source, GAsyncResult *result, gpointer user_data) {
        g_autoptr(GTask) task = user_data;
        FetchJob *job = g_task_get_task_data(task);
        g_autoptr(GError) error = NULL;
        guint status;

        job->body = soup_session_send_finish(SOUP_SESSION(source), result, &error);
        if (job->body == NULL) {
                fetch_fail_transport(task, error);
                return;
        }
        status = soup_message_get_status(job->message);
        job->fetcher->last_status = status;
        if (status == SOUP_STATUS_NOT_MODIFIED && job->conditional) {
                job->body_complete = TRUE;
                fetch_succeed(task);
        } else if (is_followed_redirect(status))
                follow_redirect(g_steal_pointer(&task));
        else if (status >= 400 && !job->fetcher->limits.http_errors_are_responses)
                fail_http_status(task);
        else if (!SOUP_STATUS_IS_SUCCESSFUL(status) && status < 400)
                fetch_fail_with(task, PROV_ERROR_DOWNLOAD, "unexpected HTTP %u %s from %s", status,
                                reason_phrase(job->message), job->url);
        else if (announces_too_much(job))
                fetch_fail_with(task, PROV_ERROR_TOO_LARGE,
                                "%s announces more than %" G_GUINT64_FORMAT " bytes", job->url,
                                job->fetcher->limits.max_file_size);
        else
                read_next_chunk(g_steal_pointer(&task));
}

static void send_request(GTask *consumed_task) {
        g_autoptr(GTask) task = consumed_task;
        FetchJob *job = g_task_get_task_data(task);

        job->message = soup_message_new(SOUP_METHOD_GET, job->url);
        if (job->message == NULL) {
                fetch_fail_with(task, PROV_ERROR_UNSUPPORTED_URL, "libsoup cannot request %s", job->url);
                return;
        }
        soup_message_add_flags(job->message, SOUP_MESSAGE_NO_REDIRECT);
        if (job->fetcher->accept != NULL)
                soup_message_headers_replace(soup_message_get_request_headers(job->message), "Accept",
                                             job->fetcher->accept);
        fetch_auth_new_request(&job->auth);
        g_signal_connect(job->message, "authenticate", G_CALLBACK(fetch_auth_on_authenticate), &job->auth);
        g_signal_connect(job->message, "accept-certificate", G_CALLBACK(on_accept_certificate), job);
        g_signal_connect(job->message, "request-certificate", G_CALLBACK(on_request_certificate), job);
        g_hash_table_add(job->visited, g_strdup(job->url));
        job->conditional = fetch_conditional_apply(&job->validators, job->message, job->url);
        soup_session_send_async(job->fetcher->session, job->message, G_PRIORITY_DEFAULT, job->cancellable,
                                on_response, g_steal_pointer(&task));
}

/* ---- Entry points ------------------------------------------------------- */

void fetcher_fetch_async(Fetcher *fetcher, const char *url, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data) {
        fetcher_fetch_conditional_async(fetcher, url, NULL, cancellable, callback, user_data);
}

guint fetcher_get_last_status(const Fetcher *fetcher) {
        return fetcher->last_status;
}

void fetcher_fetch_conditional_async(Fetcher *fetcher, const char *url, const FetchValidators *validators,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data) {
        g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
        g_autoptr(GError) error = NULL;
        FetchJob *job;

        g_task_set_source_tag(task, fetcher_fetch_async);
        /* We report cancellation ourselves, as PROV_ERROR_CANCELLED. */
        g_task_set_check_cancellable(task, FALSE);
        if (!url_check_fetchable(url, &error)) {
                g_task_return_error(task, g_steal_pointer(&error));
                return;
        }
        job = fetch_job_new(fetcher, url);
        fetch_conditional_init(&job->validators, validators);
        g_task_set_task_data(task, job, (GDestroyNotify) fetch_job_free);
        fetch_job_start_limits(job, cancellable);
        send_request(g_steal_pointer(&task));
}

FetchResponse *fetcher_fetch_finish(Fetcher *fetcher, GAsyncResult *result, GError **error) {
        g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);

        return g_task_propagate_pointer(G_TASK(result), error);
}
