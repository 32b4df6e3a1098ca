/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Answering authentication challenges for fetch.c. The URL's userinfo wins
 * over the configured credentials; each is only answered at the origin it
 * was given for, so that another host (a reference, a redirect) cannot ask
 * for it. A challenge that is not answered records the true reason, which
 * becomes the Authentication message.
 */
#include "fetch-auth-private.h"

/* The authentication schemes we answer, and where. */
typedef struct {
        const char *name;
        gboolean needs_https; /* the password would cross the network readable */
} AuthScheme;

static const AuthScheme auth_schemes[] = {
        { "Basic", TRUE },
        { "Digest", FALSE },
};

/* The port a URL means when it names none (RFC 9110 §4.2). */
static int effective_port(GUri *uri) {
        const char *scheme = g_uri_get_scheme(uri);

        if (g_uri_get_port(uri) > 0)
                return g_uri_get_port(uri);
        return g_ascii_strcasecmp(scheme, "https") == 0 ? 443 : 80;
}

static char *origin_of(GUri *uri) {
        g_autofree char *scheme = g_ascii_strdown(g_uri_get_scheme(uri), -1);
        g_autofree char *host = g_ascii_strdown(g_uri_get_host(uri), -1);

        return g_strdup_printf("%s://%s:%d", scheme, host, effective_port(uri));
}

char *fetch_origin_of_url(const char *url) {
        g_autoptr(GUri) uri = url != NULL ? g_uri_parse(url, G_URI_FLAGS_HAS_PASSWORD, NULL) : NULL;

        return uri != NULL && g_uri_get_host(uri) != NULL ? origin_of(uri) : NULL;
}

void fetch_credentials_init(FetchCredentials *credentials, const char *username, const char *password,
                            const char *url) {
        credentials->username = g_strdup(username);
        credentials->password = g_strdup(password);
        credentials->origin = fetch_origin_of_url(url);
}

void fetch_credentials_clear(FetchCredentials *credentials) {
        g_clear_pointer(&credentials->username, g_free);
        g_clear_pointer(&credentials->password, g_free);
        g_clear_pointer(&credentials->origin, g_free);
}

void fetch_auth_init(FetchAuth *auth, const FetchCredentials *configured, const char *url) {
        *auth = (FetchAuth){ .configured = configured };
        /* Decoded, as the server will compare them. */
        if (!g_uri_split_with_user(url, G_URI_FLAGS_HAS_PASSWORD, NULL, &auth->from_url.username,
                                   &auth->from_url.password, NULL, NULL, NULL, NULL, NULL, NULL, NULL))
                return;
        if (auth->from_url.username != NULL)
                auth->from_url.origin = fetch_origin_of_url(url);
}

void fetch_auth_clear(FetchAuth *auth) {
        fetch_credentials_clear(&auth->from_url);
        g_clear_pointer(&auth->refusal, g_free);
}

void fetch_auth_new_request(FetchAuth *auth) {
        g_clear_pointer(&auth->refusal, g_free);
}

static const AuthScheme *find_auth_scheme(const char *name) {
        for (gsize i = 0; i < G_N_ELEMENTS(auth_schemes); i++)
                if (g_ascii_strcasecmp(auth_schemes[i].name, name) == 0)
                        return &auth_schemes[i];
        return NULL;
}

static gboolean has_credentials(const FetchCredentials *credentials) {
        return credentials != NULL && credentials->username != NULL;
}

static gboolean belongs_to(const FetchCredentials *credentials, const char *origin) {
        return has_credentials(credentials) && g_strcmp0(credentials->origin, origin) == 0;
}

static const FetchCredentials *credentials_for(const FetchAuth *auth, const char *origin) {
        if (belongs_to(&auth->from_url, origin))
                return &auth->from_url;
        if (belongs_to(auth->configured, origin))
                return auth->configured;
        return NULL;
}

/* No credentials for @origin: say which ones exist and where they belong. */
static char *describe_missing(const FetchAuth *auth, const char *origin) {
        if (has_credentials(&auth->from_url))
                return g_strdup_printf(
                        "the user name and password in the URL were not sent: they belong to "
                        "%s and the request went to another origin, %s",
                        auth->from_url.origin, origin);
        if (has_credentials(auth->configured))
                return g_strdup_printf(
                        "the configured credentials (/provisioning/username) were not sent: "
                        "they belong to %s and the request went to another origin, %s",
                        auth->configured->origin != NULL ? auth->configured->origin : "no origin", origin);
        return g_strdup("no credentials configured (/provisioning/username or user information in the URL)");
}

static char *refusal_reason(const FetchAuth *auth, SoupAuth *soup_auth, GUri *uri, gboolean retrying) {
        const char *scheme_name = soup_auth_get_scheme_name(soup_auth);
        const AuthScheme *scheme = find_auth_scheme(scheme_name);
        g_autofree char *origin = origin_of(uri);
        const FetchCredentials *credentials = credentials_for(auth, origin);

        if (soup_auth_is_for_proxy(soup_auth))
                return g_strdup("proxy authentication is not supported");
        if (retrying)
                return g_strdup(
                        credentials == &auth->from_url ?
                                "the server refused the user name and password in the URL" :
                                "the server refused the configured credentials (/provisioning/username)");
        if (scheme == NULL)
                return g_strdup_printf(
                        "the server asks for %s authentication, which is not supported (only "
                        "Basic over https and Digest)",
                        scheme_name);
        if (credentials == NULL)
                return describe_missing(auth, origin);
        if (scheme->needs_https && g_ascii_strcasecmp(g_uri_get_scheme(uri), "https") != 0)
                return g_strdup(
                        "Basic authentication over plain http refused (the password would cross the "
                        "network readable): use https or Digest");
        return NULL;
}

gboolean fetch_auth_on_authenticate(SoupMessage *message, SoupAuth *soup_auth, gboolean retrying,
                                    gpointer user_data) {
        FetchAuth *auth = user_data;
        GUri *uri = soup_message_get_uri(message);
        g_autofree char *refusal = refusal_reason(auth, soup_auth, uri, retrying);
        g_autofree char *origin = NULL;
        const FetchCredentials *credentials;

        if (refusal != NULL) {
                g_free(auth->refusal);
                auth->refusal = g_steal_pointer(&refusal);
                soup_auth_cancel(soup_auth);
                return TRUE;
        }
        origin = origin_of(uri);
        credentials = credentials_for(auth, origin);
        soup_auth_authenticate(soup_auth, credentials->username,
                               credentials->password != NULL ? credentials->password : "");
        return TRUE;
}

char *fetch_auth_describe_failure(const FetchAuth *auth) {
        if (auth->refusal != NULL)
                return g_strdup(auth->refusal);
        return g_strdup("the server sent no challenge that could be answered (WWW-Authenticate)");
}
