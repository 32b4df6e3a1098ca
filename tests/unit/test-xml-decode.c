/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Decoding a document to UTF-8 before anything reads it: BOM, HTTP charset, XML declaration (RFC 7303 §3.2). */
#include <glib.h>
#include <string.h>

#include "provision.h"
#include "xml-cleanup.h"
#include "xml-decode.h"
#include "xml-parse.h"

#define REFERENCE_TEXT "<referencedSettings><URL>phone-<MACADR>.xml</URL></referencedSettings>"
#define MUELLER_UTF8 "<displayname>M\xc3\xbcller</displayname>"

/* @text (UTF-8) in @encoding, with @bom bytes in front. */
static GBytes *encoded(const char *bom, gsize bom_length, const char *text, const char *encoding) {
        g_autoptr(GError) error = NULL;
        gsize length = 0;
        g_autofree char *converted = g_convert(text, -1, encoding, "UTF-8", NULL, &length, &error);
        GByteArray *bytes = g_byte_array_new();

        g_assert_no_error(error);
        g_byte_array_append(bytes, (const guint8 *) bom, bom_length);
        g_byte_array_append(bytes, (const guint8 *) converted, length);
        return g_byte_array_free_to_bytes(bytes);
}

static char *decode(GBytes *bytes, const char *charset, GError **error) {
        gsize size = 0;
        const char *data = g_bytes_get_data(bytes, &size);
        gsize length = 0;
        char *text = xml_decode_to_utf8(data, size, charset, "the file", &length, error);

        if (text != NULL)
                g_assert_cmpuint(length, ==, strlen(text));
        return text;
}

