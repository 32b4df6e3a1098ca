/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SIP multicast PnP messages: the SUBSCRIBE we send, the answers we take, the hostile ones we refuse. */
#include <glib.h>
#include <string.h>

#include "provision.h"
#include "sip-message.h"

#define CALL_ID "4a1c2e5f-0b7d-4f1e-9b0a-2d6c8e9f1a3b"
#define AOR "sip:MAC%3a0004f2a1b2c3@224.0.1.75"

static const SipSubscribe subscribe_example = {
        .group = "224.0.1.75",
        .group_port = 5060,
        .local_address = "192.0.2.10",
        .local_port = 40000,
        .mac = "00:04:F2:A1:B2:C3",
        .vendor = "provisiond",
        .model = "D200",
        .version = "1.2.3",
        .call_id = CALL_ID,
        .from_tag = "f00d",
        .branch = "z9hG4bKabc123",
        .cseq = 1,
};

/* A NOTIFY as a PnP server sends it to our Contact, with @headers and @body filled in. */
static char *notify_text(const char *call_id, const char *headers, const char *body) {
        return g_strdup_printf(
                "NOTIFY sip:192.0.2.10:40000 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-524287-1---8d3f\r\n"
                "Max-Forwards: 70\r\n"
                "From: <%s>;tag=pbx42\r\n"
                "To: <%s>;tag=f00d\r\n"
                "Call-ID: %s\r\n"
                "CSeq: 2 NOTIFY\r\n"
                "Event: ua-profile;profile-type=\"device\";vendor=\"provisiond\";model=\"D200\"\r\n"
                "Subscription-State: terminated;reason=timeout\r\n"
                "%s"
                "Content-Length: %zu\r\n"
                "\r\n"
                "%s",
                AOR, AOR, call_id, headers, strlen(body), body);
}

static SipIncoming *parse_text(const char *text, GError **error) {
        return sip_message_parse_incoming(text, strlen(text), CALL_ID, 1, error);
}

static void assert_notify_url(const char *headers, const char *body, const char *expected) {
        g_autoptr(GError) error = NULL;
        g_autofree char *text = notify_text(CALL_ID, headers, body);
        g_autoptr(SipIncoming) incoming = parse_text(text, &error);

        g_assert_no_error(error);
        g_assert_cmpint(sip_incoming_get_kind(incoming), ==, SIP_INCOMING_NOTIFY);
        g_assert_cmpstr(sip_incoming_get_url(incoming), ==, expected);
}

static void assert_refused(const char *text, gsize length, GQuark domain, int code, const char *reason) {
        g_autoptr(GError) error = NULL;
        g_autoptr(SipIncoming) incoming = sip_message_parse_incoming(text, length, CALL_ID, 1, &error);

        g_assert_null(incoming);
        g_assert_error(error, domain, code);
        if (strstr(error->message, reason) == NULL)
                g_error("\"%s\" does not say \"%s\"", error->message, reason);
}

static void assert_notify_refused(const char *headers, const char *body, GQuark domain, int code,
                                  const char *reason) {
        g_autofree char *text = notify_text(CALL_ID, headers, body);

        assert_refused(text, strlen(text), domain, code, reason);
}

/* Building @subscribe fails with INVALID_ARG, and the message names @fact. */
static void assert_subscribe_refused(const SipSubscribe *subscribe, const char *fact) {
        g_autoptr(GError) error = NULL;
        g_autofree char *text = sip_message_build_subscribe(subscribe, NULL, &error);

        g_assert_null(text);
        g_assert_error(error, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_INVALID_ARG);
        g_assert_nonnull(strstr(error->message, fact));
}

