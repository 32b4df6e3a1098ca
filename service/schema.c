/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "schema.h"

#include "provision.h"
#include "schema-known.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

typedef struct {
        char *name;
        char *version;
        xmlSchema *schema;
        KnownTree *known;
} SectionSchema;

struct SchemaSet {
        char *release;
        GPtrArray *sections;      /* SectionSchema*, canonical order */
        GHashTable *by_name;      /* name -> SectionSchema* */
        char **section_names;     /* NULL-terminated, canonical order */
};

static void section_schema_free(SectionSchema *section) {
        g_free(section->name);
        g_free(section->version);
        g_clear_pointer(&section->schema, xmlSchemaFree);
        g_clear_pointer(&section->known, known_tree_free);
        g_free(section);
}

/* Collects the first schema parser or validation error as "node: message". */
static void remember_first_error(void *user_data, const xmlError *xml_error) {
        char **first = user_data;
        g_autofree char *message = NULL;
        g_autoptr(XmlString) node_path = NULL;

        if (*first != NULL || xml_error == NULL)
                return;
        message = g_strchomp(g_strdup(xml_error->message != NULL ? xml_error->message : "invalid"));
        if (xml_error->node != NULL && ((xmlNode *)xml_error->node)->type == XML_ELEMENT_NODE)
                node_path = xmlGetNodePath(xml_error->node);
        if (node_path != NULL)
                *first = g_strdup_printf("%s: %s", (const char *)node_path, message);
        else if (xml_error->line > 0)
                *first = g_strdup_printf("line %d: %s", xml_error->line, message);
        else
                *first = g_steal_pointer(&message);
}

static xmlSchema *compile_xsd(const char *path, GError **error) {
        g_autoptr(xmlSchemaParserCtxt) parser = xmlSchemaNewParserCtxt(path);
        g_autofree char *reason = NULL;
        xmlSchema *schema;

        xmlSchemaSetParserStructuredErrors(parser, (xmlStructuredErrorFunc)remember_first_error, &reason);
        schema = xmlSchemaParse(parser);
        if (schema == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "cannot compile schema %s: %s", path,
                            reason != NULL ? reason : "unknown reason");
                return NULL;
        }
        return schema;
}

static SectionSchema *section_schema_load(const char *schemas_dir, const char *name, const char *version,
                                          GError **error) {
        g_autofree char *file_name = g_strdup_printf("%s.xsd", version);
        g_autofree char *path = g_build_filename(schemas_dir, "sections", name, file_name, NULL);
        SectionSchema *section = g_new0(SectionSchema, 1);

        section->name = g_strdup(name);
        section->version = g_strdup(version);
        section->schema = compile_xsd(path, error);
        if (section->schema != NULL)
                section->known = known_tree_load(path, name, error);
        if (section->known == NULL) {
                section_schema_free(section);
                return NULL;
        }
        return section;
}

SchemaSet *schema_set_load(const char *schemas_dir, GError **error) {
        g_autofree char *manifest_path = g_build_filename(schemas_dir, "releases.conf", NULL);
        g_autoptr(GKeyFile) manifest = g_key_file_new();
        g_autoptr(SchemaSet) set = g_new0(SchemaSet, 1);
        g_auto(GStrv) names = NULL;
        gsize n_names = 0;

        set->sections = g_ptr_array_new_with_free_func((GDestroyNotify)section_schema_free);
        set->by_name = g_hash_table_new(g_str_hash, g_str_equal);

        if (!g_key_file_load_from_file(manifest, manifest_path, G_KEY_FILE_NONE, error))
                return NULL;
        set->release = g_key_file_get_string(manifest, "Releases", "Current", error);
        if (set->release == NULL)
                return NULL;
        names = g_key_file_get_keys(manifest, set->release, &n_names, error);
        if (names == NULL)
                return NULL;

        for (gsize i = 0; i < n_names; i++) {
                g_autofree char *version = g_key_file_get_string(manifest, set->release, names[i], error);
                SectionSchema *section;

                if (version == NULL)
                        return NULL;
                section = section_schema_load(schemas_dir, names[i], version, error);
                if (section == NULL)
                        return NULL;
                g_ptr_array_add(set->sections, section);
                g_hash_table_insert(set->by_name, section->name, section);
        }
        set->section_names = g_steal_pointer(&names);
        return g_steal_pointer(&set);
}

void schema_set_free(SchemaSet *set) {
        if (set == NULL)
                return;
        g_clear_pointer(&set->by_name, g_hash_table_unref);
        g_clear_pointer(&set->sections, g_ptr_array_unref);
        g_strfreev(set->section_names);
        g_free(set->release);
        g_free(set);
}

const char *schema_set_release(const SchemaSet *set) {
        return set->release;
}

const char *const *schema_set_sections(const SchemaSet *set) {
        return (const char *const *)set->section_names;
}

const char *schema_set_section_version(const SchemaSet *set, const char *section) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section);

        return section_schema != NULL ? section_schema->version : NULL;
}

void schema_set_strip_unknown(const SchemaSet *set, xmlNode *section, GPtrArray *warnings) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section->name);

        g_return_if_fail(section_schema != NULL);
        known_tree_strip(section_schema->known, section, warnings);
}

gboolean schema_set_validate_section(const SchemaSet *set, xmlNode *section, GError **error) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section->name);
        g_autoptr(xmlSchemaValidCtxt) validator = NULL;
        g_autofree char *reason = NULL;

        if (section_schema == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_VALIDATION, "'%s' is not a settings section",
                            xml_node_name(section));
                return FALSE;
        }
        validator = xmlSchemaNewValidCtxt(section_schema->schema);
        xmlSchemaSetValidStructuredErrors(validator, (xmlStructuredErrorFunc)remember_first_error, &reason);
        if (xmlSchemaValidateOneElement(validator, section) != 0) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_VALIDATION, "section '%s' is invalid: %s",
                            section_schema->name, reason != NULL ? reason : "unknown reason");
                return FALSE;
        }
        return TRUE;
}
