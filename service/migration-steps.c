/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "migration-steps.h"

#include <libxml/parser.h>

#include "provision-error.h"
#include "version.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define STEPS_ROOT "migration"
#define PATH_ATTRIBUTE "path"
#define PATH_SEPARATOR "/"
#define ANY_NAME "*"
#define MAX_ARGUMENTS 2

typedef enum {
        ARGUMENT_NAME, /* one element or attribute name */
        ARGUMENT_PATH, /* element names separated by '/', no wildcard */
        ARGUMENT_TEXT, /* any text */
} ArgumentType;

typedef struct {
        const char *name;
        ArgumentType type;
} ArgumentSpec;

typedef struct MigrationStep MigrationStep;

typedef struct {
        const char *name;         /* the step's element name in the file */
        gboolean matches_parent;  /* path names an element that may not exist: the step acts on its parents */
        gboolean fills_in;        /* adds settings a patch left out: only for whole sections */
        ArgumentSpec arguments[MAX_ARGUMENTS]; /* besides path; unused entries have no name */
        void (*apply)(const MigrationStep *step, GPtrArray *matched);
} StepKind;

struct MigrationStep {
        const StepKind *kind;
        char **path; /* segments */
        char *arguments[MAX_ARGUMENTS]; /* in the order of kind->arguments */
};

struct MigrationSteps {
        char *from;
        char *to;
        GPtrArray *steps; /* MigrationStep* */
};

static void apply_rename(const MigrationStep *step, GPtrArray *matched);
static void apply_move(const MigrationStep *step, GPtrArray *matched);
static void apply_set_default(const MigrationStep *step, GPtrArray *matched);
static void apply_remove(const MigrationStep *step, GPtrArray *matched);
static void apply_map_value(const MigrationStep *step, GPtrArray *matched);
static void apply_rename_attribute(const MigrationStep *step, GPtrArray *matched);

/* The step kinds; docs/settings-versions.md describes each for the authors of step files. */
static const StepKind step_kinds[] = {
        /* <rename path="sip/whitelist" to="allowlist"/>: the matched elements get the new name. */
        { "rename", FALSE, FALSE, { { "to", ARGUMENT_NAME } }, apply_rename },
        /* <move path="useRandomDelay" to="execution"/>: into the element at `to` below the matched
         * element's parent, created if missing, as its last child. */
        { "move", FALSE, FALSE, { { "to", ARGUMENT_PATH } }, apply_move },
        /* <setDefault path="execution/minimalRandomDelay" value="60"/>: adds the element with the
         * value to every parent (here: each execution) that lacks it; never creates the parents. */
        { "setDefault", TRUE, TRUE, { { "value", ARGUMENT_TEXT } }, apply_set_default },
        /* <remove path="tftpFallback"/>: the matched elements and all they contain. */
        { "remove", FALSE, FALSE, { { NULL } }, apply_remove },
        /* <mapValue path="identity/dtmfMethod" from="rfc2833" to="rtpPayload"/>: a leaf whose text
         * (without surrounding blanks) is `from` gets the text `to`. */
        { "mapValue", FALSE, FALSE, { { "from", ARGUMENT_TEXT }, { "to", ARGUMENT_TEXT } }, apply_map_value },
        /* <renameAttribute path="phoneXtensions/key" from="number" to="keyNumber"/>: if the
         * element has both, the attribute already under the new name is kept. */
        { "renameAttribute", FALSE, FALSE, { { "from", ARGUMENT_NAME }, { "to", ARGUMENT_NAME } },
          apply_rename_attribute },
};

/* ---- applying -------------------------------------------------------------- */

static gboolean segment_matches(const char *segment, const xmlNode *element) {
        return g_str_equal(segment, ANY_NAME) || g_str_equal(segment, xml_node_name(element));
}

/* The elements @n_segments levels below @section along @path, in document order.
 * Each level only looks at the children of the previous level's matches, so the
 * walk visits every element of the section at most once. */
