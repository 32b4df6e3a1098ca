/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "settings-diff.h"

#include "list-rules.h"
#include "secrets.h"
#include "xml-cleanup.h"
#include "xml-parse.h"

void setting_difference_free(SettingDifference *difference) {
        if (difference == NULL)
                return;
        g_free(difference->path);
        g_free(difference->old_value);
        g_free(difference->new_value);
        g_free(difference);
}

/* One section flattened: the paths in document order, path -> value, and the secret paths. */
typedef struct {
        GPtrArray *paths;    /* char*, owned */
        GHashTable *values;  /* path (borrowed from @paths) -> value (owned) */
        GHashTable *secrets; /* path (borrowed) */
} Flat;

static void flat_clear(Flat *flat) {
        g_clear_pointer(&flat->values, g_hash_table_unref);
        g_clear_pointer(&flat->secrets, g_hash_table_unref);
        g_clear_pointer(&flat->paths, g_ptr_array_unref);
}

static void flat_add(Flat *flat, char *path, char *value, gboolean secret) {
        if (g_hash_table_contains(flat->values, path)) {
                /* the same step twice (a keyed list with a duplicate key): keep the first */
                g_free(path);
                g_free(value);
                return;
        }
        g_ptr_array_add(flat->paths, path);
        g_hash_table_insert(flat->values, path, value);
        if (secret)
                g_hash_table_add(flat->secrets, path);
}

static guint count_named(const xmlNode *parent, const xmlChar *name) {
        guint count = 0;

        for (xmlNode *child = xml_first_element_child(parent); child != NULL; child = xml_next_element(child))
                if (xmlStrEqual(child->name, name))
                        count++;
        return count;
}

static guint position_of(const xmlNode *node) {
        guint position = 1;

        for (xmlNode *sibling = xml_first_element_child(node->parent); sibling != node;
             sibling = xml_next_element(sibling))
                if (xmlStrEqual(sibling->name, node->name))
                        position++;
        return position;
}

/* The step of @node below its parent, whose names-only path (for list-rules.h) is @parent_names. */
static char *step_of(const xmlNode *node, const char *parent_names) {
        const ListRule *rule = list_rule_lookup(parent_names, xml_node_name(node));
        g_autoptr(XmlString) key = NULL;

        if (rule != NULL && rule->match == LIST_MATCH_BY_KEY) {
                key = xmlGetProp(node, (const xmlChar *) rule->key);
                if (key != NULL)
                        return g_strdup_printf("%s[@%s='%s']", xml_node_name(node), rule->key,
                                               (const char *) key);
        }
        if (count_named(node->parent, node->name) > 1)
                return g_strdup_printf("%s[%u]", xml_node_name(node), position_of(node));
        return g_strdup(xml_node_name(node));
}

static void flatten(Flat *flat, const xmlNode *node, const char *path, const char *names, gboolean secret) {
        gboolean has_children = xml_first_element_child(node) != NULL;

        secret = secret || secrets_is_secret(node);
        for (xmlAttr *attribute = node->properties; attribute != NULL; attribute = attribute->next) {
                g_autoptr(XmlString) value = xmlNodeGetContent((xmlNode *) attribute);
                flat_add(flat, g_strdup_printf("%s/@%s", path, (const char *) attribute->name),
                         g_strdup(value != NULL ? (const char *) value : ""), secret);
        }
        if (!has_children) {
                g_autoptr(XmlString) text = xmlNodeGetContent((xmlNode *) node);
                flat_add(flat, g_strdup(path), g_strdup(text != NULL ? (const char *) text : ""), secret);
                return;
        }
        for (xmlNode *child = xml_first_element_child(node); child != NULL; child = xml_next_element(child)) {
                g_autofree char *step = step_of(child, names);
                g_autofree char *child_path = g_strdup_printf("%s/%s", path, step);
                g_autofree char *child_names = g_strdup_printf("%s/%s", names, xml_node_name(child));

                flatten(flat, child, child_path, child_names, secret);
        }
}

static void flatten_section(Flat *flat, const xmlNode *section) {
        g_autofree char *path = NULL;

        flat->paths = g_ptr_array_new_with_free_func(g_free);
        flat->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        flat->secrets = g_hash_table_new(g_str_hash, g_str_equal);
        if (section == NULL)
                return;
        path = g_strdup_printf("/%s", xml_node_name(section));
        flatten(flat, section, path, xml_node_name(section), FALSE);
}

static void add_difference(GPtrArray *differences, const char *path, const char *change,
                           const char *old_value, const char *new_value) {
        SettingDifference *difference = g_new0(SettingDifference, 1);
        gboolean secret = g_str_equal(change, SETTING_SECRET);

        difference->path = g_strdup(path);
        difference->change = change;
        difference->old_value = g_strdup(secret || old_value == NULL ? "" : old_value);
        difference->new_value = g_strdup(secret || new_value == NULL ? "" : new_value);
        g_ptr_array_add(differences, difference);
}

static void diff_section(GPtrArray *differences, const xmlNode *old_section, const xmlNode *new_section) {
        Flat old_flat = { 0 }, new_flat = { 0 };

        flatten_section(&old_flat, old_section);
        flatten_section(&new_flat, new_section);
        for (guint i = 0; i < new_flat.paths->len; i++) {
                const char *path = g_ptr_array_index(new_flat.paths, i);
                const char *new_value = g_hash_table_lookup(new_flat.values, path);
                const char *old_value = g_hash_table_lookup(old_flat.values, path);
                gboolean secret = g_hash_table_contains(new_flat.secrets, path);

                if (old_value != NULL && g_str_equal(old_value, new_value))
                        continue;
                add_difference(differences, path,
                               secret                    ? SETTING_SECRET :
                                       old_value == NULL ? SETTING_ADDED :
                                                           SETTING_CHANGED,
                               old_value, new_value);
        }
        for (guint i = 0; i < old_flat.paths->len; i++) {
                const char *path = g_ptr_array_index(old_flat.paths, i);

                if (g_hash_table_contains(new_flat.values, path))
                        continue;
                add_difference(differences, path,
                               g_hash_table_contains(old_flat.secrets, path) ? SETTING_SECRET : SETTING_REMOVED,
                               g_hash_table_lookup(old_flat.values, path), NULL);
        }
        flat_clear(&old_flat);
        flat_clear(&new_flat);
}

GPtrArray *settings_diff(xmlDoc *old_doc, xmlDoc *new_doc) {
        GPtrArray *differences = g_ptr_array_new_with_free_func((GDestroyNotify) setting_difference_free);
        xmlNode *old_root = xmlDocGetRootElement(old_doc);
        xmlNode *new_root = xmlDocGetRootElement(new_doc);

        for (xmlNode *section = xml_first_element_child(new_root); section != NULL;
             section = xml_next_element(section))
                diff_section(differences, xml_find_child(old_root, xml_node_name(section)), section);
        for (xmlNode *section = xml_first_element_child(old_root); section != NULL;
             section = xml_next_element(section))
                if (xml_find_child(new_root, xml_node_name(section)) == NULL)
                        diff_section(differences, section, NULL);
        return differences;
}
