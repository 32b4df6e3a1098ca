/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "schema-known.h"

#include <libxml/parser.h>

#include "provision-error.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

#define XSD_NS "http://www.w3.org/2001/XMLSchema"

/* One node per distinct element declaration; named types share theirs, which
 * keeps recursive types finite. The tree owns every node through `nodes`. */
typedef struct KnownElement {
        GHashTable *children;   /* name -> KnownElement* (not owned) */
        GHashTable *attributes; /* set of names */
        gboolean any_content;   /* xs:any: anything goes below */
        gboolean any_attribute;
} KnownElement;

struct KnownTree {
        KnownElement *root;
        GPtrArray *nodes; /* owns the KnownElements */
        GPtrArray *docs;  /* the parsed XSD documents, owned; these and the tables: while loading */
        GHashTable *global_elements; /* name -> xs:element xmlNode* */
        GHashTable *named_types;     /* name -> xs:complexType xmlNode* */
        GHashTable *named_groups;    /* name -> xs:group or xs:attributeGroup xmlNode* */
        GHashTable *type_nodes;      /* xs:complexType xmlNode* -> KnownElement* */
        GHashTable *loaded_paths;    /* set of XSD paths already read */
};

static void known_element_free(KnownElement *element) {
        g_hash_table_unref(element->children);
        g_hash_table_unref(element->attributes);
        g_free(element);
}

static KnownElement *known_element_new(KnownTree *tree) {
        KnownElement *element = g_new0(KnownElement, 1);

        element->children = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        element->attributes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_ptr_array_add(tree->nodes, element);
        return element;
}

static gboolean is_xsd(const xmlNode *node, const char *name) {
        return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
                g_str_equal((const char *) node->ns->href, XSD_NS) && g_str_equal(xml_node_name(node), name);
}

/* Attribute value without its namespace prefix ("xs:string" -> "string"), newly allocated. */
static char *local_attribute(const xmlNode *node, const char *attribute) {
        g_autoptr(XmlString) value = xmlGetProp(node, (const xmlChar *) attribute);
        const char *colon;

        if (value == NULL)
                return NULL;
        colon = strchr((const char *) value, ':');
        return g_strdup(colon != NULL ? colon + 1 : (const char *) value);
}

static gboolean load_schema_file(KnownTree *tree, const char *path, GError **error);

static gboolean index_schema(KnownTree *tree, xmlNode *schema, const char *path, GError **error) {
        g_autofree char *directory = g_path_get_dirname(path);

        for (xmlNode *child = xml_first_element_child(schema); child != NULL; child = xml_next_element(child)) {
                g_autofree char *name = local_attribute(child, "name");

                if (is_xsd(child, "include") || is_xsd(child, "import")) {
                        g_autofree char *location = local_attribute(child, "schemaLocation");
                        g_autofree char *included = NULL;
                        if (location == NULL)
                                continue;
                        included = g_build_filename(directory, location, NULL);
                        if (!load_schema_file(tree, included, error))
                                return FALSE;
                } else if (name == NULL) {
                        continue;
                } else if (is_xsd(child, "element")) {
                        g_hash_table_insert(tree->global_elements, g_steal_pointer(&name), child);
                } else if (is_xsd(child, "complexType")) {
                        g_hash_table_insert(tree->named_types, g_steal_pointer(&name), child);
                } else if (is_xsd(child, "group") || is_xsd(child, "attributeGroup")) {
                        g_hash_table_insert(tree->named_groups, g_steal_pointer(&name), child);
                }
        }
        return TRUE;
}

static gboolean load_schema_file(KnownTree *tree, const char *path, GError **error) {
        g_autofree char *contents = NULL;
        gsize length = 0;
        xmlDoc *doc;

        if (g_hash_table_contains(tree->loaded_paths, path))
                return TRUE;
        g_hash_table_add(tree->loaded_paths, g_strdup(path));

        if (!g_file_get_contents(path, &contents, &length, error))
                return FALSE;
        doc = xml_parse_untrusted(contents, length, path, error);
        if (doc == NULL)
                return FALSE;
        g_ptr_array_add(tree->docs, doc);
        return index_schema(tree, xmlDocGetRootElement(doc), path, error);
}

