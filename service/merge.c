/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "merge.h"

#include <glib.h>

#include "list-rules.h"
#include "xml-cleanup.h"
#include "xml-parse.h"
#include "xml-tree.h"

static void merge_element(xmlNode *target, xmlNode *patch, const char *path, gboolean take);

/* @node for @target's document: moved out of the patch (@take) or copied. */
static xmlNode *place(xmlNode *node, const xmlNode *target, gboolean take) {
        return take ? xml_tree_take(node, target) : xml_copy_for(node, target);
}

/* Target's element children of one name, in document order; built once per container. */
typedef struct {
        GHashTable *by_name; /* name -> GPtrArray of xmlNode* */
} ChildIndex;

static void child_index_init(ChildIndex *index, const xmlNode *parent) {
        /* Keys are copies: the target's nodes may be freed while the index lives. */
        index->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_ptr_array_unref);
        for (xmlNode *child = xml_first_element_child(parent); child != NULL; child = xml_next_element(child)) {
                GPtrArray *same_name = g_hash_table_lookup(index->by_name, child->name);
                if (same_name == NULL) {
                        same_name = g_ptr_array_new();
                        g_hash_table_insert(index->by_name, g_strdup(xml_node_name(child)), same_name);
                }
                g_ptr_array_add(same_name, child);
        }
}

static void child_index_clear(ChildIndex *index) {
        g_clear_pointer(&index->by_name, g_hash_table_unref);
}

static guint child_index_count(const ChildIndex *index, const xmlChar *name) {
        const GPtrArray *same_name = g_hash_table_lookup(index->by_name, name);

        return same_name != NULL ? same_name->len : 0;
}

static xmlNode *child_index_get(const ChildIndex *index, const xmlChar *name, guint position) {
        const GPtrArray *same_name = g_hash_table_lookup(index->by_name, name);

        return same_name != NULL && position < same_name->len ? g_ptr_array_index(same_name, position) : NULL;
}

static void copy_attributes(xmlNode *target, const xmlNode *patch) {
        for (xmlAttr *attribute = patch->properties; attribute != NULL; attribute = attribute->next) {
                g_autoptr(XmlString) value = xmlNodeListGetString(patch->doc, attribute->children, 1);
                xmlSetProp(target, attribute->name, value != NULL ? value : (const xmlChar *) "");
        }
}

static void replace_content(xmlNode *target, xmlNode *patch, gboolean take) {
        xmlNode *children = target->children;
        xmlNode *next;

        target->children = target->last = NULL;
        xmlFreeNodeList(children);
        for (xmlNode *child = patch->children; child != NULL; child = next) {
                next = child->next;
                xmlAddChild(target, place(child, target, take));
        }
}

/* Whether @node has text other than white space (comments do not count). */
static gboolean has_text(const xmlNode *node) {
        for (const xmlNode *child = node->children; child != NULL; child = child->next)
                if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
                    !xmlIsBlankNode((xmlNode *) child))
                        return TRUE;
        return FALSE;
}

static gboolean is_empty_element(const xmlNode *node) {
        return node->properties == NULL && !xml_has_element_children(node) && !has_text(node);
}

/* A leaf in the patch: its text replaces the target's. A container in the
 * target is never replaced by a leaf, and an element with attributes but no
 * text provides only the attributes; a bare <url/> empties a leaf. */
static void merge_leaf(xmlNode *target, xmlNode *patch, gboolean take) {
        if (xml_has_element_children(target))
                return;
        if (!has_text(patch) && patch->properties != NULL)
                return;
        replace_content(target, patch, take);
}

static void merge_by_key(xmlNode *target, GHashTable *key_index, const ListRule *rule, xmlNode *patch,
                         gboolean take) {
        g_autoptr(XmlString) key = xmlGetProp(patch, (const xmlChar *) rule->key);
        xmlNode *existing = key != NULL ? g_hash_table_lookup(key_index, key) : NULL;

        if (existing != NULL) {
                xmlNode *replacement = place(patch, target, take);
                xmlReplaceNode(existing, replacement);
                xmlFreeNode(existing);
                g_hash_table_insert(key_index, g_steal_pointer(&key), replacement);
        } else {
                xmlNode *added = xmlAddChild(target, place(patch, target, take));
                if (key != NULL)
                        g_hash_table_insert(key_index, g_steal_pointer(&key), added);
        }
}

