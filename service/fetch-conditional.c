/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fetch-conditional-private.h"

#include "url.h"

void fetch_conditional_init(FetchConditional *conditional, const FetchValidators *validators) {
        *conditional = (FetchConditional){ 0 };
        if (validators == NULL || validators->url == NULL)
                return;
        conditional->url = url_redact(validators->url);
        conditional->if_none_match = g_strdup(validators->etag);
        conditional->if_modified_since = g_strdup(validators->last_modified);
}

void fetch_conditional_clear(FetchConditional *conditional) {
        g_clear_pointer(&conditional->url, g_free);
        g_clear_pointer(&conditional->if_none_match, g_free);
        g_clear_pointer(&conditional->if_modified_since, g_free);
}

gboolean fetch_conditional_apply(const FetchConditional *conditional, SoupMessage *message, const char *url) {
        SoupMessageHeaders *headers = soup_message_get_request_headers(message);

        if (conditional->url == NULL || !g_str_equal(url, conditional->url) ||
            (conditional->if_none_match == NULL && conditional->if_modified_since == NULL))
                return FALSE;
        if (conditional->if_none_match != NULL)
                soup_message_headers_replace(headers, "If-None-Match", conditional->if_none_match);
        if (conditional->if_modified_since != NULL)
                soup_message_headers_replace(headers, "If-Modified-Since", conditional->if_modified_since);
        return TRUE;
}