static void collect_element(KnownTree *tree, KnownElement *parent, xmlNode *declaration);
static KnownElement *element_for_declaration(KnownTree *tree, xmlNode *declaration);

/* Adds what a content model (complexType and everything nested in it) allows to @element. */
static void collect_content(KnownTree *tree, KnownElement *element, xmlNode *model) {
        for (xmlNode *child = xml_first_element_child(model); child != NULL; child = xml_next_element(child)) {
                if (is_xsd(child, "element")) {
                        collect_element(tree, element, child);
                } else if (is_xsd(child, "attribute")) {
                        g_autofree char *name = local_attribute(child, "name");
                        if (name == NULL)
                                name = local_attribute(child, "ref");
                        if (name != NULL)
                                g_hash_table_add(element->attributes, g_steal_pointer(&name));
                } else if (is_xsd(child, "any")) {
                        element->any_content = TRUE;
                } else if (is_xsd(child, "anyAttribute")) {
                        element->any_attribute = TRUE;
                } else if (is_xsd(child, "group") || is_xsd(child, "attributeGroup")) {
                        g_autofree char *ref = local_attribute(child, "ref");
                        xmlNode *group = ref != NULL ? g_hash_table_lookup(tree->named_groups, ref) : NULL;
                        collect_content(tree, element, group != NULL ? group : child);
                } else if (is_xsd(child, "extension") || is_xsd(child, "restriction")) {
                        g_autofree char *base = local_attribute(child, "base");
                        xmlNode *base_type = base != NULL ? g_hash_table_lookup(tree->named_types, base) :
                                                            NULL;
                        if (base_type != NULL)
                                collect_content(tree, element, base_type);
                        collect_content(tree, element, child);
                } else if (is_xsd(child, "sequence") || is_xsd(child, "all") || is_xsd(child, "choice") ||
                           is_xsd(child, "complexContent") || is_xsd(child, "simpleContent") ||
                           is_xsd(child, "complexType")) {
                        collect_content(tree, element, child);
                }
        }
}

static KnownElement *element_for_type(KnownTree *tree, xmlNode *complex_type) {
        KnownElement *element = g_hash_table_lookup(tree->type_nodes, complex_type);

        if (element != NULL)
                return element;
        element = known_element_new(tree);
        /* Registered before walking, so a type that contains itself ends here. */
        g_hash_table_insert(tree->type_nodes, complex_type, element);
        collect_content(tree, element, complex_type);
        return element;
}

static KnownElement *element_for_declaration(KnownTree *tree, xmlNode *declaration) {
        g_autofree char *type_name = local_attribute(declaration, "type");
        xmlNode *named_type = type_name != NULL ? g_hash_table_lookup(tree->named_types, type_name) : NULL;

        if (named_type != NULL)
                return element_for_type(tree, named_type);
        /* Anonymous complex type, or a simple type (a leaf: the walk finds nothing). */
        return element_for_type(tree, declaration);
}

static void collect_element(KnownTree *tree, KnownElement *parent, xmlNode *declaration) {
        g_autofree char *name = local_attribute(declaration, "name");
        xmlNode *target = declaration;

        if (name == NULL) {
                name = local_attribute(declaration, "ref");
                target = name != NULL ? g_hash_table_lookup(tree->global_elements, name) : NULL;
                if (target == NULL)
                        return;
        }
        if (g_hash_table_contains(parent->children, name))
                return;
        g_hash_table_insert(parent->children, g_strdup(name), element_for_declaration(tree, target));
}

