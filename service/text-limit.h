/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text from outside (server reason phrases, URLs, file contents quoted in
 * messages) made fit for the bus: valid UTF-8 and bounded in length.
 * D-Bus refuses a message with a string that is not UTF-8, and the system
 * bus drops a connection that sends more than 32 MiB in one message.
 */
#pragma once

#include <glib.h>

/* One message, warning, Progress detail, URL or trigger shown on the bus, in bytes. */
#define TEXT_LIMIT_BYTES 4096

/* All of LastWarnings together, in bytes (besides STATUS_MAX_WARNINGS entries). */
#define TEXT_LIMIT_WARNINGS_BYTES (64 * 1024)

/* The longest url option StartProvisioning accepts, in bytes. */
#define TEXT_LIMIT_URL_OPTION_BYTES 8192

/**
 * text_limit:
 * A newly allocated copy of @text (NULL: "") in which every byte that is not
 * part of valid UTF-8 is replaced by U+FFFD, cut at a character boundary
 * so that it is at most @max_bytes long (at least 4); a cut text ends in "…".
 */
char *text_limit(const char *text, gsize max_bytes);
