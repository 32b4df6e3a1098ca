/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "working-copy.h"

#include "merge.h"
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
        CommitInfo *info; /* NULL: none given */
};

/* The first of the prepared patch @sections (PatchSection) named @name, or NULL. */
static const PatchSection *find_patch_section(GArray *sections, const xmlChar *name) {
        for (guint i = 0; sections != NULL && i < sections->len; i++) {
                const PatchSection *section = &g_array_index(sections, PatchSection, i);
                if (xmlStrEqual(section->section->name, name))
                        return section;
        }
        return NULL;
}

/* A stored section for a working copy that @sections are applied to first: what they
 * replace anyway is not copied (a replaced section, keyed elements a merge replaces). */
static xmlNode *copy_section(const xmlNode *stored, GArray *sections, xmlDoc *doc) {
        const PatchSection *patch = stored->type == XML_ELEMENT_NODE ?
                find_patch_section(sections, stored->name) :
                NULL;

        if (patch == NULL)
                return xmlDocCopyNode((xmlNode *) stored, doc, 1);
        if (patch->replace)
                return xmlDocCopyNode((xmlNode *) stored, doc, 2);
        return merge_copy_for(stored, patch->section, doc);
}

/* A copy of the committed settings, made when the first document is applied (xmlCopyDoc()
 * without its cost). It shares the first document's dictionary (@first, not the store's: it
 * is filled in a worker thread), so that names are interned once instead of duplicated per
 * node, and moving that document's nodes in (xml_tree_take()) finds every name already
 * there. @sections: the first document's, if it is a patch. */
static xmlDoc *copy_settings(const Store *store, GArray *sections, const xmlDoc *first) {
        const xmlDoc *stored = store_get_document(store);
        xmlDoc *doc = xmlNewDoc(stored->version != NULL ? stored->version : (const xmlChar *) "1.0");

        if (first->dict != NULL)
                xmlDictReference(first->dict);
        doc->dict = first->dict != NULL ? first->dict : xmlDictCreate();
        doc->standalone = stored->standalone;
        for (xmlNode *child = stored->children; child != NULL; child = child->next) {
                xmlNode *copy;
                if (child->type != XML_ELEMENT_NODE) {
                        xmlAddChild((xmlNode *) doc, xmlDocCopyNode(child, doc, 1));
                        continue;
                }
                copy = xmlAddChild((xmlNode *) doc, xmlDocCopyNode(child, doc, 2));
                for (const xmlNode *section = child->children; section != NULL; section = section->next)
                        xmlAddChild(copy, copy_section(section, sections, doc));
        }
        return doc;
}

static void ensure_copied(WorkingCopy *copy, GArray *sections, const xmlDoc *first) {
        if (copy->doc == NULL)
                copy->doc = copy_settings(copy->store, sections, first);
}

WorkingCopy *working_copy_new(Store *store, const SchemaSet *schemas) {
        WorkingCopy *copy = g_new0(WorkingCopy, 1);

        copy->store = store;
        copy->schemas = schemas;
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

void working_copy_conclude(WorkingCopy *copy, gboolean applied, ApplyQueue *queue, ApplyOutcome *outcome) {
        if (applied) {
                g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = apply_queue_lock_store(queue);
                outcome->changes = working_copy_commit(copy, &outcome->error);
        }
        outcome->result = g_steal_pointer(&copy->result);
}

static gboolean apply_patch(WorkingCopy *copy, Document *document, GError **error) {
        g_autoptr(GArray) sections = patch_prepare(document->doc, copy->schemas, copy->result, error);

        if (sections == NULL)
                return FALSE;
        ensure_copied(copy, sections, document->doc);
        patch_apply_prepared(copy->doc, sections, copy->schemas, copy->result);
        return TRUE;
}

gboolean working_copy_apply(WorkingCopy *copy, Document *document, GError **error) {
        switch (document->type) {
        case DOCUMENT_PATCH:
                return apply_patch(copy, document, error);
        case DOCUMENT_OPERATIONS:
                ensure_copied(copy, NULL, document->doc);
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
        if (copy->doc == NULL)
                return TRUE; /* nothing applied, nothing touched */
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
        g_autoptr(GPtrArray) changes = NULL;

        if (copy->doc == NULL)
                return g_ptr_array_new_with_free_func((GDestroyNotify) section_change_free);
        changes = working_copy_changed_sections(store_get_document(copy->store), copy->doc, copy->result);

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
