/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "backup.h"

#include "daemon-config.h"
#include "provision-error.h"
#include "secrets.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

static gboolean check_section_names(const SchemaSet *schemas, const char *const *sections, GError **error) {
        for (gsize i = 0; sections != NULL && sections[i] != NULL; i++) {
                if (schema_set_section_version(schemas, sections[i]) == NULL) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS, "unknown section '%s'",
                                    sections[i]);
                        return FALSE;
                }
        }
        return TRUE;
}

/* Settings stored before MaxSettingsSize existed may be larger: the reply must still fit the bus. */
static char *backup_to_string(xmlDoc *backup, GError **error) {
        gsize length = 0;
        g_autofree char *xml = xml_doc_to_string(backup, &length);

        if (length <= CONFIG_MAX_SETTINGS_SIZE_CEILING)
                return g_steal_pointer(&xml);
        g_set_error(error, PROV_ERROR, PROV_ERROR_SETTINGS_TOO_LARGE,
                    "the backup would be %" G_GSIZE_FORMAT " bytes, more than a bus message may safely carry (%u)",
                    length, CONFIG_MAX_SETTINGS_SIZE_CEILING);
        return NULL;
}

char *backup_generate(const Store *store, const SchemaSet *schemas, const char *const *sections,
                      gboolean include_secrets, GError **error) {
        gboolean all = sections == NULL || sections[0] == NULL;
        g_autoptr(xmlDoc) backup = NULL;
        xmlNode *root;

        if (!check_section_names(schemas, sections, error))
                return NULL;

        backup = xmlNewDoc((const xmlChar *) "1.0");
        root = xmlNewNode(NULL, (const xmlChar *) "configuration");
        /* Restoring a backup reproduces the sections exactly, not merged into newer ones. */
        xmlSetProp(root, (const xmlChar *) "patchDefault", (const xmlChar *) "false");
        xmlDocSetRootElement(backup, root);
        for (const char *const *name = schema_set_sections(schemas); *name != NULL; name++) {
                xmlNode *section;
                if (!all && !g_strv_contains(sections, *name))
                        continue;
                section = store_get_section(store, *name);
                if (section != NULL)
                        xmlAddChild(root, xmlDocCopyNode(section, backup, 1));
        }
        if (!include_secrets && secrets_remove(root) > 0)
                xmlAddPrevSibling(root,
                                  xmlNewDocComment(backup,
                                                   (const xmlChar *) " passwords left out: the caller "
                                                                     "may not change the settings "));
        return backup_to_string(backup, error);
}
