/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "patch.h"

#include "document.h"
#include "merge.h"
#include "migrate.h"
#include "xml-cleanup.h"
#include "xml-parse.h"
#include "xml-tree.h"

/* The patch's nodes are moved, not copied: the patch document is dropped after the apply. */
static void apply_one_section(xmlDoc *working, const PatchSection *patch, const char *version,
                              ApplyResult *result) {
        g_autofree char *name = g_strdup(xml_node_name(patch->section));
        xmlNode *existing = document_find_section(working, name);

        if (existing != NULL && !patch->replace) {
                merge_section_take(existing, patch->section);
                g_hash_table_insert(result->touched, g_strdup(name), HOW_MERGE);
        } else {
                xmlNode *copy = xml_tree_take(patch->section, xmlDocGetRootElement(working));
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
        xmlSetProp(existing, (const xmlChar *) SECTION_VERSION_ATTRIBUTE, (const xmlChar *) version);
}

GArray *patch_prepare(xmlDoc *patch, const SchemaSet *schemas, ApplyResult *result, GError **error) {
        g_autoptr(GArray) sections = document_patch_sections(patch, schemas, result->warnings, error);

        if (sections == NULL)
                return NULL;
        /* All sections first: a version this firmware cannot migrate refuses the whole document. */
        for (guint i = 0; i < sections->len; i++) {
                const PatchSection *section = &g_array_index(sections, PatchSection, i);
                if (!migrate_section(schemas, section->section,
                                     section->replace ? MIGRATION_WHOLE : MIGRATION_PARTIAL, error))
                        return NULL;
        }
        for (guint i = 0; i < sections->len; i++)
                schema_set_strip_unknown(schemas, g_array_index(sections, PatchSection, i).section,
                                         result->warnings);
        return g_steal_pointer(&sections);
}

void patch_apply_prepared(xmlDoc *working, GArray *sections, const SchemaSet *schemas, ApplyResult *result) {
        for (guint i = 0; i < sections->len; i++) {
                const PatchSection *section = &g_array_index(sections, PatchSection, i);
                const char *version = schema_set_section_version(schemas, xml_node_name(section->section));

                apply_one_section(working, section, version, result);
        }
}

gboolean patch_apply(xmlDoc *working, xmlDoc *patch, const SchemaSet *schemas, ApplyResult *result,
                     GError **error) {
        g_autoptr(GArray) sections = patch_prepare(patch, schemas, result, error);

        if (sections == NULL)
                return FALSE;
        patch_apply_prepared(working, sections, schemas, result);
        return TRUE;
}
