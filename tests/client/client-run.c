/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Provisioning runs through libprovision's public API against a running
 * provisiond on the system bus and http-server.py: each test starts a run and
 * waits, through the library's callbacks, for the Finished or Failed signal
 * of its own run id. Run by run-with-daemon.sh inside with-http-server.sh,
 * which exports PROVISION_TEST_HTTP_URL and PROVISION_TEST_CLOSED_URL.
 *
 * The tests share one daemon and run in the order registered: the first run
 * of the example backup is the one that changes the factory settings.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <provision.h>

#define RUN_TIMEOUT_SECONDS 90
#define EXAMPLE_BACKUP "backup.xml"
#define TEST_TRIGGER "client-run test"

/* What the signals of one run said. */
typedef struct {
        guint64 run_id;
        GPtrArray *sections; /* names, from SectionApplied */
        GArray *percents;    /* guint, from Progress */
        gboolean ended;
        gboolean finished; /* Finished; else Failed, with @error */
        guint sections_changed;
        GError *error;
} RunRecord;

typedef struct {
        ProvClient *client;
        GMainLoop *loop;
        RunRecord *record; /* the run being waited for */
} Context;

static Context context;

static void run_record_free(RunRecord *record) {
        g_ptr_array_unref(record->sections);
        g_array_unref(record->percents);
        g_clear_error(&record->error);
        g_free(record);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RunRecord, run_record_free)

/* The record of @run_id, or NULL for the signals of other runs and ApplyFile. */
static RunRecord *record_of(const Context *ctx, guint64 run_id) {
        if (ctx->record == NULL || ctx->record->run_id != run_id)
                return NULL;
        return ctx->record;
}

static void on_section_applied(guint64 run_id, const char *section, const char *version, const char *how,
                               gpointer user_data) {
        RunRecord *record = record_of(user_data, run_id);

        if (record == NULL)
                return;
        g_print("# SectionApplied run=%" G_GUINT64_FORMAT " %s %s %s\n", run_id, section, version, how);
        g_ptr_array_add(record->sections, g_strdup(section));
}

static void on_progress(guint64 run_id, const char *stage, guint percent, const char *detail,
                        gpointer user_data) {
        RunRecord *record = record_of(user_data, run_id);

        if (record == NULL)
                return;
        g_print("# Progress run=%" G_GUINT64_FORMAT " %u%% %s %s\n", run_id, percent, stage, detail);
        g_array_append_val(record->percents, percent);
}

static void on_failed(guint64 run_id, const char *error_name, const char *message, gpointer user_data) {
        Context *ctx = user_data;
        RunRecord *record = record_of(ctx, run_id);

        if (record == NULL)
                return;
        g_print("# Failed run=%" G_GUINT64_FORMAT " %s: %s\n", run_id, error_name, message);
        g_assert_false(record->ended);
        record->ended = TRUE;
        prov_error_set_from_dbus_name(&record->error, error_name, message);
        g_main_loop_quit(ctx->loop);
}

static void on_finished(guint64 run_id, guint sections_changed, gpointer user_data) {
        Context *ctx = user_data;
        RunRecord *record = record_of(ctx, run_id);

        if (record == NULL)
                return;
        g_print("# Finished run=%" G_GUINT64_FORMAT " sections=%u\n", run_id, sections_changed);
        g_assert_false(record->ended);
        record->ended = TRUE;
        record->finished = TRUE;
        record->sections_changed = sections_changed;
        g_main_loop_quit(ctx->loop);
}

static gboolean on_run_timeout(gpointer user_data) {
        g_error("no Finished or Failed signal within %d s", RUN_TIMEOUT_SECONDS);
        return G_SOURCE_REMOVE;
}

/* @path below PROVISION_TEST_HTTP_URL, e.g. "backup.xml" or "slow/backup.xml". */
static char *served_url(const char *path) {
        const char *base = g_getenv("PROVISION_TEST_HTTP_URL");

        g_assert_nonnull(base);
        return g_strconcat(base, "/", path, NULL);
}

