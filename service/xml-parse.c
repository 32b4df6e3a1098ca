/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xml-parse.h"

#include <libxml/parser.h>
#include <string.h>

#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-limits.h"

/* No NOENT (entities stay unexpanded), no DTDLOAD/DTDATTR/DTDVALID, no XINCLUDE,
 * no HUGE (keeps libxml2's own text and depth limits). */
#define UNTRUSTED_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static gboolean check_depth(const xmlNode *node, unsigned depth) {
        if (depth > XML_MAX_DEPTH)
                return FALSE;
        for (const xmlNode *child = node->children; child != NULL; child = child->next)
                if (child->type == XML_ELEMENT_NODE && !check_depth(child, depth + 1))
                        return FALSE;
        return TRUE;
}

/* Entities are the road to billion-laughs and XXE, and provisioning files never
 * need a DTD: parsing stops at the DOCTYPE, before any entity is declared. */
static void refuse_doctype(void *user_data, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id) {
        xmlParserCtxt *parser = user_data;

        parser->_private = GINT_TO_POINTER(TRUE);
        xmlStopParser(parser);
}

static char *last_parser_message(xmlParserCtxt *parser) {
        const xmlError *parse_error = xmlCtxtGetLastError(parser);
        g_autofree char *message = NULL;

        if (parse_error == NULL || parse_error->message == NULL)
                return g_strdup("not well-formed");
        message = g_strchomp(g_strdup(parse_error->message));
        return g_strdup_printf("line %d: %s", parse_error->line, message);
}

xmlDoc *xml_parse_untrusted(const char *data, gsize size, const char *what, GError **error) {
        xmlParserCtxt *parser;
        g_autoptr(xmlDoc) doc = NULL;
        const char *nul;

        if (size > G_MAXINT) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s is too large", what);
                return NULL;
        }
        if (!xml_limits_check_attributes(data, size, what, error))
                return NULL;

        /* libxml2 stops at a NUL as if the input ended there: what follows would
         * never be seen, so the document would not be the one that was sent. */
        nul = size > 0 ? memchr(data, '\0', size) : NULL; /* @data may be NULL when empty */
        if (nul != NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "%s contains a NUL byte at offset %" G_GSIZE_FORMAT ", which XML does not allow", what,
                            (gsize)(nul - data));
                return NULL;
        }

        parser = xmlNewParserCtxt();
        if (parser == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s: out of memory", what);
                return NULL;
        }
        parser->sax->internalSubset = refuse_doctype;
        doc = xmlCtxtReadMemory(parser, data, (int)size, NULL, NULL, UNTRUSTED_PARSE_OPTIONS);
        if (parser->_private != NULL) {
                xmlFreeParserCtxt(parser);
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s declares a DTD, which is not allowed",
                            what);
                return NULL;
        }
        if (doc == NULL) {
                g_autofree char *reason = last_parser_message(parser);
                xmlFreeParserCtxt(parser);
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s is not well-formed XML: %s", what,
                            reason);
                return NULL;
        }
        xmlFreeParserCtxt(parser);

        /* Belt and braces: a DTD that slipped past the SAX hook is refused as well. */
        if (doc->intSubset != NULL || doc->extSubset != NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s declares a DTD, which is not allowed",
                            what);
                return NULL;
        }
        if (xmlDocGetRootElement(doc) == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s has no root element", what);
                return NULL;
        }
        if (!check_depth(xmlDocGetRootElement(doc), 1)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "%s is nested deeper than %d levels",
                            what, XML_MAX_DEPTH);
                return NULL;
        }
        return g_steal_pointer(&doc);
}

xmlNode *xml_first_element_child(const xmlNode *node) {
        for (xmlNode *child = node->children; child != NULL; child = child->next)
                if (child->type == XML_ELEMENT_NODE)
                        return child;
        return NULL;
}

xmlNode *xml_next_element(const xmlNode *node) {
        for (xmlNode *sibling = node->next; sibling != NULL; sibling = sibling->next)
                if (sibling->type == XML_ELEMENT_NODE)
                        return sibling;
        return NULL;
}

xmlNode *xml_find_child(const xmlNode *parent, const char *name) {
        for (xmlNode *child = parent != NULL ? xml_first_element_child(parent) : NULL; child != NULL;
             child = xml_next_element(child))
                if (g_str_equal(xml_node_name(child), name))
                        return child;
        return NULL;
}

char *xml_child_text(const xmlNode *parent, const char *name) {
        xmlNode *child = xml_find_child(parent, name);
        g_autoptr(XmlString) content = child != NULL ? xmlNodeGetContent(child) : NULL;

        if (child == NULL)
                return NULL;
        return g_strstrip(g_strdup(content != NULL ? (const char *) content : ""));
}

gboolean xml_boolean_is_true(const char *text) {
        return g_strcmp0(text, "true") == 0 || g_strcmp0(text, "1") == 0;
}

gboolean xml_has_element_children(const xmlNode *node) {
        return xml_first_element_child(node) != NULL;
}

xmlNode *xml_copy_for(const xmlNode *node, const xmlNode *target) {
        return xmlDocCopyNode((xmlNode *)node, target->doc, 1);
}

gboolean xml_is_within(const xmlNode *node, const xmlNode *ancestor) {
        for (; node != NULL; node = node->parent)
                if (node == ancestor)
                        return TRUE;
        return FALSE;
}

char *xml_node_to_string(xmlNode *node) {
        g_autoptr(xmlBuffer) buffer = xmlBufferCreate();

        xmlNodeDump(buffer, node->doc, node, 0, 1);
        return g_strndup((const char *)xmlBufferContent(buffer), xmlBufferLength(buffer));
}

char *xml_doc_to_string(xmlDoc *doc, gsize *length) {
        xmlChar *memory = NULL;
        int size = 0;
        char *result;

        xmlDocDumpFormatMemoryEnc(doc, &memory, &size, "UTF-8", 1);
        result = g_strndup((const char *)memory, size);
        xmlFree(memory);
        if (length != NULL)
                *length = size;
        return result;
}
