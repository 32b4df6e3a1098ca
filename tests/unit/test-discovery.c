/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The order of the URL sources on a real store and real DHCP lease files (no
 * network: multicast is off in the configuration; test_zero_touch.py runs it
 * against sipp): what each source says, who wins, NoSource's message,
 * fallback candidates, cancelling.
 */
#include <glib.h>

#include "discovery.h"
#include "provision-error.h"
#include "test-util.h"

typedef struct {
        char *dir;
        Store *store;
        DaemonConfig *config;
        DeviceIdentity device;
        DhcpLeases *leases;
        DiscoveryResult *result;
        GError *error;
        gboolean done;
} Fixture;

static void open_store(Fixture *fixture, const char *provisioning) {
        g_autoptr(GError) error = NULL;
        g_autofree char *defaults = g_build_filename(fixture->dir, "defaults.xml", NULL);
        g_autofree char *text = g_strdup_printf(
                "<configuration><provisioning version=\"1.34.0\">%s</provisioning>"
                "</configuration>",
                provisioning);

        g_file_set_contents(defaults, text, -1, &error);
        g_assert_no_error(error);
        fixture->store = store_open(fixture->dir, defaults, &error);
        g_assert_no_error(error);
}

static void fixture_set_up(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *leases = NULL;

        fixture->dir = g_dir_make_tmp("test-discovery-XXXXXX", &error);
        g_assert_no_error(error);
        leases = g_build_filename(fixture->dir, "dhcp", NULL);
        fixture->leases = dhcp_leases_new(leases);
        fixture->config = daemon_config_new_default();
        fixture->config->multicast_enabled = FALSE;
        fixture->device = (DeviceIdentity){ .mac = "00095200000E", .serial = "", .type = "D200" };
        open_store(fixture, data);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data) {
        g_clear_pointer(&fixture->store, store_free);
        g_clear_pointer(&fixture->leases, dhcp_leases_free);
        g_clear_pointer(&fixture->config, daemon_config_free);
        g_clear_pointer(&fixture->result, discovery_result_free);
        g_clear_error(&fixture->error);
        remove_tree(fixture->dir);
        g_free(fixture->dir);
}

/* The options of @interface: @code = @value, and @code2 = @value2 unless @value2 is NULL. */
static void set_lease2(Fixture *fixture, const char *interface, guint8 code, const char *value, guint8 code2,
                       const char *value2) {
        g_autoptr(DhcpLease) lease = dhcp_lease_new(interface);
        g_autoptr(GError) error = NULL;

        dhcp_lease_set(lease, code, value);
        if (value2 != NULL)
                dhcp_lease_set(lease, code2, value2);
        dhcp_leases_set(fixture->leases, lease, &error);
        g_assert_no_error(error);
}

static void set_lease(Fixture *fixture, const char *interface, guint8 code, const char *value) {
        set_lease2(fixture, interface, code, value, 0, NULL);
}

static void on_found(GObject *source_object, GAsyncResult *result, gpointer user_data) {
        Fixture *fixture = user_data;

        fixture->result = discovery_find_finish(result, &fixture->error);
        fixture->done = TRUE;
}

static void discover(Fixture *fixture, GCancellable *cancellable) {
        const DiscoveryContext context = {
                .store = fixture->store,
                .config = fixture->config,
                .device = &fixture->device,
                .leases = fixture->leases,
        };

        discovery_find_async(&context, cancellable, NULL, on_found, fixture);
        g_assert_false(fixture->done); /* never before it returns */
        while (!fixture->done)
                g_main_context_iteration(NULL, TRUE);
}

static const char *finding(const DiscoveryResult *result, const char *source) {
        for (guint i = 0; result->findings[i] != NULL; i += 2)
                if (g_str_equal(result->findings[i], source))
                        return result->findings[i + 1];
        return NULL;
}

#define ALL_OFF "<active>true</active><dhcp>false</dhcp><redirect>false</redirect><pbx>false</pbx><url/>"
#define ALL_ON "<active>true</active><dhcp>true</dhcp><redirect>true</redirect><pbx>true</pbx>"

static void test_every_source_off(Fixture *fixture, gconstpointer data) {
        g_autoptr(GError) no_source = NULL;

        set_lease(fixture, "eth0", 67, "http://dhcp.example/a.xml");
        discover(fixture, NULL);
        g_assert_no_error(fixture->error);
        g_assert_null(fixture->result->url);
        no_source = discovery_result_no_source_error(fixture->result);
        g_assert_error(no_source, PROV_ERROR, PROV_ERROR_NO_SOURCE);
        g_assert_cmpstr(
                no_source->message, ==,
                "no source found a provisioning URL: dhcp: skipped: disabled (/provisioning/dhcp is false); "
                "redirect: skipped: disabled (/provisioning/redirect is false); multicast: skipped: "
                "disabled (/provisioning/pbx is false); configured: none: /provisioning/url is empty");
}