/* The XSD documents and the lookup tables over them: needed only while the tree is built. */
static void clear_loading_state(KnownTree *tree) {
        g_clear_pointer(&tree->type_nodes, g_hash_table_unref);
        g_clear_pointer(&tree->global_elements, g_hash_table_unref);
        g_clear_pointer(&tree->named_types, g_hash_table_unref);
        g_clear_pointer(&tree->named_groups, g_hash_table_unref);
        g_clear_pointer(&tree->loaded_paths, g_hash_table_unref);
        g_clear_pointer(&tree->docs, g_ptr_array_unref);
}

KnownTree *known_tree_load(const char *xsd_path, const char *root_element, GError **error) {
        g_autoptr(KnownTree) tree = g_new0(KnownTree, 1);
        xmlNode *root_declaration;

        tree->nodes = g_ptr_array_new_with_free_func((GDestroyNotify) known_element_free);
        tree->docs = g_ptr_array_new_with_free_func((GDestroyNotify) xmlFreeDoc);
        tree->global_elements = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        tree->named_types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        tree->named_groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        tree->type_nodes = g_hash_table_new(g_direct_hash, g_direct_equal);
        tree->loaded_paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

        if (!load_schema_file(tree, xsd_path, error))
                return NULL;
        root_declaration = g_hash_table_lookup(tree->global_elements, root_element);
        if (root_declaration == NULL) {
                g_set_error(error, PROV_ERROR, PROV_ERROR_FAILED, "%s declares no global element '%s'",
                            xsd_path, root_element);
                return NULL;
        }
        tree->root = element_for_declaration(tree, root_declaration);
        /* The tree is complete: what it was read from is not needed any more. */
        clear_loading_state(tree);
        return g_steal_pointer(&tree);
}

void known_tree_free(KnownTree *tree) {
        if (tree == NULL)
                return;
        clear_loading_state(tree);
        g_clear_pointer(&tree->nodes, g_ptr_array_unref);
        g_free(tree);
}

/* "/section/a/b" for @node below (or at) @root: built only for what is stripped, never on the walk. */
static char *strip_path(const xmlNode *node, const xmlNode *root) {
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        GString *path = g_string_new(NULL);

        for (; node != NULL; node = node == root ? NULL : node->parent)
                g_ptr_array_add(names, (gpointer) xml_node_name(node));
        for (guint i = names->len; i > 0; i--)
                g_string_append_printf(path, "/%s", (const char *) g_ptr_array_index(names, i - 1));
        return g_string_free(path, FALSE);
}

static guint strip_attributes(const KnownElement *known, xmlNode *node, const xmlNode *root,
                              GPtrArray *warnings) {
        xmlAttr *attribute = node->properties;
        guint removed = 0;

        if (known->any_attribute)
                return 0;
        while (attribute != NULL) {
                xmlAttr *next = attribute->next;
                if (!g_hash_table_contains(known->attributes, attribute->name)) {
                        g_autofree char *path = strip_path(node, root);
                        g_ptr_array_add(warnings,
                                        g_strdup_printf("stripped unknown attribute %s/@%s", path,
                                                        (const char *) attribute->name));
                        xmlRemoveProp(attribute);
                        removed++;
                }
                attribute = next;
        }
        return removed;
}

static guint strip_below(const KnownElement *known, xmlNode *node, const xmlNode *root, GPtrArray *warnings) {
        guint removed = strip_attributes(known, node, root, warnings);
        xmlNode *child;

        if (known->any_content)
                return removed;
        child = xml_first_element_child(node);
        while (child != NULL) {
                xmlNode *next = xml_next_element(child);
                const KnownElement *known_child = g_hash_table_lookup(known->children, child->name);

                if (known_child == NULL) {
                        g_autofree char *path = strip_path(child, root);
                        g_ptr_array_add(warnings, g_strdup_printf("stripped unknown element %s", path));
                        xmlUnlinkNode(child);
                        xmlFreeNode(child);
                        removed++;
                } else {
                        removed += strip_below(known_child, child, root, warnings);
                }
                child = next;
        }
        return removed;
}

guint known_tree_strip(const KnownTree *tree, xmlNode *root, GPtrArray *warnings) {
        return strip_below(tree->root, root, root, warnings);
}
