/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The redirect service source (`redirect` of the provisioning section): an
 * HTTPS GET of a configured URL template with the device's markers, answered
 * with the provisioning URL. The protocol is ours and open: docs/redirect.md.
 */
#pragma once

#include <gio/gio.h>

#include "daemon-config.h"
#include "device.h"

/* The largest answer read, in bytes: a URL, or the XML form around one. */
#define REDIRECT_MAX_ANSWER_BYTES (8 * 1024)
/* The Accept header of the request: the two answer forms of docs/redirect.md. */
#define REDIRECT_ACCEPT "text/plain, application/xml"

#define REDIRECT_SOURCE_ERROR (redirect_source_error_quark())
GQuark redirect_source_error_quark(void);

/* Why the source found no URL. Each message starts with "redirect service: " and names the service URL. */
typedef enum {
        REDIRECT_SOURCE_ERROR_NOT_CONFIGURED, /* [Redirect] Url is empty */
        REDIRECT_SOURCE_ERROR_CONFIG,         /* the template is not an https URL; a CA file or the client
                                               * certificate cannot be loaded */
        REDIRECT_SOURCE_ERROR_NOT_REGISTERED, /* HTTP 404 or 204: the service does not know this device */
        REDIRECT_SOURCE_ERROR_UNAVAILABLE,    /* no connection, or an HTTP status other than 200, 204, 404 */
        REDIRECT_SOURCE_ERROR_TIMEOUT,        /* no complete answer within the connect or total timeout */
        REDIRECT_SOURCE_ERROR_CERTIFICATE,    /* the server's certificate was refused, or the server wants
                                               * a client certificate (none configured, or ours refused) */
        REDIRECT_SOURCE_ERROR_BAD_ANSWER,     /* another Content-Type, larger than REDIRECT_MAX_ANSWER_BYTES,
                                               * no URL, a URL that cannot be fetched, bad redirects */
} RedirectSourceError;

/**
 * redirect_source_error_reason:
 * A short name of @code for the status and `provisionctl discover`:
 * "not-configured", "config", "not-registered", "unavailable", "timeout",
 * "certificate", "bad-answer" (static; "failed" for anything else).
 */
const char *redirect_source_error_reason(RedirectSourceError code);

/* What the source needs to know; strings are borrowed for the duration of redirect_source_find_async(). */
typedef struct {
        const char *url_template;    /* https URL with markers ({mac}, <MACADR>, …); NULL or blank: none */
        const char *ca_file;         /* the only trust anchor; NULL: the system trust store */
        const char *ca_file_setting; /* the setting ca_file came from, for messages */
        const char *client_certificate; /* PEM, the device's identity; NULL: none */
        const char *client_key;         /* its PEM key; NULL: in the client_certificate file */
        guint connect_timeout_seconds;  /* to connect and for any wait for the server; 0: none */
        guint timeout_seconds;          /* the whole answer; 0: none */
        guint max_redirects;
} RedirectConfig;

/**
 * redirect_config_init:
 * @config from the daemon's configuration: [Redirect] Url; [Redirect] CAFile,
 * else [TLS] CAFile, else the system store; [TLS] ClientCertificate and
 * ClientKey; [Limits] ConnectTimeout, FileTimeout, MaxRedirects. The strings
 * are borrowed from @daemon_config.
 */
void redirect_config_init(RedirectConfig *config, const DaemonConfig *daemon_config);

/**
 * redirect_source_find_async:
 * Replaces the markers of the template with @device's values, and asks the
 * service: GET with Accept REDIRECT_ACCEPT and @user_agent (NULL: libsoup's
 * default of fetch.c), TLS verified, the client certificate offered when the
 * server asks, redirects followed to https only, the answer read up to
 * REDIRECT_MAX_ANSWER_BYTES. Runs on the thread-default main context.
 * @config and @device are only read before this returns. Cancelling
 * @cancellable completes the call with G_IO_ERROR_CANCELLED.
 */
void redirect_source_find_async(const RedirectConfig *config, const DeviceIdentity *device,
                                const char *user_agent, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);

/**
 * redirect_source_read_answer:
 * The provisioning URL in a 200 answer of @size bytes at @data (may be NULL
 * when @size is 0) with the media type @content_type (lower case, without
 * parameters; NULL: none): the first line of text/plain, or the <url> of
 * <redirect> in application/xml or text/xml (parsed as untrusted XML). It
 * must be printable ASCII and an absolute http or https URL. Returns it
 * trimmed (newly allocated), or NULL with REDIRECT_SOURCE_ERROR_BAD_ANSWER
 * saying why (the message names no service).
 */
char *redirect_source_read_answer(const char *content_type, const char *data, gsize size, GError **error);

/**
 * redirect_source_find_finish:
 * @service: (out) (optional) the service URL that was asked (credentials
 *   removed), also on failure when it got that far; else NULL
 * Returns: (transfer full) the provisioning URL the service answered (an
 *   absolute http or https URL, trimmed, markers not replaced), or NULL with
 *   @error: REDIRECT_SOURCE_ERROR or G_IO_ERROR_CANCELLED.
 */
char *redirect_source_find_finish(GAsyncResult *result, char **service, GError **error);
