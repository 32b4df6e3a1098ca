/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the SIP multicast PnP receive path: every datagram the
 * source gets goes through sip_message_parse_incoming(), and an accepted NOTIFY
 * is answered with sip_message_build_notify_ok(). Must never crash, leak or read
 * out of bounds, whatever arrives. Seeds: corpus/sip-notify/ (their Call-ID is
 * FUZZ_CALL_ID, so the fuzzer starts past the Call-ID check).
 */
#include <glib.h>
#include <stdint.h>

#include "sip-message.h"

#define FUZZ_CALL_ID "fuzz-call-id@192.0.2.10"

/* GLib's debug output of refused messages is noise here. */
static void quiet_log(const char *domain, GLogLevelFlags level, const char *message, gpointer user_data) {
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static gboolean initialized = FALSE;
        g_autoptr(GError) error = NULL;
        g_autoptr(SipIncoming) incoming = NULL;
        g_autofree char *answer = NULL;
        gsize answer_length = 0;

        if (!initialized) {
                g_log_set_default_handler(quiet_log, NULL);
                initialized = TRUE;
        }
        incoming = sip_message_parse_incoming((const char *) data, size, FUZZ_CALL_ID, 1, &error);
        if (incoming == NULL) {
                g_assert(error != NULL && error->message != NULL);
                return 0;
        }
        g_assert(error == NULL);
        if (sip_incoming_get_kind(incoming) == SIP_INCOMING_NOTIFY) {
                g_assert(sip_incoming_get_url(incoming) != NULL);
                answer = sip_message_build_notify_ok(incoming, &answer_length, &error);
                g_assert(answer != NULL || error != NULL);
        } else {
                g_assert(sip_incoming_get_status(incoming) >= 100);
        }
        return 0;
}
