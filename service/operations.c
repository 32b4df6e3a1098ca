/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "operations.h"

#include <libxml/xpath.h>

#include "document.h"
#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

/* Bounds the work one path may cost: settings are a few hundred nodes, so
 * an honest path needs a tiny fraction of this. */
#define XPATH_OPERATION_LIMIT 1000000

/* @targets: the selected elements (xmlNode*, not owned). The XPath result they came
 * from is already released: libxml2 reads every node of a node set when it frees
 * it, so nodes an operation frees must no longer be in one. */
typedef void (*OperationApplyFunc)(GPtrArray *targets, xmlNode *operation);

typedef struct {
        const char *element;
        guint min_children; /* element children the operation carries */
        guint max_children;
        const char *children_rule; /* the above, for error messages */
        gboolean may_target_section; /* whether the path may select the section element itself */
        OperationApplyFunc apply;
} OperationKind;

typedef struct {
        const OperationKind *kind;
        xmlNode *element;
        char *path;    /* as written, trailing '/' removed */
        char *section; /* the path's first step */
} Operation;

/* What the rest of one document may still cost. */
typedef struct {
        guint64 xpath_steps_left;
        guint64 nodes_left;
} Budget;

/* One section that operations of this document touch. */
typedef struct {
        char *name;
        xmlNode *section;  /* in the working document; NULL if there is none */
        xmlNode *snapshot; /* copy taken before the first operation, owned */
        char *failure;     /* why the section's operations are discarded, NULL while all is well */
} SectionState;

/* All targets are unlinked before any is freed: a target may lie inside another. */
static void delete_targets(GPtrArray *targets, xmlNode *operation) {
        for (guint i = 0; i < targets->len; i++)
                xmlUnlinkNode(g_ptr_array_index(targets, i));
        for (guint i = 0; i < targets->len; i++)
                xmlFreeNode(g_ptr_array_index(targets, i));
}

/* Like deleting: the replaced targets are freed only once all are replaced. */
static void replace_with_child(GPtrArray *targets, xmlNode *operation) {
        const xmlNode *replacement = xml_first_element_child(operation);

        for (guint i = 0; i < targets->len; i++) {
                xmlNode *target = g_ptr_array_index(targets, i);
                xmlReplaceNode(target, xml_copy_for(replacement, target));
        }
        for (guint i = 0; i < targets->len; i++)
                xmlFreeNode(g_ptr_array_index(targets, i));
}

static void add_children(GPtrArray *targets, xmlNode *operation) {
        for (guint i = 0; i < targets->len; i++) {
                xmlNode *target = g_ptr_array_index(targets, i);
                for (xmlNode *child = xml_first_element_child(operation); child != NULL;
                     child = xml_next_element(child))
                        xmlAddChild(target, xml_copy_for(child, target));
        }
}

static const OperationKind operation_kinds[] = {
        { "delete", 0, 0, "no element children", FALSE, delete_targets },
        { "replace", 1, 1, "exactly one element child", FALSE, replace_with_child },
        { "add", 1, G_MAXUINT, "at least one element child", TRUE, add_children },
};

static void operation_free(Operation *operation) {
        g_free(operation->path);
        g_free(operation->section);
        g_free(operation);
}

static void section_state_free(SectionState *state) {
        g_free(state->name);
        if (state->snapshot != NULL)
                xmlFreeNode(state->snapshot);
        g_free(state->failure);
        g_free(state);
}

static const OperationKind *operation_kind_lookup(const char *element) {
        for (gsize i = 0; i < G_N_ELEMENTS(operation_kinds); i++)
                if (g_str_equal(operation_kinds[i].element, element))
                        return &operation_kinds[i];
        return NULL;
}

static guint count_element_children(const xmlNode *node) {
        guint count = 0;

        for (xmlNode *child = xml_first_element_child(node); child != NULL; child = xml_next_element(child))
                count++;
        return count;
}

