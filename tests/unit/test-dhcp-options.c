/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DHCP options 66/67/43: every option 43 layout seen in the wild, with its exact bytes
 * (DOMAIN.md), the errors that skip the DHCP source, and how 66 and 67 become URLs. */
#include <glib.h>

#include "dhcp-options.h"
#include "test-util.h"

/* "http://foo" with the trailing NUL the vendor's length counts (0x0b = 11). */
#define VENDOR_LAYOUT "42:0b:68:74:74:70:3a:2f:2f:66:6f:6f:00"
/* 0x42 "http://10.99.0.1:8080/prov" (26) and 0x43 "phones/{mac}.xml" (16). dnsmasq builds
 * vendor:CLASS options in reverse order of its config lines, without NUL, 0xFF appended. */
#define DNSMASQ_LAYOUT                                                                                              \
        "43:10:70:68:6f:6e:65:73:2f:7b:6d:61:63:7d:2e:78:6d:6c:42:1a:68:74:74:70:3a:2f:2f:31:30:2e:39:39:2e:30:2e:" \
        "31:3a:38:30:38:30:2f:70:72:6f:76:ff"
/* ISC dhcpd: no NUL, no end. */
#define ISC_LAYOUT                                                                                                  \
        "42:1a:68:74:74:70:3a:2f:2f:31:30:2e:39:39:2e:30:2e:31:3a:38:30:38:30:2f:70:72:6f:76:43:10:70:68:6f:6e:65:" \
        "73:2f:7b:6d:61:63:7d:2e:78:6d:6c"
/* The ISC bytes as udhcpc and dhcpcd pass them: plain hex. */
#define PLAIN_LAYOUT \
        "421a687474703a2f2f31302e39392e302e313a383038302f70726f76431070686f6e65732f7b6d61637d2e786d6c"
/* The vendor's bytes as dhclient passes them: colon hex without zero padding. */
#define DHCLIENT_LAYOUT "42:b:68:74:74:70:3a:2f:2f:66:6f:6f:0"
/* Pad bytes (code 0, no length) before, between and after. */
#define PADDED_LAYOUT "00:00:42:0b:68:74:74:70:3a:2f:2f:66:6f:6f:00:00"

static DhcpOption43 *parse_ok(const char *text) {
        g_autoptr(GError) error = NULL;
        DhcpOption43 *option43 = dhcp_option43_parse(text, &error);

        g_assert_no_error(error);
        g_assert_nonnull(option43);
        return option43;
}

static void assert_parse_fails(const char *text, DhcpOptionsError code) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DhcpOption43) option43 = dhcp_option43_parse(text, &error);

        g_assert_null(option43);
        g_assert_error(error, DHCP_OPTIONS_ERROR, (gint) code);
        g_assert_true(g_str_has_prefix(error->message, "option 43"));
}

static void test_option43_vendor_layout_drops_trailing_nul(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok(VENDOR_LAYOUT);

        g_assert_cmpstr(option43->tftp_server, ==, "http://foo");
        g_assert_null(option43->bootfile);
}

static void test_option43_dnsmasq_layout_reverse_order_and_end(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok(DNSMASQ_LAYOUT);

        g_assert_cmpstr(option43->tftp_server, ==, "http://10.99.0.1:8080/prov");
        g_assert_cmpstr(option43->bootfile, ==, "phones/{mac}.xml");
}

static void test_option43_isc_layout_without_end(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok(ISC_LAYOUT);

        g_assert_cmpstr(option43->tftp_server, ==, "http://10.99.0.1:8080/prov");
        g_assert_cmpstr(option43->bootfile, ==, "phones/{mac}.xml");
}

static void test_option43_plain_hex(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok(PLAIN_LAYOUT);

        g_assert_cmpstr(option43->tftp_server, ==, "http://10.99.0.1:8080/prov");
        g_assert_cmpstr(option43->bootfile, ==, "phones/{mac}.xml");
}

