/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which settings differ between two settings documents (DiffGenerations):
 * one SettingDifference per leaf value or attribute, never a password's value.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#define SETTING_ADDED "added"
#define SETTING_REMOVED "removed"
#define SETTING_CHANGED "changed"
#define SETTING_SECRET "secret" /* a password (secrets.h) differs; both values are "" */

/**
 * SettingDifference:
 * @path: "/section/element/…", a repeated element as element[@key='value']
 *   for keyed lists (list-rules.h), else element[n] (1-based) when it has
 *   siblings of its name; an attribute as …/@name. Owned.
 * @change: SETTING_ADDED, SETTING_REMOVED, SETTING_CHANGED or SETTING_SECRET (static).
 * @old_value, @new_value: the text ("" when absent, and always for a secret). Owned.
 */
typedef struct {
        char *path;
        const char *change;
        char *old_value;
        char *new_value;
} SettingDifference;

void setting_difference_free(SettingDifference *difference);

/**
 * settings_diff:
 * The differences from @old_doc to @new_doc (both borrowed), section by
 * section in @new_doc's order (then sections only @old_doc has); within a
 * section the added and changed values in @new_doc's order, then the removed
 * ones in @old_doc's order. Element text is compared as it is.
 */
GPtrArray *settings_diff(xmlDoc *old_doc, xmlDoc *new_doc);