static gboolean is_name_char(char c) {
        return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* "/templates/template[@name='Test']" -> "templates"; NULL when the path does not start with a name. */
static char *path_section_name(const char *path) {
        const char *start = path[0] == '/' ? path + 1 : path;
        const char *end = start;

        while (is_name_char(*end))
                end++;
        return end > start ? g_strndup(start, end - start) : NULL;
}

/* The path attribute, trimmed, without the trailing '/' vendor examples carry. */
static char *read_path(xmlNode *element) {
        g_autoptr(XmlString) value = xmlGetProp(element, (const xmlChar *)"path");
        char *path;
        gsize length;

        if (value == NULL)
                return NULL;
        path = g_strstrip(g_strdup((const char *)value));
        length = strlen(path);
        while (length > 1 && path[length - 1] == '/')
                path[--length] = '\0';
        return path;
}

static Operation *operation_parse(xmlNode *element, guint position, GError **error) {
        const OperationKind *kind = operation_kind_lookup(xml_node_name(element));
        g_autofree char *path = NULL;
        g_autofree char *section = NULL;
        guint children;
        Operation *operation;

        if (kind == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "operation %u: <%s> is not an operation (expected <delete>, <replace> or <add>)",
                            position, xml_node_name(element));
                return NULL;
        }
        path = read_path(element);
        if (path == NULL || path[0] == '\0') {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "operation %u: <%s> has no path",
                            position, kind->element);
                return NULL;
        }
        section = path_section_name(path);
        if (section == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "operation %u: path \"%s\" does not start with a section name", position, path);
                return NULL;
        }
        children = count_element_children(element);
        if (children < kind->min_children || children > kind->max_children) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "operation %u: <%s> must have %s, it has %u", position, kind->element,
                            kind->children_rule, children);
                return NULL;
        }
        operation = g_new0(Operation, 1);
        operation->kind = kind;
        operation->element = element;
        operation->path = g_steal_pointer(&path);
        operation->section = g_steal_pointer(&section);
        return operation;
}

/* The whole document is checked before anything is applied, so a malformed
 * document leaves the working copy untouched. */
static GPtrArray *operations_parse(xmlDoc *doc, GError **error) {
        g_autoptr(GPtrArray) operations = g_ptr_array_new_with_free_func((GDestroyNotify)operation_free);
        xmlNode *root = xmlDocGetRootElement(doc);
        guint position = 1;

        if (!g_str_equal(xml_node_name(root), "operations")) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE, "root element <%s> is not <operations>",
                            xml_node_name(root));
                return NULL;
        }
        for (xmlNode *child = xml_first_element_child(root); child != NULL; child = xml_next_element(child)) {
                Operation *operation;

                if (position > OPERATIONS_MAX) {
                        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                                    "more than %u operations in one document", OPERATIONS_MAX);
                        return NULL;
                }
                operation = operation_parse(child, position++, error);
                if (operation == NULL)
                        return NULL;
                g_ptr_array_add(operations, operation);
        }
        return g_steal_pointer(&operations);
}

static SectionState *section_state_new(xmlDoc *working, const SchemaSet *schemas, const char *name) {
        SectionState *state = g_new0(SectionState, 1);

        state->name = g_strdup(name);
        if (schema_set_section_version(schemas, name) == NULL) {
                state->failure = g_strdup_printf("'%s' is not a settings section", name);
                return state;
        }
        state->section = document_find_section(working, name);
        if (state->section == NULL) {
                state->failure = g_strdup_printf("the settings have no section '%s'", name);
                return state;
        }
        state->snapshot = xmlDocCopyNode(state->section, working, 1);
        return state;
}

/* The sections one document touches, in the order it first touched them. */
typedef struct {
        GPtrArray *in_order; /* SectionState*, owned */
        GHashTable *by_name; /* name -> SectionState* */
} SectionStates;

/* The state of section @name, taking its snapshot when it is touched first. */
static SectionState *section_state_get(SectionStates *states, xmlDoc *working, const SchemaSet *schemas,
                                       const char *name) {
        SectionState *state = g_hash_table_lookup(states->by_name, name);

        if (state != NULL)
                return state;
        state = section_state_new(working, schemas, name);
        g_ptr_array_add(states->in_order, state);
        g_hash_table_insert(states->by_name, state->name, state);
        return state;
}

/* Puts the section back as it was before this document. */
static void section_state_restore(SectionState *state) {
        if (state->snapshot == NULL)
                return;
        xmlReplaceNode(state->section, state->snapshot);
        xmlFreeNode(state->section);
        state->section = g_steal_pointer(&state->snapshot);
}

static void section_state_fail(SectionState *state, char *reason) {
        section_state_restore(state);
        state->failure = reason;
}