/* Key value -> element, for the target's children named like @rule's element. */
static GHashTable *build_key_index(const ChildIndex *index, const ListRule *rule) {
        GHashTable *key_index = g_hash_table_new_full(g_str_hash, g_str_equal, xmlFree, NULL);
        const GPtrArray *same_name = g_hash_table_lookup(index->by_name, rule->element);

        for (guint i = 0; same_name != NULL && i < same_name->len; i++) {
                xmlNode *element = g_ptr_array_index(same_name, i);
                xmlChar *key = xmlGetProp(element, (const xmlChar *) rule->key);
                if (key != NULL)
                        g_hash_table_insert(key_index, key, element);
        }
        return key_index;
}

/* A list without a key: the patch's elements of that name replace the target's. */
static void replace_keyless_list(xmlNode *target, const ChildIndex *target_index,
                                 const ChildIndex *patch_index, const xmlChar *name, gboolean take) {
        const GPtrArray *existing = g_hash_table_lookup(target_index->by_name, name);
        const GPtrArray *replacements = g_hash_table_lookup(patch_index->by_name, name);

        for (guint i = 0; existing != NULL && i < existing->len; i++) {
                xmlNode *element = g_ptr_array_index(existing, i);
                xmlUnlinkNode(element);
                xmlFreeNode(element);
        }
        for (guint i = 0; replacements != NULL && i < replacements->len; i++)
                xmlAddChild(target, place(g_ptr_array_index(replacements, i), target, take));
}

typedef struct {
        ChildIndex target_children;
        ChildIndex patch_children;
        /* Keys are copies: a patch node taken into the target may be freed by a later one. */
        GHashTable *key_indexes;   /* element name -> key index */
        GHashTable *handled_lists; /* keyless list names already replaced */
        GHashTable *positions;     /* element name -> next position (GUINT_TO_POINTER) */
        gboolean take;             /* move the patch's nodes instead of copying them */
} MergeState;

static void merge_child(xmlNode *target, MergeState *state, xmlNode *patch, const char *path) {
        const ListRule *rule = list_rule_lookup(path, xml_node_name(patch));
        guint position = GPOINTER_TO_UINT(g_hash_table_lookup(state->positions, patch->name));
        g_autofree char *child_path = g_strdup_printf("%s/%s", path, xml_node_name(patch));
        xmlNode *counterpart;

        g_hash_table_insert(state->positions, g_strdup(xml_node_name(patch)), GUINT_TO_POINTER(position + 1));

        if (rule != NULL && rule->match == LIST_MATCH_BY_KEY) {
                GHashTable *key_index = g_hash_table_lookup(state->key_indexes, patch->name);
                if (key_index == NULL) {
                        key_index = build_key_index(&state->target_children, rule);
                        g_hash_table_insert(state->key_indexes, g_strdup(xml_node_name(patch)), key_index);
                }
                merge_by_key(target, key_index, rule, patch, state->take);
                return;
        }

        if (rule == NULL &&
            (child_index_count(&state->patch_children, patch->name) > 1 ||
             child_index_count(&state->target_children, patch->name) > 1)) {
                if (!g_hash_table_contains(state->handled_lists, patch->name)) {
                        g_hash_table_add(state->handled_lists, g_strdup(xml_node_name(patch)));
                        replace_keyless_list(target, &state->target_children, &state->patch_children,
                                             patch->name, state->take);
                }
                return;
        }

        if (rule != NULL && rule->match == LIST_MATCH_BY_POSITION && is_empty_element(patch))
                return; /* a placeholder keeps its slot */

        counterpart = child_index_get(&state->target_children, patch->name,
                                      rule != NULL && rule->match == LIST_MATCH_BY_POSITION ? position : 0);
        if (counterpart == NULL)
                xmlAddChild(target, place(patch, target, state->take));
        else
                merge_element(counterpart, patch, child_path, state->take);
}

static void merge_children(xmlNode *target, xmlNode *patch, const char *path, gboolean take) {
        MergeState state = {
                .key_indexes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                     (GDestroyNotify) g_hash_table_unref),
                .handled_lists = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                .positions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                .take = take,
        };
        /* In document order, taken before the walk: taking a child unlinks it from @patch. */
        g_autoptr(GPtrArray) children = g_ptr_array_new();

        for (xmlNode *child = xml_first_element_child(patch); child != NULL; child = xml_next_element(child))
                g_ptr_array_add(children, child);
        child_index_init(&state.target_children, target);
        child_index_init(&state.patch_children, patch);
        for (guint i = 0; i < children->len; i++)
                merge_child(target, &state, g_ptr_array_index(children, i), path);

        child_index_clear(&state.target_children);
        child_index_clear(&state.patch_children);
        g_hash_table_unref(state.key_indexes);
        g_hash_table_unref(state.handled_lists);
        g_hash_table_unref(state.positions);
}

