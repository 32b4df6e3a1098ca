/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "working-copy.h"

#include "operations.h"
#include "patch.h"
#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-parse.h"
#include "xml-tree.h"

struct WorkingCopy {
        Store *store;             /* borrowed */
        const SchemaSet *schemas; /* borrowed */
        xmlDoc *doc;              /* owned until committed */
        ApplyResult *result;
};

/* A copy of the committed settings (xmlCopyDoc() without its cost): the copy gets a
 * dictionary of its own, so that names are interned once instead of duplicated per node,
 * in the copy and in what the patches move in. Its own: it is filled in a worker thread. */
static xmlDoc *copy_settings(const Store *store) {
        const xmlDoc *stored = store_get_document(store);
        xmlDoc *doc = xmlNewDoc(stored->version != NULL ? stored->version : (const xmlChar *) "1.0");

        doc->dict = xmlDictCreate();
        doc->standalone = stored->standalone;
        for (xmlNode *child = stored->children; child != NULL; child = child->next)
                xmlAddChild((xmlNode *) doc, xmlDocCopyNode(child, doc, 1));
        return doc;
}

WorkingCopy *working_copy_new(Store *store, const SchemaSet *schemas) {
        WorkingCopy *copy = g_new0(WorkingCopy, 1);

        copy->store = store;
        copy->schemas = schemas;
        copy->doc = copy_settings(store);
        copy->result = apply_result_new();
        return copy;
}

void working_copy_free(WorkingCopy *copy) {
        if (copy == NULL)
                return;
        g_clear_pointer(&copy->doc, xmlFreeDoc);
        g_clear_pointer(&copy->result, apply_result_free);
        g_free(copy);
}

const ApplyResult *working_copy_get_result(const WorkingCopy *copy) {
        return copy->result;
}

ApplyResult *working_copy_steal_result(WorkingCopy *copy) {
        ApplyResult *result = g_steal_pointer(&copy->result);

        copy->result = apply_result_new();
        return result;
}

gboolean working_copy_apply(WorkingCopy *copy, Document *document, GError **error) {
        switch (document->type) {
        case DOCUMENT_PATCH:
                return patch_apply(copy->doc, document->doc, copy->schemas, copy->result, error);
        case DOCUMENT_OPERATIONS:
                return operations_apply(copy->doc, document->doc, copy->schemas, copy->result, error);
        case DOCUMENT_REFERENCE:
                break;
        }
        g_set_error(error, PROV_ERROR, PROV_ERROR_REFERENCE_NOT_ALLOWED,
                    "reference documents (<referencedSettings>) can only be provisioned from a server, "
                    "not applied from a file");
        return FALSE;
}

gboolean working_copy_apply_all(WorkingCopy *copy, GPtrArray *documents, GError **error) {
        for (guint i = 0; i < documents->len; i++)
                if (!working_copy_apply(copy, g_ptr_array_index(documents, i), error))
                        return FALSE;
        return working_copy_validate(copy, error);
}

gboolean working_copy_validate(WorkingCopy *copy, GError **error) {
        return working_copy_validate_touched(copy->doc, copy->schemas, copy->result, error);
}

GPtrArray *working_copy_commit(WorkingCopy *copy, GError **error) {
        g_autoptr(GPtrArray) changes = working_copy_changed_sections(store_get_document(copy->store),
                                                                     copy->doc, copy->result);

        if (changes->len > 0 && !store_commit(copy->store, g_steal_pointer(&copy->doc), error))
                return NULL;
        return g_steal_pointer(&changes);
}

gboolean working_copy_validate_touched(xmlDoc *working, const SchemaSet *schemas, const ApplyResult *result,
                                       GError **error) {
        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(working)); section != NULL;
             section = xml_next_element(section)) {
                if (g_hash_table_contains(result->touched, section->name) &&
                    !schema_set_validate_section(schemas, section, error))
                        return FALSE;
        }
        return TRUE;
}

/* Compared as trees, not as serialized text: equal trees serialize equally, and a
 * difference ends the walk early. */
static gboolean section_differs(xmlDoc *before, xmlNode *section) {
        xmlNode *old_section = document_find_section(before, xml_node_name(section));

        return old_section == NULL || !xml_tree_equal(old_section, section);
}

GPtrArray *working_copy_changed_sections(xmlDoc *before, xmlDoc *working, const ApplyResult *result) {
        GPtrArray *changes = g_ptr_array_new_with_free_func((GDestroyNotify) section_change_free);

        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(working)); section != NULL;
             section = xml_next_element(section)) {
                const char *how = g_hash_table_lookup(result->touched, section->name);
                g_autoptr(XmlString) version = NULL;
                SectionChange *change;

                if (how == NULL || !section_differs(before, section))
                        continue;
                version = xmlGetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE);
                change = g_new0(SectionChange, 1);
                change->section = g_strdup(xml_node_name(section));
                change->version = g_strdup(version != NULL ? (const char *) version : "");
                change->how = g_strdup(how);
                g_ptr_array_add(changes, change);
        }
        return changes;
}