static void test_subscribe_has_the_pnp_headers(void) {
        const char *const header_lines[] = {
                "Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKabc123;rport",
                "From: <" AOR ">;tag=f00d",
                "To: <" AOR ">",
                "Call-ID: " CALL_ID,
                "CSeq: 1 SUBSCRIBE",
                "Contact: <sip:192.0.2.10:40000>",
                "Max-Forwards: 70",
                "Event: ua-profile;profile-type=\"device\";vendor=\"provisiond\";"
                "model=\"D200\";version=\"1.2.3\"",
                "Expires: 0",
                "Accept: application/url",
                "Content-Length: 0",
        };
        g_autoptr(GError) error = NULL;
        gsize length = 0;
        g_autofree char *text = sip_message_build_subscribe(&subscribe_example, &length, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(length, ==, strlen(text));
        g_test_message("%s", text);
        g_assert_true(g_str_has_prefix(text, "SUBSCRIBE " AOR " SIP/2.0\r\n"));
        for (gsize i = 0; i < G_N_ELEMENTS(header_lines); i++) {
                g_autofree char *line = g_strdup_printf("\r\n%s\r\n", header_lines[i]);

                if (strstr(text, line) == NULL)
                        g_error("no header line \"%s\"", header_lines[i]);
        }
        g_assert_true(g_str_has_suffix(text, "\r\n\r\n"));
}

static void test_subscribe_refuses_a_bad_mac(void) {
        SipSubscribe subscribe = subscribe_example;

        subscribe.mac = "00:04:f2:zz:b2:c3";
        assert_subscribe_refused(&subscribe, "00:04:f2:zz:b2:c3");
}

static void test_subscribe_refuses_header_injection(void) {
        SipSubscribe subscribe = subscribe_example;

        subscribe.version = "1.2.3\"\r\nContact: <sip:evil>";
        assert_subscribe_refused(&subscribe, "version");
}

static void test_response_ok_is_taken(void) {
        const char *text =
                "SIP/2.0 200 OK\r\n"
                "Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKabc123;rport=40000;received=192.0.2.10\r\n"
                "From: <" AOR
                ">;tag=f00d\r\n"
                "To: <" AOR
                ">;tag=pbx42\r\n"
                "Call-ID: " CALL_ID
                "\r\n"
                "CSeq: 1 SUBSCRIBE\r\n"
                "Expires: 0\r\n"
                "Content-Length: 0\r\n\r\n";
        g_autoptr(GError) error = NULL;
        g_autoptr(SipIncoming) incoming = parse_text(text, &error);

        g_assert_no_error(error);
        g_assert_cmpint(sip_incoming_get_kind(incoming), ==, SIP_INCOMING_RESPONSE);
        g_assert_cmpuint(sip_incoming_get_status(incoming), ==, 200);
        g_assert_null(sip_incoming_get_url(incoming));
}

static void test_response_to_another_cseq_is_not_ours(void) {
        const char *text =
                "SIP/2.0 200 OK\r\n"
                "Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKabc123\r\n"
                "From: <" AOR ">;tag=f00d\r\nTo: <" AOR
                ">;tag=x\r\n"
                "Call-ID: " CALL_ID "\r\nCSeq: 7 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n";

        assert_refused(text, strlen(text), SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NOT_OURS, "CSeq 7");
}

static void test_response_to_another_call_is_not_ours(void) {
        const char *text =
                "SIP/2.0 200 OK\r\n"
                "Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKabc123\r\n"
                "From: <" AOR ">;tag=f00d\r\nTo: <" AOR
                ">;tag=x\r\n"
                "Call-ID: someone-else\r\nCSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n";

        assert_refused(text, strlen(text), SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NOT_OURS, "someone-else");
}

/* Polycom/Yealink-style servers: the URL as the body of an application/url NOTIFY. */
static void test_notify_application_url(void) {
        assert_notify_url("Content-Type: application/url\r\n", "http://192.0.2.1/provisioning/",
                          "http://192.0.2.1/provisioning/");
        assert_notify_url("Content-Type: Application/URL\r\n", "  https://pbx.example/p/{mac}.xml\r\n\r\n",
                          "https://pbx.example/p/{mac}.xml");
}

/* RFC 4483 form, as some PBXes send it: the URL in the Content-Type parameters, the body a header block. */
static void test_notify_external_body_url(void) {
        assert_notify_url(
                "Content-Type: message/external-body; access-type=\"URL\"; "
                "URL=\"https://pbx.example:8443/prov/D200.xml\"\r\n",
                "Content-Type: application/xml\r\n\r\n", "https://pbx.example:8443/prov/D200.xml");
        assert_notify_url(
                "Content-Type: message/external-body;access-type=URL;"
                "url=\"http://192.0.2.1/x.xml\"\r\n",
                "", "http://192.0.2.1/x.xml");
}

static void test_notify_non_http_url_is_refused(void) {
        assert_notify_refused("Content-Type: application/url\r\n", "tftp://192.0.2.1/boot", PROV_ERROR,
                              PROV_ERROR_UNSUPPORTED_URL, "tftp");
        assert_notify_refused("Content-Type: application/url\r\n", "file:///etc/shadow", PROV_ERROR,
                              PROV_ERROR_UNSUPPORTED_URL, "file");
        assert_notify_refused("Content-Type: message/external-body;access-type=\"URL\";URL=\"ftp://h/x\"\r\n",
                              "", PROV_ERROR, PROV_ERROR_UNSUPPORTED_URL, "ftp");
}

static void test_notify_without_usable_url_is_refused(void) {
        assert_notify_refused("Content-Type: text/plain\r\n", "http://192.0.2.1/", SIP_MESSAGE_ERROR,
                              SIP_MESSAGE_ERROR_NO_URL, "text/plain");
        assert_notify_refused("", "http://192.0.2.1/", SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NO_URL,
                              "without a Content-Type");
        assert_notify_refused("Content-Type: application/url\r\n", "", SIP_MESSAGE_ERROR,
                              SIP_MESSAGE_ERROR_NO_URL, "without a body");
        assert_notify_refused("Content-Type: application/url\r\n", "http://a/ x\r\nhttp://b/",
                              SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NO_URL, "space or control character");
        assert_notify_refused("Content-Type: message/external-body;access-type=\"anon-ftp\"\r\n", "",
                              SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NO_URL, "anon-ftp");
        assert_notify_refused("Content-Type: message/external-body;access-type=\"URL\"\r\n", "",
                              SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NO_URL, "without a URL parameter");
}

static void test_notify_long_url_is_refused(void) {
        g_autoptr(GString) url = g_string_new("http://192.0.2.1/");

        while (url->len <= SIP_MESSAGE_MAX_URL_LENGTH)
                g_string_append(url, "aaaaaaaaaaaaaaaa");
        assert_notify_refused("Content-Type: application/url\r\n", url->str, SIP_MESSAGE_ERROR,
                              SIP_MESSAGE_ERROR_NO_URL, "longer than");
}

static void test_notify_of_another_call_or_event_is_not_ours(void) {
        g_autofree char *text = notify_text("guess", "Content-Type: application/url\r\n", "http://evil/");
        g_autofree char *check_sync = NULL;

        assert_refused(text, strlen(text), SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NOT_OURS, "Call-ID guess");
        check_sync = g_strdup_printf(
                "NOTIFY sip:192.0.2.10:40000 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                "From: <sip:pbx@192.0.2.1>;tag=1\r\nTo: <%s>\r\n"
                "Call-ID: " CALL_ID
                "\r\nCSeq: 2 NOTIFY\r\nEvent: check-sync\r\n"
                "Content-Type: application/url\r\nContent-Length: 12\r\n\r\nhttp://evil/",
                AOR);
        assert_refused(check_sync, strlen(check_sync), SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_NOT_OURS,
                       "check-sync");
}

static void test_garbage_is_malformed(void) {
        const char nul_inside[] = "NOTIFY sip:a SIP/2.0\r\n\0Call-ID: x\r\n\r\n";
        g_autofree char *huge = g_malloc(SIP_MESSAGE_MAX_LENGTH + 2);

        assert_refused("", 0, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_MALFORMED, "empty");
        assert_refused("\x16\x03\x01\x02\x05\x01", 6, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_MALFORMED,
                       "not a SIP message");
        assert_refused("hello world\r\n\r\n", 15, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_MALFORMED,
                       "not a SIP message");
        assert_refused(nul_inside, sizeof(nul_inside) - 1, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_MALFORMED,
                       "NUL");
        memset(huge, 'A', SIP_MESSAGE_MAX_LENGTH + 1);
        assert_refused(huge, SIP_MESSAGE_MAX_LENGTH + 1, SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_MALFORMED,
                       "longer than 8192 bytes");
}

static void test_notify_missing_dialog_headers_is_malformed(void) {
        const char *text =
                "NOTIFY sip:192.0.2.10:40000 SIP/2.0\r\nCall-ID: " CALL_ID
                "\r\n"
                "Event: ua-profile\r\nContent-Type: application/url\r\nContent-Length: 9\r\n\r\nhttp://a/";

        assert_refused(text, strlen(text), SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_MALFORMED, "missing");
}

static void test_other_requests_are_unexpected(void) {
        const char *text =
                "INVITE sip:192.0.2.10:40000 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: " CALL_ID
                "\r\n"
                "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

        assert_refused(text, strlen(text), SIP_MESSAGE_ERROR, SIP_MESSAGE_ERROR_UNEXPECTED, "INVITE");
}

static void test_content_length_beyond_the_datagram(void) {
        const char *text =
                "NOTIFY sip:192.0.2.10:40000 SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: " CALL_ID
                "\r\n"
                "CSeq: 2 NOTIFY\r\nEvent: ua-profile\r\nContent-Type: application/url\r\n"
                "Content-Length: 4000000000\r\n\r\nhttp://a/";
        g_autoptr(GError) error = NULL;
        g_autoptr(SipIncoming) incoming = parse_text(text, &error);

        /* Either refused or the body the datagram holds; never a read past it. */
        if (incoming != NULL)
                g_assert_cmpstr(sip_incoming_get_url(incoming), ==, "http://a/");
        else
                g_assert_nonnull(error);
}

static void test_notify_answer_copies_the_dialog(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *text = notify_text(CALL_ID, "Content-Type: application/url\r\n",
                                            "http://192.0.2.1/p/");
        g_autoptr(SipIncoming) incoming = parse_text(text, &error);
        g_autofree char *ok = NULL;
        gsize length = 0;

        g_assert_no_error(error);
        ok = sip_message_build_notify_ok(incoming, &length, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(length, ==, strlen(ok));
        g_assert_true(g_str_has_prefix(ok, "SIP/2.0 200 OK\r\n"));
        g_assert_nonnull(strstr(ok, "\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-524287-1---8d3f\r\n"));
        g_assert_nonnull(strstr(ok, "\r\nFrom: <" AOR ">;tag=pbx42\r\n"));
        g_assert_nonnull(strstr(ok, "\r\nTo: <" AOR ">;tag=f00d\r\n"));
        g_assert_nonnull(strstr(ok, "\r\nCall-ID: " CALL_ID "\r\n"));
        g_assert_nonnull(strstr(ok, "\r\nCSeq: 2 NOTIFY\r\n"));
        g_assert_nonnull(strstr(ok, "\r\nContent-Length: 0\r\n"));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/sip-message/subscribe-has-the-pnp-headers", test_subscribe_has_the_pnp_headers);
        g_test_add_func("/sip-message/subscribe-refuses-a-bad-mac", test_subscribe_refuses_a_bad_mac);
        g_test_add_func("/sip-message/subscribe-refuses-header-injection",
                        test_subscribe_refuses_header_injection);
        g_test_add_func("/sip-message/response-ok-is-taken", test_response_ok_is_taken);
        g_test_add_func("/sip-message/response-to-another-cseq-is-not-ours",
                        test_response_to_another_cseq_is_not_ours);
        g_test_add_func("/sip-message/response-to-another-call-is-not-ours",
                        test_response_to_another_call_is_not_ours);
        g_test_add_func("/sip-message/notify-application-url", test_notify_application_url);
        g_test_add_func("/sip-message/notify-external-body-url", test_notify_external_body_url);
        g_test_add_func("/sip-message/notify-non-http-url-is-refused", test_notify_non_http_url_is_refused);
        g_test_add_func("/sip-message/notify-without-usable-url-is-refused",
                        test_notify_without_usable_url_is_refused);
        g_test_add_func("/sip-message/notify-long-url-is-refused", test_notify_long_url_is_refused);
        g_test_add_func("/sip-message/notify-of-another-call-or-event-is-not-ours",
                        test_notify_of_another_call_or_event_is_not_ours);
        g_test_add_func("/sip-message/garbage-is-malformed", test_garbage_is_malformed);
        g_test_add_func("/sip-message/notify-missing-dialog-headers-is-malformed",
                        test_notify_missing_dialog_headers_is_malformed);
        g_test_add_func("/sip-message/other-requests-are-unexpected", test_other_requests_are_unexpected);
        g_test_add_func("/sip-message/content-length-beyond-the-datagram",
                        test_content_length_beyond_the_datagram);
        g_test_add_func("/sip-message/notify-answer-copies-the-dialog", test_notify_answer_copies_the_dialog);
        return g_test_run();
}