static void test_option43_plain_hex_upper_case(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok("420B687474703A2F2F666F6F00");

        g_assert_cmpstr(option43->tftp_server, ==, "http://foo");
}

static void test_option43_dhclient_unpadded_colon_hex(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok(DHCLIENT_LAYOUT);

        g_assert_cmpstr(option43->tftp_server, ==, "http://foo");
}

static void test_option43_pad_bytes_skipped(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok(PADDED_LAYOUT);

        g_assert_cmpstr(option43->tftp_server, ==, "http://foo");
}

static void test_option43_ignores_other_suboptions_and_after_end(void) {
        /* 0x01 "ab" (another vendor's), 0x43 "x.xml", end, then bytes that would overrun. */
        g_autoptr(DhcpOption43) option43 = parse_ok("01:02:61:62:43:05:78:2e:78:6d:6c:ff:42:7f");

        g_assert_null(option43->tftp_server);
        g_assert_cmpstr(option43->bootfile, ==, "x.xml");
}

static void test_option43_blank_value_is_absent(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok("42:03:20:20:00:43:00");

        g_assert_null(option43->tftp_server);
        g_assert_null(option43->bootfile);
}

static void test_option43_empty_text_has_nothing(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok("");

        g_assert_null(option43->tftp_server);
        g_assert_null(option43->bootfile);
}

static void test_option43_length_overrun_fails(void) {
        /* 0x0c claims one byte more than there is. */
        assert_parse_fails("42:0c:68:74:74:70:3a:2f:2f:66:6f:6f:00", DHCP_OPTIONS_ERROR_OVERRUN);
}

static void test_option43_missing_length_fails(void) {
        assert_parse_fails("42", DHCP_OPTIONS_ERROR_OVERRUN);
}

static void test_option43_odd_hex_fails(void) {
        assert_parse_fails("420b6", DHCP_OPTIONS_ERROR_BAD_HEX);
}

static void test_option43_bad_hex_fails(void) {
        assert_parse_fails("42:0b::68", DHCP_OPTIONS_ERROR_BAD_HEX);
        assert_parse_fails("42:00b:68", DHCP_OPTIONS_ERROR_BAD_HEX);
        assert_parse_fails("42:", DHCP_OPTIONS_ERROR_BAD_HEX);
}

/* Not hex: read as dhclient's text spelling, where this is a block claiming too much. */
static void test_option43_non_hex_is_text_spelling(void) {
        /* '4' = 0x34 claims '2' = 0x32 bytes. */
        assert_parse_fails("42:0g:68", DHCP_OPTIONS_ERROR_OVERRUN);
        assert_parse_fails("http://foo", DHCP_OPTIONS_ERROR_OVERRUN);
}

/* dhclient prints option 43 as text when every byte is printable, dropping a
 * trailing NUL: 0x42 0x25 (= '%', 37) "http://10.99.0.1:8080/prov/{mac}.xml" 0x00. */
static void test_option43_dhclient_text_spelling_without_nul(void) {
        g_autoptr(DhcpOption43) option43 = parse_ok("B%http://10.99.0.1:8080/prov/{mac}.xml");

        g_assert_cmpstr(option43->tftp_server, ==, "http://10.99.0.1:8080/prov/{mac}.xml");
}

static void test_option43_dhclient_text_spelling_escapes(void) {
        /* 0x43 0x28 ('(', 40 bytes) with an escaped '$' and an octal 0x7e ('~'), no NUL;
         * then 0x42 0x20 (' ', 32) "http://h.example/a/b/c/d/e/f/g/h". */
        g_autoptr(DhcpOption43) option43 = parse_ok(
                "C(http://h.example/~user/\\$x/\\176y/zz.xml01234B http://h.example/a/b/c/d/e/f/g/h");

        g_assert_cmpstr(option43->bootfile, ==, "http://h.example/~user/$x/~y/zz.xml01234");
        g_assert_cmpstr(option43->tftp_server, ==, "http://h.example/a/b/c/d/e/f/g/h");
}

