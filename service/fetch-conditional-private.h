/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to fetch.c: a conditional request (RFC 9110 §13.1). The validators
 * a cached copy was stored with, sent as If-None-Match / If-Modified-Since
 * only on the request to the URL that copy came from, so a redirect elsewhere
 * is never answered from the cache.
 */
#pragma once

#include <libsoup/soup.h>

#include "fetch.h"

typedef struct {
        char *url;               /* the request that gets the validators (userinfo removed); NULL: none */
        char *if_none_match;     /* NULL: not sent */
        char *if_modified_since; /* NULL: not sent */
} FetchConditional;

/** fetch_conditional_init: copies @validators (NULL, or without url: no conditional request). */
void fetch_conditional_init(FetchConditional *conditional, const FetchValidators *validators);

void fetch_conditional_clear(FetchConditional *conditional);

/**
 * fetch_conditional_apply:
 * Adds the validators to @message when it requests @url (userinfo removed)
 * and there is one to send. Returns whether it did: only then may a 304
 * Not Modified stand for the cached copy.
 */
gboolean fetch_conditional_apply(const FetchConditional *conditional, SoupMessage *message, const char *url);