static GPtrArray *match_path(xmlNode *section, char *const *path, guint n_segments) {
        GPtrArray *level = g_ptr_array_new();

        g_ptr_array_add(level, section);
        for (guint depth = 0; depth < n_segments; depth++) {
                GPtrArray *next = g_ptr_array_new();
                for (guint i = 0; i < level->len; i++) {
                        xmlNode *parent = g_ptr_array_index(level, i);
                        for (xmlNode *child = xml_first_element_child(parent); child != NULL;
                             child = xml_next_element(child))
                                if (segment_matches(path[depth], child))
                                        g_ptr_array_add(next, child);
                }
                g_ptr_array_unref(level);
                level = next;
        }
        return level;
}

static xmlNode *find_child(const xmlNode *parent, const char *name) {
        for (xmlNode *child = xml_first_element_child(parent); child != NULL; child = xml_next_element(child))
                if (g_str_equal(xml_node_name(child), name))
                        return child;
        return NULL;
}

/* The element at @path below @parent, creating what is missing. */
static xmlNode *ensure_path(xmlNode *parent, char *const *path) {
        for (; *path != NULL; path++) {
                xmlNode *child = find_child(parent, *path);
                parent = child != NULL ? child : xmlNewChild(parent, NULL, (const xmlChar *)*path, NULL);
        }
        return parent;
}

static void apply_rename(const MigrationStep *step, GPtrArray *matched) {
        const char *new_name = step->arguments[0];

        for (guint i = 0; i < matched->len; i++)
                xmlNodeSetName(g_ptr_array_index(matched, i), (const xmlChar *)new_name);
}

static void apply_move(const MigrationStep *step, GPtrArray *matched) {
        g_auto(GStrv) destination_path = g_strsplit(step->arguments[0], PATH_SEPARATOR, -1);
        xmlNode *parent = NULL;
        xmlNode *destination = NULL;

        for (guint i = 0; i < matched->len; i++) {
                xmlNode *element = g_ptr_array_index(matched, i);
                /* Matches come in document order, so siblings are consecutive: one lookup per parent. */
                if (element->parent != parent) {
                        parent = element->parent;
                        destination = ensure_path(parent, destination_path);
                }
                if (xml_is_within(destination, element))
                        continue; /* a move into itself: nothing sensible to do */
                xmlUnlinkNode(element);
                xmlAddChild(destination, element);
        }
}

static void apply_set_default(const MigrationStep *step, GPtrArray *matched) {
        const char *name = step->path[g_strv_length(step->path) - 1];
        const char *value = step->arguments[0];

        for (guint i = 0; i < matched->len; i++) {
                xmlNode *parent = g_ptr_array_index(matched, i);
                if (find_child(parent, name) != NULL)
                        continue;
                /* An empty value is an empty element (<url/>), as the settings write it. */
                xmlNewTextChild(parent, NULL, (const xmlChar *)name, *value != '\0' ? (const xmlChar *)value : NULL);
        }
}

static void apply_remove(const MigrationStep *step, GPtrArray *matched) {
        for (guint i = 0; i < matched->len; i++) {
                xmlNode *element = g_ptr_array_index(matched, i);
                xmlUnlinkNode(element);
                xmlFreeNode(element);
        }
}

static void apply_map_value(const MigrationStep *step, GPtrArray *matched) {
        const char *old_value = step->arguments[0];
        const char *new_value = step->arguments[1];

        for (guint i = 0; i < matched->len; i++) {
                xmlNode *element = g_ptr_array_index(matched, i);
                g_autoptr(XmlString) content = NULL;

                if (xml_has_element_children(element))
                        continue;
                content = xmlNodeGetContent(element);
                if (content == NULL || !g_str_equal(g_strstrip((char *)content), old_value))
                        continue;
                /* Set as text, not parsed markup: xmlNodeAddContent escapes. */
                xmlNodeSetContent(element, NULL);
                xmlNodeAddContent(element, (const xmlChar *)new_value);
        }
}

static void apply_rename_attribute(const MigrationStep *step, GPtrArray *matched) {
        const xmlChar *old_name = (const xmlChar *)step->arguments[0];
        const xmlChar *new_name = (const xmlChar *)step->arguments[1];

        for (guint i = 0; i < matched->len; i++) {
                xmlNode *element = g_ptr_array_index(matched, i);
                xmlAttr *attribute = xmlHasProp(element, old_name);

                if (attribute == NULL)
                        continue;
                if (xmlHasProp(element, new_name) != NULL)
                        xmlRemoveProp(attribute);
                else
                        xmlNodeSetName((xmlNode *)attribute, new_name); /* keeps the attribute's position */
        }
}

