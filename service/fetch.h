/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Downloading one provisioning file over http(s) with libsoup-3.0, within the configured limits. */
#pragma once

#include <gio/gio.h>

typedef struct {
        guint connect_timeout_seconds;
        guint file_timeout_seconds;  /* total, per file, including a slow body */
        guint64 max_file_size;       /* the transfer is aborted as soon as it passes this */
        guint max_redirects;
        const char *ca_file;         /* NULL: the system trust store; else the only trust anchor */
        const char *ca_file_setting; /* names ca_file in messages; NULL: "[TLS] CAFile" */
        const char *client_certificate; /* PEM, offered when a server asks for one; NULL: none */
        const char *client_key;         /* its PEM private key; NULL: in the client_certificate file */
        const char *user_agent;
        const char *username;        /* NULL: none; userinfo in the URL wins */
        const char *password;
        const char *credentials_url; /* username/password are only answered at this URL's origin */
        const char *accept;          /* the Accept header; NULL: none */
        gboolean https_only;         /* a redirect to anything but https is refused */
        gboolean http_errors_are_responses; /* a status >= 400 is a FetchResponse, not a Download error */
} FetchOptions;

typedef struct Fetcher Fetcher;

/** fetcher_new: a downloader (one SoupSession) with @options copied. */
Fetcher *fetcher_new(const FetchOptions *options, GError **error);

/** fetcher_free: aborts the fetches in flight (they fail) and drops the caller's reference. */
void fetcher_free(Fetcher *fetcher);

/**
 * fetcher_fetch_async:
 * Downloads @url (http or https). Basic authentication is only answered over
 * https, Digest anywhere. Errors (PROV_ERROR): UnsupportedUrl, Download (HTTP
 * status >= 400 unless FetchOptions.http_errors_are_responses, connection
 * failure, truncated body), Timeout, TooLarge, Certificate (message names the
 * TLS reason, or that the server wants a client certificate or refused ours),
 * Authentication (message says why no or which credentials were sent),
 * Redirect, Cancelled (through @cancellable). Messages never contain credentials.
 */
void fetcher_fetch_async(Fetcher *fetcher, const char *url, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);

/**
 * FetchValidators:
 * What a cached copy of a file was stored with (RFC 9110 §13.1): sent as
 * If-None-Match / If-Modified-Since on the request to @url only (the URL the
 * copy was finally retrieved from, userinfo removed), so a redirect elsewhere
 * is never answered from the cache. NULL members are not sent.
 */
typedef struct {
        const char *url;
        const char *etag;
        const char *last_modified;
} FetchValidators;

/**
 * fetcher_fetch_conditional_async:
 * fetcher_fetch_async() with @validators (NULL: none). When the server
 * answers 304 Not Modified to a request that carried them, the response has
 * status 304, an empty body and the ETag and Last-Modified the 304 carried:
 * the caller's copy is current, and its validators are to be replaced by those
 * (RFC 9111 §4.3.4).
 */
void fetcher_fetch_conditional_async(Fetcher *fetcher, const char *url, const FetchValidators *validators,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);

/**
 * fetcher_get_last_status:
 * The HTTP status of the last response @fetcher received (any hop, error
 * statuses included), 0 before the first. For the run history.
 */
guint fetcher_get_last_status(const Fetcher *fetcher);

/**
 * FetchResponse:
 * What a successful fetch returns: the body and the response metadata a
 * caller needs to read it (RFC 7303 charset, RFC 3986 §5.1.3 base URL).
 */
typedef struct {
        char *url;           /* the URL the body was finally retrieved from (after redirects); carries the
                              * requested URL's userinfo only while at that URL's origin */
        guint status;        /* HTTP status, 2xx (or >= 400 with FetchOptions.http_errors_are_responses); 304
                              * (empty body) only for a conditional fetch */
        char *content_type;  /* media type in lower case without parameters; NULL: no Content-Type */
        char *charset;       /* its charset parameter as sent; NULL: none */
        char *etag;          /* ETag as sent; NULL: none */
        char *last_modified; /* Last-Modified as sent; NULL: none */
        GBytes *body;
} FetchResponse;

void fetch_response_free(FetchResponse *response);

/** fetcher_fetch_finish: the response (owned by the caller), or NULL with an error. */
FetchResponse *fetcher_fetch_finish(Fetcher *fetcher, GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fetcher, fetcher_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FetchResponse, fetch_response_free)
