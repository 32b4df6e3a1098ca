/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "working-copy.h"

#include "operations.h"
#include "patch.h"
#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

struct WorkingCopy {
        Store *store;             /* borrowed */
        const SchemaSet *schemas; /* borrowed */
        xmlDoc *doc;              /* owned until committed */
        ApplyResult *result;
        CommitInfo *info; /* NULL: none given */
};

WorkingCopy *working_copy_new(Store *store, const SchemaSet *schemas) {
        WorkingCopy *copy = g_new0(WorkingCopy, 1);

        copy->store = store;
        copy->schemas = schemas;
        copy->doc = store_copy_document(store);
        copy->result = apply_result_new();
        return copy;
}

void working_copy_free(WorkingCopy *copy) {
        if (copy == NULL)
                return;
        g_clear_pointer(&copy->doc, xmlFreeDoc);
        g_clear_pointer(&copy->result, apply_result_free);
        g_clear_pointer(&copy->info, commit_info_free);
        g_free(copy);
}

const ApplyResult *working_copy_get_result(const WorkingCopy *copy) {
        return copy->result;
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
        for (guint i = 0; i < documents->len; i++) {
                Document *document = g_ptr_array_index(documents, i);
                if (!working_copy_apply(copy, document, error)) {
                        /* A run applies many files: name the one that failed. */
                        g_prefix_error(error, "%s: ", document->origin);
                        return FALSE;
                }
        }
        return working_copy_validate(copy, error);
}

gboolean working_copy_validate(WorkingCopy *copy, GError **error) {
        return working_copy_validate_touched(copy->doc, copy->schemas, copy->result, error);
}

void working_copy_set_commit_info(WorkingCopy *copy, const CommitInfo *info) {
        g_clear_pointer(&copy->info, commit_info_free);
        copy->info = commit_info_copy(info);
}

/* The changed sections into the commit's info, for its generation. */
static void note_changed_sections(CommitInfo *info, GPtrArray *changes) {
        g_strfreev(info->sections);
        info->sections = g_new0(char *, changes->len + 1);
        for (guint i = 0; i < changes->len; i++)
                info->sections[i] = g_strdup(((SectionChange *) g_ptr_array_index(changes, i))->section);
}

GPtrArray *working_copy_commit(WorkingCopy *copy, GError **error) {
        g_autoptr(GPtrArray) changes = working_copy_changed_sections(store_get_document(copy->store),
                                                                     copy->doc, copy->result);

        if (copy->info != NULL)
                note_changed_sections(copy->info, changes);
        if (changes->len > 0 &&
            !store_commit_with_info(copy->store, g_steal_pointer(&copy->doc), copy->info, error))
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

static gboolean section_differs(xmlDoc *before, xmlNode *section) {
        xmlNode *old_section = document_find_section(before, xml_node_name(section));
        g_autofree char *old_text = NULL;
        g_autofree char *new_text = NULL;

        if (old_section == NULL)
                return TRUE;
        old_text = xml_node_to_string(old_section);
        new_text = xml_node_to_string(section);
        return !g_str_equal(old_text, new_text);
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
