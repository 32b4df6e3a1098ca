/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Local HTTP(S) servers for unit tests: a SoupServer on 127.0.0.1 (a free port),
 * https with a certificate of the test fixtures in tests/data/tls (see
 * make-certs.sh and make-client-certs.sh there).
 */
#pragma once

#include <libsoup/soup.h>

/* The directory of the TLS fixtures in the source tree. */
#define TEST_TLS_DIR TEST_SOURCE_ROOT "/tests/data/tls"

/**
 * test_server_new: a new server, not yet listening. @certificate_name: the fixture pair
 * NAME.pem and NAME.key (e.g. "server": 127.0.0.1 signed by ca.pem) the server presents,
 * NULL for plain http. Asserts that the pair loads.
 */
SoupServer *test_server_new(const char *certificate_name);

/**
 * test_server_listen: @server listens on 127.0.0.1 on a free port, https when it has a
 * certificate (test_server_new()); asserts that it does. soup_server_get_uris() gives the port.
 */
void test_server_listen(SoupServer *server);
