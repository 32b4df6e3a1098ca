/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How repeated elements of the settings are matched when a patch is merged: the one table. */
#pragma once

#include <glib.h>

typedef enum {
        LIST_MATCH_NONE,        /* not a keyed or positional list */
        LIST_MATCH_BY_KEY,      /* counterpart has the same key attribute value; replaced whole */
        LIST_MATCH_BY_POSITION, /* n-th patch element merges into the n-th one; empty = placeholder */
} ListMatch;

typedef struct {
        const char *parent_pattern; /* path of the parent below the document root, '*' wildcards */
        const char *element;        /* name of the repeated element */
        ListMatch match;
        const char *key;            /* key attribute for LIST_MATCH_BY_KEY */
} ListRule;

/**
 * list_rule_lookup:
 * The rule for elements named @element below the parent at @parent_path
 * (e.g. "keys/phoneXtensions", "key"), or NULL when none applies.
 */
const ListRule *list_rule_lookup(const char *parent_path, const char *element);
