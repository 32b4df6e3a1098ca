/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Leaf-wise merge of a patch section into a settings section (D-series
 * rules): provided leaves replace theirs, absent ones stay; keyed list
 * elements replace their counterpart whole; positional lists merge slot by
 * slot with empty placeholders; keyless lists are replaced as a whole.
 * Linear in the size of both trees.
 */
#pragma once

#include <libxml/tree.h>

/**
 * merge_section:
 * Merges @patch into @target in place. Nodes are copied into @target's
 * document; @patch is not changed. Both must be elements of the same name.
 */
void merge_section(xmlNode *target, const xmlNode *patch);

/**
 * merge_section_take:
 * merge_section(), but the nodes @target gets are moved out of @patch
 * instead of copied (xml_tree_take()): @patch is left as a husk that is only
 * good for freeing. For a patch document that is dropped after the apply.
 */
void merge_section_take(xmlNode *target, xmlNode *patch);

/**
 * merge_copy_for:
 * A copy of the stored section @stored in @doc, for merging @patch (the
 * same section, as it will be merged) into it: keyed list elements that
 * @patch replaces whole are copied as shells (the element and its
 * attributes), since merge_section_take() drops them anyway; the rest is
 * copied whole. After the merge of @patch, the result equals that of
 * merging into a full copy.
 */
xmlNode *merge_copy_for(const xmlNode *stored, const xmlNode *patch, xmlDoc *doc);
