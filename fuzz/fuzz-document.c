/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Any document, as ApplyFile or a run gets it: parse, classify, apply to the
 * factory defaults, validate; a result that is accepted must load again. */
#include <stdint.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_apply_and_check((const char *) data, size);
        return 0;
}
