# SPDX-License-Identifier: LGPL-2.1-or-later
"""Discovery through the daemon, without network namespaces (see test_zero_touch.py for the real
DHCP client, dnsmasq and sipp): every source disabled → NoSource naming each; the DHCP change
trigger; option 43 garbage; Discover and provisionctl discover; the preconditions of a run
through the daemon (that one in a network namespace with only lo, made with unshare -n).

Every daemon here runs with [Multicast] Enabled=false (harness.TEST_CONFIG): the multicast
source never asks the host's LAN."""

import json
import os
import shutil
import subprocess
import tempfile

import harness
import httpd
from gi.repository import GLib
from harness import ERROR_PREFIX, INVALID_ARGS, DaemonTestCase
from netns import start_wrapped_daemon

NO_SOURCE = ERROR_PREFIX + 'NoSource'
PRECONDITION = ERROR_PREFIX + 'Precondition'
BUSY = ERROR_PREFIX + 'Busy'
RUN_TIMEOUT = 60.0  # an upper bound against a hang, never a timing assertion
MAC = '00:09:52:00:00:0E'
DEVICE = {'MAC': MAC, 'Serial': 'SN1', 'Type': 'D200'}

PATCH = b'''<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <telephony version="1.8.9" patch="true"><callWaiting><active>false</active></callWaiting></telephony>
</configuration>
'''


def findings_of(status):
    return dict(status['Discovery'])


class DiscoveryTestCase(DaemonTestCase):

    def setUp(self):
        self.work_dir = tempfile.mkdtemp(prefix='provisiond-discovery-')
        self.addCleanup(shutil.rmtree, self.work_dir, ignore_errors=True)
        self.server = httpd.TestServer()
        self.addCleanup(self.server.close)
        self.server.add_document('/dhcp/00095200000E.xml', PATCH)
        self.server.add_document('/configured.xml', PATCH)

    def start(self, config=None, **provisioning):
        defaults = harness.defaults_with_provisioning(self.work_dir, **provisioning) if provisioning else None
        self.daemon = harness.start_daemon(self, defaults=defaults,
                                           config={'Device': DEVICE, **(config or {})})
        self.recorder = harness.SignalRecorder()
        self.addCleanup(self.recorder.close)
        return self.daemon

    def set_dhcp_options(self, interface, options):
        harness.call(self.daemon.connection, 'SetDhcpOptions',
                     GLib.Variant('(sa{ys})', (interface, options)), None)

    def run_to_end(self, run_id):
        return self.recorder.wait_for_run_end(run_id, timeout=RUN_TIMEOUT)

    def discover(self, options=None):
        return harness.call(self.daemon.connection, 'Discover',
                            GLib.Variant('(a{sv})', (options or {},)), '(ssa{ss})')