static void merge_element(xmlNode *target, xmlNode *patch, const char *path, gboolean take) {
        copy_attributes(target, patch);
        if (xml_has_element_children(patch))
                merge_children(target, patch, path, take);
        else
                merge_leaf(target, patch, take);
}

void merge_section(xmlNode *target, const xmlNode *patch) {
        g_return_if_fail(xmlStrEqual(target->name, patch->name));

        merge_element(target, (xmlNode *) patch, xml_node_name(patch), FALSE);
}

void merge_section_take(xmlNode *target, xmlNode *patch) {
        g_return_if_fail(xmlStrEqual(target->name, patch->name));

        merge_element(target, patch, xml_node_name(patch), TRUE);
}

/* ---- copying a stored section for a merge -------------------------------------- */

/* Key values of @patch's children named @name under @rule (a set of XmlString). */
static GHashTable *patch_keys(const ChildIndex *patch_children, const ListRule *rule, const xmlChar *name) {
        GHashTable *keys = g_hash_table_new_full(g_str_hash, g_str_equal, xmlFree, NULL);
        const GPtrArray *same_name = g_hash_table_lookup(patch_children->by_name, name);

        for (guint i = 0; same_name != NULL && i < same_name->len; i++) {
                xmlChar *key = xmlGetProp(g_ptr_array_index(same_name, i), (const xmlChar *) rule->key);
                if (key != NULL)
                        g_hash_table_add(keys, key);
        }
        return keys;
}

static xmlNode *copy_for_patch(const xmlNode *stored, const xmlNode *patch, xmlDoc *doc, const char *path);

/* A child of a stored container, for the merge of @patch_children into it. */
static xmlNode *copy_child_for_patch(const xmlNode *child, const ChildIndex *stored_children,
                                     const ChildIndex *patch_children, GHashTable *keys_by_name, xmlDoc *doc,
                                     const char *path) {
        const ListRule *rule = list_rule_lookup(path, xml_node_name(child));
        g_autofree char *child_path = NULL;

        if (rule != NULL && rule->match == LIST_MATCH_BY_KEY) {
                GHashTable *keys = g_hash_table_lookup(keys_by_name, child->name);
                g_autoptr(XmlString) key = xmlGetProp(child, (const xmlChar *) rule->key);
                if (keys == NULL) {
                        keys = patch_keys(patch_children, rule, child->name);
                        g_hash_table_insert(keys_by_name, g_strdup(xml_node_name(child)), keys);
                }
                /* The merge replaces it whole (merge_by_key): its element and attributes suffice. */
                if (key != NULL && g_hash_table_contains(keys, key))
                        return xmlDocCopyNode((xmlNode *) child, doc, 2);
        } else if (rule == NULL && child_index_count(stored_children, child->name) == 1 &&
                   child_index_count(patch_children, child->name) == 1) {
                /* The pair merge_child() merges: what the patch replaces below it may be left out too. */
                child_path = g_strdup_printf("%s/%s", path, xml_node_name(child));
                return copy_for_patch(child, child_index_get(patch_children, child->name, 0), doc, child_path);
        }
        return xmlDocCopyNode((xmlNode *) child, doc, 1);
}

static xmlNode *copy_for_patch(const xmlNode *stored, const xmlNode *patch, xmlDoc *doc, const char *path) {
        xmlNode *copy = xmlDocCopyNode((xmlNode *) stored, doc, 2);
        g_autoptr(GHashTable) keys_by_name = NULL;
        ChildIndex stored_children;
        ChildIndex patch_children;

        /* A leaf patch changes no children (merge_leaf()): copy them all. */
        if (!xml_has_element_children(patch)) {
                for (const xmlNode *child = stored->children; child != NULL; child = child->next)
                        xmlAddChild(copy, xmlDocCopyNode((xmlNode *) child, doc, 1));
                return copy;
        }
        keys_by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
        child_index_init(&stored_children, stored);
        child_index_init(&patch_children, patch);
        for (const xmlNode *child = stored->children; child != NULL; child = child->next) {
                if (child->type == XML_ELEMENT_NODE)
                        xmlAddChild(copy,
                                    copy_child_for_patch(child, &stored_children, &patch_children,
                                                         keys_by_name, doc, path));
                else
                        xmlAddChild(copy, xmlDocCopyNode((xmlNode *) child, doc, 1));
        }
        child_index_clear(&stored_children);
        child_index_clear(&patch_children);
        return copy;
}

xmlNode *merge_copy_for(const xmlNode *stored, const xmlNode *patch, xmlDoc *doc) {
        return copy_for_patch(stored, patch, doc, xml_node_name(stored));
}
