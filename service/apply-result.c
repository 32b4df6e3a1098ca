/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "apply-result.h"

void section_change_free(SectionChange *change) {
        if (change == NULL)
                return;
        g_free(change->section);
        g_free(change->version);
        g_free(change->how);
        g_free(change);
}

ApplyResult *apply_result_new(void) {
        ApplyResult *result = g_new0(ApplyResult, 1);

        result->touched = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        result->warnings = g_ptr_array_new_with_free_func(g_free);
        result->discarded = g_ptr_array_new_with_free_func(g_free);
        return result;
}

void apply_result_free(ApplyResult *result) {
        if (result == NULL)
                return;
        g_hash_table_unref(result->touched);
        g_ptr_array_unref(result->warnings);
        g_ptr_array_unref(result->discarded);
        g_free(result);
}

void apply_outcome_clear(ApplyOutcome *outcome) {
        g_clear_pointer(&outcome->result, apply_result_free);
        g_clear_pointer(&outcome->changes, g_ptr_array_unref);
        g_clear_error(&outcome->error);
}
