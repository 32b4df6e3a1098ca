/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the redirect service's answer: every 200 answer goes
 * through redirect_source_read_answer(). The first byte chooses the
 * Content-Type (text/plain, application/xml, text/xml, another), the rest is
 * the body. Must never crash, leak or read out of bounds; a URL it returns is
 * printable ASCII, trimmed, and http or https. Seeds: corpus/fuzz-redirect-answer/.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-common.h"
#include "source-redirect.h"
#include "url.h"

static const char *const content_types[] = { "text/plain", "application/xml", "text/xml", "text/html" };

/* GLib's debug output of refused documents is noise here. */
static void quiet_log(const char *domain, GLogLevelFlags level, const char *message, gpointer user_data) {
}

static void check_url(const char *url) {
        g_autoptr(GError) error = NULL;

        for (const char *c = url; *c != '\0'; c++)
                fuzz_assert(g_ascii_isprint(*c), "the URL is printable ASCII");
        fuzz_assert(!g_ascii_isspace(url[0]) && !g_ascii_isspace(url[strlen(url) - 1]), "the URL is trimmed");
        fuzz_assert(url_check_fetchable(url, &error), "the URL can be fetched");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static gboolean initialized = FALSE;
        g_autoptr(GError) error = NULL;
        g_autofree char *url = NULL;

        if (!initialized) {
                g_log_set_default_handler(quiet_log, NULL);
                initialized = TRUE;
        }
        if (size == 0)
                return 0;
        url = redirect_source_read_answer(content_types[data[0] % G_N_ELEMENTS(content_types)],
                                          (const char *) data + 1, size - 1, &error);
        if (url == NULL) {
                fuzz_assert(g_error_matches(error, REDIRECT_SOURCE_ERROR, REDIRECT_SOURCE_ERROR_BAD_ANSWER),
                            "a refused answer is a bad answer");
                fuzz_assert(g_utf8_validate(error->message, -1, NULL), "the reason is UTF-8");
                return 0;
        }
        fuzz_assert(error == NULL, "no error with a URL");
        check_url(url);
        return 0;
}
