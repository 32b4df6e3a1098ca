/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every libFuzzer target shares: the schemas and factory defaults of the
 * source tree (loaded once), quiet logs, and the checks on an applied result. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "schema.h"

/* A finding: abort() (libFuzzer keeps the input as a crash) with @message.
 * Not g_error(): GLib ends that with SIGTRAP, which libFuzzer does not catch. */
#define fuzz_assert(condition, message)                                                   \
        do {                                                                              \
                if (!(condition))                                                         \
                        fuzz_fail("fuzz assertion failed: %s (%s)", message, #condition); \
        } while (0)

/** fuzz_fail: prints the message and aborts. */
G_NORETURN void fuzz_fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

/** fuzz_schemas: the schema set of the source tree's schemas/ (owned, loaded on first use). */
const SchemaSet *fuzz_schemas(void);

/** fuzz_defaults: data/defaults.xml of the source tree, as the store loads it (owned; do not modify). */
xmlDoc *fuzz_defaults(void);

/**
 * fuzz_apply_and_check:
 * Classifies and applies the @size bytes at @data as ApplyFile does, to a
 * copy of the factory defaults: parse, classify, apply (patch or operations),
 * validate the touched sections. When that succeeds, asserts that the result
 * would load again: it serializes as the store writes it, parses as the store
 * reads it, serializes to the same bytes, and every section still validates.
 * Errors must be GErrors of the provisioning domain with a message.
 */
void fuzz_apply_and_check(const char *data, gsize size);
