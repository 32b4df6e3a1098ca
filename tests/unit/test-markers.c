/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* URL markers: both spellings replaced, and the vendor spelling made well-formed only inside <URL>. */
#include <glib.h>
#include <string.h>

#include "markers.h"

static const DeviceIdentity seed_device = {
        .mac = (char *) "00095200000E",
        .serial = (char *) "S0042",
        .type = (char *) "D200",
};

static void assert_replaced(const DeviceIdentity *device, const char *url, const char *expected) {
        g_autofree char *replaced = markers_replace(url, device);

        g_assert_cmpstr(replaced, ==, expected);
}

static void test_replace_vendor_markers(void) {
        assert_replaced(&seed_device, "prov.py?mac=<MACADR>", "prov.py?mac=00095200000E");
        assert_replaced(&seed_device, "http://h/<HWTYP>/<SERIAL>.xml", "http://h/D200/S0042.xml");
}

static void test_replace_brace_markers(void) {
        assert_replaced(&seed_device, "http://h/{type}/{mac}-{serial}.xml?m={mac}",
                        "http://h/D200/00095200000E-S0042.xml?m=00095200000E");
}

static void test_replace_leaves_other_text(void) {
        assert_replaced(&seed_device, "http://h/<MAC>/{Mac}/{macs/<MACADR",
                        "http://h/<MAC>/{Mac}/{macs/<MACADR");
        assert_replaced(&seed_device, "", "");
}

static void test_replace_unknown_values_empty(void) {
        const DeviceIdentity unknown = { .mac = (char *) "", .serial = (char *) "", .type = (char *) "" };

        assert_replaced(&unknown, "http://h/x?mac={mac}&t=<HWTYP>", "http://h/x?mac=&t=");
}

static void test_replace_escapes_values(void) {
        const DeviceIdentity odd = { .mac = (char *) "00095200000E",
                                     .serial = (char *) "A&b=c/{mac}",
                                     .type = (char *) "D200" };

        /* The value is not searched again, and cannot add query parameters or path segments. */
        assert_replaced(&odd, "http://h/x?s={serial}", "http://h/x?s=A%26b%3Dc%2F%7Bmac%7D");
}

static char *escape(const char *document) {
        gsize length = 0;
        g_autofree char *escaped = markers_escape_in_url_elements(document, strlen(document), &length);

        g_assert_cmpuint(length, ==, strlen(escaped));
        return g_steal_pointer(&escaped);
}

static void assert_escaped(const char *document, const char *expected) {
        g_autofree char *escaped = escape(document);

        g_assert_cmpstr(escaped, ==, expected);
}

static void test_length_at_both_spellings(void) {
        g_assert_cmpuint(markers_length_at("<MACADR>.xml", 12), ==, strlen("<MACADR>"));
        g_assert_cmpuint(markers_length_at("{serial}", 8), ==, strlen("{serial}"));
        g_assert_cmpuint(markers_length_at("{type}/x", 8), ==, strlen("{type}"));
        /* Not a marker: another name, a cut-off one, or text before it. */
        g_assert_cmpuint(markers_length_at("{model}", 7), ==, 0);
        g_assert_cmpuint(markers_length_at("{mac}", 4), ==, 0);
        g_assert_cmpuint(markers_length_at("x{mac}", 6), ==, 0);
        g_assert_cmpuint(markers_length_at("<URL>", 5), ==, 0);
}

static void test_escape_seed_form(void) {
        assert_escaped("<referencedSettings><URL>prov.py?mac=<MACADR></URL></referencedSettings>",
                       "<referencedSettings><URL>prov.py?mac={mac}</URL></referencedSettings>");
}

static void test_escape_every_marker_and_url(void) {
        assert_escaped("<URL>a/<HWTYP>/<SERIAL>/<MACADR></URL>\n<URL>b?<MACADR><MACADR></URL>",
                       "<URL>a/{type}/{serial}/{mac}</URL>\n<URL>b?{mac}{mac}</URL>");
}

static void test_escape_leaves_other_tags(void) {
        const char *const untouched[] = {
                "<doc><MACADR>x</MACADR><SERIAL/></doc>",
                "<URLs><MACADR></URLs>",
                "<url><MACADR></url>",
                "<URL>a<OTHER>b</URL>",
                "<URL><MACADR>",
                "",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(untouched); i++)
                assert_escaped(untouched[i], untouched[i]);
}

