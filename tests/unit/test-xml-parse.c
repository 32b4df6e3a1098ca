/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Untrusted XML: entity bombs, external entities, DTDs, depth, malformed input are refused. */
#include <glib.h>

#include "provision.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

static void assert_refused(const char *text, const char *message_part) {
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(text, strlen(text), "the document", &error);

        g_assert_null(doc);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
        g_assert_nonnull(strstr(error->message, message_part));
}

static void test_billion_laughs_refused(void) {
        assert_refused("<?xml version=\"1.0\"?>\n"
                       "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                       "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                       "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
                       "<telephony>&lol3;</telephony>",
                       "DTD");
}

static void test_external_entity_refused(void) {
        assert_refused("<?xml version=\"1.0\"?>\n"
                       "<!DOCTYPE t [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><telephony>&xxe;</telephony>",
                       "DTD");
}

static void test_external_dtd_refused(void) {
        assert_refused("<!DOCTYPE t SYSTEM \"http://127.0.0.1:1/t.dtd\"><telephony/>", "DTD");
}

static void test_too_deep_refused(void) {
        g_autoptr(GString) text = g_string_new("");

        for (int i = 0; i < XML_MAX_DEPTH + 1; i++)
                g_string_append(text, "<a>");
        for (int i = 0; i < XML_MAX_DEPTH + 1; i++)
                g_string_append(text, "</a>");
        assert_refused(text->str, "deeper");
}

static void test_malformed_refused(void) {
        assert_refused("<telephony><a></telephony>", "not well-formed");
        assert_refused("", "not well-formed");
}

static void test_blanks_dropped(void) {
        static const char text[] = "<telephony>\n  <a>1</a>\n</telephony>";
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(text, strlen(text), "the document", &error);
        xmlNode *root;

        g_assert_no_error(error);
        root = xmlDocGetRootElement(doc);
        g_assert_true(root->children->type == XML_ELEMENT_NODE);
        g_assert_true(root->children == root->last);
}

static void test_deep_enough_accepted(void) {
        g_autoptr(GString) text = g_string_new("");
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = NULL;

        for (int i = 0; i < XML_MAX_DEPTH; i++)
                g_string_append(text, "<a>");
        for (int i = 0; i < XML_MAX_DEPTH; i++)
                g_string_append(text, "</a>");
        doc = xml_parse_untrusted(text->str, text->len, "the document", &error);
        g_assert_no_error(error);
        g_assert_nonnull(doc);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/xml-parse/billion-laughs-refused", test_billion_laughs_refused);
        g_test_add_func("/xml-parse/external-entity-refused", test_external_entity_refused);
        g_test_add_func("/xml-parse/external-dtd-refused", test_external_dtd_refused);
        g_test_add_func("/xml-parse/too-deep-refused", test_too_deep_refused);
        g_test_add_func("/xml-parse/deep-enough-accepted", test_deep_enough_accepted);
        g_test_add_func("/xml-parse/malformed-refused", test_malformed_refused);
        g_test_add_func("/xml-parse/blanks-dropped", test_blanks_dropped);
        return g_test_run();
}
