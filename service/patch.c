/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "patch.h"

#include "document.h"
#include "merge.h"
#include "migrate.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

void section_change_free(SectionChange *change) {
        if (change == NULL)
                return;
        g_free(change->section);
        g_free(change->version);
        g_free(change->how);
        g_free(change);
}

ApplyResult *apply_result_new(void) {
        ApplyResult *result = g_new0(ApplyResult, 1);

        result->touched = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        result->warnings = g_ptr_array_new_with_free_func(g_free);
        result->discarded = g_ptr_array_new_with_free_func(g_free);
        return result;
}

void apply_result_free(ApplyResult *result) {
        if (result == NULL)
                return;
        g_hash_table_unref(result->touched);
        g_ptr_array_unref(result->warnings);
        g_ptr_array_unref(result->discarded);
        g_free(result);
}

xmlNode *apply_find_section(xmlDoc *doc, const char *name) {
        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(doc)); section != NULL;
             section = xml_next_element(section))
                if (g_str_equal(xml_node_name(section), name))
                        return section;
        return NULL;
}

static void apply_one_section(xmlDoc *working, const PatchSection *patch, const char *version, ApplyResult *result) {
        const char *name = xml_node_name(patch->section);
        xmlNode *existing = apply_find_section(working, name);

        if (existing != NULL && !patch->replace) {
                merge_section(existing, patch->section);
                g_hash_table_insert(result->touched, g_strdup(name), HOW_MERGE);
        } else {
                xmlNode *copy = xmlDocCopyNode(patch->section, working, 1);
                if (existing != NULL) {
                        xmlReplaceNode(existing, copy);
                        xmlFreeNode(existing);
                } else {
                        xmlAddChild(xmlDocGetRootElement(working), copy);
                }
                existing = copy;
                g_hash_table_insert(result->touched, g_strdup(name), HOW_REPLACE);
        }
        /* The stored section is at the current schema version by now. */
        xmlSetProp(existing, (const xmlChar *)SECTION_VERSION_ATTRIBUTE, (const xmlChar *)version);
}

gboolean patch_apply(xmlDoc *working, xmlDoc *patch, const SchemaSet *schemas, ApplyResult *result,
                              GError **error) {
        g_autoptr(GArray) sections = document_patch_sections(patch, schemas, result->warnings, error);

        if (sections == NULL)
                return FALSE;
        /* All sections first: a version this firmware cannot migrate refuses the whole document. */
        for (guint i = 0; i < sections->len; i++) {
                const PatchSection *section = &g_array_index(sections, PatchSection, i);
                if (!migrate_section(schemas, section->section, section->replace ? MIGRATION_WHOLE : MIGRATION_PARTIAL,
                                     error))
                        return FALSE;
        }
        for (guint i = 0; i < sections->len; i++) {
                const PatchSection *section = &g_array_index(sections, PatchSection, i);
                const char *version = schema_set_section_version(schemas, xml_node_name(section->section));

                schema_set_strip_unknown(schemas, section->section, result->warnings);
                apply_one_section(working, section, version, result);
        }
        return TRUE;
}

gboolean apply_validate_touched(xmlDoc *working, const SchemaSet *schemas, const ApplyResult *result,
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
        xmlNode *old_section = apply_find_section(before, xml_node_name(section));
        g_autofree char *old_text = NULL;
        g_autofree char *new_text = NULL;

        if (old_section == NULL)
                return TRUE;
        old_text = xml_node_to_string(old_section);
        new_text = xml_node_to_string(section);
        return !g_str_equal(old_text, new_text);
}

GPtrArray *apply_changed_sections(xmlDoc *before, xmlDoc *working, const ApplyResult *result) {
        GPtrArray *changes = g_ptr_array_new_with_free_func((GDestroyNotify)section_change_free);

        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(working)); section != NULL;
             section = xml_next_element(section)) {
                const char *how = g_hash_table_lookup(result->touched, section->name);
                g_autoptr(XmlString) version = NULL;
                SectionChange *change;

                if (how == NULL || !section_differs(before, section))
                        continue;
                version = xmlGetProp(section, (const xmlChar *)SECTION_VERSION_ATTRIBUTE);
                change = g_new0(SectionChange, 1);
                change->section = g_strdup(xml_node_name(section));
                change->version = g_strdup(version != NULL ? (const char *)version : "");
                change->how = g_strdup(how);
                g_ptr_array_add(changes, change);
        }
        return changes;
}