class SourceOrderTest(DiscoveryTestCase):

    def test_every_source_disabled_is_no_source_naming_each(self):
        daemon = self.start(dhcp='false', redirect='false', pbx='false')
        before = daemon.settings_bytes()
        run_id = daemon.start_provisioning()
        member, args = self.run_to_end(run_id)
        self.assertEqual(('Failed', NO_SOURCE), (member, args[1]))
        for text in ('dhcp: skipped: disabled (/provisioning/dhcp is false)',
                     'redirect: skipped: disabled (/provisioning/redirect is false)',
                     'multicast: skipped: disabled (/provisioning/pbx is false)',
                     'configured: none: /provisioning/url is empty'):
            self.assertIn(text, args[2])
        status = daemon.status()
        self.assertEqual('', status['Source'])
        self.assertEqual('skipped: disabled (/provisioning/dhcp is false)', findings_of(status)['dhcp'])
        self.assertEqual(before, daemon.settings_bytes())

    def test_configured_url_after_the_other_sources(self):
        daemon = self.start(url=self.server.url('/configured.xml'))
        run_id = daemon.start_provisioning()
        self.assertEqual('Finished', self.run_to_end(run_id)[0])
        status = daemon.status()
        self.assertEqual('configured', status['Source'])
        self.assertEqual(self.server.url('/configured.xml'), status['Url'])
        findings = findings_of(status)
        self.assertEqual(['dhcp', 'redirect', 'multicast', 'configured'], list(findings))
        self.assertEqual('none: no DHCP client has handed over options (SetDhcpOptions)', findings['dhcp'])
        self.assertEqual('none: redirect service: no redirect service configured ([Redirect] Url)', findings['redirect'])
        self.assertEqual('skipped: off in provisiond.conf ([Multicast] Enabled=false)', findings['multicast'])
        self.assertEqual('url ' + self.server.url('/configured.xml'), findings['configured'])

    def test_dhcp_wins_over_configured(self):
        daemon = self.start(config={'Device': DEVICE}, active='false', url=self.server.url('/configured.xml'))
        # active=false: storing the options starts no run; the run below is started by hand.
        self.set_dhcp_options('eth0', {66: self.server.origin + '/dhcp', 67: '<MACADR>.xml'})
        run_id = daemon.start_provisioning()
        self.assertEqual('Finished', self.run_to_end(run_id)[0])
        status = daemon.status()
        self.assertEqual('dhcp', status['Source'])
        self.assertEqual(self.server.origin + '/dhcp/<MACADR>.xml', status['Url'])
        self.assertEqual('not asked: dhcp found a URL first', findings_of(status)['configured'])
        self.assertEqual(1, len(self.server.requests_for('/dhcp/00095200000E.xml')))
        self.assertEqual([], self.server.requests_for('/configured.xml'))
        # The generation the run committed records the source and URL the discovery found.
        (generations,) = harness.call(daemon.connection, 'ListGenerations', None, '(a(ta{sv}))')
        info = generations[-1][1]
        self.assertEqual(('manual', 'dhcp', self.server.origin + '/dhcp/<MACADR>.xml', run_id, ['telephony']),
                         (info['trigger'], info['source'], info['url'], info['run_id'], info['sections']))

    def test_run_with_url_is_manual_without_findings(self):
        daemon = self.start()
        run_id = daemon.start_provisioning({'url': self.server.url('/configured.xml')})
        self.assertEqual('Finished', self.run_to_end(run_id)[0])
        status = daemon.status()
        self.assertEqual('manual', status['Source'])
        self.assertEqual({}, findings_of(status))

    def test_discovering_stage_is_reported(self):
        daemon = self.start(url=self.server.url('/configured.xml'))
        run_id = daemon.start_provisioning()
        self.run_to_end(run_id)
        stages = [args[1] for args in self.recorder.of_run('Progress', run_id)]
        self.assertEqual('discovering', stages[0])
        self.assertIn('downloading', stages)


class RedirectSourceTest(DiscoveryTestCase):
    """The redirect service (docs/redirect.md) in the source order: an https server with the test CA
    of tests/data/tls answers the device's URL; redirect and multicast are asked after DHCP."""

    TLS_DIR = harness.source_path('tests', 'data', 'tls')

    def setUp(self):
        super().setUp()
        context = httpd.fixture_tls_context(self.TLS_DIR)
        self.redirect = httpd.start_server(self, context)
        self.server.add_document('/redirected.xml', PATCH)

    def start_with_redirect(self, **provisioning):
        config = {'Redirect': {'Url': self.redirect.url('/v1/{mac}'), 'CAFile': f'{self.TLS_DIR}/ca.pem'}}
        return self.start(config=config, **provisioning)

    def test_redirect_answer_is_the_run_url(self):
        self.redirect.add('/v1/00095200000E', body=self.server.url('/redirected.xml').encode() + b'\n',
                          content_type='text/plain')
        daemon = self.start_with_redirect(url=self.server.url('/configured.xml'))
        run_id = daemon.start_provisioning()
        self.assertEqual('Finished', self.run_to_end(run_id)[0])
        status = daemon.status()
        self.assertEqual('redirect', status['Source'])
        self.assertEqual(self.server.url('/redirected.xml'), status['Url'])
        self.assertTrue(findings_of(status)['redirect'].startswith('url ' + self.server.url('/redirected.xml')))
        self.assertEqual(1, len(self.server.requests_for('/redirected.xml')))
        self.assertEqual([], self.server.requests_for('/configured.xml'))

    def test_unregistered_device_falls_through_to_configured(self):
        self.redirect.add('/v1/00095200000E', status=404, body=b'')
        daemon = self.start_with_redirect(url=self.server.url('/configured.xml'))
        run_id = daemon.start_provisioning()
        self.assertEqual('Finished', self.run_to_end(run_id)[0])
        status = daemon.status()
        self.assertEqual('configured', status['Source'])
        self.assertIn('this device is not registered (HTTP 404', findings_of(status)['redirect'])
        self.assertEqual(1, len(self.redirect.requests_for('/v1/00095200000E')))

    def test_dhcp_wins_over_redirect(self):
        self.redirect.add('/v1/00095200000E', body=self.server.url('/redirected.xml').encode(),
                          content_type='text/plain')
        daemon = self.start_with_redirect(active='false')
        self.set_dhcp_options('eth0', {66: self.server.origin + '/dhcp', 67: '<MACADR>.xml'})
        run_id = daemon.start_provisioning()
        self.assertEqual('Finished', self.run_to_end(run_id)[0])
        self.assertEqual('dhcp', daemon.status()['Source'])
        self.assertEqual([], self.redirect.requests_for('/v1/00095200000E'))


