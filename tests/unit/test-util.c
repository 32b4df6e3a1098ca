/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the unit tests and the benchmarks; see test-util.h. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "patch.h"
#include "test-util.h"
#include "working-copy.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

xmlDoc *parse_text(const char *text) {
        g_autoptr(GError) error = NULL;
        xmlDoc *doc = xml_parse_untrusted(text, strlen(text), "test document", &error);

        g_assert_no_error(error);
        return doc;
}

char *source_path(const char *relative_path) {
        return g_build_filename(TEST_SOURCE_ROOT, relative_path, NULL);
}

xmlDoc *load_source_file(const char *relative_path) {
        g_autofree char *path = source_path(relative_path);
        g_autofree char *contents = NULL;
        g_autoptr(GError) error = NULL;
        gsize length = 0;
        xmlDoc *doc;

        g_file_get_contents(path, &contents, &length, &error);
        g_assert_no_error(error);
        doc = xml_parse_untrusted(contents, length, path, &error);
        g_assert_no_error(error);
        return doc;
}

char *section_text(xmlDoc *doc, const char *name) {
        xmlNode *section = document_find_section(doc, name);

        return section != NULL ? xml_node_to_string(section) : NULL;
}

SchemaSet *load_schemas(const char *schemas_dir) {
        g_autoptr(GError) error = NULL;
        SchemaSet *schemas = schema_set_load(schemas_dir, &error);

        g_assert_no_error(error);
        return schemas;
}

SchemaSet *load_source_schemas(void) {
        g_autofree char *schemas_dir = source_path("schemas");

        return load_schemas(schemas_dir);
}

MigrationSteps *load_steps_text(const char *text, const char *section_name, GError **error) {
        g_autoptr(GError) local_error = NULL;
        g_autofree char *path = NULL;
        int fd = g_file_open_tmp("test-steps-XXXXXX.xml", &path, &local_error);
        MigrationSteps *steps;

        g_assert_no_error(local_error);
        close(fd);
        g_file_set_contents(path, text, -1, &local_error);
        g_assert_no_error(local_error);
        steps = migration_steps_load(path, section_name, error);
        g_unlink(path);
        return steps;
}

/* The node set @xpath selects in @doc; NULL if the expression fails. */
static xmlXPathObject *select_nodes(xmlDoc *doc, const char *xpath) {
        g_autoptr(xmlXPathContext) context = xmlXPathNewContext(doc);

        return xmlXPathEvalExpression((const xmlChar *) xpath, context);
}

char *leaf_text(xmlDoc *doc, const char *xpath) {
        g_autoptr(xmlXPathObject) found = select_nodes(doc, xpath);
        g_autoptr(XmlString) text = NULL;

        if (found == NULL || found->nodesetval == NULL || found->nodesetval->nodeNr == 0)
                return NULL;
        text = xmlNodeGetContent(found->nodesetval->nodeTab[0]);
        return g_strdup((const char *) text);
}

guint count_nodes(xmlDoc *doc, const char *xpath) {
        g_autoptr(xmlXPathObject) found = select_nodes(doc, xpath);

        return found != NULL && found->nodesetval != NULL ? (guint) found->nodesetval->nodeNr : 0;
}

void assert_leaf(xmlDoc *doc, const char *xpath, const char *expected) {
        g_autofree char *text = leaf_text(doc, xpath);

        g_assert_cmpstr(text, ==, expected);
}

void remove_tree(const char *path) {
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *name;

        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
                g_autofree char *child = g_build_filename(path, name, NULL);
                if (g_file_test(child, G_FILE_TEST_IS_DIR))
                        remove_tree(child);
                else
                        g_unlink(child);
        }
        g_rmdir(path);
}

DhcpLease *dhcp_lease_of(const char *interface, const char *server, const char *file, const char *vendor) {
        DhcpLease *lease = dhcp_lease_new(interface);

        if (server != NULL)
                dhcp_lease_set(lease, DHCP_OPTION_TFTP_SERVER, server);
        if (file != NULL)
                dhcp_lease_set(lease, DHCP_OPTION_BOOTFILE, file);
        if (vendor != NULL)
                dhcp_lease_set(lease, DHCP_OPTION_VENDOR, vendor);
        return lease;
}
