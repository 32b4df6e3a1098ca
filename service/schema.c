/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "schema.h"

#include "migration-steps.h"
#include "provision-error.h"
#include "schema-known.h"
#include "secrets.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define MANIFEST_FILE "releases.conf"
#define MANIFEST_GROUP "Releases"
/* One version of a section: its XSD and how to get there from the version before. */
typedef struct {
        char *version;
        Version parsed;
        char *xsd_path;
        xmlSchema *schema;     /* the current version's from the start; a former one's from its first use */
        char *compile_error;   /* why a former version's XSD did not compile, once tried */
        MigrationSteps *steps; /* from the previous version of the history; NULL: nothing to do */
} VersionSchema;

typedef struct {
        char *name;
        GPtrArray *history;   /* VersionSchema*, oldest first, the current version last */
        char **history_names; /* the versions as strings, same order, NULL-terminated */
        KnownTree *known;     /* of the current version */
} SectionSchema;

struct SchemaSet {
        GMutex compile_lock; /* former versions are compiled on first use, from any thread */
        char *release;
        GPtrArray *sections;  /* SectionSchema*, canonical order */
        GHashTable *by_name;  /* name -> SectionSchema* */
        char **section_names; /* NULL-terminated, canonical order */
};

static void version_schema_free(VersionSchema *version) {
        g_free(version->version);
        g_free(version->xsd_path);
        g_free(version->compile_error);
        g_clear_pointer(&version->schema, xmlSchemaFree);
        g_clear_pointer(&version->steps, migration_steps_free);
        g_free(version);
}

static void section_schema_free(SectionSchema *section) {
        g_free(section->name);
        g_clear_pointer(&section->history, g_ptr_array_unref);
        g_strfreev(section->history_names);
        g_clear_pointer(&section->known, known_tree_free);
        g_free(section);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SectionSchema, section_schema_free)

static const VersionSchema *current_version(const SectionSchema *section) {
        return g_ptr_array_index(section->history, section->history->len - 1);
}

/* Whether @node is a secret or lies inside one (secrets.h). */
static gboolean is_within_secret(const xmlNode *node) {
        for (; node != NULL; node = node->parent)
                if (secrets_is_secret(node))
                        return TRUE;
        return FALSE;
}

/* Collects the first schema parser or validation error as "node: message".
 * Validation messages quote the offending value; for a secret that would put it
 * into LastError, the Failed signal and the journal. So an error about a secret
 * (or anything inside one) never uses libxml2's message, whatever the secret holds. */
static void remember_first_error(void *user_data, const xmlError *xml_error) {
        char **first = user_data;
        g_autofree char *message = NULL;
        g_autoptr(XmlString) node_path = NULL;
        const xmlNode *node = xml_error != NULL ? xml_error->node : NULL;

        if (*first != NULL || xml_error == NULL)
                return;
        if (node != NULL && is_within_secret(node))
                message = g_strdup("a secret's value or content is not valid (not shown)");
        else
                message = g_strchomp(g_strdup(xml_error->message != NULL ? xml_error->message : "invalid"));
        if (node != NULL && node->type == XML_ELEMENT_NODE)
                node_path = xmlGetNodePath(node);
        if (node_path != NULL)
                *first = g_strdup_printf("%s: %s", (const char *) node_path, message);
        else if (xml_error->line > 0)
                *first = g_strdup_printf("line %d: %s", xml_error->line, message);
        else
                *first = g_steal_pointer(&message);
}

static xmlSchema *compile_xsd(const char *path, GError **error) {
        g_autoptr(xmlSchemaParserCtxt) parser = xmlSchemaNewParserCtxt(path);
        g_autofree char *reason = NULL;
        xmlSchema *schema;

        xmlSchemaSetParserStructuredErrors(parser, (xmlStructuredErrorFunc) remember_first_error, &reason);
        schema = xmlSchemaParse(parser);
        if (schema == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "cannot compile schema %s: %s", path,
                            reason != NULL ? reason : "unknown reason");
                return NULL;
        }
        return schema;
}

/* ---- the release manifest --------------------------------------------------- */