class DhcpChangeTriggerTest(DiscoveryTestCase):

    def test_new_url_starts_a_run_and_the_same_options_do_not(self):
        daemon = self.start()
        options = {67: self.server.origin + '/dhcp/<MACADR>.xml'}
        self.set_dhcp_options('eth0', options)
        # The run starts inside the SetDhcpOptions call: GetStatus, answered after it, sees it.
        status = daemon.status()
        self.assertEqual((1, 'dhcp'), (status['RunId'], status['Trigger']))
        self.assertEqual('Finished', self.run_to_end(1)[0])
        self.assertEqual('dhcp', daemon.status()['Source'])
        self.assertEqual('false', harness.sections_of(harness.parse_xml(daemon.settings_bytes()))['telephony']
                         .find('callWaiting/active').text)

        self.set_dhcp_options('eth0', options)
        self.assertEqual(1, daemon.status()['RunId'])

        self.server.add_document('/dhcp2/00095200000E.xml', PATCH)
        self.set_dhcp_options('eth0', {67: self.server.origin + '/dhcp2/<MACADR>.xml'})
        status = daemon.status()
        self.assertEqual((2, 'dhcp'), (status['RunId'], status['Trigger']))
        self.assertEqual('Finished', self.run_to_end(2)[0])
        self.assertEqual(1, len(self.server.requests_for('/dhcp/00095200000E.xml')))
        self.assertEqual(1, len(self.server.requests_for('/dhcp2/00095200000E.xml')))

    def test_no_run_when_dhcp_is_off(self):
        daemon = self.start(dhcp='false')
        self.set_dhcp_options('eth0', {67: self.server.origin + '/dhcp/<MACADR>.xml'})
        self.assertEqual(0, daemon.status()['RunId'])
        self.assertIn('no run: /provisioning/active is not true or /provisioning/dhcp is false', daemon.log_text())

    def test_no_run_when_provisioning_is_inactive(self):
        daemon = self.start(active='false')
        self.set_dhcp_options('eth0', {67: self.server.origin + '/dhcp/<MACADR>.xml'})
        self.assertEqual(0, daemon.status()['RunId'])

    def test_no_run_without_provisioning_active(self):
        # An automatic run needs /provisioning/active true, as boot and schedule runs do (docs/triggers.md).
        daemon = self.start(active=None)
        self.set_dhcp_options('eth0', {67: self.server.origin + '/dhcp/<MACADR>.xml'})
        self.assertEqual(0, daemon.status()['RunId'])
        self.assertIn('no run: /provisioning/active is not true', daemon.log_text())


class HostileDhcpTest(DiscoveryTestCase):

    def test_option43_garbage_skips_dhcp_with_its_reason(self):
        daemon = self.start()
        before = daemon.settings_bytes()
        # 0x42 claims 0x30 bytes, 2 follow: overrun. No URL, so no run starts either.
        self.set_dhcp_options('eth0', {43: '42:30:68:74', 66: self.server.origin + '/never'})
        self.assertEqual(0, daemon.status()['RunId'])
        run_id = daemon.start_provisioning()
        member, args = self.run_to_end(run_id)
        self.assertEqual(('Failed', NO_SOURCE), (member, args[1]))
        dhcp = findings_of(daemon.status())['dhcp']
        self.assertTrue(dhcp.startswith('no url: eth0: overrun: option 43'), dhcp)
        self.assertIn('dhcp: no url: eth0: overrun', args[2])
        self.assertEqual(before, daemon.settings_bytes())
        self.assertEqual([], self.server.requests_for('/never'))
        daemon.status()  # still alive

    def test_odd_hex_is_bad_hex(self):
        daemon = self.start(url=self.server.url('/configured.xml'))
        self.set_dhcp_options('eth0', {43: '420'})  # an odd digit count
        source, url, findings = self.discover()
        self.assertEqual('configured', source)
        self.assertTrue(findings['dhcp'].startswith('no url: eth0: bad-hex:'), findings['dhcp'])


