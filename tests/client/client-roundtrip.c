/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A round trip through libprovision's public API against a running provisiond
 * on the system bus: apply the example backup and see a SectionApplied signal
 * for every changed section, read a backup and the status back, and get a
 * refused document's error as PROV_ERROR_VALIDATION. Run by run-with-daemon.sh.
 */
#include <string.h>

#include <provision.h>

#define SIGNAL_TIMEOUT_SECONDS 10

typedef struct {
        GMainLoop *loop;
        GHashTable *applied_sections; /* names from SectionApplied signals */
        GPtrArray *expected_changes;  /* of ProvSectionChange, from the ApplyFile reply */
        gboolean timed_out;
} Roundtrip;

static gboolean all_expected_signals_received(const Roundtrip *roundtrip) {
        if (roundtrip->expected_changes == NULL)
                return FALSE;
        for (guint i = 0; i < roundtrip->expected_changes->len; i++) {
                const ProvSectionChange *change = g_ptr_array_index(roundtrip->expected_changes, i);
                if (!g_hash_table_contains(roundtrip->applied_sections, change->section))
                        return FALSE;
        }
        return TRUE;
}

static void on_section_applied(guint64 run_id, const char *section, const char *version, const char *how,
                               gpointer user_data) {
        Roundtrip *roundtrip = user_data;

        g_print("signal: SectionApplied run=%" G_GUINT64_FORMAT " section=%s version=%s how=%s\n", run_id,
                section, version, how);
        g_assert_cmpuint(run_id, ==, 0); /* ApplyFile's run id */
        g_hash_table_add(roundtrip->applied_sections, g_strdup(section));
        if (all_expected_signals_received(roundtrip))
                g_main_loop_quit(roundtrip->loop);
}

static gboolean on_signal_timeout(gpointer user_data) {
        Roundtrip *roundtrip = user_data;

        roundtrip->timed_out = TRUE;
        g_main_loop_quit(roundtrip->loop);
        return G_SOURCE_REMOVE;
}

static char *source_path(const char *relative_path) {
        const char *source_root = g_getenv("PROVISIOND_SOURCE_ROOT");

        g_assert_nonnull(source_root);
        return g_build_filename(source_root, relative_path, NULL);
}

static void apply_example_backup(ProvClient *client, Roundtrip *roundtrip) {
        g_autofree char *path = source_path("data/examples/backup.xml");
        g_autoptr(GError) error = NULL;

        g_assert_true(prov_client_apply_file(client, path, &roundtrip->expected_changes, &error));
        g_assert_no_error(error);
        for (guint i = 0; i < roundtrip->expected_changes->len; i++) {
                const ProvSectionChange *change = g_ptr_array_index(roundtrip->expected_changes, i);
                g_print("changed: %s %s %s\n", change->section, change->version, change->how);
        }
        if (roundtrip->expected_changes->len == 0)
                g_print("note: the example backup changed nothing\n");
}

/* The signals were queued while ApplyFile ran; they arrive once the loop dispatches the bus. */
static void wait_for_section_signals(Roundtrip *roundtrip) {
        guint timeout_id;

        if (all_expected_signals_received(roundtrip))
                return;
        timeout_id = g_timeout_add_seconds(SIGNAL_TIMEOUT_SECONDS, on_signal_timeout, roundtrip);
        g_main_loop_run(roundtrip->loop);
        if (!roundtrip->timed_out)
                g_source_remove(timeout_id);
        g_assert_false(roundtrip->timed_out);
}

static void check_backup(ProvClient *client) {
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = prov_client_backup(client, NULL, &error);

        g_assert_no_error(error);
        g_assert_nonnull(xml);
        g_assert_cmpstr(xml, !=, "");
        g_assert_nonnull(strstr(xml, "<configuration"));
}

static void check_status_success(ProvClient *client) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvStatus) status = prov_client_get_status(client, &error);

        g_assert_no_error(error);
        g_assert_nonnull(status);
        g_assert_cmpstr(status->last_result, ==, "success");
        g_assert_cmpstr(status->last_error_name, ==, "");
        g_assert_nonnull(status->last_warnings);
        g_assert_cmpuint(status->settings_generation, >, 0);
        g_assert_true(g_variant_is_of_type(status->raw, G_VARIANT_TYPE_VARDICT));
        /* The factory defaults schedule a run every night (docs/triggers.md). */
        g_assert_cmpuint(status->next_run, >, (guint64) g_get_real_time());
}

static void check_invalid_value_refused(ProvClient *client) {
        g_autofree char *path = source_path("tests/data/patches/invalid-value.xml");
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) changes = NULL;

        g_assert_false(prov_client_apply_file(client, path, &changes, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_VALIDATION);
        g_assert_null(changes);
        g_print("refused as expected: %s\n", error->message);
}

int main(void) {
        static const ProvSignalHandlers handlers = { .section_applied = on_section_applied };
        g_autoptr(GError) error = NULL;
        g_autoptr(ProvClient) client = NULL;
        Roundtrip roundtrip = { 0 };

        roundtrip.loop = g_main_loop_new(NULL, FALSE);
        roundtrip.applied_sections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

        client = prov_client_new(PROV_BUS_SYSTEM, &error);
        g_assert_no_error(error);
        g_assert_true(prov_client_subscribe(client, &handlers, &roundtrip, &error));
        g_assert_no_error(error);
        prov_client_attach(client, NULL);

        apply_example_backup(client, &roundtrip);
        wait_for_section_signals(&roundtrip);
        check_backup(client);
        check_status_success(client);
        check_invalid_value_refused(client);

        g_clear_pointer(&client, prov_client_free);
        g_ptr_array_unref(roundtrip.expected_changes);
        g_hash_table_unref(roundtrip.applied_sections);
        g_main_loop_unref(roundtrip.loop);
        g_print("client-roundtrip: ok\n");
        return 0;
}