static gint compare_version_strings(gconstpointer a, gconstpointer b) {
        Version version_a = VERSION_OLDEST;
        Version version_b = VERSION_OLDEST;

        version_parse(*(const char *const *) a, &version_a);
        version_parse(*(const char *const *) b, &version_b);
        return version_compare(&version_a, &version_b);
}

static gboolean contains_version(GPtrArray *versions, const Version *version) {
        for (guint i = 0; i < versions->len; i++) {
                Version known;
                if (version_parse(g_ptr_array_index(versions, i), &known) &&
                    version_compare(&known, version) == 0)
                        return TRUE;
        }
        return FALSE;
}

/* Every version of @name some release pins, oldest first; none newer than @current. */
static GPtrArray *collect_history(GKeyFile *manifest, const char *name, const Version *current,
                                  GError **error) {
        g_autoptr(GPtrArray) versions = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) releases = g_key_file_get_groups(manifest, NULL);

        for (char **release = releases; *release != NULL; release++) {
                g_autofree char *text = NULL;
                Version version;

                if (g_str_equal(*release, MANIFEST_GROUP) ||
                    !g_key_file_has_key(manifest, *release, name, NULL))
                        continue;
                text = g_key_file_get_string(manifest, *release, name, error);
                if (text == NULL)
                        return NULL;
                if (!version_parse(text, &version) || version_compare(&version, current) > 0) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED,
                                    MANIFEST_FILE
                                    " [%s] %s=%s: not a version x.y.z, or newer than the current one",
                                    *release, name, text);
                        return NULL;
                }
                if (!contains_version(versions, &version))
                        g_ptr_array_add(versions, g_steal_pointer(&text));
        }
        g_ptr_array_sort(versions, compare_version_strings);
        return g_steal_pointer(&versions);
}

/* ---- one section ------------------------------------------------------------ */

static gboolean same_version(const char *text, const Version *version) {
        Version parsed;

        return version_parse(text, &parsed) && version_compare(&parsed, version) == 0;
}

/* Steps must lead from the version before @version in the history (@previous, NULL for the oldest) to it. */
static gboolean check_steps(const MigrationSteps *steps, const char *path, const VersionSchema *previous,
                            const VersionSchema *version, GError **error) {
        if (previous != NULL && same_version(migration_steps_get_from(steps), &previous->parsed) &&
            same_version(migration_steps_get_to(steps), &version->parsed))
                return TRUE;
        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED,
                    "%s: the steps lead from %s to %s, but the version before %s is %s", path,
                    migration_steps_get_from(steps), migration_steps_get_to(steps), version->version,
                    previous != NULL ? previous->version : "none (it is the oldest any release pins)");
        return FALSE;
}

/* Only the current version is compiled now: the former ones serve to detect and migrate old
 * files, which most starts never see (see version_schema_get()). */
static VersionSchema *version_schema_load(const char *section_directory, const char *name, const char *text,
                                          const VersionSchema *previous, gboolean current, GError **error) {
        g_autofree char *xsd_file = g_strdup_printf("%s.xsd", text);
        g_autofree char *xsd_path = g_build_filename(section_directory, xsd_file, NULL);
        g_autofree char *steps_file = g_strdup_printf("%s.migration.xml", text);
        g_autofree char *steps_path = g_build_filename(section_directory, steps_file, NULL);
        VersionSchema *version = g_new0(VersionSchema, 1);

        version->version = g_strdup(text);
        version_parse(text, &version->parsed);
        version->xsd_path = g_strdup(xsd_path);
        if (current && (version->schema = compile_xsd(xsd_path, error)) == NULL) {
                version_schema_free(version);
                return NULL;
        }
        if (!g_file_test(steps_path, G_FILE_TEST_EXISTS))
                return version;
        version->steps = migration_steps_load(steps_path, name, error);
        if (version->steps == NULL || !check_steps(version->steps, steps_path, previous, version, error)) {
                version_schema_free(version);
                return NULL;
        }
        return version;
}