class DiscoverTest(DiscoveryTestCase):

    def test_discover_reports_without_downloading(self):
        daemon = self.start(active='false', url=self.server.url('/configured.xml'))
        before = daemon.settings_bytes()
        self.set_dhcp_options('eth0', {67: self.server.origin + '/dhcp/<MACADR>.xml'})
        source, url, findings = self.discover()
        self.assertEqual(('dhcp', self.server.origin + '/dhcp/<MACADR>.xml'), (source, url))
        self.assertEqual('url ' + self.server.origin + '/dhcp/<MACADR>.xml (interface eth0)', findings['dhcp'])
        self.assertEqual('not asked: dhcp found a URL first', findings['configured'])
        self.assertEqual([], self.server.requests)
        self.assertEqual(0, daemon.status()['RunId'])
        self.assertEqual(before, daemon.settings_bytes())

    def test_nothing_found_is_a_reply(self):
        self.start(dhcp='false')
        source, url, findings = self.discover()
        self.assertEqual(('', ''), (source, url))
        self.assertEqual('none: /provisioning/url is empty', findings['configured'])

    def test_unknown_option_is_invalid_args(self):
        self.start()
        with self.assertDBusError(INVALID_ARGS) as caught:
            self.discover({'wait': GLib.Variant('s', '1')})
        self.assertIn("unknown option 'wait'", caught['message'])

    def test_provisionctl_discover(self):
        self.start(active='false', url=self.server.url('/configured.xml'))
        result = subprocess.run([harness.provisionctl_binary(), 'discover'], capture_output=True, text=True,
                                timeout=RUN_TIMEOUT)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('    Source: configured\n', result.stdout)
        self.assertIn(f'       Url: {self.server.url("/configured.xml")}\n', result.stdout)
        self.assertIn('  redirect: none: redirect service: no redirect service configured ([Redirect] Url)\n', result.stdout)
        result = subprocess.run([harness.provisionctl_binary(), 'discover', '--json'], capture_output=True,
                                text=True, timeout=RUN_TIMEOUT)
        document = json.loads(result.stdout)
        self.assertEqual('configured', document['source'])
        self.assertEqual(['dhcp', 'redirect', 'multicast', 'configured'], list(document['findings']))

    def test_provisionctl_discover_without_url_exits_1(self):
        self.start(dhcp='false')
        result = subprocess.run([harness.provisionctl_binary(), 'discover'], capture_output=True, text=True,
                                timeout=RUN_TIMEOUT)
        self.assertEqual(1, result.returncode)
        self.assertIn('    Source: none: no source found a provisioning URL\n', result.stdout)

    def test_provisionctl_status_shows_source_and_findings(self):
        daemon = self.start(url=self.server.url('/configured.xml'))
        self.run_to_end(daemon.start_provisioning())
        result = subprocess.run([harness.provisionctl_binary(), 'status'], capture_output=True, text=True,
                                timeout=RUN_TIMEOUT)
        self.assertIn('             Source: configured\n', result.stdout)
        self.assertIn('          Discovery: dhcp: none: no DHCP client', result.stdout)
        self.assertIn('                     configured: url ' + self.server.url('/configured.xml'), result.stdout)


class PreconditionThroughTheDaemonTest(DiscoveryTestCase):
    """Network=true with only lo (a network namespace of the daemon's own, unshare -n): the run
    fails with Precondition naming the network; the store stays as it was."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0 or subprocess.run(['unshare', '-n', 'true']).returncode != 0:
            self.skipTest('cannot create a network namespace here (needs root)')

    def start_without_network(self):
        config = {'Device': DEVICE, 'Preconditions': {'Network': 'true', 'Time': 'none', 'Timeout': '2'}}
        return start_wrapped_daemon(self, lambda argv: ['unshare', '-n', *argv], config)

    def test_run_without_network_fails_with_precondition(self):
        daemon = self.start_without_network()
        before = daemon.settings_bytes()
        run_id = daemon.start_provisioning({'url': 'http://192.0.2.1/never.xml'})
        member, args = self.run_to_end(run_id)
        self.assertEqual(('Failed', PRECONDITION), (member, args[1]))
        self.assertTrue(args[2].startswith('no network: no interface with an address and a default route '
                                           'after 2 s'), args[2])
        stages = [progress[1] for progress in self.recorder.of_run('Progress', run_id)]
        self.assertEqual(['waiting-for-network'], stages)
        self.assertEqual(before, daemon.settings_bytes())

    def test_second_discover_while_one_runs_is_busy(self):
        daemon = self.start_without_network()
        pending = []
        daemon.connection.call(harness.BUS_NAME, harness.OBJECT_PATH, harness.INTERFACE, 'Discover',
                               GLib.Variant('(a{sv})', ({},)), None, 0, int(RUN_TIMEOUT * 1000), None,
                               lambda connection, result: pending.append(result))
        with self.assertDBusError(BUSY) as caught:
            self.discover()
        self.assertIn('a Discover call is already running', caught['message'])
        harness.pump_until(lambda: pending, RUN_TIMEOUT, 'the first Discover reply')

    def test_discover_without_network_is_precondition(self):
        self.start_without_network()
        with self.assertDBusError(PRECONDITION) as caught:
            self.discover()
        self.assertIn('no network', caught['message'])


if __name__ == '__main__':
    harness.main()
