/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "document.h"

#include "markers.h"
#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-decode.h"
#include "xml-parse.h"

#define CONFIGURATION_ROOT "configuration"

static const struct {
        const char *root;
        DocumentType type;
} document_roots[] = {
        { CONFIGURATION_ROOT, DOCUMENT_PATCH },
        { "referencedSettings", DOCUMENT_REFERENCE },
        { "operations", DOCUMENT_OPERATIONS },
};

xmlNode *document_find_section(xmlDoc *doc, const char *name) {
        return xml_find_child(xmlDocGetRootElement(doc), name);
}

const char *document_type_name(DocumentType type) {
        static const char *const names[] = {
                [DOCUMENT_PATCH] = "patch",
                [DOCUMENT_REFERENCE] = "reference",
                [DOCUMENT_OPERATIONS] = "operations",
        };
        return names[type];
}

gboolean document_classify(xmlDoc *doc, const SchemaSet *schemas, DocumentType *type, GError **error) {
        const xmlNode *root = xmlDocGetRootElement(doc);

        for (gsize i = 0; i < G_N_ELEMENTS(document_roots); i++) {
                if (g_str_equal(xml_node_name(root), document_roots[i].root)) {
                        *type = document_roots[i].type;
                        return TRUE;
                }
        }
        if (schema_set_section_version(schemas, xml_node_name(root)) != NULL) {
                *type = DOCUMENT_PATCH; /* a bare section, as used for import */
                return TRUE;
        }
        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                    "root element <%s> is not a provisioning document (expected <configuration>, a settings "
                    "section, <referencedSettings> or <operations>)",
                    xml_node_name(root));
        return FALSE;
}

Document *document_new(char *origin, DocumentType type, xmlDoc *doc) {
        Document *document = g_new0(Document, 1);

        document->origin = origin;
        document->type = type;
        document->doc = doc;
        return document;
}

void document_free(Document *document) {
        if (document == NULL)
                return;
        g_free(document->origin);
        xmlFreeDoc(document->doc);
        g_free(document);
}

/* A parse error caused by an unescaped marker names the marker and its element, not libxml2's symptom. */
static void explain_parse_error(const char *text, gsize length, const char *what, GError *error) {
        g_autofree char *marker = markers_describe_unescaped(text, length);
        g_autofree char *message = NULL;

        if (marker == NULL || !g_error_matches(error, PROV_ERROR, PROV_ERROR_INVALID_FILE))
                return;
        message = g_strdup_printf("%s is not well-formed XML: %s", what, marker);
        g_free(error->message);
        error->message = g_steal_pointer(&message);
}

xmlDoc *document_parse_with_charset(const char *data, gsize size, const char *charset, const char *what,
                                    const SchemaSet *schemas, DocumentType *type, GError **error) {
        gsize text_length = 0;
        g_autofree char *text = xml_decode_to_utf8(data, size, charset, what, &text_length, error);
        gsize escaped_length = 0;
        g_autofree char *escaped = NULL;
        g_autoptr(GError) parse_error = NULL;
        g_autoptr(xmlDoc) doc = NULL;

        if (text == NULL)
                return NULL;
        escaped = markers_escape_in_url_elements(text, text_length, &escaped_length);
        g_clear_pointer(&text, g_free);
        doc = xml_parse_untrusted(escaped, escaped_length, what, &parse_error);
        if (doc == NULL) {
                explain_parse_error(escaped, escaped_length, what, parse_error);
                g_propagate_error(error, g_steal_pointer(&parse_error));
                return NULL;
        }
        if (!document_classify(doc, schemas, type, error))
                return NULL;
        return g_steal_pointer(&doc);
}

xmlDoc *document_parse(const char *data, gsize size, const char *what, const SchemaSet *schemas,
                       DocumentType *type, GError **error) {
        return document_parse_with_charset(data, size, NULL, what, schemas, type, error);
}

/* Reads the boolean attribute @name of @node into @value, keeping @value when absent. */
static gboolean read_boolean_attribute(xmlNode *node, const char *name, gboolean *value, GError **error) {
        g_autoptr(XmlString) text = xmlGetProp(node, (const xmlChar *) name);

        if (text == NULL)
                return TRUE;
        if (xmlStrEqual(text, (const xmlChar *) "true") || xmlStrEqual(text, (const xmlChar *) "1")) {
                *value = TRUE;
        } else if (xmlStrEqual(text, (const xmlChar *) "false") || xmlStrEqual(text, (const xmlChar *) "0")) {
                *value = FALSE;
        } else {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "<%s %s=\"%s\">: expected true or false", xml_node_name(node), name,
                            (const char *) text);
                return FALSE;
        }
        return TRUE;
}

static gboolean add_patch_section(GArray *sections, xmlNode *section, gboolean merge_default, GError **error) {
        gboolean merge = merge_default;
        PatchSection entry;

        if (!read_boolean_attribute(section, "patch", &merge, error))
                return FALSE;
        xmlUnsetProp(section, (const xmlChar *) "patch");
        entry = (PatchSection){ .section = section, .replace = !merge };
        g_array_append_val(sections, entry);
        return TRUE;
}

GArray *document_patch_sections(xmlDoc *doc, const SchemaSet *schemas, GPtrArray *warnings, GError **error) {
        g_autoptr(GArray) sections = g_array_new(FALSE, FALSE, sizeof(PatchSection));
        xmlNode *root = xmlDocGetRootElement(doc);
        gboolean merge_default = TRUE;
        xmlNode *child;

        if (!g_str_equal(xml_node_name(root), CONFIGURATION_ROOT))
                return add_patch_section(sections, root, TRUE, error) ? g_steal_pointer(&sections) : NULL;

        if (!read_boolean_attribute(root, "patchDefault", &merge_default, error))
                return NULL;

        child = xml_first_element_child(root);
        while (child != NULL) {
                xmlNode *next = xml_next_element(child);
                if (schema_set_section_version(schemas, xml_node_name(child)) == NULL) {
                        g_ptr_array_add(warnings,
                                        g_strdup_printf("stripped unknown section /%s", xml_node_name(child)));
                        xmlUnlinkNode(child);
                        xmlFreeNode(child);
                } else if (!add_patch_section(sections, child, merge_default, error)) {
                        return NULL;
                }
                child = next;
        }
        return g_steal_pointer(&sections);
}