static void test_option43_text_spelling_short_by_more_than_nul_fails(void) {
        assert_parse_fails("B&http://10.99.0.1:8080/prov/{mac}.xml", DHCP_OPTIONS_ERROR_OVERRUN);
}

static void test_option43_non_text_fails(void) {
        /* A control byte, a NUL inside the value, a byte above 0x7e. */
        assert_parse_fails("42:03:61:0a:62", DHCP_OPTIONS_ERROR_NOT_TEXT);
        assert_parse_fails("42:03:61:00:62", DHCP_OPTIONS_ERROR_NOT_TEXT);
        assert_parse_fails("43:02:c3:a9", DHCP_OPTIONS_ERROR_NOT_TEXT);
}

/* ---- 66 + 67 → URLs ---- */

static GPtrArray *urls_of(const char *server, const char *file, const char *vendor, GError **error) {
        g_autoptr(DhcpLease) lease = dhcp_lease_of("eth0", server, file, vendor);

        return dhcp_options_provisioning_urls(lease, error);
}

/* @expected: the URLs in order, NULL-terminated. */
static void assert_urls(const char *server, const char *file, const char *vendor, const char *const *expected) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) urls = urls_of(server, file, vendor, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(urls->len, ==, g_strv_length((char **) expected));
        for (guint i = 0; i < urls->len; i++)
                g_assert_cmpstr(g_ptr_array_index(urls, i), ==, expected[i]);
}

static void assert_no_urls(const char *server, const char *file, const char *vendor, DhcpOptionsError code) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) urls = urls_of(server, file, vendor, &error);

        g_assert_null(urls);
        g_assert_error(error, DHCP_OPTIONS_ERROR, (gint) code);
}

#define URLS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_join_exactly_one_slash(void) {
        assert_urls("http://h/prov", "a.xml", NULL, URLS("http://h/prov/a.xml"));
        assert_urls("http://h/prov/", "/a.xml", NULL, URLS("http://h/prov/a.xml"));
        assert_urls("http://h/prov//", "//a.xml", NULL, URLS("http://h/prov/a.xml"));
}

static void test_join_66_alone(void) {
        assert_urls("https://h/prov/{mac}.xml", NULL, NULL, URLS("https://h/prov/{mac}.xml"));
}

static void test_join_67_with_scheme_stands_alone(void) {
        assert_urls("http://ignored", "https://h/p/<MACADR>.xml", NULL, URLS("https://h/p/<MACADR>.xml"));
        assert_urls(NULL, "http://h/p.xml", NULL, URLS("http://h/p.xml"));
}

static void test_join_66_without_scheme_https_then_http(void) {
        assert_urls("prov.example:8080", "<HWTYP>/<MACADR>.xml", NULL,
                    URLS("https://prov.example:8080/<HWTYP>/<MACADR>.xml",
                         "http://prov.example:8080/<HWTYP>/<MACADR>.xml"));
}

static void test_join_udhcpc_bad_and_empty_66_absent(void) {
        assert_urls("bad", "http://h/p.xml", NULL, URLS("http://h/p.xml"));
        assert_urls("", "http://h/p.xml", NULL, URLS("http://h/p.xml"));
        assert_no_urls("bad", NULL, NULL, DHCP_OPTIONS_ERROR_NO_URL);
}

static void test_join_whitespace_trimmed_blank_absent(void) {
        assert_urls("  http://h/prov \n", " a.xml\t", NULL, URLS("http://h/prov/a.xml"));
        assert_no_urls("   ", " ", "  ", DHCP_OPTIONS_ERROR_NO_URL);
}

static void test_join_nothing_is_no_url(void) {
        assert_no_urls(NULL, NULL, NULL, DHCP_OPTIONS_ERROR_NO_URL);
}

static void test_join_relative_67_without_66_fails(void) {
        assert_no_urls(NULL, "a.xml", NULL, DHCP_OPTIONS_ERROR_BAD_URL);
}

