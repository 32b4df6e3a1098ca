/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the version and migration tests: schema directories
 * assembled from the real schemas plus a fixture overlay, and comparing
 * sections. The general ones (documents, schemas, remove_tree) are in test-util.h.
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

#include "patch.h"
#include "test-util.h"
#include "working-copy.h"
#include "xml-parse.h"

/* Copies the files below @source into @target (created), overwriting; appends
 * instead for files named @append_name, so a fixture can add groups to a key file. */
static inline void copy_tree(const char *source, const char *target, const char *append_name) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) dir = g_dir_open(source, 0, &error);
        const char *name;

        g_assert_no_error(error);
        g_assert_cmpint(g_mkdir_with_parents(target, 0700), ==, 0);
        while ((name = g_dir_read_name(dir)) != NULL) {
                g_autofree char *from = g_build_filename(source, name, NULL);
                g_autofree char *to = g_build_filename(target, name, NULL);
                g_autofree char *contents = NULL;
                g_autofree char *existing = NULL;

                if (g_file_test(from, G_FILE_TEST_IS_DIR)) {
                        copy_tree(from, to, append_name);
                        continue;
                }
                g_file_get_contents(from, &contents, NULL, &error);
                g_assert_no_error(error);
                if (g_strcmp0(name, append_name) == 0 && g_file_get_contents(to, &existing, NULL, NULL)) {
                        g_autofree char *joined = g_strconcat(existing, "\n", contents, NULL);
                        g_file_set_contents(to, joined, -1, &error);
                } else {
                        g_file_set_contents(to, contents, -1, &error);
                }
                g_assert_no_error(error);
        }
}

/* A temporary schemas directory: the real schemas/ with the source-tree
 * directory @overlay (relative to the source root) laid over it, the way an
 * engineer adds a release: new files are added, releases.conf gets the
 * overlay's releases.conf appended (a later [Releases] Current wins). */
static inline char *make_schemas_dir(const char *overlay) {
        g_autoptr(GError) error = NULL;
        g_autofree char *real = source_path("schemas");
        g_autofree char *overlay_path = source_path(overlay);
        char *directory = g_dir_make_tmp("test-schemas-XXXXXX", &error);

        g_assert_no_error(error);
        copy_tree(real, directory, NULL);
        copy_tree(overlay_path, directory, "releases.conf");
        return directory;
}

/* Asserts that every section of @expected is in @actual with the same serialization. */
static inline void assert_sections_equal(xmlDoc *expected, xmlDoc *actual) {
        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(expected)); section != NULL;
             section = xml_next_element(section)) {
                g_autofree char *expected_text = xml_node_to_string(section);
                g_autofree char *actual_text = section_text(actual, xml_node_name(section));
                g_assert_cmpstr(actual_text, ==, expected_text);
        }
}
