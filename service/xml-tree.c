/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xml-tree.h"

static gboolean node_list_equal(const xmlNode *a, const xmlNode *b);

static gboolean ns_equal(const xmlNs *a, const xmlNs *b) {
        if (a == NULL || b == NULL)
                return a == b;
        return xmlStrEqual(a->prefix, b->prefix) && xmlStrEqual(a->href, b->href);
}

static gboolean ns_definitions_equal(const xmlNs *a, const xmlNs *b) {
        for (; a != NULL && b != NULL; a = a->next, b = b->next)
                if (!ns_equal(a, b))
                        return FALSE;
        return a == NULL && b == NULL;
}

static gboolean attributes_equal(const xmlAttr *a, const xmlAttr *b) {
        for (; a != NULL && b != NULL; a = a->next, b = b->next)
                if (!xmlStrEqual(a->name, b->name) || !ns_equal(a->ns, b->ns) ||
                    !node_list_equal(a->children, b->children))
                        return FALSE;
        return a == NULL && b == NULL;
}

static gboolean node_equal(const xmlNode *a, const xmlNode *b) {
        if (a->type != b->type || !xmlStrEqual(a->name, b->name))
                return FALSE;
        switch (a->type) {
        case XML_ELEMENT_NODE:
                return ns_equal(a->ns, b->ns) && ns_definitions_equal(a->nsDef, b->nsDef) &&
                        attributes_equal(a->properties, b->properties) &&
                        node_list_equal(a->children, b->children);
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
                return xmlStrEqual(a->content, b->content);
        default:
                /* Entity references and the like do not occur in parsed settings; compare by name only. */
                return TRUE;
        }
}

static gboolean node_list_equal(const xmlNode *a, const xmlNode *b) {
        for (; a != NULL && b != NULL; a = a->next, b = b->next)
                if (!node_equal(a, b))
                        return FALSE;
        return a == NULL && b == NULL;
}

gboolean xml_tree_equal(const xmlNode *a, const xmlNode *b) {
        return node_equal(a, b);
}

xmlNode *xml_tree_take(xmlNode *node, const xmlNode *target) {
        xmlUnlinkNode(node);
        if (node->doc != target->doc && xmlDOMWrapAdoptNode(NULL, node->doc, node, target->doc, NULL, 0) != 0) {
                /* Not expected for settings (no namespaces to reconcile); a copy is always right. */
                xmlNode *copy = xmlDocCopyNode(node, target->doc, 1);
                xmlFreeNode(node);
                return copy;
        }
        return node;
}