static void test_join_other_scheme_fails(void) {
        assert_no_urls("tftp://h", "a.xml", NULL, DHCP_OPTIONS_ERROR_UNSUPPORTED_SCHEME);
        assert_no_urls(NULL, "ftp://h/a.xml", NULL, DHCP_OPTIONS_ERROR_UNSUPPORTED_SCHEME);
}

static void test_join_percent_encodes_what_urls_cannot_hold(void) {
        assert_urls("http://h/my prov", "a|b\".xml", NULL, URLS("http://h/my%20prov/a%7Cb%22.xml"));
        /* Already encoded stays as it is; markers stay for the caller. */
        assert_urls("http://h/a%20b", "{mac}.xml?x=1&y=<SERIAL>", NULL,
                    URLS("http://h/a%20b/{mac}.xml?x=1&y=<SERIAL>"));
}

static void test_join_non_text_66_fails(void) {
        assert_no_urls("http://h\x01", "a.xml", NULL, DHCP_OPTIONS_ERROR_NOT_TEXT);
        assert_no_urls("http://h/\xfc", "a.xml", NULL, DHCP_OPTIONS_ERROR_NOT_TEXT); /* Latin-1, no UTF-8 */
        assert_no_urls("http://h", "a\x7f.xml", NULL, DHCP_OPTIONS_ERROR_NOT_TEXT);
}

/* RFC 3987 section 3.1: as every URL that enters provisiond, in UTF-8. */
static void test_join_percent_encodes_non_ascii(void) {
        assert_urls("http://h/Labor M\xc3\xbcller", "Lab Phone.xml", NULL,
                    URLS("http://h/Labor%20M%C3%BCller/Lab%20Phone.xml"));
        assert_urls(NULL, "https://h/M\xc3\xbcller.xml", NULL, URLS("https://h/M%C3%BCller.xml"));
}

static void test_option43_wins_over_66_and_67(void) {
        assert_urls("http://plain/66", "plain67.xml", DNSMASQ_LAYOUT,
                    URLS("http://10.99.0.1:8080/prov/phones/{mac}.xml"));
        /* 43's pair replaces both: its 0x42 alone does not borrow the plain 67. */
        assert_urls("http://plain/66", "plain67.xml", VENDOR_LAYOUT, URLS("http://foo"));
}

static void test_option43_without_our_suboptions_falls_back(void) {
        assert_urls("http://h", "a.xml", "01:02:61:62:ff", URLS("http://h/a.xml"));
}

static void test_option43_garbage_skips_the_source(void) {
        assert_no_urls("http://h", "a.xml", "42:0c:68", DHCP_OPTIONS_ERROR_OVERRUN);
        assert_no_urls("http://h", "a.xml", "420", DHCP_OPTIONS_ERROR_BAD_HEX);
        assert_no_urls("http://h", "a.xml", "42:03:61:0a:62", DHCP_OPTIONS_ERROR_NOT_TEXT);
}