static void migration_step_apply(const MigrationStep *step, xmlNode *section) {
        guint depth = g_strv_length(step->path) - (step->kind->matches_parent ? 1 : 0);
        g_autoptr(GPtrArray) matched = match_path(section, step->path, depth);

        step->kind->apply(step, matched);
}

void migration_steps_apply(const MigrationSteps *steps, xmlNode *section, MigrationMode mode) {
        for (guint i = 0; i < steps->steps->len; i++) {
                const MigrationStep *step = g_ptr_array_index(steps->steps, i);
                if (mode == MIGRATION_PARTIAL && step->kind->fills_in)
                        continue;
                migration_step_apply(step, section);
        }
}

/* ---- loading --------------------------------------------------------------- */

static void migration_step_free(MigrationStep *step) {
        g_strfreev(step->path);
        for (gsize i = 0; i < MAX_ARGUMENTS; i++)
                g_free(step->arguments[i]);
        g_free(step);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MigrationStep, migration_step_free)

void migration_steps_free(MigrationSteps *steps) {
        if (steps == NULL)
                return;
        g_free(steps->from);
        g_free(steps->to);
        g_clear_pointer(&steps->steps, g_ptr_array_unref);
        g_free(steps);
}

const char *migration_steps_get_from(const MigrationSteps *steps) {
        return steps->from;
}

const char *migration_steps_get_to(const MigrationSteps *steps) {
        return steps->to;
}

static gboolean is_name(const char *text) {
        return xmlValidateNCName((const xmlChar *)text, 0) == 0;
}

static gboolean is_path(const char *text, gboolean wildcards) {
        g_auto(GStrv) segments = g_strsplit(text, PATH_SEPARATOR, -1);

        if (segments[0] == NULL)
                return FALSE;
        for (char **segment = segments; *segment != NULL; segment++)
                if (!is_name(*segment) && !(wildcards && g_str_equal(*segment, ANY_NAME)))
                        return FALSE;
        return TRUE;
}

static gboolean argument_is_valid(ArgumentType type, const char *value) {
        switch (type) {
        case ARGUMENT_NAME:
                return is_name(value);
        case ARGUMENT_PATH:
                return is_path(value, FALSE);
        case ARGUMENT_TEXT:
                return TRUE;
        }
        return FALSE;
}

static const StepKind *find_step_kind(const char *name) {
        for (gsize i = 0; i < G_N_ELEMENTS(step_kinds); i++)
                if (g_str_equal(step_kinds[i].name, name))
                        return &step_kinds[i];
        return NULL;
}

static char *step_kind_names(void) {
        g_autoptr(GString) names = g_string_new(NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(step_kinds); i++)
                g_string_append_printf(names, "%s%s", i > 0 ? ", " : "", step_kinds[i].name);
        return g_string_free(g_steal_pointer(&names), FALSE);
}

static gboolean fail_step(GError **error, const char *file, const xmlNode *node, const char *reason) {
        g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "%s:%ld: <%s>: %s", file, xmlGetLineNo(node),
                    xml_node_name(node), reason);
        return FALSE;
}

static gboolean is_known_attribute(const StepKind *kind, const char *name) {
        if (g_str_equal(name, PATH_ATTRIBUTE))
                return TRUE;
        for (gsize i = 0; i < MAX_ARGUMENTS && kind->arguments[i].name != NULL; i++)
                if (g_str_equal(kind->arguments[i].name, name))
                        return TRUE;
        return FALSE;
}

