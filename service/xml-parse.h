/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing untrusted XML safely, and the small tree helpers every stage uses. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/* Deeper documents are refused; settings are a handful of levels deep. */
#define XML_MAX_DEPTH 64

/**
 * xml_parse_untrusted:
 * Parses @size bytes at @data as a provisioning document: no DTD (internal or
 * external), no entities, no network, at most XML_MAX_DEPTH levels, blank
 * text nodes dropped. All @size bytes count: a NUL byte anywhere is refused
 * (XML 1.0 § 2.2 excludes U+0000; libxml2 would stop reading at it). @what names the document in error messages.
 * Returns a new document, or NULL with PROV_ERROR_INVALID_FILE.
 */
xmlDoc *xml_parse_untrusted(const char *data, gsize size, const char *what, GError **error);

/** xml_first_element_child: the first element child of @node, or NULL. */
xmlNode *xml_first_element_child(const xmlNode *node);

/** xml_next_element: the next element sibling of @node, or NULL. */
xmlNode *xml_next_element(const xmlNode *node);

/** xml_find_child: the first element child of @parent named @name, or NULL (also for a NULL @parent). */
xmlNode *xml_find_child(const xmlNode *parent, const char *name);

/**
 * xml_child_text:
 * The text of xml_find_child(@parent, @name) with the whitespace around it removed (the
 * whitespace facet "collapse" of xs:boolean, xs:token and the numbers, XML Schema Part 2
 * §4.3.6). NULL without such a child. Free with g_free().
 */
char *xml_child_text(const xmlNode *parent, const char *name);

/** xml_boolean_is_true: whether @text is xs:boolean's true, "true" or "1" (XML Schema Part 2 §3.2.2); FALSE for NULL. */
gboolean xml_boolean_is_true(const char *text);

/** xml_has_element_children: whether @node has at least one element child. */
gboolean xml_has_element_children(const xmlNode *node);

/** xml_node_name: @node's name as a C string. */
static inline const char *xml_node_name(const xmlNode *node) {
        return (const char *)node->name;
}

/** xml_copy_for: a deep copy of @node that belongs to @target's document, ready to link below @target. */
xmlNode *xml_copy_for(const xmlNode *node, const xmlNode *target);

/** xml_is_within: whether @node is @ancestor or lies below it. */
gboolean xml_is_within(const xmlNode *node, const xmlNode *ancestor);

/** xml_node_to_string: @node serialized (indented), newly allocated. */
char *xml_node_to_string(xmlNode *node);

/** xml_doc_to_string: @doc serialized with declaration and indentation, newly allocated. */
char *xml_doc_to_string(xmlDoc *doc, gsize *length);
