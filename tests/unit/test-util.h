/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the unit tests and the benchmarks: documents from text and
 * from the source tree, the real schemas, XPath lookups in a document,
 * temporary files and trees. Each helper fails the test (g_assert) when its
 * own setup goes wrong, so that a test's assertions are about the rule it tests.
 * Source-tree paths are relative to TEST_SOURCE_ROOT, which meson sets.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "dhcp-options.h"
#include "migration-steps.h"
#include "schema.h"
#include "xml-cleanup.h" /* callers hold the documents in g_autoptr(xmlDoc) */

/* ---- documents ---- */

/** parse_text: parses @text as an untrusted document; asserts that it is well-formed. */
xmlDoc *parse_text(const char *text);

/** source_path: the absolute path of @relative_path in the source tree (newly allocated). */
char *source_path(const char *relative_path);

/** load_source_file: reads and parses a document of the source tree, e.g. "data/defaults.xml". */
xmlDoc *load_source_file(const char *relative_path);

/** section_text: the serialization of the section @name of @doc, or NULL if there is none. */
char *section_text(xmlDoc *doc, const char *name);

/* ---- schemas and migration steps ---- */

/** load_schemas: the schema set in @schemas_dir; asserts that it loads. */
SchemaSet *load_schemas(const char *schemas_dir);

/** load_source_schemas: the schema set of the source tree's schemas/. */
SchemaSet *load_source_schemas(void);

/**
 * load_steps_text:
 * Writes @text to a temporary step file and loads it for the section
 * @section_name; the loader's error is returned in @error, so that tests can
 * check refused step files.
 */
MigrationSteps *load_steps_text(const char *text, const char *section_name, GError **error);

/* ---- XPath lookups ---- */

/** leaf_text: the text content of the first node @xpath selects in @doc, or NULL if it selects none. */
char *leaf_text(xmlDoc *doc, const char *xpath);

/** count_nodes: how many nodes @xpath selects in @doc. */
guint count_nodes(xmlDoc *doc, const char *xpath);

/** assert_leaf: asserts that the first node @xpath selects has the text @expected (NULL: no node). */
void assert_leaf(xmlDoc *doc, const char *xpath, const char *expected);

/* ---- temporary files ---- */

/** remove_tree: removes the directory @path with everything below it, e.g. a test's g_dir_make_tmp(). */
void remove_tree(const char *path);

/* ---- DHCP leases ---- */

/**
 * dhcp_lease_of: a new lease of @interface carrying options 66 (@server), 67 (@file) and 43
 * (@vendor, hex text), each left out when NULL. Free with dhcp_lease_free().
 */
DhcpLease *dhcp_lease_of(const char *interface, const char *server, const char *file, const char *vendor);