/* libxml2 before 2.11 reports XPath errors without a message: the callers then say it in general terms. */
static void remember_xpath_error(void *user_data, const xmlError *xml_error) {
        char **message = user_data;

        if (*message == NULL && xml_error != NULL && xml_error->message != NULL)
                *message = g_strchomp(g_strdup(xml_error->message));
}

/* Evaluates @path with the <configuration> element as context node, so the
 * path's first step names a section: "/templates/x" is evaluated as
 * "templates/x". Returns NULL with a reason when it does not compile or run. */
static xmlXPathObject *evaluate_path(xmlDoc *working, const char *path, Budget *budget, char **reason) {
        g_autoptr(xmlXPathContext) context = xmlXPathNewContext(working);
        g_autofree char *message = NULL;
        xmlXPathCompExpr *compiled;
        xmlXPathObject *found;

        context->node = xmlDocGetRootElement(working);
        context->error = (xmlStructuredErrorFunc)remember_xpath_error;
        context->userData = &message;
        /* Never 0 here (libxml2 reads 0 as "no limit"): operations_apply() stops once the budget is spent. */
        context->opLimit = MIN(XPATH_OPERATION_LIMIT, budget->xpath_steps_left);

        compiled = xmlXPathCtxtCompile(context, (const xmlChar *)(path[0] == '/' ? path + 1 : path));
        if (compiled == NULL) {
                *reason = g_strdup_printf("path \"%s\" does not compile: %s", path,
                                          message != NULL ? message : "invalid expression");
                return NULL;
        }
        found = xmlXPathCompiledEval(compiled, context);
        xmlXPathFreeCompExpr(compiled);
        budget->xpath_steps_left -= MIN(context->opCount, budget->xpath_steps_left);
        if (found == NULL)
                *reason = g_strdup_printf("path \"%s\" cannot be evaluated: %s", path,
                                          message != NULL ? message : "evaluation failed");
        return found;
}

static const char *describe_node_type(xmlElementType type) {
        static const struct {
                xmlElementType type;
                const char *description;
        } descriptions[] = {
                { XML_ATTRIBUTE_NODE, "an attribute" },
                { XML_TEXT_NODE, "text" },
                { XML_CDATA_SECTION_NODE, "text" },
                { XML_COMMENT_NODE, "a comment" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(descriptions); i++)
                if (descriptions[i].type == type)
                        return descriptions[i].description;
        return "a node that is no element";
}

/* Why @node may not be a target of @operation, or NULL if it may. */
static char *check_target(const xmlNode *node, const Operation *operation, const xmlNode *section) {
        if (node->type != XML_ELEMENT_NODE)
                return g_strdup_printf("path \"%s\" selects %s, not only elements", operation->path,
                                       describe_node_type(node->type));
        if (node == section)
                return operation->kind->may_target_section
                               ? NULL
                               : g_strdup_printf("path \"%s\" selects the section itself", operation->path);
        if (!xml_is_within(node, section))
                return g_strdup_printf("path \"%s\" selects elements outside the section", operation->path);
        return NULL;
}

/* The elements @operation works on (xmlNode*, not owned); NULL with a reason
 * unless it selects elements of its section only. */
static GPtrArray *select_targets(xmlDoc *working, const Operation *operation, const xmlNode *section,
                                 Budget *budget, char **reason) {
        g_autoptr(xmlXPathObject) found = evaluate_path(working, operation->path, budget, reason);
        GPtrArray *targets;
        xmlNodeSet *nodes;

        if (found == NULL)
                return NULL;
        if (found->type != XPATH_NODESET) {
                *reason = g_strdup_printf("path \"%s\" does not select elements", operation->path);
                return NULL;
        }
        nodes = found->nodesetval;
        if (nodes == NULL || nodes->nodeNr == 0) {
                *reason = g_strdup_printf("path \"%s\" selects nothing", operation->path);
                return NULL;
        }
        for (int i = 0; i < nodes->nodeNr; i++) {
                *reason = check_target(nodes->nodeTab[i], operation, section);
                if (*reason != NULL)
                        return NULL;
        }
        targets = g_ptr_array_sized_new((guint)nodes->nodeNr);
        for (int i = 0; i < nodes->nodeNr; i++)
                g_ptr_array_add(targets, nodes->nodeTab[i]);
        return targets;
}

/* Nodes in @node and below: elements, attributes and text. */
static guint64 count_nodes(const xmlNode *node) {
        guint64 count = 1;

        for (const xmlAttr *attribute = node->type == XML_ELEMENT_NODE ? node->properties : NULL; attribute != NULL;
             attribute = attribute->next)
                count++;
        for (const xmlNode *child = node->children; child != NULL; child = child->next)
                count += count_nodes(child);
        return count;
}

/* Takes what copying the operation's children to @n_targets targets creates from @budget. */
static gboolean budget_take_nodes(Budget *budget, const xmlNode *operation, int n_targets, GError **error) {
        guint64 per_target = 0;

        for (const xmlNode *child = xml_first_element_child(operation); child != NULL; child = xml_next_element(child))
                per_target += count_nodes(child);
        if (per_target == 0 || (guint64)n_targets <= budget->nodes_left / per_target) {
                budget->nodes_left -= per_target * (guint64)n_targets;
                return TRUE;
        }
        g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                    "the operations would create more than %u nodes (an operation copies its content to each "
                    "target)",
                    OPERATIONS_MAX_NODES_CREATED);
        return FALSE;
}

