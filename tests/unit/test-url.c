/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Provisioning URLs: the seed's resolution example, fetchable schemes, credentials never shown. */
#include <glib.h>

#include "provision.h"
#include "url.h"

#define SEED_BASE "http://prov.server.com/prov/references.xml"

static void assert_resolves(const char *base, const char *reference, const char *expected) {
        g_autoptr(GError) error = NULL;
        g_autofree char *resolved = url_resolve(base, reference, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(resolved, ==, expected);
}

static void test_resolve_seed_example(void) {
        assert_resolves(SEED_BASE, "first_file.xml", "http://prov.server.com/prov/first_file.xml");
        assert_resolves(SEED_BASE, "/second_file.xml", "http://prov.server.com/second_file.xml");
        assert_resolves(SEED_BASE, "http://another.server.com/third_file.xml",
                        "http://another.server.com/third_file.xml");
        assert_resolves(SEED_BASE, "prov.py?mac=00095200000E",
                        "http://prov.server.com/prov/prov.py?mac=00095200000E");
}

static void test_resolve_keeps_encoding_and_dot_segments(void) {
        assert_resolves(SEED_BASE, "../a%2Fb.xml?x=%26", "http://prov.server.com/a%2Fb.xml?x=%26");
        assert_resolves(SEED_BASE, "//other.example:8080/x.xml", "http://other.example:8080/x.xml");
        assert_resolves("https://h/a/b/c.xml", "./d/../e.xml", "https://h/a/b/e.xml");
}

static void test_resolve_absolute_reference_unchanged(void) {
        assert_resolves(SEED_BASE, "HTTPS://Another.Server.com:443/x.xml",
                        "HTTPS://Another.Server.com:443/x.xml");
}

static void test_resolve_relative_base_fails(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *resolved = url_resolve("prov/references.xml", "first_file.xml", &error);

        g_assert_null(resolved);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL);
}

static void test_resolve_error_hides_credentials(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *resolved = url_resolve("http://user:secret@h/%zz", "x.xml", &error);

        g_assert_null(resolved);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL);
        g_assert_null(strstr(error->message, "secret"));
        g_assert_null(strstr(error->message, "user"));
}

static void assert_redacts(const char *url, const char *expected);

/* GLib returns NULL without setting an error for this one (and asserts in g_uri_to_string()). */
static void test_resolve_to_no_url_fails(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *resolved = url_resolve("http:/.//h/d/", "x", &error);

        g_assert_null(resolved);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL);
        g_assert_nonnull(strstr(error->message, "not a valid URL"));
        assert_redacts("http:/.//u:secret@h/d/", "http:/.//h/d/");
}

/* g_uri_peek_scheme() would intern each scheme for good: a server could grow the
 * daemon's memory with references of ever new schemes. */
static void test_resolve_keeps_no_scheme_of_a_reference(void) {
        for (int i = 0; i < 100; i++) {
                g_autofree char *scheme = g_strdup_printf("never-seen-scheme-%d", i);
                g_autofree char *reference = g_strconcat(scheme, ":x", NULL);
                g_autoptr(GError) error = NULL;
                g_autofree char *resolved = url_resolve("http://h/a/", reference, &error);
                g_autofree char *redacted = url_redact(reference);
                g_autoptr(GError) unfetchable = NULL;

                g_assert_no_error(error);
                g_assert_cmpstr(resolved, ==, reference);
                g_assert_nonnull(redacted);
                g_assert_false(url_check_fetchable(reference, &unfetchable));
                g_assert_cmpuint(g_quark_try_string(scheme), ==, 0);
        }
}

static void test_has_scheme(void) {
        g_assert_true(url_has_scheme("http://h/x"));
        g_assert_true(url_has_scheme("a+b-c.d:"));
        g_assert_false(url_has_scheme("first_file.xml"));
        g_assert_false(url_has_scheme("/a:b"));
        g_assert_false(url_has_scheme("1http://h"));
        g_assert_false(url_has_scheme("prov.py?mac=a:b"));
        g_assert_false(url_has_scheme(""));
}

