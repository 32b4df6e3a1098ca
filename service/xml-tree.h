/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Element trees: comparing them without serializing them, moving them between documents. */
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

/**
 * xml_tree_take:
 * Unlinks @node from its tree and document and makes it a node of
 * @target's document (names and strings the source document's dictionary
 * owns are copied), ready to be linked there. Cheaper than a copy: nothing
 * is allocated but what the target's dictionary does not hold yet. The
 * source document must outlive nothing of @node; it may be freed afterwards.
 */
xmlNode *xml_tree_take(xmlNode *node, const xmlNode *target);
