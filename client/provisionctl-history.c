/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provisionctl history, rollback and diff: the kept settings generations; history --runs: the run history
 * (provisionctl-runs.c). */
#include <glib.h>

#include "provisionctl.h"

static char *format_time(guint64 usec_since_epoch) {
        g_autoptr(GDateTime) time = NULL;

        if (usec_since_epoch == 0)
                return g_strdup("-");
        time = g_date_time_new_from_unix_local((gint64) (usec_since_epoch / G_USEC_PER_SEC));
        return time != NULL ? g_date_time_format(time, "%FT%T%:z") : g_strdup("-");
}

/* The URL a run started from, else the source ("file", "generation 3"), else "-". */
static const char *source_or_url(const ProvGeneration *generation) {
        if (*generation->url != '\0')
                return generation->url;
        if (*generation->source != '\0')
                return generation->source;
        return "-";
}

static void print_history_table(GPtrArray *generations) {
        g_print("%-10s  %-25s  %-10s  %-40s  %s\n", "GENERATION", "TIME", "TRIGGER", "SOURCE/URL", "SECTIONS");
        for (guint i = 0; i < generations->len; i++) {
                const ProvGeneration *generation = g_ptr_array_index(generations, i);
                g_autofree char *time = format_time(generation->time);
                g_autofree char *sections = g_strjoinv(",", generation->sections);
                g_autofree char *number = g_strdup_printf("%" G_GUINT64_FORMAT "%s", generation->generation,
                                                          i + 1 == generations->len ? "*" : "");

                g_print("%10s  %-25s  %-10s  %-40s  %s\n", number, time,
                        *generation->trigger != '\0' ? generation->trigger : "-", source_or_url(generation),
                        *sections != '\0' ? sections : "-");
        }
}

/* [{"generation": N, "current": true|false, …every key of the dictionary…}, …] */
static void print_history_json(GPtrArray *generations) {
        g_autoptr(GString) json = g_string_new("[");

        for (guint i = 0; i < generations->len; i++) {
                const ProvGeneration *generation = g_ptr_array_index(generations, i);
                GVariantIter iter;
                const char *key;
                GVariant *value;

                g_string_append_printf(json, "%s{\"generation\": %" G_GUINT64_FORMAT ", \"current\": %s",
                                       i > 0 ? ", " : "", generation->generation,
                                       i + 1 == generations->len ? "true" : "false");
                g_variant_iter_init(&iter, generation->raw);
                while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
                        g_string_append(json, ", ");
                        append_json_string(json, key);
                        g_string_append(json, ": ");
                        append_json_value(json, value);
                        g_variant_unref(value);
                }
                g_string_append_c(json, '}');
        }
        g_string_append(json, "]\n");
        print_raw(json->str);
}

static gboolean arg_runs;

const GOptionEntry history_options[] = {
        { "runs", 0, 0, G_OPTION_ARG_NONE, &arg_runs,
          "List the last provisioning runs (the run history) instead of the generations", NULL },
        { NULL },
};

int command_history(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) generations = NULL;

        if (arg_runs)
                return command_history_runs(client, args);
        generations = prov_client_list_generations(client, &error);
        if (generations == NULL)
                return report_error(error);
        if (arg_json)
                print_history_json(generations);
        else
                print_history_table(generations);
        return EXIT_OK;
}

static gboolean parse_generation(const char *text, guint64 *generation) {
        if (g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT64, generation, NULL))
                return TRUE;
        report_local_error(NULL, EXIT_USAGE,
                           "\"%s\" is not a generation (a number from \"provisionctl history\")", text);
        g_printerr("Try \"%s --help\".\n", g_get_prgname());
        return FALSE;
}

/* The current generation and the one before it, from the kept ones. */
static int default_generations(ProvClient *client, guint64 *previous, guint64 *current) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) generations = prov_client_list_generations(client, &error);
        const ProvGeneration *last;

        if (generations == NULL)
                return report_error(error);
        if (generations->len < 2)
                return report_local_error(NULL, EXIT_REFUSED, "no generation before the current one is kept");
        last = g_ptr_array_index(generations, generations->len - 1);
        *current = last->generation;
        *previous = ((const ProvGeneration *) g_ptr_array_index(generations, generations->len - 2))->generation;
        return EXIT_OK;
}

int command_rollback(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;
        guint64 generation = 0, current = 0;
        int r;

        if (args[0] != NULL) {
                if (!parse_generation(args[0], &generation))
                        return EXIT_USAGE;
        } else {
                r = default_generations(client, &generation, &current);
                if (r != EXIT_OK)
                        return r;
        }
        if (!prov_client_rollback(client, generation, &changes, &error))
                return report_error(error);
        print_applied_changes(client, changes);
        return EXIT_OK;
}

/* "'text'" with the characters that would break the line escaped, as JSON does. */
static char *quote(const char *value) {
        g_autoptr(GString) quoted = g_string_new(NULL);

        append_json_string(quoted, value);
        return g_string_free(g_steal_pointer(&quoted), FALSE);
}

static void print_difference(const ProvSettingDifference *difference) {
        g_autofree char *old_value = quote(difference->old_value);
        g_autofree char *new_value = quote(difference->new_value);

        if (g_str_equal(difference->change, "secret"))
                g_print("%s: (password changed)\n", difference->path);
        else if (g_str_equal(difference->change, "added"))
                g_print("%s: (none) → %s\n", difference->path, new_value);
        else if (g_str_equal(difference->change, "removed"))
                g_print("%s: %s → (none)\n", difference->path, old_value);
        else
                g_print("%s: %s → %s\n", difference->path, old_value, new_value);
}

static void print_differences_json(guint64 from, guint64 to, GPtrArray *differences) {
        g_autoptr(GString) json = g_string_new(NULL);

        g_string_printf(json,
                        "{\"from\": %" G_GUINT64_FORMAT ", \"to\": %" G_GUINT64_FORMAT ", \"differences\": [",
                        from, to);
        for (guint i = 0; i < differences->len; i++) {
                const ProvSettingDifference *difference = g_ptr_array_index(differences, i);

                g_string_append(json, i > 0 ? ", {\"path\": " : "{\"path\": ");
                append_json_string(json, difference->path);
                g_string_append(json, ", \"change\": ");
                append_json_string(json, difference->change);
                g_string_append(json, ", \"old\": ");
                append_json_string(json, difference->old_value);
                g_string_append(json, ", \"new\": ");
                append_json_string(json, difference->new_value);
                g_string_append_c(json, '}');
        }
        g_string_append(json, "]}\n");
        print_raw(json->str);
}

int command_diff(ProvClient *client, char **args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) differences = NULL;
        guint64 from = 0, to = 0;
        int r;

        if (args[0] == NULL || args[1] == NULL) {
                r = default_generations(client, &from, &to);
                if (r != EXIT_OK)
                        return r;
        }
        if (args[0] != NULL && !parse_generation(args[0], &from))
                return EXIT_USAGE;
        if (args[0] != NULL && args[1] != NULL && !parse_generation(args[1], &to))
                return EXIT_USAGE;
        differences = prov_client_diff_generations(client, from, to, &error);
        if (differences == NULL)
                return report_error(error);
        if (arg_json) {
                print_differences_json(from, to, differences);
                return EXIT_OK;
        }
        g_print("generation %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT ":%s\n", from, to,
                differences->len == 0 ? " no differences" : "");
        for (guint i = 0; i < differences->len; i++)
                print_difference(g_ptr_array_index(differences, i));
        return EXIT_OK;
}