static gboolean operation_run(xmlDoc *working, const Operation *operation, SectionState *state, Budget *budget,
                              GError **error) {
        char *reason = NULL;
        g_autoptr(GPtrArray) targets = select_targets(working, operation, state->section, budget, &reason);

        if (budget->xpath_steps_left == 0) {
                g_free(reason);
                g_set_error(error, PROV_ERROR, PROV_ERROR_INVALID_FILE,
                            "the operations' paths take more than %u XPath steps together", OPERATIONS_XPATH_BUDGET);
                return FALSE;
        }
        if (targets == NULL) {
                section_state_fail(state, reason);
                return TRUE;
        }
        if (!budget_take_nodes(budget, operation->element, (int)targets->len, error))
                return FALSE;
        operation->kind->apply(targets, operation->element);
        return TRUE;
}

static gboolean section_state_changed(SectionState *state) {
        g_autofree char *before = xml_node_to_string(state->snapshot);
        g_autofree char *after = xml_node_to_string(state->section);

        return !g_str_equal(before, after);
}

static void report_discarded(ApplyResult *result, const SectionState *state) {
        g_ptr_array_add(result->discarded, g_strdup_printf("%s: %s", state->name, state->failure));
        g_ptr_array_add(result->warnings,
                        g_strdup_printf("discarded the operations on section %s: %s", state->name, state->failure));
}

/* Validates a section the operations left standing; keeps it only if it is valid. */
static void section_state_finish(SectionState *state, const SchemaSet *schemas, ApplyResult *result) {
        g_autoptr(GError) invalid = NULL;

        if (state->failure == NULL && !section_state_changed(state))
                return; /* an earlier patch's "how" stays */
        if (state->failure == NULL && !schema_set_validate_section(schemas, state->section, &invalid))
                section_state_fail(state, g_strdup(invalid->message));
        if (state->failure != NULL) {
                report_discarded(result, state);
                return;
        }
        g_hash_table_insert(result->touched, g_strdup(state->name), HOW_OPERATIONS);
}

gboolean operations_apply(xmlDoc *working, xmlDoc *operations, const SchemaSet *schemas, ApplyResult *result,
                          GError **error) {
        g_autoptr(GPtrArray) parsed = operations_parse(operations, error);
        g_autoptr(GPtrArray) in_order = NULL;
        g_autoptr(GHashTable) by_name = NULL;
        SectionStates states;
        Budget budget = { .xpath_steps_left = OPERATIONS_XPATH_BUDGET, .nodes_left = OPERATIONS_MAX_NODES_CREATED };

        if (parsed == NULL)
                return FALSE;
        in_order = g_ptr_array_new_with_free_func((GDestroyNotify)section_state_free);
        by_name = g_hash_table_new(g_str_hash, g_str_equal);
        states = (SectionStates){ .in_order = in_order, .by_name = by_name };
        for (guint i = 0; i < parsed->len; i++) {
                const Operation *operation = g_ptr_array_index(parsed, i);
                SectionState *state = section_state_get(&states, working, schemas, operation->section);

                if (state->failure == NULL && !operation_run(working, operation, state, &budget, error))
                        return FALSE;
        }
        for (guint i = 0; i < in_order->len; i++)
                section_state_finish(g_ptr_array_index(in_order, i), schemas, result);
        return TRUE;
}