static void test_dhcp_first_with_fallback(Fixture *fixture, gconstpointer data) {
        set_lease2(fixture, "eth0", 66, "prov.example:8080", 67, "<MACADR>.xml");
        discover(fixture, NULL);
        g_assert_cmpint(fixture->result->source, ==, RUN_SOURCE_DHCP);
        g_assert_cmpstr(fixture->result->url, ==, "https://prov.example:8080/<MACADR>.xml");
        g_assert_cmpuint(fixture->result->fallbacks->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(fixture->result->fallbacks, 0), ==,
                        "http://prov.example:8080/<MACADR>.xml");
        g_assert_cmpstr(finding(fixture->result, "dhcp"), ==,
                        "url https://prov.example:8080/<MACADR>.xml (interface eth0; then the other scheme)");
        g_assert_cmpstr(finding(fixture->result, "configured"), ==, "not asked: dhcp found a URL first");
}

static void test_bad_interface_then_good_one(Fixture *fixture, gconstpointer data) {
        set_lease(fixture, "eth0", 43, "42:30:68"); /* overrun */
        set_lease(fixture, "eth1", 67, " http://dhcp.example/b.xml ");
        discover(fixture, NULL);
        g_assert_cmpstr(fixture->result->url, ==, "http://dhcp.example/b.xml");
        g_assert_cmpstr(finding(fixture->result, "dhcp"), ==,
                        "url http://dhcp.example/b.xml (interface eth1)");
}

static void test_bad_dhcp_falls_through_to_configured(Fixture *fixture, gconstpointer data) {
        set_lease(fixture, "eth0", 43, "420"); /* an odd digit count */
        discover(fixture, NULL);
        g_assert_cmpint(fixture->result->source, ==, RUN_SOURCE_CONFIGURED);
        g_assert_cmpstr(fixture->result->url, ==, "http://configured.example/c.xml");
        g_assert_true(g_str_has_prefix(finding(fixture->result, "dhcp"), "no url: eth0: bad-hex: "));
        g_assert_cmpstr(finding(fixture->result, "redirect"), ==,
                        "none: redirect service: no redirect service configured ([Redirect] Url)");
        g_assert_cmpstr(finding(fixture->result, "multicast"), ==,
                        "skipped: off in provisiond.conf ([Multicast] Enabled=false)");
        g_assert_cmpstr(finding(fixture->result, "configured"), ==, "url http://configured.example/c.xml");
}

static void test_cancelled(Fixture *fixture, gconstpointer data) {
        g_autoptr(GCancellable) cancellable = g_cancellable_new();

        g_cancellable_cancel(cancellable);
        discover(fixture, cancellable);
        g_assert_null(fixture->result);
        g_assert_error(fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void test_dhcp_url_for_the_trigger(Fixture *fixture, gconstpointer data) {
        g_autofree char *none = discovery_dhcp_url(fixture->leases);
        g_autofree char *url = NULL;

        g_assert_null(none);
        set_lease(fixture, "eth1", 67, "http://b.example/");
        set_lease(fixture, "eth0", 66, "http://a.example");
        url = discovery_dhcp_url(fixture->leases);
        g_assert_cmpstr(url, ==, "http://a.example");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add("/discovery/every-source-off-is-no-source-naming-each", Fixture, ALL_OFF, fixture_set_up,
                   test_every_source_off, fixture_tear_down);
        g_test_add("/discovery/dhcp-first-with-fallback", Fixture,
                   ALL_ON "<url>http://configured.example/c.xml</url>", fixture_set_up,
                   test_dhcp_first_with_fallback, fixture_tear_down);
        g_test_add("/discovery/bad-interface-then-good-one", Fixture, ALL_ON "<url/>", fixture_set_up,
                   test_bad_interface_then_good_one, fixture_tear_down);
        g_test_add("/discovery/bad-dhcp-falls-through-to-configured", Fixture,
                   ALL_ON "<url> http://configured.example/c.xml </url>", fixture_set_up,
                   test_bad_dhcp_falls_through_to_configured, fixture_tear_down);
        g_test_add("/discovery/cancelled", Fixture, ALL_ON "<url/>", fixture_set_up, test_cancelled,
                   fixture_tear_down);
        g_test_add("/discovery/dhcp-url-for-the-trigger", Fixture, ALL_ON "<url/>", fixture_set_up,
                   test_dhcp_url_for_the_trigger, fixture_tear_down);
        return g_test_run();
}
