/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Settings section versions ("1.26.11"): major.minor.micro, compared
 * numerically. Independent of firmware release names ("2.2A").
 */
#pragma once

#include <glib.h>

typedef struct {
        guint32 major;
        guint32 minor;
        guint32 micro;
} Version;

/* What a section without a version attribute, matching no known schema, is taken to be. */
#define VERSION_OLDEST ((Version){ 0, 0, 0 })
#define VERSION_OLDEST_STRING "0.0.0"

/**
 * version_parse:
 * Parses @text, exactly three dot-separated decimal numbers (no sign, no
 * blanks, each fitting 32 bits). Returns FALSE and leaves @version untouched
 * for anything else.
 */
gboolean version_parse(const char *text, Version *version);

/** version_compare: <0, 0 or >0 as @a is older than, equal to or newer than @b. */
int version_compare(const Version *a, const Version *b);
