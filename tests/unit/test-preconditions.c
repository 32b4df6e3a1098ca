/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The preconditions of a run: the [Preconditions] keys, the judgement of what
 * the kernel says about routes and the clock, and the wait itself where it
 * needs no peer (checks off, an unreachable timedated, cancellation). The
 * waits against real interfaces and a timedated are in
 * tests/preconditions/test_preconditions.py.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <sys/timex.h>

#include "daemon-config.h"
#include "precondition-clock.h"
#include "precondition-network.h"
#include "preconditions.h"
#include "provision.h"
#include "test-util.h"

/* A unix socket path that does not exist: no system bus for this process. */
#define NO_BUS_ADDRESS "unix:path=/nonexistent/provisiond-test/system_bus_socket"

/* ---- [Preconditions] ---- */

static DaemonConfig *load_config_text(const char *text, GError **error) {
        g_autofree char *path = NULL;
        g_autoptr(DaemonConfig) config = daemon_config_new_default();
        int fd = g_file_open_tmp("provisiond-XXXXXX.conf", &path, NULL);

        g_assert_cmpint(fd, >=, 0);
        close(fd);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        if (!daemon_config_load_file(config, path, TRUE, error))
                g_clear_pointer(&config, daemon_config_free);
        g_unlink(path);
        return g_steal_pointer(&config);
}

static void test_config_defaults_check_network_and_timedated(void) {
        g_autoptr(DaemonConfig) config = daemon_config_new_default();

        g_assert_true(config->preconditions.network);
        g_assert_cmpint(config->preconditions.time, ==, PRECONDITIONS_TIME_TIMEDATED);
        g_assert_cmpuint(config->preconditions.timeout, ==, PRECONDITIONS_DEFAULT_TIMEOUT);
}

static void test_config_keys_override_defaults(void) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DaemonConfig)
                config = load_config_text("[Preconditions]\nNetwork=false\nTime=kernel\nTimeout=7\n", &error);

        g_assert_no_error(error);
        g_assert_false(config->preconditions.network);
        g_assert_cmpint(config->preconditions.time, ==, PRECONDITIONS_TIME_KERNEL);
        g_assert_cmpuint(config->preconditions.timeout, ==, 7);
}

static void test_config_copy_keeps_preconditions(void) {
        g_autoptr(DaemonConfig) config = load_config_text("[Preconditions]\nTime=none\nTimeout=3\n", NULL);
        g_autoptr(DaemonConfig) copy = daemon_config_copy(config);

        g_assert_cmpint(copy->preconditions.time, ==, PRECONDITIONS_TIME_NONE);
        g_assert_cmpuint(copy->preconditions.timeout, ==, 3);
}

static void assert_config_refused(const char *text, const char *message_part) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DaemonConfig) config = load_config_text(text, &error);

        g_assert_null(config);
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        g_assert_nonnull(strstr(error->message, message_part));
}

static void test_config_unknown_time_source_refused(void) {
        assert_config_refused("[Preconditions]\nTime=ntp\n",
                              "Time must be timedated, kernel or none, not \"ntp\"");
}

static void test_config_network_not_boolean_refused(void) {
        assert_config_refused("[Preconditions]\nNetwork=maybe\n", "Network must be true or false");
}

static void test_config_zero_timeout_refused(void) {
        assert_config_refused("[Preconditions]\nTimeout=0\n", "Timeout must be a positive whole number");
}

static void test_time_source_names_round_trip(void) {
        const PreconditionsTimeSource sources[] = { PRECONDITIONS_TIME_NONE, PRECONDITIONS_TIME_TIMEDATED,
                                                    PRECONDITIONS_TIME_KERNEL };

        for (gsize i = 0; i < G_N_ELEMENTS(sources); i++) {
                PreconditionsTimeSource parsed = PRECONDITIONS_TIME_NONE;

                g_assert_true(preconditions_time_source_from_string(
                        preconditions_time_source_to_string(sources[i]), &parsed));
                g_assert_cmpint(parsed, ==, sources[i]);
        }
}

/* ---- network: what the kernel's route lookup found ---- */

static void assert_network_judged(const char *source, const char *interface_name, unsigned int flags,
                                  const char *expected_reason) {
        g_autoptr(GInetAddress) address = g_inet_address_new_from_string(source);
        g_autofree char *reason = NULL;
        gboolean usable = network_judge_source(address, interface_name, flags, &reason);

        g_assert_cmpstr(reason, ==, expected_reason);
        g_assert_true(usable == (expected_reason == NULL));
}

#define UP_WITH_CARRIER (IFF_UP | IFF_RUNNING)

static void test_network_global_address_on_a_link_with_carrier_is_usable(void) {
        assert_network_judged("10.77.0.2", "eth0", UP_WITH_CARRIER, NULL);
        assert_network_judged("2001:db8:1::2", "eth0", UP_WITH_CARRIER, NULL);
}

static void test_network_default_route_on_an_interface_without_address_is_not_usable(void) {
        assert_network_judged("0.0.0.0", NULL, 0, "the default route's interface has no usable address");
        assert_network_judged("::", NULL, 0, "the default route's interface has no usable address");
}

