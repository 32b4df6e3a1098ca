# SPDX-License-Identifier: LGPL-2.1-or-later
"""Zero-touch provisioning end to end, with real peers in network namespaces of the test's own.

A server namespace (10.98.0.1) runs dnsmasq, an HTTP provisioning server and sipp as the SIP
multicast PnP server (its interface joins 224.0.1.75); a client namespace, joined to it by a
veth pair, is the phone: ISC dhclient with our shipped exit hook (behind a small client script
of the test that configures the address and default route, as the system's dhclient-script
would), and provisiond itself (`ip netns exec`), so that its preconditions see a real
interface ([Preconditions] Network=true). The bus is a unix socket: reachable from every
namespace.

- DHCP (66/67, and 43 in the vendor's layout): the lease's options reach the daemon through the
  hook, the DHCP change trigger starts a run (trigger dhcp), which fetches from the server's
  address; then a run without URL (StartProvisioning) does the same (Source dhcp).
- multicast: sipp answers the SUBSCRIBE → a run without URL uses its URL (Source multicast).
- order: DHCP wins over multicast (not asked); multicast wins over the configured URL.
- redirect ∥ multicast: the HTTPS redirect service (a TestServer on 127.0.0.1 in the phone's
  namespace) and sipp are asked at once; the one that answers wins, the other is cancelled.

Needs root and network namespaces; skipped (77) where they cannot be created.
"""

import os
import shutil
import subprocess
import tempfile
import time

import harness
import httpd
from gi.repository import GLib
from harness import DaemonTestCase
from netns import (VethPair, dhclient_command, dnsmasq_command, hook_env, in_namespace, ip, run_tests,
                   sockets_in, start_wrapped_daemon)
from processes import kill_all, read_log, spawn, stop

SUFFIX = str(os.getpid())
SERVER_NS = f'pvd-zt-s-{SUFFIX}'
CLIENT_NS = f'pvd-zt-c-{SUFFIX}'
SERVER_VETH = f'zts{SUFFIX}'
CLIENT_VETH = f'ztc{SUFFIX}'
SERVER = '10.98.0.1'
NETWORK = VethPair(SERVER_NS, CLIENT_NS, SERVER_VETH, CLIENT_VETH, SERVER)
HTTP = f'http://{SERVER}:8080'
MAC = '00:09:52:00:00:0E'
MAC_IN_URLS = '00095200000E'
RUN_TIMEOUT = 60.0  # upper bounds against a hang, never timing assertions
READY_TIMEOUT = 20.0
# A responder that holds its NOTIFY back this long has lost: the other source answers first.
NEVER_MS = 50000
TLS_DIR = harness.source_path('tests', 'data', 'tls')

PATCH = b'''<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <telephony version="1.8.9" patch="true"><callWaiting><active>false</active></callWaiting></telephony>
</configuration>
'''


def create_network():
    NETWORK.create()
    # A PnP server joins the group; sipp does not, so the address does it for sipp.
    ip('-n', SERVER_NS, 'addr', 'add', '224.0.1.75/32', 'dev', SERVER_VETH, 'autojoin')


def wait_for_port(namespace, protocol, port):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        listening = subprocess.run(in_namespace(namespace, ['ss', '-Hln' + protocol, f'sport = :{port}']),
                                   capture_output=True, text=True).stdout
        if listening.strip():
            return
        time.sleep(0.05)
    raise AssertionError(f'nothing listens on {protocol} port {port} in {namespace}')


class ZeroTouchTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        try:
            create_network()
        except BaseException:
            NETWORK.remove()
            raise

    @classmethod
    def tearDownClass(cls):
        NETWORK.remove()

    def setUp(self):
        self.work_dir = tempfile.mkdtemp(prefix='provisiond-zero-touch-')
        self.addCleanup(shutil.rmtree, self.work_dir, ignore_errors=True)
        self.addCleanup(self.unconfigure_client)
        self.docroot = os.path.join(self.work_dir, 'www')
        for directory in ('prov', 'vendor', 'mc', 'other', 'redirected'):
            os.makedirs(os.path.join(self.docroot, directory))
            with open(os.path.join(self.docroot, directory, f'{MAC_IN_URLS}.xml'), 'wb') as f:
                f.write(PATCH)
        self.http_log = os.path.join(self.work_dir, 'http.log')
        self.start_process(in_namespace(SERVER_NS, [
            '/usr/bin/python3', '-u', '-m', 'http.server', '--bind', SERVER, '--directory', self.docroot,
            '8080']), log=self.http_log)
        wait_for_port(SERVER_NS, 't', 8080)

    def unconfigure_client(self):
        ip('-n', CLIENT_NS, 'addr', 'flush', 'dev', CLIENT_VETH, check=False)
        ip('-n', CLIENT_NS, 'route', 'flush', 'dev', CLIENT_VETH, check=False)

    def start_process(self, argv, log):
        with open(log, 'ab') as f:
            process = spawn(argv, stdout=f, stderr=f)
        self.addCleanup(stop, process)
        return process

    # -- the phone --

    def start_phone(self, extra_config=None, **provisioning):
        config = {
            'Device': {'MAC': MAC, 'Serial': 'SN1', 'Type': 'D200'},
            'Preconditions': {'Network': 'true', 'Time': 'none', 'Timeout': '30'},
            'Multicast': {'Enabled': 'true', 'Interface': CLIENT_VETH, 'WaitSeconds': '5'},
            **(extra_config or {}),
        }
        defaults = harness.defaults_with_provisioning(self.work_dir, **provisioning) if provisioning else None
        return start_wrapped_daemon(self, lambda argv: in_namespace(CLIENT_NS, argv), config, defaults)

    def static_address(self):
        ip('-n', CLIENT_NS, 'addr', 'add', '10.98.0.2/24', 'dev', CLIENT_VETH)
        ip('-n', CLIENT_NS, 'route', 'add', 'default', 'via', SERVER)

    def run_to_end(self, run_id):
        member, args = self.recorder.wait_for_run_end(run_id, timeout=RUN_TIMEOUT)
        if member != 'Finished':
            self.fail(f'run {run_id}: {args}\n{self.daemon.log_tail()}')

    def assertProvisioned(self, path):
        telephony = harness.sections_of(harness.parse_xml(self.daemon.settings_bytes()))['telephony']
        self.assertEqual('false', telephony.find('callWaiting/active').text)
        self.assertIn(f'"GET {path} HTTP/1.1" 200', read_log(self.http_log))

    # -- the peers --

    def dnsmasq(self, option_lines):
        self.start_process(dnsmasq_command(self.work_dir, NETWORK, '10.98.0.50,10.98.0.150,255.255.255.0,1h',
                                           [f'dhcp-option=3,{SERVER}', *option_lines]),
                           log=os.path.join(self.work_dir, 'dnsmasq.log'))

    def dhclient(self):
        """ISC dhclient with a client script of ours: the address and the default route first
        (what dhclient-script would do), then our shipped exit hook."""
        script = os.path.join(self.work_dir, 'dhclient-script')
        hook = os.path.join(os.environ['PROVISIOND_BUILD_ROOT'], 'data', 'dhcp', 'dhclient-exit-hook')
        with open(script, 'w') as f:
            f.write('#!/bin/sh\n'
                    'case "$reason" in BOUND|RENEW|REBIND|REBOOT)\n'
                    '  ip addr replace "$new_ip_address/24" dev "$interface"\n'
                    '  ip route replace default via "${new_routers%% *}" dev "$interface" ;;\n'
                    'esac\n'
                    f'. {hook}\n')
        os.chmod(script, 0o755)
        self.start_process(dhclient_command(self.work_dir, NETWORK, script, hook_env()),
                           log=os.path.join(self.work_dir, 'dhclient.log'))

    def pnp_server(self, url, delay_ms=0):
        """sipp as the SIP multicast PnP server, answering one SUBSCRIBE with url after delay_ms."""
        scenario = harness.source_path('tests', 'sip', 'pnp-responder.xml')
        process = self.start_process(in_namespace(SERVER_NS, [
            'sipp', '-nr', '-sf', scenario, '-p', '5060', '-i', '0.0.0.0', '-m', '1', '-nostdin',
            '-timeout', '60s', '-timeout_error', '-d', str(delay_ms), '-key', 'url', url]),
            log=os.path.join(self.work_dir, 'sipp.log'))
        wait_for_port(SERVER_NS, 'u', 5060)
        return process

    def redirect_service(self, url, **route):
        """The HTTPS redirect service (docs/redirect.md) on 127.0.0.1 of the phone's namespace,
        answering the device's path with url (route: httpd.Route fields, e.g. hang=True); the
        [Redirect] section that points the phone at it."""
        with sockets_in(CLIENT_NS):
            service = httpd.start_server(self, httpd.fixture_tls_context(TLS_DIR))
        service.add(f'/v1/{MAC_IN_URLS}', body=url.encode() + b'\n', content_type='text/plain', **route)
        return service, {'Redirect': {'Url': service.url('/v1/{mac}'), 'CAFile': f'{TLS_DIR}/ca.pem'}}

    # -- DHCP --

    def dhcp_end_to_end(self, option_lines, path):
        self.dnsmasq(option_lines)
        daemon = self.start_phone()
        self.dhclient()
        # The hook's SetDhcpOptions starts run 1 (the DHCP change trigger).
        self.run_to_end(1)
        status = daemon.status()
        self.assertEqual(('dhcp', 'dhcp'), (status['Trigger'], status['Source']))
        self.assertProvisioned(path)
        self.assertEqual('not asked: dhcp found a URL first', dict(status['Discovery'])['multicast'])

        run_id = daemon.start_provisioning()
        self.run_to_end(run_id)
        status = daemon.status()
        self.assertEqual(('manual', 'dhcp'), (status['Trigger'], status['Source']))

    def test_dhcp_66_67(self):
        self.dhcp_end_to_end([f'dhcp-option-force=66,"{HTTP}/prov"', 'dhcp-option-force=67,"<MACADR>.xml"'],
                             f'/prov/{MAC_IN_URLS}.xml')

    def test_dhcp_43_vendor_layout(self):
        url = f'{HTTP}/vendor/{{mac}}.xml'
        # The vendor's layout: sub-option 0x42, the length counts a trailing NUL.
        option = bytes([0x42, len(url) + 1]) + url.encode() + b'\0'
        self.dhcp_end_to_end(['dhcp-option-force=43,' + ':'.join(f'{byte:02x}' for byte in option),
                              f'dhcp-option-force=66,"{HTTP}/other"'],
                             f'/vendor/{MAC_IN_URLS}.xml')

    # -- multicast and the order --

    def test_multicast(self):
        self.static_address()
        sipp = self.pnp_server(f'{HTTP}/mc/{MAC_IN_URLS}.xml')
        daemon = self.start_phone()
        self.run_to_end(daemon.start_provisioning())
        status = daemon.status()
        self.assertEqual('multicast', status['Source'])
        self.assertEqual(f'url {HTTP}/mc/{MAC_IN_URLS}.xml (from {SERVER}:5060)',
                         dict(status['Discovery'])['multicast'])
        self.assertProvisioned(f'/mc/{MAC_IN_URLS}.xml')
        self.assertEqual(0, sipp.wait(timeout=RUN_TIMEOUT), read_log(os.path.join(self.work_dir, 'sipp.log')))

    def test_dhcp_wins_over_multicast(self):
        self.static_address()
        self.pnp_server(f'{HTTP}/mc/{MAC_IN_URLS}.xml')
        # Inactive: storing the options starts no run; the run is started by hand.
        daemon = self.start_phone(active='false')
        harness.call(daemon.connection, 'SetDhcpOptions',
                     GLib.Variant('(sa{ys})', (CLIENT_VETH, {67: f'{HTTP}/prov/<MACADR>.xml'})), None)
        self.run_to_end(daemon.start_provisioning())
        status = daemon.status()
        self.assertEqual('dhcp', status['Source'])
        self.assertEqual('not asked: dhcp found a URL first', dict(status['Discovery'])['multicast'])
        self.assertProvisioned(f'/prov/{MAC_IN_URLS}.xml')
        self.assertNotIn('/mc/', read_log(self.http_log))

    def test_multicast_wins_over_configured(self):
        self.static_address()
        self.pnp_server(f'{HTTP}/mc/{MAC_IN_URLS}.xml')
        daemon = self.start_phone(url=f'{HTTP}/other/{MAC_IN_URLS}.xml')
        self.run_to_end(daemon.start_provisioning())
        status = daemon.status()
        self.assertEqual('multicast', status['Source'])
        self.assertEqual('not asked: multicast found a URL first', dict(status['Discovery'])['configured'])
        self.assertProvisioned(f'/mc/{MAC_IN_URLS}.xml')
        self.assertNotIn('/other/', read_log(self.http_log))

    # -- redirect ∥ multicast --

    def test_redirect_answers_first(self):
        self.static_address()
        self.pnp_server(f'{HTTP}/mc/{MAC_IN_URLS}.xml', delay_ms=NEVER_MS)
        service, config = self.redirect_service(f'{HTTP}/redirected/{MAC_IN_URLS}.xml')
        daemon = self.start_phone(config)
        self.run_to_end(daemon.start_provisioning())
        status = daemon.status()
        self.assertEqual('redirect', status['Source'])
        self.assertEqual('cancelled: redirect answered first', dict(status['Discovery'])['multicast'])
        self.assertProvisioned(f'/redirected/{MAC_IN_URLS}.xml')
        self.assertNotIn('/mc/', read_log(self.http_log))
        self.assertEqual(1, len(service.requests_for(f'/v1/{MAC_IN_URLS}')))

    def test_multicast_answers_first(self):
        self.static_address()
        sipp = self.pnp_server(f'{HTTP}/mc/{MAC_IN_URLS}.xml')
        service, config = self.redirect_service(f'{HTTP}/redirected/{MAC_IN_URLS}.xml', hang=True)
        daemon = self.start_phone(config)
        self.run_to_end(daemon.start_provisioning())
        status = daemon.status()
        self.assertEqual('multicast', status['Source'])
        self.assertEqual('cancelled: multicast answered first', dict(status['Discovery'])['redirect'])
        self.assertProvisioned(f'/mc/{MAC_IN_URLS}.xml')
        self.assertNotIn('/redirected/', read_log(self.http_log))
        self.assertEqual(0, sipp.wait(timeout=RUN_TIMEOUT), read_log(os.path.join(self.work_dir, 'sipp.log')))


def stop_on_signal(signum, frame):
    """meson's timeout or ^C: stop the peers and remove the namespaces too, then what harness removes."""
    kill_all()
    NETWORK.remove()
    harness._stop_on_signal(signum, frame)


def main():
    run_tests(f'pvd-zt-probe-{SUFFIX}', ('ip', 'dnsmasq', 'dhclient', 'sipp', 'ss'), stop_on_signal)


if __name__ == '__main__':
    main()