static SectionSchema *section_schema_load(const char *schemas_dir, GKeyFile *manifest, const char *release,
                                          const char *name, GError **error) {
        g_autofree char *directory = g_build_filename(schemas_dir, "sections", name, NULL);
        g_autofree char *current_text = g_key_file_get_string(manifest, release, name, error);
        g_autoptr(SectionSchema) section = g_new0(SectionSchema, 1);
        g_autoptr(GPtrArray) history = NULL;
        Version current;

        if (current_text == NULL)
                return NULL;
        if (!version_parse(current_text, &current)) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED,
                            MANIFEST_FILE " [%s] %s=%s: not a version x.y.z", release, name, current_text);
                return NULL;
        }
        history = collect_history(manifest, name, &current, error);
        if (history == NULL)
                return NULL;

        section->name = g_strdup(name);
        section->history = g_ptr_array_new_with_free_func((GDestroyNotify) version_schema_free);
        for (guint i = 0; i < history->len; i++) {
                const VersionSchema *previous = i > 0 ? g_ptr_array_index(section->history, i - 1) : NULL;
                VersionSchema *version = version_schema_load(directory, name, g_ptr_array_index(history, i),
                                                             previous, i + 1 == history->len, error);
                if (version == NULL)
                        return NULL;
                g_ptr_array_add(section->history, version);
        }
        g_ptr_array_add(history, NULL);
        section->history_names = (char **) g_ptr_array_steal(history, NULL);

        section->known = known_tree_load(current_version(section)->xsd_path, name, error);
        if (section->known == NULL)
                return NULL;
        return g_steal_pointer(&section);
}

SchemaSet *schema_set_load(const char *schemas_dir, GError **error) {
        g_autofree char *manifest_path = g_build_filename(schemas_dir, MANIFEST_FILE, NULL);
        g_autoptr(GKeyFile) manifest = g_key_file_new();
        g_autoptr(SchemaSet) set = g_new0(SchemaSet, 1);
        g_auto(GStrv) names = NULL;
        gsize n_names = 0;

        g_mutex_init(&set->compile_lock);
        set->sections = g_ptr_array_new_with_free_func((GDestroyNotify) section_schema_free);
        set->by_name = g_hash_table_new(g_str_hash, g_str_equal);

        if (!g_key_file_load_from_file(manifest, manifest_path, G_KEY_FILE_NONE, error))
                return NULL;
        set->release = g_key_file_get_string(manifest, MANIFEST_GROUP, "Current", error);
        if (set->release == NULL)
                return NULL;
        names = g_key_file_get_keys(manifest, set->release, &n_names, error);
        if (names == NULL)
                return NULL;

        for (gsize i = 0; i < n_names; i++) {
                SectionSchema *section = section_schema_load(schemas_dir, manifest, set->release, names[i],
                                                             error);
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
        g_mutex_clear(&set->compile_lock);
        g_free(set);
}

/* ---- queries ---------------------------------------------------------------- */

const char *schema_set_release(const SchemaSet *set) {
        return set->release;
}

const char *const *schema_set_sections(const SchemaSet *set) {
        return (const char *const *) set->section_names;
}

const char *schema_set_section_version(const SchemaSet *set, const char *section) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section);

        return section_schema != NULL ? current_version(section_schema)->version : NULL;
}

const char *const *schema_set_section_history(const SchemaSet *set, const char *section) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section);

        return section_schema != NULL ? (const char *const *) section_schema->history_names : NULL;
}

void schema_set_strip_unknown(const SchemaSet *set, xmlNode *section, GPtrArray *warnings) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section->name);

        g_return_if_fail(section_schema != NULL);
        known_tree_strip(section_schema->known, section, warnings);
}

/* ---- validation and migration ----------------------------------------------- */

static VersionSchema *find_version(const SectionSchema *section, const char *text) {
        for (guint i = 0; i < section->history->len; i++) {
                VersionSchema *version = g_ptr_array_index(section->history, i);
                if (g_str_equal(version->version, text))
                        return version;
        }
        return NULL;
}

static gboolean validate_element(const xmlSchema *schema, xmlNode *section, char **reason) {
        g_autoptr(xmlSchemaValidCtxt) validator = xmlSchemaNewValidCtxt((xmlSchema *) schema);

        xmlSchemaSetValidStructuredErrors(validator, (xmlStructuredErrorFunc) remember_first_error, reason);
        return xmlSchemaValidateOneElement(validator, section) == 0;
}