static void test_network_default_route_through_loopback_is_not_usable(void) {
        assert_network_judged("127.0.0.1", "lo", UP_WITH_CARRIER | IFF_LOOPBACK,
                              "the default route leaves through the loopback interface lo");
        /* A routable address put on lo does not make lo a network. */
        assert_network_judged("10.1.1.1", "lo", UP_WITH_CARRIER | IFF_LOOPBACK,
                              "the default route leaves through the loopback interface lo");
}

static void test_network_interface_without_carrier_is_not_usable(void) {
        assert_network_judged("10.77.0.2", "eth0", IFF_UP, "eth0 has no carrier");
        assert_network_judged("10.77.0.2", "eth0", 0, "eth0 is down");
}

static void test_network_link_local_address_only_is_not_usable(void) {
        assert_network_judged("169.254.3.4", "eth0", UP_WITH_CARRIER,
                              "only the link-local address 169.254.3.4 on eth0");
        assert_network_judged("fe80::1", "eth0", UP_WITH_CARRIER,
                              "only the link-local address fe80::1 on eth0");
}

static void test_network_source_on_no_interface_is_not_usable(void) {
        assert_network_judged("10.77.0.2", NULL, 0, "the source address 10.77.0.2 is on no interface");
}

/* ---- clock: what adjtimex(2) returned ---- */

static void assert_clock_judged(int result, int errno_value, int status, const char *expected_reason) {
        g_autofree char *reason = NULL;
        gboolean synchronized = clock_kernel_judge(result, errno_value, status, &reason);

        g_assert_cmpstr(reason, ==, expected_reason);
        g_assert_true(synchronized == (expected_reason == NULL));
}

static void test_clock_kernel_synchronized(void) {
        assert_clock_judged(TIME_OK, 0, STA_PLL, NULL);
}

static void test_clock_kernel_unsync_flag_is_not_synchronized(void) {
        assert_clock_judged(TIME_ERROR, 0, STA_UNSYNC, "kernel adjtimex: STA_UNSYNC set");
}

static void test_clock_kernel_time_error_is_not_synchronized(void) {
        /* TIME_ERROR without STA_UNSYNC: e.g. a PPS signal that went away. */
        assert_clock_judged(TIME_ERROR, 0, STA_PPSTIME | STA_PPSSIGNAL,
                            "kernel adjtimex: TIME_ERROR, status 0x104");
}

static void test_clock_kernel_unreadable_is_not_synchronized(void) {
        g_autofree char *expected = g_strdup_printf("kernel adjtimex: %s", g_strerror(EPERM));

        assert_clock_judged(-1, EPERM, 0, expected);
}

/* ---- the wait ---- */

typedef struct {
        GMainLoop *loop;
        GPtrArray *stages;
        GError *error;
        gboolean finished;
        gboolean met;
        GCancellable *cancel_on_stage; /* cancelled by the first stage report when set */
} WaitResult;

static void on_stage(const char *stage, gpointer user_data) {
        WaitResult *result = user_data;

        g_ptr_array_add(result->stages, g_strdup(stage));
        if (result->cancel_on_stage != NULL)
                g_cancellable_cancel(result->cancel_on_stage);
}

static void on_finished(GObject *source, GAsyncResult *async_result, gpointer user_data) {
        WaitResult *result = user_data;

        result->met = preconditions_wait_finish(async_result, &result->error);
        result->finished = TRUE;
        g_main_loop_quit(result->loop);
}

static void wait_result_init(WaitResult *result) {
        *result = (WaitResult){ .loop = g_main_loop_new(NULL, FALSE),
                                .stages = g_ptr_array_new_with_free_func(g_free) };
}

static void wait_result_clear(WaitResult *result) {
        g_main_loop_unref(result->loop);
        g_ptr_array_unref(result->stages);
        g_clear_error(&result->error);
}

static void run_wait(const PreconditionsConfig *config, GCancellable *cancellable, WaitResult *result) {
        preconditions_wait_async(config, cancellable, on_stage, on_finished, result);
        g_assert_false(result->finished); /* never before _async returns */
        g_main_loop_run(result->loop);
}

static void test_wait_checks_off_is_met_at_once_without_stage(void) {
        PreconditionsConfig config = { .network = FALSE, .time = PRECONDITIONS_TIME_NONE, .timeout = 60 };
        WaitResult result;

        wait_result_init(&result);
        run_wait(&config, NULL, &result);
        g_assert_no_error(result.error);
        g_assert_true(result.met);
        g_assert_cmpuint(result.stages->len, ==, 0);
        wait_result_clear(&result);
}