/* Starts a run; the handlers record its signals from now on. */
static RunRecord *start_run(const char *url, const char *trigger) {
        g_autoptr(GError) error = NULL;
        RunRecord *record = g_new0(RunRecord, 1);

        record->sections = g_ptr_array_new_with_free_func(g_free);
        record->percents = g_array_new(FALSE, FALSE, sizeof(guint));
        g_assert_true(prov_client_start(context.client, url, trigger, &record->run_id, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(record->run_id, >, 0);
        context.record = record;
        return record;
}

static void wait_for_run_end(RunRecord *record) {
        guint timeout_id;

        if (!record->ended) {
                timeout_id = g_timeout_add_seconds(RUN_TIMEOUT_SECONDS, on_run_timeout, NULL);
                g_main_loop_run(context.loop);
                g_source_remove(timeout_id);
        }
        g_assert_true(record->ended);
        context.record = NULL;
}

static RunRecord *run_to_end(const char *url, const char *trigger) {
        RunRecord *record = start_run(url, trigger);

        wait_for_run_end(record);
        return record;
}

static void assert_sections_unique(const RunRecord *record) {
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        for (guint i = 0; i < record->sections->len; i++)
                g_assert_true(g_hash_table_add(seen, g_ptr_array_index(record->sections, i)));
}

static ProvStatus *get_status(void) {
        g_autoptr(GError) error = NULL;
        ProvStatus *status = prov_client_get_status(context.client, &error);

        g_assert_no_error(error);
        g_assert_nonnull(status);
        return status;
}

static void test_run_finishes_with_a_section_applied_per_changed_section(void) {
        g_autofree char *url = served_url(EXAMPLE_BACKUP);
        g_autoptr(RunRecord) record = run_to_end(url, NULL);

        g_assert_no_error(record->error);
        g_assert_true(record->finished);
        /* The example backup differs from the factory settings. */
        g_assert_cmpuint(record->sections_changed, >, 0);
        g_assert_cmpuint(record->sections_changed, ==, record->sections->len);
        assert_sections_unique(record);
}

static void test_repeated_run_changes_nothing(void) {
        g_autofree char *url = served_url(EXAMPLE_BACKUP);
        g_autoptr(RunRecord) first = run_to_end(url, NULL);
        g_autoptr(RunRecord) second = run_to_end(url, NULL);

        g_assert_true(second->finished);
        g_assert_cmpuint(second->run_id, >, first->run_id);
        g_assert_cmpuint(second->sections_changed, ==, 0);
        g_assert_cmpuint(second->sections->len, ==, 0);
}

static void test_progress_never_goes_down_and_ends_at_100(void) {
        g_autofree char *url = served_url(EXAMPLE_BACKUP);
        g_autoptr(RunRecord) record = run_to_end(url, NULL);

        g_assert_true(record->finished);
        g_assert_cmpuint(record->percents->len, >, 0);
        for (guint i = 1; i < record->percents->len; i++)
                g_assert_cmpuint(g_array_index(record->percents, guint, i), >=,
                                 g_array_index(record->percents, guint, i - 1));
        g_assert_cmpuint(g_array_index(record->percents, guint, record->percents->len - 1), ==, 100);
}

static void test_status_describes_the_last_run(void) {
        g_autofree char *served = served_url(EXAMPLE_BACKUP);
        /* A URL no earlier run fetched: the body arrives whole, not as a 304 with the cache's copy. */
        g_autofree char *url = g_strconcat(served, "?first-fetch", NULL);
        g_autofree char *path = g_build_filename(g_getenv("PROVISIOND_SOURCE_ROOT"), "data", "examples",
                                                 EXAMPLE_BACKUP, NULL);
        g_autofree char *contents = NULL;
        gsize length;
        g_autoptr(RunRecord) record = run_to_end(url, TEST_TRIGGER);
        g_autoptr(ProvStatus) status = get_status();

        g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
        g_assert_true(record->finished);
        g_assert_cmpstr(status->state, ==, "idle");
        g_assert_cmpuint(status->run_id, ==, record->run_id);
        g_assert_cmpstr(status->trigger, ==, TEST_TRIGGER);
        g_assert_cmpstr(status->url, ==, url);
        g_assert_cmpuint(status->progress, ==, 100);
        g_assert_cmpstr(status->last_result, ==, "success");
        g_assert_cmpstr(status->last_error_name, ==, "");
        g_assert_cmpuint(status->files_fetched, ==, 1);
        g_assert_cmpuint(status->bytes_fetched, ==, length);
        g_assert_cmpuint(status->last_run_started, >, 0);
        g_assert_cmpuint(status->last_run_finished, >=, status->last_run_started);
        g_assert_cmpuint(status->last_success, >=, status->last_run_started);
}

static void test_run_without_trigger_records_manual(void) {
        g_autofree char *url = served_url(EXAMPLE_BACKUP);
        g_autoptr(RunRecord) record = run_to_end(url, NULL);
        g_autoptr(ProvStatus) status = get_status();

        g_assert_cmpuint(status->run_id, ==, record->run_id);
        g_assert_cmpstr(status->trigger, ==, "manual");
}

static void test_refused_connection_fails_the_run_with_download(void) {
        const char *closed_url = g_getenv("PROVISION_TEST_CLOSED_URL");
        g_autofree char *url = NULL;
        g_autoptr(RunRecord) record = NULL;
        g_autoptr(ProvStatus) status = NULL;

        g_assert_nonnull(closed_url);
        url = g_strconcat(closed_url, "/" EXAMPLE_BACKUP, NULL);
        record = run_to_end(url, NULL);
        status = get_status();

        g_assert_false(record->finished);
        g_assert_error(record->error, PROV_ERROR, PROV_ERROR_DOWNLOAD);
        g_assert_cmpuint(record->sections->len, ==, 0);
        g_assert_cmpuint(status->run_id, ==, record->run_id);
        g_assert_cmpstr(status->last_result, ==, "failed");
        g_assert_cmpstr(status->last_error_name, ==, prov_error_to_dbus_name(PROV_ERROR_DOWNLOAD));
}

/* Applies the document @xml through a temporary file. */
static void apply_document(const char *xml) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        int fd = g_file_open_tmp("client-run-XXXXXX.xml", &path, &error);

        g_assert_no_error(error);
        g_assert_cmpint(write(fd, xml, strlen(xml)), ==, (ssize_t) strlen(xml));
        /* The daemon reads from the fd's offset. */
        g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
        g_assert_true(prov_client_apply_fd(context.client, fd, NULL, &error));
        g_assert_no_error(error);
        close(fd);
        g_unlink(path);
}

static void test_run_without_any_url_fails_with_no_source(void) {
        g_autoptr(RunRecord) record = NULL;

        /* The example backup configures no URL either; clear it whatever ran before. */
        apply_document("<provisioning><url/></provisioning>");
        record = run_to_end(NULL, NULL);

        g_assert_error(record->error, PROV_ERROR, PROV_ERROR_NO_SOURCE);
}

static void test_cancel_fails_the_run_with_cancelled(void) {
        g_autofree char *url = served_url("slow/" EXAMPLE_BACKUP);
        g_autoptr(GError) error = NULL;
        g_autoptr(RunRecord) record = start_run(url, NULL);

        g_assert_true(prov_client_cancel(context.client, &error));
        g_assert_no_error(error);
        wait_for_run_end(record);
        g_assert_error(record->error, PROV_ERROR, PROV_ERROR_CANCELLED);
        g_assert_cmpuint(record->sections->len, ==, 0);
}

static void test_start_during_a_run_returns_its_id(void) {
        g_autofree char *url = served_url("slow/" EXAMPLE_BACKUP);
        g_autoptr(GError) error = NULL;
        g_autoptr(RunRecord) record = start_run(url, NULL);
        guint64 joined_run_id = 0;

        /* Without a URL, or with the active run's URL: the menu pressed twice joins the run. */
        g_assert_true(prov_client_start(context.client, NULL, NULL, &joined_run_id, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(joined_run_id, ==, record->run_id);
        joined_run_id = 0;
        g_assert_true(prov_client_start(context.client, url, NULL, &joined_run_id, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(joined_run_id, ==, record->run_id);
        g_assert_true(prov_client_cancel(context.client, &error));
        g_assert_no_error(error);
        wait_for_run_end(record);
        g_assert_error(record->error, PROV_ERROR, PROV_ERROR_CANCELLED);
}

static void test_start_with_another_url_during_a_run_fails_with_busy(void) {
        g_autofree char *url = served_url("slow/" EXAMPLE_BACKUP);
        g_autofree char *other_url = served_url(EXAMPLE_BACKUP);
        g_autofree char *active = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(RunRecord) record = start_run(url, NULL);
        guint64 run_id = 0;

        g_assert_false(prov_client_start(context.client, other_url, NULL, &run_id, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_BUSY);
        active = g_strdup_printf("run %" G_GUINT64_FORMAT " from %s", record->run_id, url);
        g_assert_nonnull(strstr(error->message, active));
        g_clear_error(&error);
        g_assert_true(prov_client_cancel(context.client, &error));
        g_assert_no_error(error);
        wait_for_run_end(record);
        g_assert_error(record->error, PROV_ERROR, PROV_ERROR_CANCELLED);
}

static void test_cancel_without_a_run_fails_with_not_running(void) {
        g_autoptr(GError) error = NULL;

        g_assert_false(prov_client_cancel(context.client, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_NOT_RUNNING);
}

int main(int argc, char **argv) {
        static const ProvSignalHandlers handlers = {
                .section_applied = on_section_applied,
                .progress = on_progress,
                .failed = on_failed,
                .finished = on_finished,
        };
        g_autoptr(GError) error = NULL;
        int result;

        g_test_init(&argc, &argv, NULL);
        context.loop = g_main_loop_new(NULL, FALSE);
        context.client = prov_client_new(PROV_BUS_SYSTEM, &error);
        g_assert_no_error(error);
        /* Before any run starts, so that no run's end can be missed. */
        g_assert_true(prov_client_subscribe(context.client, &handlers, &context, &error));
        g_assert_no_error(error);
        prov_client_attach(context.client, NULL);

        g_test_add_func("/run/finishes-with-a-section-applied-per-changed-section",
                        test_run_finishes_with_a_section_applied_per_changed_section);
        g_test_add_func("/run/repeated-run-changes-nothing", test_repeated_run_changes_nothing);
        g_test_add_func("/run/progress-never-goes-down-and-ends-at-100",
                        test_progress_never_goes_down_and_ends_at_100);
        g_test_add_func("/run/status-describes-the-last-run", test_status_describes_the_last_run);
        g_test_add_func("/run/without-trigger-records-manual", test_run_without_trigger_records_manual);
        g_test_add_func("/run/refused-connection-fails-with-download",
                        test_refused_connection_fails_the_run_with_download);
        g_test_add_func("/run/without-any-url-fails-with-no-source", test_run_without_any_url_fails_with_no_source);
        g_test_add_func("/cancel/fails-the-run-with-cancelled", test_cancel_fails_the_run_with_cancelled);
        g_test_add_func("/start/during-a-run-returns-its-id", test_start_during_a_run_returns_its_id);
        g_test_add_func("/start/another-url-during-a-run-fails-with-busy",
                        test_start_with_another_url_during_a_run_fails_with_busy);
        g_test_add_func("/cancel/without-a-run-fails-with-not-running",
                        test_cancel_without_a_run_fails_with_not_running);
        result = g_test_run();

        g_clear_pointer(&context.client, prov_client_free);
        g_main_loop_unref(context.loop);
        return result;
}