static void assert_decodes_to(GBytes *bytes, const char *charset, const char *expected) {
        g_autoptr(GError) error = NULL;
        g_autofree char *text = decode(bytes, charset, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(text, ==, expected);
}

/* An empty body (a GBytes without data) is an error, not a NULL without one. */
static void test_empty_is_invalid_file(void) {
        g_autoptr(GError) error = NULL;
        gsize length = 0;
        g_autofree char *text = xml_decode_to_utf8(NULL, 0, "utf-8", "the document", &length, &error);

        g_assert_null(text);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
        g_assert_cmpstr(error->message, ==, "the document is empty");
}

static void test_utf16le_with_bom(void) {
        g_autoptr(GBytes) bytes = encoded("\xFF\xFE", 2, REFERENCE_TEXT, "UTF-16LE");

        assert_decodes_to(bytes, NULL, REFERENCE_TEXT);
}

static void test_utf16be_with_bom(void) {
        g_autoptr(GBytes) bytes = encoded("\xFE\xFF", 2, REFERENCE_TEXT, "UTF-16BE");

        assert_decodes_to(bytes, NULL, REFERENCE_TEXT);
}

static void test_utf8_bom_dropped(void) {
        g_autoptr(GBytes) bytes = encoded("\xEF\xBB\xBF", 3, MUELLER_UTF8, "UTF-8");

        assert_decodes_to(bytes, NULL, MUELLER_UTF8);
}

static void test_utf32le_with_bom(void) {
        g_autoptr(GBytes) bytes = encoded("\xFF\xFE\x00\x00", 4, MUELLER_UTF8, "UTF-32LE");

        assert_decodes_to(bytes, NULL, MUELLER_UTF8);
}

/* The declaration names what the parser would convert from: it must say UTF-8 afterwards. */
static void test_declared_encoding_decoded_and_rewritten(void) {
        g_autoptr(GBytes) latin1 = encoded(
                "", 0, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" MUELLER_UTF8, "ISO-8859-1");
        g_autoptr(GBytes)
                utf16 = encoded("", 0, "<?xml version='1.0' encoding='UTF-16'?>" MUELLER_UTF8, "UTF-16LE");

        assert_decodes_to(latin1, NULL, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" MUELLER_UTF8);
        /* UTF-16 without a byte order mark, recognised from "<?" (XML 1.0 Appendix F). */
        assert_decodes_to(utf16, NULL, "<?xml version='1.0' encoding='UTF-8'?>" MUELLER_UTF8);
}

/* RFC 7303 §3.2: the charset parameter wins over the declaration, the BOM over both. */
static void test_http_charset_precedence(void) {
        g_autoptr(GBytes) latin1 = encoded("", 0, MUELLER_UTF8, "ISO-8859-1");
        g_autoptr(GBytes) declared_wrongly = encoded(
                "", 0, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" MUELLER_UTF8, "ISO-8859-1");
        g_autoptr(GBytes) bom = encoded("\xEF\xBB\xBF", 3, MUELLER_UTF8, "UTF-8");

        assert_decodes_to(latin1, "ISO-8859-1", MUELLER_UTF8);
        assert_decodes_to(latin1, "iso-8859-1", MUELLER_UTF8);
        assert_decodes_to(declared_wrongly, "ISO-8859-1",
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" MUELLER_UTF8);
        assert_decodes_to(bom, "ISO-8859-1", MUELLER_UTF8);
}

/* Without any hint a Latin-1 body is not UTF-8: the message says where the encoding came from. */
static void test_undeclared_latin1_names_the_cause(void) {
        g_autoptr(GBytes) latin1 = encoded("", 0, "<a>\n" MUELLER_UTF8 "</a>", "ISO-8859-1");
        g_autoptr(GError) error = NULL;
        g_autofree char *text = decode(latin1, NULL, &error);

        g_assert_null(text);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
        g_assert_nonnull(strstr(error->message, "not valid UTF-8"));
        g_assert_nonnull(strstr(error->message, "no byte order mark, charset or encoding declaration"));
        g_assert_nonnull(strstr(error->message, "line 2"));
}

/* Every position of a NUL, a byte that is not UTF-8, and a two-byte character in an ASCII
 * document: the ASCII fast path reads 8 bytes at a time, so each offset modulo 8 and the
 * tail after the last whole word must find the same as g_utf8_validate_len() alone. */
static void test_every_offset_of_a_bad_or_wide_byte(void) {
        const char *ascii = "<a>0123456789abcdefghijklmnopqrstuvwxyz</a>";
        gsize size = strlen(ascii);

        for (gsize offset = 3; offset < size - 4; offset++) {
                g_autofree char *nul = g_memdup2(ascii, size);
                g_autofree char *bad = g_memdup2(ascii, size);
                g_autofree char *wide = g_strdup_printf("%.*s\xc3\xbc%s", (int) offset, ascii, ascii + offset);
                g_autofree char *nul_offset = g_strdup_printf("NUL byte at offset %" G_GSIZE_FORMAT " ",
                                                              offset);
                g_autofree char *bad_offset = g_strdup_printf("at byte %" G_GSIZE_FORMAT ",", offset);
                g_autoptr(GError) nul_error = NULL;
                g_autoptr(GError) bad_error = NULL;
                gsize length = 0;
                g_autofree char *text = NULL;

                nul[offset] = '\0';
                bad[offset] = '\xff';
                g_assert_null(xml_decode_to_utf8(nul, size, NULL, "the file", &length, &nul_error));
                g_assert_error(nul_error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
                g_assert_nonnull(strstr(nul_error->message, nul_offset));
                g_assert_null(xml_decode_to_utf8(bad, size, NULL, "the file", &length, &bad_error));
                g_assert_error(bad_error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
                g_assert_nonnull(strstr(bad_error->message, bad_offset));
                text = xml_decode_to_utf8(wide, size + 2, NULL, "the file", &length, NULL);
                g_assert_cmpstr(text, ==, wide);
        }
}

static void test_unknown_charset_named(void) {
        g_autoptr(GBytes) bytes = g_bytes_new_static("<a/>", 4);
        g_autoptr(GError) error = NULL;
        g_autofree char *text = decode(bytes, "x-no-such-charset", &error);

        g_assert_null(text);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
        g_assert_nonnull(strstr(error->message, "\"x-no-such-charset\""));
        g_assert_nonnull(strstr(error->message, "HTTP Content-Type charset"));
}

/* What the parser makes of the decoded text: the same tree as from UTF-8. */
static void test_decoded_text_parses(void) {
        g_autoptr(GBytes) bytes = encoded(
                "\xFE\xFF", 2, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" MUELLER_UTF8, "UTF-16BE");
        g_autoptr(GError) error = NULL;
        g_autofree char *text = decode(bytes, NULL, &error);
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(XmlString) content = NULL;

        g_assert_no_error(error);
        doc = xml_parse_untrusted(text, strlen(text), "the file", &error);
        g_assert_no_error(error);
        content = xmlNodeGetContent(xmlDocGetRootElement(doc));
        g_assert_cmpstr((const char *) content, ==, "M\xc3\xbcller");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/xml-decode/empty-is-invalid-file", test_empty_is_invalid_file);
        g_test_add_func("/xml-decode/utf16le-with-bom", test_utf16le_with_bom);
        g_test_add_func("/xml-decode/utf16be-with-bom", test_utf16be_with_bom);
        g_test_add_func("/xml-decode/utf8-bom-dropped", test_utf8_bom_dropped);
        g_test_add_func("/xml-decode/utf32le-with-bom", test_utf32le_with_bom);
        g_test_add_func("/xml-decode/declared-encoding-decoded-and-rewritten",
                        test_declared_encoding_decoded_and_rewritten);
        g_test_add_func("/xml-decode/http-charset-precedence", test_http_charset_precedence);
        g_test_add_func("/xml-decode/undeclared-latin1-names-the-cause",
                        test_undeclared_latin1_names_the_cause);
        g_test_add_func("/xml-decode/every-offset-of-a-bad-or-wide-byte",
                        test_every_offset_of_a_bad_or_wide_byte);
        g_test_add_func("/xml-decode/unknown-charset-named", test_unknown_charset_named);
        g_test_add_func("/xml-decode/decoded-text-parses", test_decoded_text_parses);
        return g_test_run();
}