static void test_fetchable_http_and_https(void) {
        const char *const fetchable[] = { "http://h/x.xml", "https://h:8443/x.xml", "HTTP://h/",
                                          "http://u:p@h/x" };

        for (gsize i = 0; i < G_N_ELEMENTS(fetchable); i++) {
                g_autoptr(GError) error = NULL;
                g_assert_true(url_check_fetchable(fetchable[i], &error));
                g_assert_no_error(error);
        }
}

static void test_unfetchable_urls_refused(void) {
        const char *const unfetchable[] = {
                "ftp://h/x.xml", /* other schemes */
                "file:///etc/passwd",
                "tftp://h/x",
                "x.xml", /* relative */
                "/x.xml",
                "",
                "http:///x.xml", /* no host */
                "http:x",
                "http://h/%zz",         /* not a valid URL */
                "http://user:p@ss@h/x", /* an unescaped '@' in the password: GLib sees host "ss@h" */
                "http://h/x\r.xml",     /* control characters, which GUri lets through */
                "http://h/x.xml\r\nX-Injected: 1",
                "http://h/\tx.xml",
                "http://h/x\x7f.xml",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(unfetchable); i++) {
                g_autoptr(GError) error = NULL;
                g_assert_false(url_check_fetchable(unfetchable[i], &error));
                g_assert_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL);
        }
}

static void test_unfetchable_error_hides_credentials(void) {
        g_autoptr(GError) error = NULL;

        g_assert_false(url_check_fetchable("ftp://admin:secret@h/x.xml", &error));
        g_assert_nonnull(strstr(error->message, "ftp://h/x.xml"));
        g_assert_null(strstr(error->message, "secret"));
        g_assert_null(strstr(error->message, "admin"));
}

static void assert_redacts(const char *url, const char *expected) {
        g_autofree char *redacted = url_redact(url);

        g_assert_cmpstr(redacted, ==, expected);
}

static void test_redact_removes_user_and_password(void) {
        assert_redacts("https://u:p@h/x", "https://h/x");
        assert_redacts("http://user@h:8080/x?mac=1#f", "http://h:8080/x?mac=1#f");
        assert_redacts("http://h/x", "http://h/x");
}

static void test_redact_unparsable(void) {
        assert_redacts("http://u:p@h/%zz", "http://h/%zz");
        assert_redacts("http://u:p@[::1/x", "http://[::1/x");
        /* Passwords with characters that end an authority must not survive either. */
        assert_redacts("http://user:pa/ss@host/%zz", "http://host/%zz");
        assert_redacts("http://user:p@ss@host/%zz", "http://host/%zz");
        assert_redacts("http://user:p?w@host/%zz", "http://host/%zz");
        assert_redacts("http://user:p@ss@host/x", "http://host/x");
        assert_redacts("//u:p@h/x", "//h/x");
        /* No authority: nothing looks like userinfo. */
        assert_redacts("files/a@b.xml", "files/a@b.xml");
        assert_redacts("not a url", "not a url");
}

static void assert_normalized(const char *input, const char *expected) {
        g_autofree char *normalized = url_normalize_input(input);

        g_assert_cmpstr(normalized, ==, expected);
}

/* Every entry point's rule: ASCII whitespace around the URL goes, a blank URL is no URL. */
static void test_normalize_trims_ascii_whitespace(void) {
        assert_normalized("http://127.0.0.1:8080/phone-{mac}.xml ", "http://127.0.0.1:8080/phone-{mac}.xml");
        assert_normalized(" http://h/x.xml", "http://h/x.xml");
        assert_normalized("\t\r\n\f http://h/x.xml \r\n", "http://h/x.xml");
        assert_normalized("http://h/x.xml", "http://h/x.xml");
        /* Inside, a space is a character of the URL: encoded, not trimmed (url_from_iri()). */
        assert_normalized(" http://h/a b.xml ", "http://h/a%20b.xml");
        /* Not ASCII whitespace: kept (encoded), so that the URL is refused by name rather than trimmed. */
        assert_normalized("\xc2\xa0http://h/x.xml", "%C2%A0http://h/x.xml");
        assert_normalized("\vhttp://h/x.xml", "\vhttp://h/x.xml");
}

