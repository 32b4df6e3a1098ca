/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Untrusted XML: entity bombs, external entities, DTDs, depth, malformed input are refused. */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <sys/stat.h>

#include "provision.h"
#include "test-util.h"
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

/* Listens on 127.0.0.1 but never accepts nor answers: a parser that fetched
 * from it would wait for an answer (until meson's timeout fails the test) or,
 * had it given up, leave its connection in the backlog, where
 * assert_no_connection finds it. Its port goes to @port. */
static GSocket *listen_on_loopback(guint16 *port) {
        g_autoptr(GSocket) listener = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                   G_SOCKET_PROTOCOL_TCP, NULL);
        g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
        g_autoptr(GSocketAddress) bound = NULL;

        g_assert_nonnull(listener);
        g_assert_true(g_socket_bind(listener, address, FALSE, NULL));
        g_assert_true(g_socket_listen(listener, NULL));
        bound = g_socket_get_local_address(listener, NULL);
        *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
        return g_steal_pointer(&listener);
}

static void assert_no_connection(GSocket *listener) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GSocket) connection = NULL;

        g_socket_set_blocking(listener, FALSE);
        connection = g_socket_accept(listener, NULL, &error);
        g_assert_null(connection);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

static void test_external_entity_over_http_refused_and_never_fetched(void) {
        guint16 port;
        g_autoptr(GSocket) listener = listen_on_loopback(&port);
        g_autofree char *text = g_strdup_printf(
                "<?xml version=\"1.0\"?>\n"
                "<!DOCTYPE t [<!ENTITY xxe SYSTEM \"http://127.0.0.1:%u/xxe.txt\">]><telephony>&xxe;</telephony>",
                port);

        assert_refused(text, "DTD");
        assert_no_connection(listener);
}

static void test_external_dtd_refused_and_never_fetched(void) {
        guint16 port;
        g_autoptr(GSocket) listener = listen_on_loopback(&port);
        g_autofree char *text = g_strdup_printf("<!DOCTYPE t SYSTEM \"http://127.0.0.1:%u/t.dtd\"><telephony/>", port);

        assert_refused(text, "DTD");
        assert_no_connection(listener);
}

/* Opening a FIFO for reading blocks until a writer comes: a parser that opened
 * the entity would hang this test (until meson's timeout fails it), or, had it
 * opened it without blocking, would not be seen here. A non-blocking open for
 * writing fails with ENXIO exactly when nobody has the FIFO open for reading. */
static void test_external_entity_file_refused_and_never_opened(void) {
        g_autofree char *dir = g_dir_make_tmp("test-xml-parse-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(dir, "entity.fifo", NULL);
        g_autofree char *text = NULL;
        int writer;

        g_assert_nonnull(dir);
        g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
        text = g_strdup_printf("<?xml version=\"1.0\"?>\n"
                               "<!DOCTYPE t [<!ENTITY xxe SYSTEM \"file://%s\">]><telephony>&xxe;</telephony>",
                               fifo);

        assert_refused(text, "DTD");
        writer = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        g_assert_cmpint(writer, ==, -1);
        g_assert_cmpint(errno, ==, ENXIO);
        remove_tree(dir);
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

/* The whole length is the document: libxml2 alone would parse up to the NUL and accept. */
static void test_nul_byte_refused(void) {
        static const char text[] = "<configuration><telephony/></configuration>\0<<<&& not xml";
        static const char at_start[] = "\0<configuration/>";
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(text, sizeof(text) - 1, "the document", &error);

        g_assert_null(doc);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
        g_assert_cmpstr(error->message, ==,
                        "the document contains a NUL byte at offset 43, which XML does not allow");
        g_clear_error(&error);
        doc = xml_parse_untrusted(at_start, sizeof(at_start) - 1, "the document", &error);
        g_assert_null(doc);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
        g_assert_nonnull(strstr(error->message, "offset 0"));
}

/* An empty body comes as NULL data (an empty GBytes): refused, no NULL handed to memchr(). */
static void test_empty_input_refused(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(NULL, 0, "the document", &error);

        g_assert_null(doc);
        g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE);
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
        g_test_add_func("/xml-parse/external-entity-over-http-refused-and-never-fetched",
                        test_external_entity_over_http_refused_and_never_fetched);
        g_test_add_func("/xml-parse/external-entity-file-refused-and-never-opened",
                        test_external_entity_file_refused_and_never_opened);
        g_test_add_func("/xml-parse/external-dtd-refused-and-never-fetched",
                        test_external_dtd_refused_and_never_fetched);
        g_test_add_func("/xml-parse/too-deep-refused", test_too_deep_refused);
        g_test_add_func("/xml-parse/deep-enough-accepted", test_deep_enough_accepted);
        g_test_add_func("/xml-parse/malformed-refused", test_malformed_refused);
        g_test_add_func("/xml-parse/nul-byte-refused", test_nul_byte_refused);
        g_test_add_func("/xml-parse/empty-input-refused", test_empty_input_refused);
        g_test_add_func("/xml-parse/blanks-dropped", test_blanks_dropped);
        return g_test_run();
}
