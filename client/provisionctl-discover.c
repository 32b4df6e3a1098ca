/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl discover: what each URL source finds now, without a run ("why did my phone not find its server?"). */
#include <glib.h>

#include "provisionctl.h"

#define LABEL_FORMAT "%10s: "

static void print_discovery_lines(const ProvDiscovery *discovery) {
        if (discovery->url[0] != '\0') {
                g_print(LABEL_FORMAT "%s\n", "Source", discovery->source);
                g_print(LABEL_FORMAT "%s\n", "Url", discovery->url);
        } else {
                g_print(LABEL_FORMAT "none: no source found a provisioning URL\n", "Source");
        }
        for (gsize i = 0; discovery->findings[i] != NULL && discovery->findings[i + 1] != NULL; i += 2)
                g_print(LABEL_FORMAT "%s\n", discovery->findings[i], discovery->findings[i + 1]);
}

static void print_discovery_json(const ProvDiscovery *discovery) {
        g_autoptr(GString) json = g_string_new("{\n  \"source\": ");

        append_json_string(json, discovery->source);
        g_string_append(json, ",\n  \"url\": ");
        append_json_string(json, discovery->url);
        g_string_append(json, ",\n  \"findings\": {");
        for (gsize i = 0; discovery->findings[i] != NULL && discovery->findings[i + 1] != NULL; i += 2) {
                g_string_append(json, i == 0 ? "\n    " : ",\n    ");
                append_json_string(json, discovery->findings[i]);
                g_string_append(json, ": ");
                append_json_string(json, discovery->findings[i + 1]);
        }
        g_string_append(json, "\n  }\n}\n");
        print_raw(json->str);
}

int command_discover(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvDiscovery) discovery = prov_client_discover(client, &error);

        (void) args;
        if (discovery == NULL)
                return report_error(error);
        if (arg_json)
                print_discovery_json(discovery);
        else
                print_discovery_lines(discovery);
        /* Nothing found: the findings are the answer, the exit status says it to scripts. */
        return discovery->url[0] != '\0' ? EXIT_OK : EXIT_REFUSED;
}