/* @version's compiled XSD: compiled here on first use for a former version; NULL with
 * @reason when it does not compile (logged once; such a version accepts nothing). */
static const xmlSchema *version_schema_get(const SchemaSet *set, VersionSchema *version, char **reason) {
        g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new((GMutex *) &set->compile_lock);
        g_autoptr(GError) error = NULL;

        if (version->schema == NULL && version->compile_error == NULL) {
                version->schema = compile_xsd(version->xsd_path, &error);
                if (version->schema == NULL) {
                        g_warning("%s", error->message);
                        version->compile_error = g_strdup(error->message);
                }
        }
        if (version->schema == NULL)
                *reason = g_strdup(version->compile_error);
        return version->schema;
}

/* Validates @section against @version's XSD with its version attribute set to it, then restores the attribute. */
static gboolean validate_as(const SchemaSet *set, VersionSchema *version, xmlNode *section, char **reason) {
        g_autoptr(XmlString) declared = NULL;
        const xmlSchema *schema = version_schema_get(set, version, reason);
        gboolean valid;

        if (schema == NULL)
                return FALSE;
        declared = xmlGetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE);
        xmlSetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE, (const xmlChar *) version->version);
        valid = validate_element(schema, section, reason);
        if (declared != NULL)
                xmlSetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE, declared);
        else
                xmlUnsetProp(section, (const xmlChar *) SECTION_VERSION_ATTRIBUTE);
        return valid;
}

static gboolean set_invalid(GError **error, const char *name, const char *reason) {
        g_set_error(error, PROV_ERROR, PROV_ERROR_VALIDATION, "section '%s' is invalid: %s", name,
                    reason != NULL ? reason : "unknown reason");
        return FALSE;
}

static const SectionSchema *lookup_section(const SchemaSet *set, const xmlNode *section, GError **error) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section->name);

        if (section_schema == NULL)
                g_set_error(error, PROV_ERROR, PROV_ERROR_VALIDATION, "'%s' is not a settings section",
                            xml_node_name(section));
        return section_schema;
}

gboolean schema_set_validate_section(const SchemaSet *set, xmlNode *section, GError **error) {
        const SectionSchema *section_schema = lookup_section(set, section, error);
        g_autofree char *reason = NULL;

        if (section_schema == NULL)
                return FALSE;
        if (!validate_element(current_version(section_schema)->schema, section, &reason))
                return set_invalid(error, section_schema->name, reason);
        return TRUE;
}

gboolean schema_set_validate_section_as(const SchemaSet *set, xmlNode *section, const char *version,
                                        GError **error) {
        const SectionSchema *section_schema = lookup_section(set, section, error);
        VersionSchema *version_schema;
        g_autofree char *reason = NULL;

        if (section_schema == NULL)
                return FALSE;
        version_schema = find_version(section_schema, version);
        if (version_schema == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_VALIDATION, "section '%s' has no version %s",
                            section_schema->name, version);
                return FALSE;
        }
        if (!validate_as(set, version_schema, section, &reason))
                return set_invalid(error, section_schema->name, reason);
        return TRUE;
}

const char *schema_set_detect_version(const SchemaSet *set, xmlNode *section) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section->name);

        g_return_val_if_fail(section_schema != NULL, NULL);
        /* Newest first: where several XSDs accept a section, the newest needs the fewest steps
         * and cannot invent settings (a setDefault of an older step) the document did not have. */
        for (guint i = section_schema->history->len; i > 0; i--) {
                VersionSchema *version = g_ptr_array_index(section_schema->history, i - 1);
                g_autofree char *reason = NULL;
                if (validate_as(set, version, section, &reason))
                        return version->version;
        }
        return NULL;
}

void schema_set_migrate_section(const SchemaSet *set, xmlNode *section, const Version *from,
                                MigrationMode mode) {
        const SectionSchema *section_schema = g_hash_table_lookup(set->by_name, section->name);

        g_return_if_fail(section_schema != NULL);
        for (guint i = 0; i < section_schema->history->len; i++) {
                const VersionSchema *version = g_ptr_array_index(section_schema->history, i);
                if (version->steps != NULL && version_compare(&version->parsed, from) > 0)
                        migration_steps_apply(version->steps, section, mode);
        }
}
