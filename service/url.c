/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "url.h"

#include <string.h>

#include "markers.h"
#include "provision-error.h"

/* Keep every component as written (no decoding and re-encoding), and split a
 * password off the user so that redaction can drop both. */
#define URL_PARSE_FLAGS (G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD)

static const char *const fetchable_schemes[] = { "http", "https" };

static gboolean is_fetchable_scheme(const char *scheme) {
        for (gsize i = 0; i < G_N_ELEMENTS(fetchable_schemes); i++)
                if (g_ascii_strcasecmp(scheme, fetchable_schemes[i]) == 0)
                        return TRUE;
        return FALSE;
}

static gboolean set_unsupported(GError **error, const char *url, const char *reason) {
        g_autofree char *redacted = url_redact(url);

        g_set_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL, "unsupported URL %s: %s", redacted, reason);
        return FALSE;
}

/* RFC 3986 § 2.1: a '%' starts a percent-encoding, nothing else; GLib only says the URL is invalid. */
static gboolean has_stray_percent(const char *url) {
        for (const char *at = strchr(url, '%'); at != NULL; at = strchr(at + 1, '%'))
                if (!g_ascii_isxdigit(at[1]) || !g_ascii_isxdigit(at[2]))
                        return TRUE;
        return FALSE;
}

#define STRAY_PERCENT_REASON "a '%' not followed by two hexadecimal digits (a '%' itself is written %25)"

static gboolean set_unparsable(GError **error, const char *url, const char *reason) {
        if (has_stray_percent(url))
                reason = STRAY_PERCENT_REASON;
        return set_unsupported(error, url, reason);
}

gboolean url_check_fetchable(const char *url, GError **error) {
        g_autoptr(GUri) uri = g_uri_parse(url, URL_PARSE_FLAGS, NULL);
        const char *host;

        /* GUri lets a CR or LF through inside a URL; no request line may carry one (RFC 3986 §2). */
        for (const char *at = url; *at != '\0'; at++)
                if ((guchar) *at < 0x20 || *at == 0x7f)
                        return set_unsupported(error, url, "a control character in the URL");
        if (uri == NULL)
                return set_unparsable(error, url, "not a valid absolute URL");
        if (!is_fetchable_scheme(g_uri_get_scheme(uri)))
                return set_unsupported(error, url, "only http and https URLs can be fetched");
        host = g_uri_get_host(uri);
        if (host == NULL || *host == '\0')
                return set_unsupported(error, url, "no host");
        if (strchr(host, '@') != NULL)
                return set_unsupported(error, url, "'@' in the user information must be written %40");
        return TRUE;
}

static gboolean is_ascii_whitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* The characters of a URL as people write it that no URI may hold (RFC 3987 § 3.1 step 2): every
 * byte of a non-ASCII character, and the printable ASCII characters that section lets systems
 * accepting IRIs convert as well. '%' is kept: "%20" is already encoded. Control characters are
 * kept so that url_check_fetchable() refuses them by name. */
static gboolean must_encode(guchar c) {
        return c >= 0x80 || (c != '\0' && strchr(" \"<>\\^`{|}", c) != NULL);
}

/* @iri (of @length bytes) as a URI; with @keep_markers, markers stay as they are written. */
static char *encode_iri(const char *iri, gsize length, gboolean keep_markers) {
        const char *end = iri + length;
        GString *uri = g_string_sized_new(length);

        for (const char *at = iri; at < end;) {
                gsize kept = keep_markers ? markers_length_at(at, end - at) : 0;
                if (kept > 0) {
                        g_string_append_len(uri, at, kept);
                        at += kept;
                } else if (must_encode((guchar) *at)) {
                        g_string_append_printf(uri, "%%%02X", (guchar) *at++);
                } else {
                        g_string_append_c(uri, *at++);
                }
        }
        return g_string_free(uri, FALSE);
}

char *url_from_iri(const char *iri) {
        return encode_iri(iri, strlen(iri), FALSE);
}

