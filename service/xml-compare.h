/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Comparing two element trees without serializing them. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/**
 * xml_tree_equal:
 * Whether @a and @b (elements, possibly of different documents) would
 * serialize to the same text: the same node types, names, namespaces,
 * attributes in the same order with the same values, the same text, comments
 * and processing instructions, in the same order. Stops at the first
 * difference, so a changed tree costs less than an unchanged one. Neither is
 * modified.
 */
gboolean xml_tree_equal(const xmlNode *a, const xmlNode *b);