static void test_wait_unreachable_timedated_fails_with_precondition_naming_the_clock(void) {
        PreconditionsConfig config = { .network = FALSE, .time = PRECONDITIONS_TIME_TIMEDATED, .timeout = 1 };
        WaitResult result;

        wait_result_init(&result);
        run_wait(&config, NULL, &result);
        g_assert_false(result.met);
        g_assert_error(result.error, PROV_ERROR, PROV_ERROR_PRECONDITION);
        g_assert_true(g_str_has_prefix(result.error->message,
                                       "clock not synchronized (system bus not reachable: "));
        g_assert_true(g_str_has_suffix(result.error->message, ") after 1 s"));
        g_assert_cmpuint(result.stages->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(result.stages, 0), ==, PRECONDITIONS_STAGE_WAITING_FOR_TIME);
        wait_result_clear(&result);
}

static void test_wait_cancelled_ends_with_cancelled(void) {
        PreconditionsConfig config = { .network = FALSE, .time = PRECONDITIONS_TIME_TIMEDATED, .timeout = 600 };
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        WaitResult result;

        wait_result_init(&result);
        result.cancel_on_stage = cancellable;
        run_wait(&config, cancellable, &result);
        g_assert_false(result.met);
        g_assert_error(result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        g_assert_cmpuint(result.stages->len, ==, 1);
        wait_result_clear(&result);
}

static void test_wait_cancelled_before_start_ends_with_cancelled(void) {
        PreconditionsConfig config = { .network = TRUE, .time = PRECONDITIONS_TIME_KERNEL, .timeout = 600 };
        g_autoptr(GCancellable) cancellable = g_cancellable_new();
        WaitResult result;

        wait_result_init(&result);
        g_cancellable_cancel(cancellable);
        run_wait(&config, cancellable, &result);
        g_assert_error(result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        wait_result_clear(&result);
}

static void test_precondition_has_its_dbus_name(void) {
        g_assert_cmpstr(prov_error_to_dbus_name(PROV_ERROR_PRECONDITION), ==,
                        "org.provisiond.Provisioning1.Error.Precondition");
        g_assert_cmpint(prov_error_from_dbus_name("org.provisiond.Provisioning1.Error.Precondition"), ==,
                        PROV_ERROR_PRECONDITION);
}

int main(int argc, char **argv) {
        g_setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS_ADDRESS, TRUE);
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/preconditions/config/defaults-check-network-and-timedated",
                        test_config_defaults_check_network_and_timedated);
        g_test_add_func("/preconditions/config/keys-override-defaults", test_config_keys_override_defaults);
        g_test_add_func("/preconditions/config/copy-keeps-preconditions",
                        test_config_copy_keeps_preconditions);
        g_test_add_func("/preconditions/config/unknown-time-source-refused",
                        test_config_unknown_time_source_refused);
        g_test_add_func("/preconditions/config/network-not-boolean-refused",
                        test_config_network_not_boolean_refused);
        g_test_add_func("/preconditions/config/zero-timeout-refused", test_config_zero_timeout_refused);
        g_test_add_func("/preconditions/config/time-source-names-round-trip",
                        test_time_source_names_round_trip);
        g_test_add_func("/preconditions/network/global-address-with-carrier-is-usable",
                        test_network_global_address_on_a_link_with_carrier_is_usable);
        g_test_add_func("/preconditions/network/interface-without-address-is-not-usable",
                        test_network_default_route_on_an_interface_without_address_is_not_usable);
        g_test_add_func("/preconditions/network/loopback-is-not-usable",
                        test_network_default_route_through_loopback_is_not_usable);
        g_test_add_func("/preconditions/network/no-carrier-is-not-usable",
                        test_network_interface_without_carrier_is_not_usable);
        g_test_add_func("/preconditions/network/link-local-only-is-not-usable",
                        test_network_link_local_address_only_is_not_usable);
        g_test_add_func("/preconditions/network/source-on-no-interface-is-not-usable",
                        test_network_source_on_no_interface_is_not_usable);
        g_test_add_func("/preconditions/clock/kernel-synchronized", test_clock_kernel_synchronized);
        g_test_add_func("/preconditions/clock/kernel-unsync-flag-is-not-synchronized",
                        test_clock_kernel_unsync_flag_is_not_synchronized);
        g_test_add_func("/preconditions/clock/kernel-time-error-is-not-synchronized",
                        test_clock_kernel_time_error_is_not_synchronized);
        g_test_add_func("/preconditions/clock/kernel-unreadable-is-not-synchronized",
                        test_clock_kernel_unreadable_is_not_synchronized);
        g_test_add_func("/preconditions/wait/checks-off-is-met-at-once-without-stage",
                        test_wait_checks_off_is_met_at_once_without_stage);
        g_test_add_func("/preconditions/wait/unreachable-timedated-fails-with-precondition-naming-the-clock",
                        test_wait_unreachable_timedated_fails_with_precondition_naming_the_clock);
        g_test_add_func("/preconditions/wait/cancelled-ends-with-cancelled",
                        test_wait_cancelled_ends_with_cancelled);
        g_test_add_func("/preconditions/wait/cancelled-before-start-ends-with-cancelled",
                        test_wait_cancelled_before_start_ends_with_cancelled);
        g_test_add_func("/preconditions/error/precondition-has-its-dbus-name",
                        test_precondition_has_its_dbus_name);
        return g_test_run();
}
