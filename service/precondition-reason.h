/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * The tail every precondition judge shares: @why is the judge's reason for
 * "not met" (owned, NULL when met). Hands @why to @reason when the caller
 * asked for it, frees it otherwise. Returns TRUE when @why is NULL (met).
 */
static inline gboolean precondition_judged(char *why, char **reason) {
        if (why == NULL)
                return TRUE;
        if (reason != NULL)
                *reason = why;
        else
                g_free(why);
        return FALSE;
}
