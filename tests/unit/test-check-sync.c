/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-sync's rules without a bus: the allowlist, the Event header, the permission, the notifySync body. */
#include <glib.h>

#include "allowlist.h"
#include "check-sync.h"
#include "provision.h"
#include "test-util.h"

static void assert_matches(const char *entry, const char *sender) {
        if (!allowlist_entry_matches(entry, sender))
                g_error("allowlistEntry %s does not match the sender %s", entry, sender);
}

static void assert_no_match(const char *entry, const char *sender) {
        if (allowlist_entry_matches(entry, sender))
                g_error("allowlistEntry %s matches the sender %s", entry, sender);
}

static void test_ipv4_address_matches_itself_only(void) {
        assert_matches("10.0.0.1", "10.0.0.1");
        assert_matches(" 10.0.0.1 ", "10.0.0.1");
        assert_no_match("10.0.0.1", "10.0.0.2");
        assert_no_match("10.0.0.1", "10.0.0.10");
        assert_no_match("10.0.0.1", "110.0.0.1");
}

static void test_addresses_compare_canonically(void) {
        /* A dual-stack socket reports an IPv4 sender as ::ffff:a.b.c.d. */
        assert_matches("10.0.0.1", "::ffff:10.0.0.1");
        assert_matches("::ffff:10.0.0.1", "10.0.0.1");
        assert_matches("fe80::1", "[fe80::1]");
        assert_matches("[fe80::1]", "fe80::1");
        assert_matches("FE80:0:0::1", "fe80::1");
        assert_matches("fe80::1", "fe80::1%eth0");
        assert_matches("2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001");
        assert_no_match("fe80::1", "fe80::2");
        assert_no_match("::1", "127.0.0.1");
}

static void test_sender_with_port(void) {
        assert_matches("10.0.0.1", "10.0.0.1:5060");
        assert_matches("2001:db8::1", "[2001:db8::1]:5060");
        assert_no_match("10.0.0.1", "10.0.0.1:notaport");
        assert_no_match("2001:db8::1", "[2001:db8::1]x");
}

static void test_networks(void) {
        assert_matches("192.168.10.0/24", "192.168.10.77");
        assert_matches("192.168.10.0/24", "::ffff:192.168.10.77");
        assert_no_match("192.168.10.0/24", "192.168.11.1");
        /* Host bits past the prefix are ignored. */
        assert_matches("192.168.10.7/24", "192.168.10.200");
        assert_matches("10.0.0.0/9", "10.127.255.255");
        assert_no_match("10.0.0.0/9", "10.128.0.0");
        assert_matches("0.0.0.0/0", "203.0.113.9");
        assert_matches("10.0.0.1/32", "10.0.0.1");
        assert_no_match("10.0.0.1/32", "10.0.0.2");
        assert_matches("2001:db8::/32", "2001:db8:ffff::1");
        assert_matches("[2001:db8::]/32", "[2001:db8:1::5]:5060");
        assert_no_match("2001:db8::/32", "2001:db9::1");
        assert_matches("::ffff:10.0.0.0/104", "10.1.2.3");
        /* One family never matches the other. */
        assert_no_match("0.0.0.0/0", "::1");
        assert_no_match("::/0", "10.0.0.1");
}

static void test_invalid_entries_match_nothing(void) {
        assert_no_match("10.0.0.0/33", "10.0.0.1");
        assert_no_match("2001:db8::/129", "2001:db8::1");
        assert_no_match("10.0.0.0/", "10.0.0.1");
        assert_no_match("10.0.0.0/x", "10.0.0.1");
        assert_no_match("pbx.example.com/24", "pbx.example.com");
        assert_no_match("10.0.0.256", "10.0.0.256");
        assert_no_match("fe80::1::2", "fe80::1::2");
        assert_no_match("", "10.0.0.1");
}

static void test_host_names_compare_as_text(void) {
        assert_matches("pbx.example.com", "pbx.example.com");
        assert_matches("PBX.Example.COM", "pbx.example.com");
        assert_matches("pbx.example.com.", "pbx.example.com");
        assert_matches("pbx.example.com", "pbx.example.com:5060");
        assert_no_match("pbx.example.com", "pbx.example.org");
        assert_no_match("pbx.example.com", "evil-pbx.example.com");
        /* No DNS: a name never matches an address. */
        assert_no_match("localhost", "127.0.0.1");
        assert_no_match("127.0.0.1", "localhost");
}

static void test_find_returns_the_first_matching_entry(void) {
        g_autoptr(xmlDoc) doc = parse_text(
                "<allowlist><allowlistEntry>10.0.0.9</allowlistEntry>"
                "<other>10.0.0.1</other>"
                "<allowlistEntry> 10.0.0.0/8 </allowlistEntry>"
                "<allowlistEntry>10.0.0.1</allowlistEntry></allowlist>");
        g_autofree char *found = allowlist_find(xmlDocGetRootElement(doc), "10.0.0.1");
        g_autofree char *none = allowlist_find(xmlDocGetRootElement(doc), "192.0.2.1");

        g_assert_cmpstr(found, ==, "10.0.0.0/8");
        g_assert_null(none);
        g_assert_null(allowlist_find(NULL, "10.0.0.1"));
}