static void test_every_error_has_a_reason_name(void) {
        const char *expected[] = { "bad-hex", "overrun", "not-text",
                                   "no-url",  "bad-url", "unsupported-scheme" };

        for (guint code = 0; code < G_N_ELEMENTS(expected); code++)
                g_assert_cmpstr(dhcp_options_error_reason((DhcpOptionsError) code), ==, expected[code]);
        g_assert_null(dhcp_options_error_reason((DhcpOptionsError) G_N_ELEMENTS(expected)));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/dhcp-options/option43-vendor-layout-drops-trailing-nul",
                        test_option43_vendor_layout_drops_trailing_nul);
        g_test_add_func("/dhcp-options/option43-dnsmasq-layout-reverse-order-and-end",
                        test_option43_dnsmasq_layout_reverse_order_and_end);
        g_test_add_func("/dhcp-options/option43-isc-layout-without-end", test_option43_isc_layout_without_end);
        g_test_add_func("/dhcp-options/option43-plain-hex", test_option43_plain_hex);
        g_test_add_func("/dhcp-options/option43-plain-hex-upper-case", test_option43_plain_hex_upper_case);
        g_test_add_func("/dhcp-options/option43-dhclient-unpadded-colon-hex",
                        test_option43_dhclient_unpadded_colon_hex);
        g_test_add_func("/dhcp-options/option43-pad-bytes-skipped", test_option43_pad_bytes_skipped);
        g_test_add_func("/dhcp-options/option43-ignores-other-suboptions-and-after-end",
                        test_option43_ignores_other_suboptions_and_after_end);
        g_test_add_func("/dhcp-options/option43-blank-value-is-absent", test_option43_blank_value_is_absent);
        g_test_add_func("/dhcp-options/option43-empty-text-has-nothing", test_option43_empty_text_has_nothing);
        g_test_add_func("/dhcp-options/option43-length-overrun-fails", test_option43_length_overrun_fails);
        g_test_add_func("/dhcp-options/option43-missing-length-fails", test_option43_missing_length_fails);
        g_test_add_func("/dhcp-options/option43-odd-hex-fails", test_option43_odd_hex_fails);
        g_test_add_func("/dhcp-options/option43-bad-hex-fails", test_option43_bad_hex_fails);
        g_test_add_func("/dhcp-options/option43-non-text-fails", test_option43_non_text_fails);
        g_test_add_func("/dhcp-options/option43-non-hex-is-text-spelling",
                        test_option43_non_hex_is_text_spelling);
        g_test_add_func("/dhcp-options/option43-dhclient-text-spelling-without-nul",
                        test_option43_dhclient_text_spelling_without_nul);
        g_test_add_func("/dhcp-options/option43-dhclient-text-spelling-escapes",
                        test_option43_dhclient_text_spelling_escapes);
        g_test_add_func("/dhcp-options/option43-text-spelling-short-by-more-than-nul-fails",
                        test_option43_text_spelling_short_by_more_than_nul_fails);
        g_test_add_func("/dhcp-options/join-exactly-one-slash", test_join_exactly_one_slash);
        g_test_add_func("/dhcp-options/join-66-alone", test_join_66_alone);
        g_test_add_func("/dhcp-options/join-67-with-scheme-stands-alone",
                        test_join_67_with_scheme_stands_alone);
        g_test_add_func("/dhcp-options/join-66-without-scheme-https-then-http",
                        test_join_66_without_scheme_https_then_http);
        g_test_add_func("/dhcp-options/join-udhcpc-bad-and-empty-66-absent",
                        test_join_udhcpc_bad_and_empty_66_absent);
        g_test_add_func("/dhcp-options/join-whitespace-trimmed-blank-absent",
                        test_join_whitespace_trimmed_blank_absent);
        g_test_add_func("/dhcp-options/join-nothing-is-no-url", test_join_nothing_is_no_url);
        g_test_add_func("/dhcp-options/join-relative-67-without-66-fails",
                        test_join_relative_67_without_66_fails);
        g_test_add_func("/dhcp-options/join-other-scheme-fails", test_join_other_scheme_fails);
        g_test_add_func("/dhcp-options/join-percent-encodes-what-urls-cannot-hold",
                        test_join_percent_encodes_what_urls_cannot_hold);
        g_test_add_func("/dhcp-options/join-non-text-66-fails", test_join_non_text_66_fails);
        g_test_add_func("/dhcp-options/join-percent-encodes-non-ascii", test_join_percent_encodes_non_ascii);
        g_test_add_func("/dhcp-options/option43-wins-over-66-and-67", test_option43_wins_over_66_and_67);
        g_test_add_func("/dhcp-options/option43-without-our-suboptions-falls-back",
                        test_option43_without_our_suboptions_falls_back);
        g_test_add_func("/dhcp-options/option43-garbage-skips-the-source",
                        test_option43_garbage_skips_the_source);
        g_test_add_func("/dhcp-options/every-error-has-a-reason-name", test_every_error_has_a_reason_name);
        return g_test_run();
}
