/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-interface DHCP options in the runtime directory: written atomically, an empty set
 * deletes the file, a new instance loads what the last one stored, names stay in the directory. */
#include <glib.h>
#include <glib/gstdio.h>

#include "dhcp-leases.h"
#include "provision.h"
#include "test-util.h"

typedef struct {
        char *root;
        char *directory; /* below root, created on the first write */
} Fixture;

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        (void) data;
        fixture->root = g_dir_make_tmp("provisiond-dhcp-leases-XXXXXX", NULL);
        g_assert_nonnull(fixture->root);
        fixture->directory = g_build_filename(fixture->root, "run", DHCP_LEASES_SUBDIR, NULL);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        (void) data;
        remove_tree(fixture->root);
        g_free(fixture->root);
        g_free(fixture->directory);
}

static void set_ok(DhcpLeases *leases, const DhcpLease *lease) {
        g_autoptr(GError) error = NULL;

        g_assert_true(dhcp_leases_set(leases, lease, &error));
        g_assert_no_error(error);
}

static char *lease_file(Fixture *fixture, const char *interface) {
        return g_build_filename(fixture->directory, interface, NULL);
}

static void test_set_writes_file_and_remembers(Fixture *fixture, gconstpointer data) {
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(fixture->directory);
        g_autoptr(DhcpLease) lease = dhcp_lease_of("eth0", "http://h/prov", "a b.xml", "42:b:68");
        g_autofree char *path = lease_file(fixture, "eth0");
        g_autofree char *contents = NULL;
        const DhcpLease *stored;
        GStatBuf status;

        (void) data;
        set_ok(leases, lease);
        g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
        g_assert_cmpstr(contents, ==, "[Options]\n43=42:b:68\n66=http://h/prov\n67=a b.xml\n");
        g_assert_cmpint(g_stat(path, &status), ==, 0);
        g_assert_cmpint(status.st_mode & 0777, ==, 0600);
        stored = dhcp_leases_lookup(leases, "eth0");
        g_assert_nonnull(stored);
        g_assert_cmpstr(dhcp_lease_get(stored, DHCP_OPTION_BOOTFILE), ==, "a b.xml");
}

static void test_new_instance_loads_what_was_stored(Fixture *fixture, gconstpointer data) {
        g_autoptr(DhcpLeases) first = dhcp_leases_new(fixture->directory);
        g_autoptr(DhcpLeases) second = dhcp_leases_new(fixture->directory);
        g_autoptr(DhcpLease) eth1 = dhcp_lease_of("eth1", " spaced = value ", NULL, NULL);
        g_autoptr(DhcpLease) eth0 = dhcp_lease_of("eth0", NULL, "http://h/x.xml", NULL);
        g_autoptr(GPtrArray) list = NULL;
        g_autoptr(GError) error = NULL;
        const DhcpLease *loaded;

        (void) data;
        set_ok(first, eth1);
        set_ok(first, eth0);
        g_assert_true(dhcp_leases_load(second, &error));
        g_assert_no_error(error);
        list = dhcp_leases_list(second);
        g_assert_cmpuint(list->len, ==, 2);
        g_assert_cmpstr(((DhcpLease *) g_ptr_array_index(list, 0))->interface, ==, "eth0");
        g_assert_cmpstr(((DhcpLease *) g_ptr_array_index(list, 1))->interface, ==, "eth1");
        loaded = dhcp_leases_lookup(second, "eth1");
        g_assert_cmpstr(dhcp_lease_get(loaded, DHCP_OPTION_TFTP_SERVER), ==, " spaced = value ");
        g_assert_null(dhcp_lease_get(loaded, DHCP_OPTION_BOOTFILE));
        g_assert_cmpuint(g_hash_table_size(loaded->options), ==, 1);
}

static void test_set_replaces_whole_lease(Fixture *fixture, gconstpointer data) {
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(fixture->directory);
        g_autoptr(DhcpLease) before = dhcp_lease_of("eth0", "http://h", "a.xml", NULL);
        g_autoptr(DhcpLease) after = dhcp_lease_of("eth0", NULL, NULL, "42:1:61");

        (void) data;
        set_ok(leases, before);
        set_ok(leases, after);
        g_assert_null(dhcp_lease_get(dhcp_leases_lookup(leases, "eth0"), DHCP_OPTION_TFTP_SERVER));
        g_assert_cmpstr(dhcp_lease_get(dhcp_leases_lookup(leases, "eth0"), DHCP_OPTION_VENDOR), ==, "42:1:61");
}

