/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "run-request.h"

#include "url.h"

RunRequest *run_request_new(const char *trigger, const char *url, RunSource source) {
        RunRequest *request = g_new0(RunRequest, 1);

        request->trigger = g_strdup(trigger != NULL ? trigger : "manual");
        /* A blank URL is what a phone menu sends when the field is left blank: use the configured one. */
        request->url = url_normalize_input(url);
        request->source = request->url == NULL ? RUN_SOURCE_CONFIGURED : source;
        return request;
}

RunRequest *run_request_copy(const RunRequest *request) {
        RunRequest *copy = run_request_new(request->trigger, request->url, request->source);

        copy->flags = request->flags;
        return copy;
}

void run_request_free(RunRequest *request) {
        if (request == NULL)
                return;
        g_free(request->trigger);
        g_free(request->url);
        g_free(request);
}

const char *run_source_name(RunSource source) {
        static const char *const names[] = {
                [RUN_SOURCE_MANUAL] = "manual",       [RUN_SOURCE_CONFIGURED] = "configured",
                [RUN_SOURCE_DHCP] = "dhcp",           [RUN_SOURCE_REDIRECT] = "redirect",
                [RUN_SOURCE_MULTICAST] = "multicast", [RUN_SOURCE_CHECK_SYNC] = "check-sync",
        };
        return names[source];
}
