/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations documents: the input is what goes between <operations> and
 * </operations>, so that every try is an operations document to apply. */
#include <stdint.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GByteArray) document = g_byte_array_sized_new(size + 32);

        g_byte_array_append(document, (const guint8 *) "<operations>", 12);
        g_byte_array_append(document, data, size);
        g_byte_array_append(document, (const guint8 *) "</operations>", 13);
        fuzz_apply_and_check((const char *) document->data, document->len);
        return 0;
}