static gboolean read_step_attributes(MigrationStep *step, xmlNode *node, const char *file, GError **error) {
        g_autoptr(XmlString) path = xmlGetProp(node, (const xmlChar *)PATH_ATTRIBUTE);
        const StepKind *kind = step->kind;

        for (xmlAttr *attribute = node->properties; attribute != NULL; attribute = attribute->next) {
                if (!is_known_attribute(kind, (const char *)attribute->name)) {
                        g_autofree char *reason = g_strdup_printf("unknown attribute '%s'", attribute->name);
                        return fail_step(error, file, node, reason);
                }
        }
        if (path == NULL || !is_path((const char *)path, TRUE))
                return fail_step(error, file, node, "'path' must be element names separated by '/' ('*': any)");
        step->path = g_strsplit((const char *)path, PATH_SEPARATOR, -1);
        if (kind->matches_parent && g_str_equal(step->path[g_strv_length(step->path) - 1], ANY_NAME))
                return fail_step(error, file, node, "the last element of 'path' must be a name, not '*'");

        for (gsize i = 0; i < MAX_ARGUMENTS && kind->arguments[i].name != NULL; i++) {
                const ArgumentSpec *spec = &kind->arguments[i];
                g_autoptr(XmlString) value = xmlGetProp(node, (const xmlChar *)spec->name);
                if (value == NULL || !argument_is_valid(spec->type, (const char *)value)) {
                        g_autofree char *reason = g_strdup_printf("attribute '%s' is missing or malformed", spec->name);
                        return fail_step(error, file, node, reason);
                }
                step->arguments[i] = g_strdup((const char *)value);
        }
        return TRUE;
}

static MigrationStep *migration_step_parse(xmlNode *node, const char *file, GError **error) {
        g_autoptr(MigrationStep) step = g_new0(MigrationStep, 1);

        step->kind = find_step_kind(xml_node_name(node));
        if (step->kind == NULL) {
                g_autofree char *known = step_kind_names();
                g_autofree char *reason = g_strdup_printf("unknown step (known: %s)", known);
                fail_step(error, file, node, reason);
                return NULL;
        }
        if (!read_step_attributes(step, node, file, error))
                return NULL;
        return g_steal_pointer(&step);
}

static char *read_version_attribute(xmlNode *root, const char *name, const char *file, GError **error) {
        g_autoptr(XmlString) value = xmlGetProp(root, (const xmlChar *)name);
        Version version;

        if (value == NULL || !version_parse((const char *)value, &version)) {
                g_autofree char *reason = g_strdup_printf("attribute '%s' must be a version x.y.z", name);
                fail_step(error, file, root, reason);
                return NULL;
        }
        return g_strdup((const char *)value);
}

static MigrationSteps *migration_steps_parse(xmlNode *root, const char *file, const char *section_name,
                                             GError **error) {
        g_autoptr(MigrationSteps) steps = g_new0(MigrationSteps, 1);
        g_autoptr(XmlString) section = xmlGetProp(root, (const xmlChar *)"section");

        steps->steps = g_ptr_array_new_with_free_func((GDestroyNotify)migration_step_free);
        if (!g_str_equal(xml_node_name(root), STEPS_ROOT)) {
                fail_step(error, file, root, "expected the root element <" STEPS_ROOT ">");
                return NULL;
        }
        if (section == NULL || !g_str_equal((const char *)section, section_name)) {
                g_autofree char *reason = g_strdup_printf("attribute 'section' must be '%s'", section_name);
                fail_step(error, file, root, reason);
                return NULL;
        }
        steps->from = read_version_attribute(root, "from", file, error);
        if (steps->from == NULL)
                return NULL;
        steps->to = read_version_attribute(root, "to", file, error);
        if (steps->to == NULL)
                return NULL;
        for (xmlNode *node = xml_first_element_child(root); node != NULL; node = xml_next_element(node)) {
                MigrationStep *step = migration_step_parse(node, file, error);
                if (step == NULL)
                        return NULL;
                g_ptr_array_add(steps->steps, step);
        }
        return g_steal_pointer(&steps);
}

MigrationSteps *migration_steps_load(const char *path, const char *section_name, GError **error) {
        g_autofree char *contents = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        gsize length = 0;

        if (!g_file_get_contents(path, &contents, &length, error))
                return NULL;
        doc = xml_parse_untrusted(contents, length, path, error);
        if (doc == NULL)
                return NULL;
        return migration_steps_parse(xmlDocGetRootElement(doc), path, section_name, error);
}