char *url_normalize_input(const char *input) {
        const char *start = input;
        const char *end;

        if (input == NULL)
                return NULL;
        while (is_ascii_whitespace(*start))
                start++;
        end = start + strlen(start);
        while (end > start && is_ascii_whitespace(end[-1]))
                end--;
        return end > start ? encode_iri(start, end - start, TRUE) : NULL;
}

/* g_uri_to_string() asserts (a critical, then NULL) on a URI without host whose
 * path starts with "//": "http:/.//h/d/" parses so, dot segments removed. */
static gboolean is_writable(GUri *uri) {
        return g_uri_get_host(uri) != NULL || !g_str_has_prefix(g_uri_get_path(uri), "//");
}

static char *set_unresolvable(GError **error, const char *base, const char *reference, const char *reason) {
        g_autofree char *redacted_base = url_redact(base);
        g_autofree char *redacted_reference = url_redact(reference);

        if (has_stray_percent(reference))
                reason = STRAY_PERCENT_REASON;
        g_set_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL, "cannot resolve %s against %s: %s",
                    redacted_reference, redacted_base, reason);
        return NULL;
}

/* What g_uri_resolve_relative() does, without its assertion when the result is
 * not writable (a critical, then NULL without an error), e.g. "x" against "http:/.//h/d/". */
static char *resolve_relative(const char *base, const char *reference, GError **error) {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(GUri) base_uri = g_uri_parse(base, URL_PARSE_FLAGS, &local_error);
        g_autoptr(GUri) resolved = NULL;

        if (base_uri != NULL)
                resolved = g_uri_parse_relative(base_uri, reference, URL_PARSE_FLAGS, &local_error);
        if (resolved == NULL)
                return set_unresolvable(error, base, reference, local_error->message);
        if (!is_writable(resolved))
                return set_unresolvable(error, base, reference, "the result is not a valid URL");
        return g_uri_to_string(resolved);
}

gboolean url_has_scheme(const char *reference) {
        if (!g_ascii_isalpha(reference[0]))
                return FALSE;
        for (const char *at = reference + 1; *at != '\0'; at++) {
                if (*at == ':')
                        return TRUE;
                if (!g_ascii_isalnum(*at) && *at != '+' && *at != '-' && *at != '.')
                        return FALSE;
        }
        return FALSE;
}

char *url_resolve(const char *base, const char *reference, GError **error) {
        g_autofree char *encoded = url_from_iri(reference);

        /* An absolute reference stands for itself; resolving would only normalise it. */
        if (url_has_scheme(encoded)) {
                if (!g_uri_is_valid(encoded, URL_PARSE_FLAGS, NULL)) {
                        set_unparsable(error, encoded, "not a valid URL");
                        return NULL;
                }
                return g_steal_pointer(&encoded);
        }
        return resolve_relative(base, encoded, error);
}

/* A URL GLib cannot parse may hide a password containing '/', '?', '#' or '@':
 * everything between "//" and the last '@' goes, even if some of it was a path. */
static char *redact_unparsable(const char *url) {
        const char *slashes = strstr(url, "//");
        const char *at = strrchr(url, '@');
        g_autofree char *before_authority = NULL;

        if (slashes == NULL || at == NULL || at < slashes)
                return g_strdup(url);
        before_authority = g_strndup(url, slashes + 2 - url);
        return g_strconcat(before_authority, at + 1, NULL);
}

char *url_redact(const char *url) {
        g_autoptr(GUri) uri = NULL;

        if (url == NULL)
                return NULL;
        uri = g_uri_parse(url, URL_PARSE_FLAGS, NULL);
        /* GLib takes "user:p@ss@host" as user "user:p" at host "ss@host". */
        if (uri == NULL || !is_writable(uri) ||
            (g_uri_get_host(uri) != NULL && strchr(g_uri_get_host(uri), '@') != NULL))
                return redact_unparsable(url);
        return g_uri_to_string_partial(uri, G_URI_HIDE_USERINFO);
}
