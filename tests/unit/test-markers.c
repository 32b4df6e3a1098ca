/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* URL markers: both spellings replaced, and the vendor spelling made well-formed only inside <URL>. */
#include <glib.h>
#include <string.h>

#include "markers.h"

static const DeviceIdentity seed_device = {
        .mac = (char *)"00095200000E",
        .serial = (char *)"S0042",
        .type = (char *)"D200",
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
        const DeviceIdentity unknown = { .mac = (char *)"", .serial = (char *)"", .type = (char *)"" };

        assert_replaced(&unknown, "http://h/x?mac={mac}&t=<HWTYP>", "http://h/x?mac=&t=");
}

static void test_replace_escapes_values(void) {
        const DeviceIdentity odd = { .mac = (char *)"00095200000E",
                                     .serial = (char *)"A&b=c/{mac}",
                                     .type = (char *)"D200" };

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

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/markers/replace-vendor-markers", test_replace_vendor_markers);
        g_test_add_func("/markers/replace-brace-markers", test_replace_brace_markers);
        g_test_add_func("/markers/replace-leaves-other-text", test_replace_leaves_other_text);
        g_test_add_func("/markers/replace-unknown-values-empty", test_replace_unknown_values_empty);
        g_test_add_func("/markers/replace-escapes-values", test_replace_escapes_values);
        g_test_add_func("/markers/escape-seed-form", test_escape_seed_form);
        g_test_add_func("/markers/escape-every-marker-and-url", test_escape_every_marker_and_url);
        g_test_add_func("/markers/escape-leaves-other-tags", test_escape_leaves_other_tags);
        g_test_add_func("/markers/escape-outside-url-untouched", test_escape_outside_url_untouched);
        return g_test_run();
}