static void test_empty_set_deletes_file(Fixture *fixture, gconstpointer data) {
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(fixture->directory);
        g_autoptr(DhcpLease) lease = dhcp_lease_of("eth0", "http://h", NULL, NULL);
        g_autoptr(DhcpLease) lost = dhcp_lease_new("eth0");
        g_autofree char *path = lease_file(fixture, "eth0");

        (void) data;
        set_ok(leases, lease);
        g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
        set_ok(leases, lost);
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
        g_assert_null(dhcp_leases_lookup(leases, "eth0"));
        /* Forgetting what was never there is fine too. */
        set_ok(leases, lost);
}

static void test_missing_directory_holds_no_leases(Fixture *fixture, gconstpointer data) {
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(fixture->directory);
        g_autoptr(GPtrArray) list = NULL;
        g_autoptr(GError) error = NULL;

        (void) data;
        g_assert_true(dhcp_leases_load(leases, &error));
        g_assert_no_error(error);
        list = dhcp_leases_list(leases);
        g_assert_cmpuint(list->len, ==, 0);
}

static void test_load_skips_files_that_are_not_leases(Fixture *fixture, gconstpointer data) {
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(fixture->directory);
        g_autoptr(GError) error = NULL;
        g_autofree char *malformed = lease_file(fixture, "eth0");
        g_autofree char *bad_code = lease_file(fixture, "eth1");
        g_autofree char *good = lease_file(fixture, "eth2");
        g_autoptr(GPtrArray) list = NULL;

        (void) data;
        g_assert_cmpint(g_mkdir_with_parents(fixture->directory, 0700), ==, 0);
        g_assert_true(g_file_set_contents(malformed, "not a key file", -1, NULL));
        g_assert_true(g_file_set_contents(bad_code, "[Options]\nx=1\n", -1, NULL));
        g_assert_true(g_file_set_contents(good, "[Options]\n67=http://h/a.xml\n", -1, NULL));
        g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*skipping*eth0*");
        g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*skipping*eth1*");
        g_assert_true(dhcp_leases_load(leases, &error));
        g_test_assert_expected_messages();
        list = dhcp_leases_list(leases);
        g_assert_cmpuint(list->len, ==, 1);
        g_assert_cmpstr(((DhcpLease *) g_ptr_array_index(list, 0))->interface, ==, "eth2");
}

static void test_interface_names_validated(Fixture *fixture, gconstpointer data) {
        const char *invalid[] = { "", ".", "..", "../etc", "a/b", "eth0:1", "eth 0", "sixteen-bytes-xx" };
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(fixture->directory);

        (void) data;
        for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
                g_autoptr(DhcpLease) lease = dhcp_lease_of(invalid[i], "http://h", NULL, NULL);
                g_autoptr(GError) error = NULL;
                g_assert_false(dhcp_leases_set(leases, lease, &error));
                g_assert_error(error, PROV_ERROR, PROV_ERROR_INVALID_ARGS);
        }
        g_assert_false(g_file_test(fixture->directory, G_FILE_TEST_EXISTS));
        g_assert_true(dhcp_interface_name_valid("fifteen-bytes-x", NULL));
        g_assert_true(dhcp_interface_name_valid("eth0.100", NULL));
}

static void test_unwritable_directory_changes_nothing(Fixture *fixture, gconstpointer data) {
        g_autofree char *blocker = g_build_filename(fixture->root, "run", NULL);
        g_autoptr(DhcpLeases) leases = dhcp_leases_new(fixture->directory);
        g_autoptr(DhcpLease) lease = dhcp_lease_of("eth0", "http://h", NULL, NULL);
        g_autoptr(GError) error = NULL;

        (void) data;
        /* A file where the directory should be: works as root too. */
        g_assert_true(g_file_set_contents(blocker, "", -1, NULL));
        g_assert_false(dhcp_leases_set(leases, lease, &error));
        g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
        g_assert_null(dhcp_leases_lookup(leases, "eth0"));
}

#define ADD(path, function) g_test_add(path, Fixture, NULL, fixture_set_up, function, fixture_tear_down)

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD("/dhcp-leases/set-writes-file-and-remembers", test_set_writes_file_and_remembers);
        ADD("/dhcp-leases/new-instance-loads-what-was-stored", test_new_instance_loads_what_was_stored);
        ADD("/dhcp-leases/set-replaces-whole-lease", test_set_replaces_whole_lease);
        ADD("/dhcp-leases/empty-set-deletes-file", test_empty_set_deletes_file);
        ADD("/dhcp-leases/missing-directory-holds-no-leases", test_missing_directory_holds_no_leases);
        ADD("/dhcp-leases/load-skips-files-that-are-not-leases", test_load_skips_files_that_are_not_leases);
        ADD("/dhcp-leases/interface-names-validated", test_interface_names_validated);
        ADD("/dhcp-leases/unwritable-directory-changes-nothing", test_unwritable_directory_changes_nothing);
        return g_test_run();
}
