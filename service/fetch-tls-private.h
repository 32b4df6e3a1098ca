/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to fetch.c: the TLS side of a fetcher. Which certificate
 * authorities are trusted (a CA file pins them, else the system store), the
 * client certificate offered as the device's identity, and the words for a
 * certificate that was refused, either way.
 */
#pragma once

#include <libsoup/soup.h>

#include "fetch.h"

typedef struct {
        GTlsDatabase *database;              /* the CA file's; NULL: the system trust store */
        char *ca_file_setting;               /* the setting the CA file came from, for messages */
        GTlsCertificate *client_certificate; /* NULL: none configured */
        char *client_certificate_file;       /* its file, for messages */
} FetchTls;

/**
 * fetch_tls_init:
 * Loads FetchOptions.ca_file and FetchOptions.client_certificate (with
 * FetchOptions.client_key, or the key in the certificate's own file). Fails
 * with PROV_ERROR_CERTIFICATE naming the file and the reason; @tls is then
 * cleared.
 */
gboolean fetch_tls_init(FetchTls *tls, const FetchOptions *options, GError **error);

void fetch_tls_clear(FetchTls *tls);

/** fetch_tls_apply: makes @session trust what @tls trusts. */
void fetch_tls_apply(const FetchTls *tls, SoupSession *session);

/**
 * fetch_tls_offer_client_certificate:
 * The "request-certificate" answer of a message: presents the client
 * certificate if one is configured. Returns whether it did.
 */
gboolean fetch_tls_offer_client_certificate(const FetchTls *tls, SoupMessage *message);

/**
 * fetch_tls_is_client_certificate_refusal:
 * Whether @error, ending @message (NULL: none yet), means that the server wanted a client
 * certificate, or not ours: it asked for one (@requested) and ended the connection before
 * answering. TLS 1.2 fails the handshake; with TLS 1.3 the handshake completes and the
 * server's alert (or a server that just closes) ends the first read.
 */
gboolean fetch_tls_is_client_certificate_refusal(gboolean requested, SoupMessage *message, const GError *error);

/**
 * fetch_tls_describe_refused_server:
 * Why the server certificate of @url was refused, from the flags the
 * "accept-certificate" signal reported (@error when there were none). Newly allocated.
 */
char *fetch_tls_describe_refused_server(const FetchTls *tls, const char *url, GTlsCertificateFlags flags,
                                        const GError *error);

/**
 * fetch_tls_describe_refused_client:
 * For a server that asked for a client certificate and ended the handshake
 * with @error: that provisiond had none, or that the server did not accept
 * the configured one. Newly allocated.
 */
char *fetch_tls_describe_refused_client(const FetchTls *tls, const char *url, const GError *error);