static void test_parse_event(void) {
        g_auto(GStrv) parameters = NULL;
        g_auto(GStrv) none = NULL;
        g_autofree char *type = check_sync_parse_event(" check-sync ; reboot=true;;x ", &parameters);
        g_autofree char *plain = check_sync_parse_event("check-sync", &none);

        g_assert_cmpstr(type, ==, "check-sync");
        g_assert_cmpuint(g_strv_length(parameters), ==, 2);
        g_assert_cmpstr(parameters[0], ==, "reboot=true");
        g_assert_cmpstr(parameters[1], ==, "x");
        g_assert_cmpstr(plain, ==, "check-sync");
        g_assert_cmpuint(g_strv_length(none), ==, 0);
}

static xmlDoc *provisioning(const char *active, const char *sip_active, const char *entries) {
        g_autofree char *text = g_strdup_printf(
                "<provisioning version=\"1.34.0\"><active>%s</active><sip>"
                "<active>%s</active><allowlist>%s</allowlist></sip></provisioning>",
                active, sip_active, entries);
        return parse_text(text);
}

static void assert_not_allowed(xmlDoc *doc, const char *sender, const char *reason) {
        g_autoptr(GError) error = NULL;

        g_assert_false(check_sync_permitted(doc != NULL ? xmlDocGetRootElement(doc) : NULL, sender, &error));
        g_assert_error(error, PROV_ERROR, PROV_ERROR_NOT_ALLOWED);
        g_assert_nonnull(strstr(error->message, reason));
}

static void test_permitted_needs_both_switches_and_the_allowlist(void) {
        const char *entry = "<allowlistEntry>10.0.0.1</allowlistEntry>";
        g_autoptr(xmlDoc) on = provisioning("true", "1", entry);
        g_autoptr(xmlDoc) provisioning_off = provisioning("false", "true", entry);
        g_autoptr(xmlDoc) sip_off = provisioning("true", "false", entry);
        g_autoptr(xmlDoc) empty = provisioning("true", "true", "");
        g_autoptr(xmlDoc) no_sip = parse_text("<provisioning><active>true</active></provisioning>");
        g_autoptr(GError) error = NULL;

        g_assert_true(check_sync_permitted(xmlDocGetRootElement(on), "10.0.0.1", &error));
        g_assert_no_error(error);
        assert_not_allowed(on, "10.0.0.2", "10.0.0.2 is not on /provisioning/sip/allowlist");
        assert_not_allowed(provisioning_off, "10.0.0.1", "/provisioning/active");
        assert_not_allowed(sip_off, "10.0.0.1", "/provisioning/sip/active");
        assert_not_allowed(empty, "10.0.0.1", "allowlist");
        assert_not_allowed(no_sip, "10.0.0.1", "/provisioning/sip/active");
        assert_not_allowed(NULL, "10.0.0.1", "/provisioning/active");
}

static void assert_notify_url(const char *body, gboolean is_notify_sync, const char *expected) {
        g_autoptr(xmlDoc) doc = parse_text(body);
        g_autofree char *url = NULL;

        g_assert_cmpint(check_sync_notify_url(doc, &url), ==, is_notify_sync);
        g_assert_cmpstr(url, ==, expected);
}

static void test_notify_sync_url(void) {
        assert_notify_url(
                "<notifySync><checkSync><url> http://10.0.0.1/{mac}.xml\n</url>"
                "<dataAvailable>true</dataAvailable></checkSync><reboot>true</reboot></notifySync>",
                TRUE, "http://10.0.0.1/{mac}.xml");
        assert_notify_url("<notifySync><checkSync><dataAvailable>true</dataAvailable></checkSync></notifySync>",
                          TRUE, NULL);
        assert_notify_url("<notifySync><checkSync><url> </url></checkSync></notifySync>", TRUE, NULL);
        assert_notify_url("<notifySync/>", TRUE, NULL);
        assert_notify_url("<configuration><checkSync><url>http://x/</url></checkSync></configuration>",
                          FALSE, NULL);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/allowlist/ipv4-address-matches-itself-only", test_ipv4_address_matches_itself_only);
        g_test_add_func("/allowlist/addresses-compare-canonically", test_addresses_compare_canonically);
        g_test_add_func("/allowlist/sender-with-port", test_sender_with_port);
        g_test_add_func("/allowlist/networks", test_networks);
        g_test_add_func("/allowlist/invalid-entries-match-nothing", test_invalid_entries_match_nothing);
        g_test_add_func("/allowlist/host-names-compare-as-text", test_host_names_compare_as_text);
        g_test_add_func("/allowlist/find-returns-the-first-matching-entry",
                        test_find_returns_the_first_matching_entry);
        g_test_add_func("/check-sync/parse-event", test_parse_event);
        g_test_add_func("/check-sync/permitted-needs-both-switches-and-the-allowlist",
                        test_permitted_needs_both_switches_and_the_allowlist);
        g_test_add_func("/check-sync/notify-sync-url", test_notify_sync_url);
        return g_test_run();
}
