/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* URLs, markers and references. The input is a URL template (first line), a
 * relative or absolute reference (second line) and a reference document (the
 * rest). Asserts that no user information survives url_redact(), that no
 * error message repeats the user information of the URLs it names, and that
 * mapping a URL to a URI is done once and for all (check_mapping()). */
#include <stdint.h>
#include <string.h>

#include "device.h"
#include "fuzz-common.h"
#include "markers.h"
#include "provision.h"
#include "reference.h"
#include "url.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define URL_FLAGS (G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const DeviceIdentity device = { .mac = "00095200000E", .serial = "SN0001", .type = "D200" };

/* The authority of @url ("//" after the scheme up to '/', '?' or '#'), or NULL. */
static char *authority_of(const char *url) {
        const char *scheme = url_has_scheme(url) ? strchr(url, ':') : NULL;
        const char *start;

        if (scheme == NULL || !g_str_has_prefix(scheme + 1, "//"))
                return NULL;
        start = scheme + 3;
        return g_strndup(start, strcspn(start, "/?#"));
}

static void assert_redacted(const char *url) {
        g_autofree char *redacted = url_redact(url);
        g_autoptr(GUri) parsed = NULL;
        g_autofree char *authority = NULL;

        fuzz_assert(redacted != NULL, "url_redact() returned NULL");
        parsed = g_uri_parse(redacted, URL_FLAGS, NULL);
        if (parsed != NULL)
                fuzz_assert(g_uri_get_userinfo(parsed) == NULL && g_uri_get_user(parsed) == NULL &&
                                    g_uri_get_password(parsed) == NULL,
                            "a redacted URL still has user information");
        authority = authority_of(redacted);
        fuzz_assert(authority == NULL || strchr(authority, '@') == NULL,
                    "a redacted URL still has '@' in its authority");
}

/* "SCHEME://USERINFO@" of @url when "USERINFO@" occurs exactly once in it, else NULL:
 * what no message may contain. (Not "//USERINFO@" alone: "s://u:p@/u:p@x" redacts to
 * "s:///u:p@x", whose path is no user information; nor when the path spells USERINFO@
 * again: removing dot segments can put "SCHEME://" before it, "http://u:p@/x/http://..//u:p@"
 * redacting to "http:///x/http://u:p@".) */
static char *userinfo_needle(const char *url) {
        g_autoptr(GUri) parsed = g_uri_parse(url, URL_FLAGS, NULL);
        const char *userinfo = parsed != NULL ? g_uri_get_userinfo(parsed) : NULL;
        g_autofree char *needle = NULL;
        g_autofree char *userinfo_at = NULL;
        const char *first;

        if (userinfo == NULL || userinfo[0] == '\0')
                return NULL;
        userinfo_at = g_strconcat(userinfo, "@", NULL);
        first = strstr(url, userinfo_at);
        if (first == NULL || strstr(first + 1, userinfo_at) != NULL)
                return NULL;
        /* The scheme as written: GLib gives it in lower case. */
        needle = g_strdup_printf("%.*s://%s@", (int) strcspn(url, ":"), url, userinfo);
        return strstr(url, needle) != NULL ? g_steal_pointer(&needle) : NULL;
}

static void assert_message_hides(const GError *error, const char *url, const char *other_input) {
        g_autofree char *needle = userinfo_needle(url);

        fuzz_assert(error != NULL && error->domain == PROV_ERROR && error->message != NULL,
                    "a failure without a provisioning error");
        if (needle != NULL && (other_input == NULL || strstr(other_input, needle) == NULL))
                fuzz_assert(strstr(error->message, needle) == NULL, "an error message shows user information");
}

static void check_url(const char *url) {
        g_autoptr(GError) error = NULL;

        assert_redacted(url);
        if (!url_check_fetchable(url, &error))
                assert_message_hides(error, url, NULL);
}

/* RFC 3987 section 3.1: what url_from_iri() leaves holds no character a URI may not hold, and
 * mapping again changes nothing (an encoded URL is not encoded twice); the same for
 * url_normalize_input(), markers apart. */
static void check_mapping(const char *input) {
        g_autofree char *uri = url_from_iri(input);
        g_autofree char *again = url_from_iri(uri);
        g_autofree char *normalized = url_normalize_input(input);
        g_autofree char *normalized_again = url_normalize_input(normalized);

        for (const char *at = uri; *at != '\0'; at++)
                fuzz_assert((guchar) *at < 0x80 && strchr(" \"<>\\^`{|}", *at) == NULL,
                            "url_from_iri() left a character no URI may hold");
        fuzz_assert(g_str_equal(uri, again), "url_from_iri() changed a URI");
        fuzz_assert(g_strcmp0(normalized, normalized_again) == 0,
                    "url_normalize_input() changed its own result");
}

static void check_resolve(const char *base, const char *reference) {
        g_autoptr(GError) error = NULL;
        g_autofree char *resolved = url_resolve(base, reference, &error);

        if (resolved == NULL) {
                assert_message_hides(error, base, reference);
                assert_message_hides(error, reference, base);
                return;
        }
        check_url(resolved);
}

static void check_reference_document(const char *base, const char *body, gsize size) {
        gsize length = 0;
        g_autofree char *text = markers_escape_in_url_elements(body, size, &length);
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_auto(GStrv) urls = NULL;

        doc = xml_parse_untrusted(text, length, "the reference document", &error);
        if (doc == NULL || !g_str_equal(xml_node_name(xmlDocGetRootElement(doc)), "referencedSettings"))
                return;
        urls = reference_urls(doc, base, &device, &error);
        if (urls == NULL) {
                assert_message_hides(error, base, body);
                return;
        }
        for (gsize i = 0; urls[i] != NULL; i++)
                check_url(urls[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *text = g_strndup((const char *) data, size); /* stops at a NUL, as strings do */
        g_auto(GStrv) lines = g_strsplit(text, "\n", 3);
        g_autofree char *base = NULL;

        fuzz_schemas(); /* quiet logs */
        if (lines[0] == NULL)
                return 0;
        base = markers_replace(lines[0], &device);
        check_mapping(lines[0]);
        check_url(lines[0]);
        check_url(base);
        if (lines[1] == NULL)
                return 0;
        check_resolve(base, lines[1]);
        if (lines[2] != NULL)
                check_reference_document(base, lines[2], strlen(lines[2]));
        return 0;
}
