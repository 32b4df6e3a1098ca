/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "migrate.h"

#include "provision-error.h"
#include "version.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

/* A version the steps can start from: one of the history, or older than all of it (every
 * step applies). Between two versions of the history it is unclear which steps it needs. */
static gboolean is_migratable(const SchemaSet *schemas, const char *name, const Version *version) {
        const char *const *history = schema_set_section_history(schemas, name);
        Version oldest;

        version_parse(history[0], &oldest);
        if (version_compare(version, &oldest) <= 0)
                return TRUE;
        for (const char *const *known = history; *known != NULL; known++) {
                Version parsed;
                if (version_parse(*known, &parsed) && version_compare(&parsed, version) == 0)
                        return TRUE;
        }
        return FALSE;
}

static gboolean fail_unsupported(GError **error, const char *name, const char *declared, const char *why,
                                 const SchemaSet *schemas) {
        g_autofree char *known = g_strjoinv(", ", (char **) schema_set_section_history(schemas, name));

        g_set_error(error, PROV_ERROR, PROV_ERROR_UNSUPPORTED_VERSION,
                    "section '%s' has version %s, %s (release %s knows %s)", name, declared, why,
                    schema_set_release(schemas), known);
        return FALSE;
}

/* The version a section's `version` attribute names, if this firmware can migrate from it. */
static gboolean parse_declared_version(const SchemaSet *schemas, const char *name, const char *declared,
                                       Version *version, GError **error) {
        const char *current_text = schema_set_section_version(schemas, name);
        Version current;

        version_parse(current_text, &current);
        if (!version_parse(declared, version))
                return fail_unsupported(error, name, declared, "which is not a version x.y.z", schemas);
        if (version_compare(version, &current) > 0) {
                g_autofree char *why = g_strdup_printf("newer than this firmware's %s", current_text);
                return fail_unsupported(error, name, declared, why, schemas);
        }
        if (!is_migratable(schemas, name, version))
                return fail_unsupported(error, name, declared, "which no release of this firmware pins",
                                        schemas);
        return TRUE;
}

static Version detect_version(const SchemaSet *schemas, xmlNode *section) {
        const char *detected = schema_set_detect_version(schemas, section);
        Version version = VERSION_OLDEST;

        if (detected != NULL)
                version_parse(detected, &version);
        g_debug("section '%s' has no version: taken as %s", xml_node_name(section),
                detected != NULL ? detected : VERSION_OLDEST_STRING " (no former schema accepts it)");
        return version;
}

gboolean migrate_section(const SchemaSet *schemas, xmlNode *section, MigrationMode mode, GError **error) {
        const char *name = xml_node_name(section);
        g_autoptr(XmlString) declared = xmlGetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE);
        Version from;

        if (declared == NULL)
                from = detect_version(schemas, section);
        else if (!parse_declared_version(schemas, name, (const char *) declared, &from, error))
                return FALSE;
        schema_set_migrate_section(schemas, section, &from, mode);
        xmlSetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE,
                   (const xmlChar *) schema_set_section_version(schemas, name));
        return TRUE;
}

static gboolean is_current(const SchemaSet *schemas, xmlNode *section) {
        g_autoptr(XmlString) declared = xmlGetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE);

        return declared != NULL &&
                g_str_equal((const char *) declared,
                            schema_set_section_version(schemas, xml_node_name(section)));
}

static gboolean needs_migration(const SchemaSet *schemas, xmlNode *section) {
        return schema_set_section_version(schemas, xml_node_name(section)) != NULL &&
                !is_current(schemas, section);
}

gboolean migrate_store_document_needed(xmlDoc *doc, const SchemaSet *schemas) {
        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(doc)); section != NULL;
             section = xml_next_element(section))
                if (needs_migration(schemas, section))
                        return TRUE;
        return FALSE;
}

gboolean migrate_store_document(xmlDoc *doc, const SchemaSet *schemas, GPtrArray *warnings) {
        gboolean changed = FALSE;

        for (xmlNode *section = xml_first_element_child(xmlDocGetRootElement(doc)); section != NULL;
             section = xml_next_element(section)) {
                g_autoptr(GError) error = NULL;

                if (!needs_migration(schemas, section))
                        continue;
                /* One section from a newer release (a downgrade) must not keep the others old. */
                if (!migrate_section(schemas, section, MIGRATION_WHOLE, &error)) {
                        g_ptr_array_add(warnings, g_strdup_printf("kept as it is: %s", error->message));
                        continue;
                }
                schema_set_strip_unknown(schemas, section, warnings);
                changed = TRUE;
        }
        return changed;
}
