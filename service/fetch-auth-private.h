/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to fetch.c: which credentials a fetch may answer a challenge with,
 * and why it did not answer one. Each set of credentials belongs to one
 * origin (scheme://host:port, RFC 6454) and is never sent anywhere else.
 */
#pragma once

#include <libsoup/soup.h>

typedef struct {
        char *username; /* NULL: none */
        char *password;
        char *origin; /* scheme://host:port they belong to; NULL: no usable origin */
} FetchCredentials;

/* The authentication state of one fetch, across its redirects. */
typedef struct {
        const FetchCredentials *configured; /* the fetcher's; not owned */
        FetchCredentials from_url;          /* userinfo of the requested URL */
        char *refusal; /* why the last challenge was not answered; NULL: none was refused */
} FetchAuth;

/** fetch_origin_of_url: scheme://host:port of @url (host in lower case), or NULL when it has none. */
char *fetch_origin_of_url(const char *url);

/** fetch_credentials_init: @username/@password copied, for the origin of @url. */
void fetch_credentials_init(FetchCredentials *credentials, const char *username, const char *password,
                            const char *url);

void fetch_credentials_clear(FetchCredentials *credentials);

/** fetch_auth_init: for a fetch of @url, which may carry userinfo (kept for @url's origin only). */
void fetch_auth_init(FetchAuth *auth, const FetchCredentials *configured, const char *url);

void fetch_auth_clear(FetchAuth *auth);

/** fetch_auth_new_request: forgets what happened to the previous request (a redirect was followed). */
void fetch_auth_new_request(FetchAuth *auth);

/**
 * fetch_auth_on_authenticate:
 * The "authenticate" handler of every message of a fetch (@user_data: the FetchAuth).
 * Answers with the credentials of the request's origin, or cancels and records why.
 */
gboolean fetch_auth_on_authenticate(SoupMessage *message, SoupAuth *auth, gboolean retrying,
                                    gpointer user_data);

/**
 * fetch_auth_describe_failure:
 * Why a request ended with 401/407, for the Authentication message: the
 * recorded refusal, or what the server did instead. Newly allocated.
 */
char *fetch_auth_describe_failure(const FetchAuth *auth);