/* RFC 3987 section 3.1 at the entry; markers stay as written until they are replaced. */
static void test_normalize_maps_to_a_uri_keeping_markers(void) {
        assert_normalized("http://h/phones/Lab Phone.xml", "http://h/phones/Lab%20Phone.xml");
        assert_normalized("http://h/cfg.xml?site=Lab A", "http://h/cfg.xml?site=Lab%20A");
        assert_normalized("http://h/M\xc3\xbcller.xml", "http://h/M%C3%BCller.xml");
        assert_normalized("http://h/<MACADR> {mac}.xml?s=<SERIAL>&t={type}",
                          "http://h/<MACADR>%20{mac}.xml?s=<SERIAL>&t={type}");
        /* What spells no marker is encoded like the rest. */
        assert_normalized("http://h/{x}<MAC>{mac <SERIAL>}", "http://h/%7Bx%7D%3CMAC%3E%7Bmac%20<SERIAL>%7D");
        assert_normalized("http://h/<{mac}>{<HWTYP>}", "http://h/%3C{mac}%3E%7B<HWTYP>%7D");
        assert_normalized("http://h/{mac", "http://h/%7Bmac");
        assert_normalized("http://h/Lab%20Phone.xml", "http://h/Lab%20Phone.xml");
}

static void test_normalize_twice_is_once(void) {
        const char *const inputs[] = { " http://h/a b/M\xc3\xbcller.xml?q=\"x\" ", "http://h/{mac}|<SERIAL>^`",
                                       "http://h/100%.xml", "http://h/%C3%BC%20x" };

        for (gsize i = 0; i < G_N_ELEMENTS(inputs); i++) {
                g_autofree char *once = url_normalize_input(inputs[i]);
                g_autofree char *twice = url_normalize_input(once);
                g_autofree char *mapped_once = url_from_iri(once);
                g_autofree char *mapped_twice = url_from_iri(mapped_once);

                g_assert_cmpstr(twice, ==, once);
                g_assert_cmpstr(mapped_twice, ==, mapped_once);
        }
}

static void assert_mapped(const char *iri, const char *expected) {
        g_autofree char *uri = url_from_iri(iri);

        g_assert_cmpstr(uri, ==, expected);
}

static void test_from_iri_encodes_what_no_uri_holds(void) {
        assert_mapped("http://h/phones/Lab Phone.xml", "http://h/phones/Lab%20Phone.xml");
        assert_mapped("http://h/cfg.xml?site=Lab A#Part 2", "http://h/cfg.xml?site=Lab%20A#Part%202");
        assert_mapped("http://h/M\xc3\xbcller.xml", "http://h/M%C3%BCller.xml");
        assert_mapped("http://h/\xe6\x97\xa5\xe6\x9c\xac.xml", "http://h/%E6%97%A5%E6%9C%AC.xml");
        /* RFC 3987 section 3.1: the printable ASCII characters no URI may hold. */
        assert_mapped("http://h/\"<>\\^`{|}", "http://h/%22%3C%3E%5C%5E%60%7B%7C%7D");
        /* The bytes as given, also when they are no UTF-8 (what curl sends). */
        assert_mapped("http://h/M\xfcller.xml", "http://h/M%FCller.xml");
}

static void test_from_iri_keeps_a_uri(void) {
        const char *const uris[] = {
                "http://h/phones/Lab%20Phone.xml",
                "http://h/M%c3%bcller.xml",
                "https://u:p@h:8443/a/b;c?d=e&f=g#h",
                "http://[::1]:80/x.xml",
                "http://h/a!$&'()*+,;=:@~-._/",
                "http://h/100%.xml",
                "http://h/x\r\n.xml",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(uris); i++)
                assert_mapped(uris[i], uris[i]);
}

