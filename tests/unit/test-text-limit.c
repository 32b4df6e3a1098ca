/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* text_limit() (bus strings) and xml_limits_check_attributes() (raw document checks). */
#include <string.h>

#include "provision.h"
#include "text-limit.h"
#include "xml-limits.h"

static void test_invalid_bytes_become_replacement_characters(void) {
        g_autofree char *shown = text_limit("Service \xff Unavailable", TEXT_LIMIT_BYTES);

        g_assert_true(g_utf8_validate(shown, -1, NULL));
        g_assert_cmpstr(shown, ==, "Service \xef\xbf\xbd Unavailable");
}

static void test_null_is_empty(void) {
        g_autofree char *shown = text_limit(NULL, TEXT_LIMIT_BYTES);

        g_assert_cmpstr(shown, ==, "");
}

static void test_short_text_is_kept(void) {
        g_autofree char *shown = text_limit("grüße", 8);

        g_assert_cmpstr(shown, ==, "grüße");
}

/* Cut at a character boundary, never inside a multi-byte character, and at most max bytes. */
static void test_long_text_is_cut_at_a_character(void) {
        g_autoptr(GString) text = g_string_new(NULL);

        for (int i = 0; i < 3000; i++)
                g_string_append(text, "Ω"); /* two bytes each */
        for (gsize max = 4; max < 40; max++) {
                g_autofree char *shown = text_limit(text->str, max);
                g_assert_cmpuint(strlen(shown), <=, max);
                g_assert_true(g_utf8_validate(shown, -1, NULL));
                g_assert_true(g_str_has_suffix(shown, "…"));
        }
}

static char *element_with_attributes(guint count) {
        g_autoptr(GString) document = g_string_new("<configuration><telephony");

        for (guint i = 0; i < count; i++)
                g_string_append_printf(document, " a%u=\"%u\"", i, i);
        g_string_append(document, "/></configuration>");
        return g_string_free(g_steal_pointer(&document), FALSE);
}

static gboolean check(const char *document) {
        g_autoptr(GError) error = NULL;
        gboolean ok = xml_limits_check_attributes(document, strlen(document), "the document", &error);

        if (!ok) {
                g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
                g_assert_nonnull(strstr(error->message, "attributes"));
        }
        return ok;
}

static void test_attributes_up_to_the_limit_pass(void) {
        g_autofree char *document = element_with_attributes(XML_LIMITS_MAX_ATTRIBUTES);

        g_assert_true(check(document));
}

static void test_attributes_past_the_limit_fail(void) {
        g_autofree char *document = element_with_attributes(XML_LIMITS_MAX_ATTRIBUTES + 1);

        g_assert_false(check(document));
}

/* '=' in quoted values, comments, CDATA, processing instructions and text is no attribute. */
static void test_equals_signs_outside_attributes_do_not_count(void) {
        g_autoptr(GString) equals = g_string_new(NULL);
        g_autofree char *document = NULL;

        for (guint i = 0; i <= XML_LIMITS_MAX_ATTRIBUTES; i++)
                g_string_append(equals, "=");
        document = g_strdup_printf(
                "<?xml version=\"1.0\"?><?pi %s?><!-- %s --><a v=\"%s\" w='%s>'>%s<![CDATA[%s]]>"
                "</a>",
                equals->str, equals->str, equals->str, equals->str, equals->str, equals->str);
        g_assert_true(check(document));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/text-limit/invalid-bytes-become-replacement-characters",
                        test_invalid_bytes_become_replacement_characters);
        g_test_add_func("/text-limit/null-is-empty", test_null_is_empty);
        g_test_add_func("/text-limit/short-text-is-kept", test_short_text_is_kept);
        g_test_add_func("/text-limit/long-text-is-cut-at-a-character", test_long_text_is_cut_at_a_character);
        g_test_add_func("/xml-limits/attributes-up-to-the-limit-pass", test_attributes_up_to_the_limit_pass);
        g_test_add_func("/xml-limits/attributes-past-the-limit-fail", test_attributes_past_the_limit_fail);
        g_test_add_func("/xml-limits/equals-signs-outside-attributes-do-not-count",
                        test_equals_signs_outside_attributes_do_not_count);
        return g_test_run();
}
