/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an XSD knows: the tree of element and attribute names a section may
 * contain, read from the schema document itself. Used to strip settings the
 * current schema does not know before validating, in one linear walk.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

typedef struct KnownTree KnownTree;

/**
 * known_tree_load:
 * Reads the XSD at @xsd_path (following xs:include and xs:import with a local
 * schemaLocation) and returns the names known below the global element
 * @root_element, or NULL with an error.
 */
KnownTree *known_tree_load(const char *xsd_path, const char *root_element, GError **error);

void known_tree_free(KnownTree *tree);

/**
 * known_tree_strip:
 * Removes every element and attribute below and on @root (the section
 * element) that the schema does not know, appending one message per removed
 * item to @warnings (e.g. "stripped unknown element /telephony/fooBar").
 * Returns the number removed.
 */
guint known_tree_strip(const KnownTree *tree, xmlNode *root, GPtrArray *warnings);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(KnownTree, known_tree_free)