static void test_escape_outside_url_untouched(void) {
        assert_escaped("<a><MACADR/></a><URL><MACADR></URL><b><HWTYP></b>",
                       "<a><MACADR/></a><URL>{mac}</URL><b><HWTYP></b>");
}

/* Every legal XML spelling of the tags (XML 1.0 §3.1: S before '>', attributes, a prefix). */
static void test_escape_legal_tag_spellings(void) {
        assert_escaped("<URL ><MACADR></URL >", "<URL >{mac}</URL >");
        assert_escaped("<URL\n>a<SERIAL></URL\t>", "<URL\n>a{serial}</URL\t>");
        assert_escaped("<URL kind=\"x>y\">p/<HWTYP>.xml</URL>", "<URL kind=\"x>y\">p/{type}.xml</URL>");
        assert_escaped("<p:URL xmlns:p=\"urn:x\"><MACADR></p:URL>", "<p:URL xmlns:p=\"urn:x\">{mac}</p:URL>");
        /* Empty element: nothing inside; the next <URL> still counts. */
        assert_escaped("<URL/><b><MACADR></b><URL><MACADR></URL>", "<URL/><b><MACADR></b><URL>{mac}</URL>");
        /* Not the URL element: a longer name. */
        assert_escaped("<URLx><MACADR></URLx>", "<URLx><MACADR></URLx>");
}

/* The text is decoded already: characters beyond ASCII pass through unchanged. */
static void test_escape_keeps_utf8_text(void) {
        assert_escaped("<URL>m\xc3\xbcller/<MACADR></URL>", "<URL>m\xc3\xbcller/{mac}</URL>");
}

static void assert_described(const char *document, const char *expected_part) {
        g_autofree char *message = markers_describe_unescaped(document, strlen(document));

        g_assert_nonnull(message);
        g_assert_nonnull(strstr(message, expected_part));
}

/* A document that does not parse because of a marker: the message names marker and element. */
static void test_describe_names_marker_and_element(void) {
        assert_described(
                "<configuration><identities><identity><displayname>Phone <MACADR></displayname>"
                "</identity></identities></configuration>",
                "unescaped marker <MACADR> in <displayname>");
        assert_described(
                "<configuration>\n<provisioning>\n<url>http://h/<SERIAL>.xml</url></provisioning>"
                "</configuration>",
                "line 3: unescaped marker <SERIAL> in <url>; write {serial} there");
        assert_described("<!-- <x> --><a><b/><HWTYP></a>", "unescaped marker <HWTYP> in <a>");
}

static void test_describe_ignores_elements_named_like_markers(void) {
        const char *const documents[] = {
                "<doc><MACADR>x</MACADR><broken></doc>",
                "<doc><SERIAL/></doc>",
                "<doc>{mac}</doc>",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(documents); i++) {
                g_autofree char *message = markers_describe_unescaped(documents[i], strlen(documents[i]));
                g_assert_null(message);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/markers/replace-vendor-markers", test_replace_vendor_markers);
        g_test_add_func("/markers/replace-brace-markers", test_replace_brace_markers);
        g_test_add_func("/markers/replace-leaves-other-text", test_replace_leaves_other_text);
        g_test_add_func("/markers/replace-unknown-values-empty", test_replace_unknown_values_empty);
        g_test_add_func("/markers/replace-escapes-values", test_replace_escapes_values);
        g_test_add_func("/markers/length-at-both-spellings", test_length_at_both_spellings);
        g_test_add_func("/markers/escape-seed-form", test_escape_seed_form);
        g_test_add_func("/markers/escape-every-marker-and-url", test_escape_every_marker_and_url);
        g_test_add_func("/markers/escape-leaves-other-tags", test_escape_leaves_other_tags);
        g_test_add_func("/markers/escape-outside-url-untouched", test_escape_outside_url_untouched);
        g_test_add_func("/markers/escape-legal-tag-spellings", test_escape_legal_tag_spellings);
        g_test_add_func("/markers/escape-keeps-utf8-text", test_escape_keeps_utf8_text);
        g_test_add_func("/markers/describe-names-marker-and-element", test_describe_names_marker_and_element);
        g_test_add_func("/markers/describe-ignores-elements-named-like-markers",
                        test_describe_ignores_elements_named_like_markers);
        return g_test_run();
}
