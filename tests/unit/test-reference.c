/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reference documents: URLs in document order, markers, resolution against the reference's own URL. */
#include <glib.h>

#include "markers.h"
#include "provision.h"
#include "reference.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define SEED_BASE_URL "http://prov.server.com/prov/references.xml"

static const DeviceIdentity seed_device = {
        .mac = (char *) "00095200000E",
        .serial = (char *) "SN4711",
        .type = (char *) "D200",
};

/* Parses @text as a downloaded reference file would be: vendor markers escaped first. */
static xmlDoc *parse_reference(const char *text) {
        gsize size = 0;
        g_autofree char *escaped = markers_escape_in_url_elements(text, strlen(text), &size);
        g_autoptr(GError) error = NULL;
        xmlDoc *doc = xml_parse_untrusted(escaped, size, "test reference", &error);

        g_assert_no_error(error);
        return doc;
}

static GStrv urls_of(const char *text, GError **error) {
        g_autoptr(xmlDoc) doc = parse_reference(text);

        return reference_urls(doc, SEED_BASE_URL, &seed_device, error);
}

static void assert_urls(const char *text, const char *const *expected) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) urls = urls_of(text, &error);

        g_assert_no_error(error);
        g_assert_cmpstrv(urls, expected);
}

static void assert_refused(const char *text, gint code) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) urls = urls_of(text, &error);

        g_assert_null(urls);
        g_assert_error(error, PROV_ERROR, code);
}

static void test_seed_example(void) {
        static const char *const expected[] = {
                "http://prov.server.com/prov/first_file.xml",
                "http://prov.server.com/second_file.xml",
                "http://another.server.com/third_file.xml",
                "http://prov.server.com/prov/prov.py?mac=00095200000E",
                NULL,
        };

        assert_urls(
                "<referencedSettings>\n"
                "  <URL>first_file.xml</URL>\n"
                "  <URL>/second_file.xml</URL>\n"
                "  <URL>http://another.server.com/third_file.xml</URL>\n"
                "  <URL>prov.py?mac=<MACADR></URL>\n"
                "</referencedSettings>\n",
                expected);
}

static void test_serial_and_type_markers(void) {
        static const char *const expected[] = {
                "http://prov.server.com/prov/SN4711-D200.xml",
                "http://prov.server.com/prov/D200/SN4711/00095200000E.xml",
                NULL,
        };

        assert_urls(
                "<referencedSettings><URL><SERIAL>-<HWTYP>.xml</URL>"
                "<URL>{type}/{serial}/{mac}.xml</URL></referencedSettings>",
                expected);
}

static void test_url_text_trimmed(void) {
        static const char *const expected[] = { "http://prov.server.com/prov/first_file.xml", NULL };

        assert_urls("<referencedSettings><URL>\n   first_file.xml\t\n</URL></referencedSettings>", expected);
}

/* A blank <URL> (a template's unset optional file) means "no URL here": skipped, never an error. */
static void test_blank_url_skipped(void) {
        static const char *const only_a[] = { "http://prov.server.com/prov/a.xml", NULL };
        static const char *const none[] = { NULL };

        assert_urls("<referencedSettings><URL>a.xml</URL><URL/></referencedSettings>", only_a);
        assert_urls("<referencedSettings><URL> \r\n\t</URL><URL>a.xml</URL></referencedSettings>", only_a);
        assert_urls("<referencedSettings><URL>  \n </URL></referencedSettings>", none);
}

/* The same normaliser as the bus option, also for whitespace written as character references. */
static void test_url_normalised_like_every_entry_point(void) {
        static const char *const expected[] = { "http://prov.server.com/prov/first_file.xml", NULL };

        assert_urls("<referencedSettings><URL>&#13; first_file.xml &#9;</URL></referencedSettings>", expected);
}

static void test_no_url_refused(void) {
        assert_refused("<referencedSettings/>", PROV_ERROR_INVALID_FILE);
}

static void test_other_element_refused(void) {
        assert_refused("<referencedSettings><URL>a.xml</URL><Url>b.xml</Url></referencedSettings>",
                       PROV_ERROR_INVALID_FILE);
        assert_refused("<referencedSettings><URL>a<b/>.xml</URL></referencedSettings>",
                       PROV_ERROR_INVALID_FILE);
}

static void test_wrong_root_refused(void) {
        assert_refused("<operations><URL>a.xml</URL></operations>", PROV_ERROR_INVALID_FILE);
}

static void test_unsupported_scheme_refused(void) {
        assert_refused("<referencedSettings><URL>ftp://prov.server.com/a.xml</URL></referencedSettings>",
                       PROV_ERROR_UNSUPPORTED_URL);
        assert_refused("<referencedSettings><URL>file:///etc/passwd</URL></referencedSettings>",
                       PROV_ERROR_UNSUPPORTED_URL);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/reference/seed-example", test_seed_example);
        g_test_add_func("/reference/serial-and-type-markers", test_serial_and_type_markers);
        g_test_add_func("/reference/url-text-trimmed", test_url_text_trimmed);
        g_test_add_func("/reference/blank-url-skipped", test_blank_url_skipped);
        g_test_add_func("/reference/url-normalised-like-every-entry-point",
                        test_url_normalised_like_every_entry_point);
        g_test_add_func("/reference/no-url-refused", test_no_url_refused);
        g_test_add_func("/reference/other-element-refused", test_other_element_refused);
        g_test_add_func("/reference/wrong-root-refused", test_wrong_root_refused);
        g_test_add_func("/reference/unsupported-scheme-refused", test_unsupported_scheme_refused);
        return g_test_run();
}
