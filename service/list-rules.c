/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "list-rules.h"

/* D-series patch rules (docs/architecture.md, "Merge rules"). Repeated elements without a
 * rule are a keyless list, which merge.c replaces as a whole. */
static const ListRule list_rules[] = {
        { "users", "user", LIST_MATCH_BY_KEY, "name" },
        { "keys/phoneXtensions", "key", LIST_MATCH_BY_KEY, "keyNumber" },
        { "keys/extensionModule*", "key", LIST_MATCH_BY_KEY, "keyNumber" },
        { "templates", "template", LIST_MATCH_BY_KEY, "name" },
        { "*/parameters", "parameter", LIST_MATCH_BY_KEY, "name" },
        { "luaLibraries", "luaLibrary", LIST_MATCH_BY_KEY, "name" },
        { "identities", "identity", LIST_MATCH_BY_POSITION, NULL },
};

const ListRule *list_rule_lookup(const char *parent_path, const char *element) {
        for (gsize i = 0; i < G_N_ELEMENTS(list_rules); i++) {
                const ListRule *rule = &list_rules[i];
                if (g_str_equal(rule->element, element) && g_pattern_match_simple(rule->parent_pattern, parent_path))
                        return rule;
        }
        return NULL;
}