static void test_resolve_maps_the_reference(void) {
        assert_resolves(SEED_BASE, "Lab Phone.xml", "http://prov.server.com/prov/Lab%20Phone.xml");
        assert_resolves(SEED_BASE, "M\xc3\xbcller.xml?site=Lab A",
                        "http://prov.server.com/prov/M%C3%BCller.xml?site=Lab%20A");
        assert_resolves(SEED_BASE, "a{b}.xml", "http://prov.server.com/prov/a%7Bb%7D.xml");
        assert_resolves(SEED_BASE, "http://h/Lab Phone.xml", "http://h/Lab%20Phone.xml");
        assert_resolves(SEED_BASE, "http://h/Lab%20Phone.xml", "http://h/Lab%20Phone.xml");
        assert_resolves("http://h/phones/Lab%20Phone.xml", "M\xc3\xbcller.xml",
                        "http://h/phones/M%C3%BCller.xml");
}

static void test_stray_percent_is_named(void) {
        const char *const urls[] = { "http://h/100%.xml", "http://h/100% Lab.xml", "http://h/a%2.xml",
                                     "http://h/%zz" };

        for (gsize i = 0; i < G_N_ELEMENTS(urls); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GError) resolve_error = NULL;
                g_autofree char *resolved = url_resolve(SEED_BASE, urls[i] + strlen("http://h/"),
                                                        &resolve_error);

                g_assert_false(url_check_fetchable(urls[i], &error));
                g_assert_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL);
                g_assert_nonnull(strstr(error->message, "a '%' not followed by two hexadecimal digits"));
                g_assert_null(resolved);
                g_assert_error(resolve_error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL);
                g_assert_nonnull(
                        strstr(resolve_error->message, "a '%' not followed by two hexadecimal digits"));
        }
}

static void test_normalize_blank_is_absent(void) {
        assert_normalized(NULL, NULL);
        assert_normalized("", NULL);
        assert_normalized(" ", NULL);
        assert_normalized(" \t\r\n\f ", NULL);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/url/normalize-trims-ascii-whitespace", test_normalize_trims_ascii_whitespace);
        g_test_add_func("/url/normalize-blank-is-absent", test_normalize_blank_is_absent);
        g_test_add_func("/url/normalize-maps-to-a-uri-keeping-markers",
                        test_normalize_maps_to_a_uri_keeping_markers);
        g_test_add_func("/url/normalize-twice-is-once", test_normalize_twice_is_once);
        g_test_add_func("/url/from-iri-encodes-what-no-uri-holds", test_from_iri_encodes_what_no_uri_holds);
        g_test_add_func("/url/from-iri-keeps-a-uri", test_from_iri_keeps_a_uri);
        g_test_add_func("/url/resolve-maps-the-reference", test_resolve_maps_the_reference);
        g_test_add_func("/url/stray-percent-is-named", test_stray_percent_is_named);
        g_test_add_func("/url/resolve-seed-example", test_resolve_seed_example);
        g_test_add_func("/url/resolve-keeps-encoding-and-dot-segments",
                        test_resolve_keeps_encoding_and_dot_segments);
        g_test_add_func("/url/resolve-absolute-reference-unchanged",
                        test_resolve_absolute_reference_unchanged);
        g_test_add_func("/url/resolve-relative-base-fails", test_resolve_relative_base_fails);
        g_test_add_func("/url/resolve-error-hides-credentials", test_resolve_error_hides_credentials);
        g_test_add_func("/url/resolve-to-no-url-fails", test_resolve_to_no_url_fails);
        g_test_add_func("/url/resolve-keeps-no-scheme-of-a-reference",
                        test_resolve_keeps_no_scheme_of_a_reference);
        g_test_add_func("/url/has-scheme", test_has_scheme);
        g_test_add_func("/url/fetchable-http-and-https", test_fetchable_http_and_https);
        g_test_add_func("/url/unfetchable-urls-refused", test_unfetchable_urls_refused);
        g_test_add_func("/url/unfetchable-error-hides-credentials", test_unfetchable_error_hides_credentials);
        g_test_add_func("/url/redact-removes-user-and-password", test_redact_removes_user_and_password);
        g_test_add_func("/url/redact-unparsable", test_redact_unparsable);
        return g_test_run();
}
