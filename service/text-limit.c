/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "text-limit.h"

#include <string.h>

#define ELLIPSIS "…"

char *text_limit(const char *text, gsize max_bytes) {
        g_autofree char *valid = g_utf8_make_valid(text != NULL ? text : "", -1);
        gsize length = strlen(valid);
        gsize cut;

        max_bytes = MAX(max_bytes, sizeof(ELLIPSIS));
        if (length <= max_bytes)
                return g_steal_pointer(&valid);
        cut = max_bytes - (sizeof(ELLIPSIS) - 1);
        /* Back to the first byte of a character: continuation bytes are 10xxxxxx. */
        while (cut > 0 && ((guchar) valid[cut] & 0xC0) == 0x80)
                cut--;
        valid[cut] = '\0';
        return g_strconcat(valid, ELLIPSIS, NULL);
}
