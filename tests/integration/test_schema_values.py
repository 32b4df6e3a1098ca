# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the current release's XSDs accept and refuse, value by value, over
ApplyFile and Backup (docs/settings.md lists each constraint and why).

Values that real D-series files carry (resource references, base64 icons, an
empty schedule time, ...) are applied and come back from Backup as written;
the limits kept to protect the phone still refuse with Validation and leave
the stored settings byte-identical."""

import base64
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import harness
from harness import DaemonTestCase, read_fixture

VALIDATION = harness.ERROR_PREFIX + 'Validation'

PASSWORD_HASH = ('$6$U2VydmljZVRlY2g$G3aPXENCkz.93AV2PSpcxerESaZ9qAiDvw3SU9PVhpAq.zr5agE1Lq.rGSwnB15K3QnAa1w'
                 'VZdnqDGP/6yLGw.')

# A 48 KiB image in base64: 65536 characters, the most an icon may hold.
IMAGE = bytes(range(256)) * 192
ICON_MAX = base64.b64encode(IMAGE).decode('ascii')
ICON_WRAPPED = '\n'.join(ICON_MAX[i:i + 76] for i in range(0, 60000, 76))
PNG_DATA_URI = 'data:image/png;base64,' + base64.b64encode(b'\x89PNG\r\n\x1a\n' + bytes(64)).decode('ascii')

# Each case: (what, section, patch with {v} for the value, path below the
# section to read back, attribute or None for the element's text, value).
KEY_PARAMETER = ('<phoneXtensions><key keyNumber="7"><templateName>line</templateName>'
                 '<parameters><parameter name="{v}" value="1"/></parameters></key></phoneXtensions>')
KEY_ICON = '<phoneXtensions><key keyNumber="8" icon="{v}"><templateName>line</templateName></key></phoneXtensions>'
MODULE_ICON = '<extensionModule2><key keyNumber="60" icon="{v}" label="@string/park"/></extensionModule2>'
TEMPLATE = ('<template name="blf"><icon>{v}</icon><label>@param-@string/name</label>'
            '<parameters><parameter name="@string/name" value=""/></parameters></template>')
TEMPLATE_PARAMETER = '<template name="speed"><parameters><parameter name="{v}" value="x"/></parameters></template>'
PROVISIONING_TIME = '<execution><time>{v}</time></execution>'
UPDATE_TIME = '<execution><time>{v}</time></execution>'
ALLOWLIST = '<sip><allowlist><allowlistEntry>{v}</allowlistEntry></allowlist></sip>'
TRANSPORT = '<identity><transport>{v}</transport></identity>'
FORWARD = '<callForwarding><unconditional><target>{v}</target></unconditional></callForwarding>'
USER = f'<user name="{{v}}"><password>{PASSWORD_HASH}</password><role>admin</role></user>'
LUA = '<luaLibrary name="{v}"><code>return {{}}</code></luaLibrary>'
HOSTNAME = '<hostname>{v}</hostname>'
TIMEZONE = '<timezone>{v}</timezone>'
DATE_FORMAT = '<dateFormat>{v}</dateFormat>'
LANGUAGE = '<language>{v}</language>'

KEY_7_PARAMETER = "phoneXtensions/key[@keyNumber='7']/parameters/parameter"

# Values that failed before docs/settings.md's review and pass now.
LOOSENED = [
    ('key parameter name, string resource', 'keys', KEY_PARAMETER, KEY_7_PARAMETER, 'name', '@string/identity'),
    ('key parameter name, uri resource', 'keys', KEY_PARAMETER, KEY_7_PARAMETER, 'name', '@string/uri'),
    ('key parameter name, framework resource', 'keys', KEY_PARAMETER, KEY_7_PARAMETER, 'name',
     '@android:string/call_forwarding_unconditional_target'),
    ('key icon, drawable', 'keys', KEY_ICON, "phoneXtensions/key[@keyNumber='8']", 'icon', '@drawable/ic_line'),
    ('key icon, parameter reference', 'keys', KEY_ICON, "phoneXtensions/key[@keyNumber='8']", 'icon',
     '@param-@string/icon'),
    ('key icon, 64 KiB base64 image', 'keys', KEY_ICON, "phoneXtensions/key[@keyNumber='8']", 'icon', ICON_MAX),
    ('key icon, data URI', 'keys', KEY_ICON, "phoneXtensions/key[@keyNumber='8']", 'icon', PNG_DATA_URI),
    ('module key icon, framework drawable', 'keys', MODULE_ICON, "extensionModule2/key[@keyNumber='60']", 'icon',
     '@android:drawable/ic_menu_call'),
    ('template icon, drawable', 'templates', TEMPLATE, "template[@name='blf']/icon", None, '@drawable/ic_blf'),
    ('template icon, wrapped base64', 'templates', TEMPLATE, "template[@name='blf']/icon", None, ICON_WRAPPED),
    ('template parameter name', 'templates', TEMPLATE_PARAMETER, "template[@name='speed']/parameters/parameter",
     'name', '@string/speed_dial_number'),
    ('provisioning execution time empty', 'provisioning', PROVISIONING_TIME, 'execution/time', None, ''),
    ('update execution time empty', 'update', UPDATE_TIME, 'execution/time', None, ''),
    ('allowlist entry with prefix', 'provisioning', ALLOWLIST, 'sip/allowlist/allowlistEntry', None,
     '192.168.10.0/24'),
    ('transport in upper case', 'identities', TRANSPORT, 'identity[1]/transport', None, 'TLS'),
    ('call forward target with spaces', 'telephony', FORWARD, 'callForwarding/unconditional/target', None,
     '+49 30 1234567'),
    ('login name with capitals', 'users', USER, "user[@name='Admin']", 'name', 'Admin'),
    ('login name as e-mail address', 'users', USER, "user[@name='jane.doe@example.com']", 'name',
     'jane.doe@example.com'),
    ('Lua library name with hyphen', 'luaLibraries', LUA, "luaLibrary[@name='my-utils']", 'name', 'my-utils'),
    ('hostname empty', 'network', HOSTNAME, 'hostname', None, ''),
    ('time zone as POSIX TZ', 'time', TIMEZONE, 'timezone', None, 'CET-1CEST,M3.5.0,M10.5.0/3'),
    ('time zone as POSIX TZ with angle brackets', 'time', TIMEZONE, 'timezone', None, '<+03>-3'),
    ('British date format', 'time', DATE_FORMAT, 'dateFormat', None, 'DD/MM/YYYY'),
    ('language with region', 'userInterface', LANGUAGE, 'language', None, 'en-GB'),
    ('language as Android locale', 'userInterface', LANGUAGE, 'language', None, 'pt_BR'),
    ('language the firmware may not ship', 'userInterface', LANGUAGE, 'language', None, 'cs'),
]

# Accepted before and after: guards for values of the same kind.
ALREADY_ACCEPTED = [
    ('template label as parameter reference', 'templates', '<template name="park"><label>{v}</label></template>',
     "template[@name='park']/label", None, '@param-@string/name'),
    ('key label as string resource', 'keys', '<phoneXtensions><key keyNumber="10" label="{v}"/></phoneXtensions>',
     "phoneXtensions/key[@keyNumber='10']", 'label', '@string/park'),
    ('provisioning url with a marker', 'provisioning', '<url>{v}</url>', 'url', None,
     'https://prov.example.com/phones/{mac}.xml'),
]


def many(template, count):
    return ''.join(template.format(n=n) for n in range(1, count + 1))


# Values the kept limits refuse: (what, section, patch with the value in
# place[, 'replace' for a patch="false" section: a merge matches list elements
# by key, so a key twice in one merge patch is one key]).
KEPT = [
    ('registrarPort 70000', 'identities', '<identity><registrarPort>70000</registrarPort></identity>'),
    ('registrarPort 0', 'identities', '<identity><registrarPort>0</registrarPort></identity>'),
    ('outboundProxyPort 65536', 'identities', '<identity><outboundProxyPort>65536</outboundProxyPort></identity>'),
    ('registrar that is a URL', 'identities', '<identity><registrar>http://pbx.example.com/</registrar></identity>'),
    ('registrarPort 65536', 'identities', '<identity><registrarPort>65536</registrarPort></identity>'),
    ('registerInterval 4', 'identities', '<identity><registerInterval>4</registerInterval></identity>'),
    ('registerInterval 61', 'identities', '<identity><registerInterval>61</registerInterval></identity>'),
    ('seven identities', 'identities', '<identity/>' * 6 + '<identity><active>true</active></identity>'),
    ('displayname of 129 characters', 'identities', f'<identity><displayname>{"x" * 129}</displayname></identity>'),
    ('dtmfMethod rfc4733', 'identities', '<identity><dtmfMethod>rfc4733</dtmfMethod></identity>'),
    ('transport sctp', 'identities', '<identity><transport>sctp</transport></identity>'),
    ('41 phone keys', 'keys',
     '<phoneXtensions>' + many('<key keyNumber="{n}"/>', 41) + '</phoneXtensions>'),
    ('phone key 41', 'keys', '<phoneXtensions><key keyNumber="41"/></phoneXtensions>'),
    ('phone key 0', 'keys', '<phoneXtensions><key keyNumber="0"/></phoneXtensions>'),
    ('61 module keys', 'keys',
     '<extensionModule1>' + many('<key keyNumber="{n}"/>', 61) + '</extensionModule1>'),
    ('module key 61', 'keys', '<extensionModule3><key keyNumber="61"/></extensionModule3>'),
    ('key number twice in a replaced section', 'keys',
     '<phoneXtensions><key keyNumber="5"/><key keyNumber="5"/></phoneXtensions>', 'replace'),
    ('65 parameters on a key', 'keys',
     '<phoneXtensions><key keyNumber="9"><parameters>'
     + many('<parameter name="@string/p{n}" value="1"/>', 65) + '</parameters></key></phoneXtensions>'),
    ('parameter name twice', 'keys',
     '<phoneXtensions><key keyNumber="9"><parameters><parameter name="@string/uri" value="1"/>'
     '<parameter name="@string/uri" value="2"/></parameters></key></phoneXtensions>'),
    ('parameter name with a space', 'keys',
     '<phoneXtensions><key keyNumber="9"><parameters><parameter name="@string/my uri" value="1"/>'
     '</parameters></key></phoneXtensions>'),
    ('parameter name empty', 'keys',
     '<phoneXtensions><key keyNumber="9"><parameters><parameter name="" value="1"/>'
     '</parameters></key></phoneXtensions>'),
    ('parameter name of 129 characters', 'keys',
     f'<phoneXtensions><key keyNumber="9"><parameters><parameter name="@string/{"p" * 121}" value="1"/>'
     '</parameters></key></phoneXtensions>'),
    ('key icon over 64 KiB', 'keys', f'<phoneXtensions><key keyNumber="9" icon="{ICON_MAX}AAAA"/></phoneXtensions>'),
    ('key icon that is no icon', 'keys', '<phoneXtensions><key keyNumber="9" icon="my icon!"/></phoneXtensions>'),
    ('template icon over 64 KiB', 'templates', f'<template name="big"><icon>{ICON_MAX}AAAA</icon></template>'),
    ('template name empty', 'templates', '<template name=""/>'),
    ('template name of 65 characters', 'templates', f'<template name="{"t" * 65}"/>'),
    ('provisioning time 24:00', 'provisioning', '<execution><time>24:00</time></execution>'),
    ('provisioning time 3:5', 'provisioning', '<execution><time>3:5</time></execution>'),
    ('update time 7 pm', 'update', '<execution><time>7 pm</time></execution>'),
    ('provisioning url with a broken escape', 'provisioning', '<url>http://prov.example.com/%zz.xml</url>'),
    ('random delay over a day', 'provisioning',
     '<execution><maximalRandomDelay>86401</maximalRandomDelay></execution>'),
    ('allowlist entry that is a URL', 'provisioning',
     '<sip><allowlist><allowlistEntry>http://pbx.example.com/</allowlistEntry></allowlist></sip>'),
    ('forward target of 129 characters', 'telephony',
     f'<callForwarding><busy><target>{"1" * 129}</target></busy></callForwarding>'),
    ('forward target with a leading blank', 'telephony',
     '<callForwarding><busy><target> 123</target></busy></callForwarding>'),
    ('forward timeout 121', 'telephony',
     '<callForwarding><noResponse><timeout>121</timeout></noResponse></callForwarding>'),
    ('auto answer delay 31', 'telephony', '<autoAnswer><delay>31</delay></autoAnswer>'),
    ('dial timeout 0', 'telephony', '<dialTimeout>0</dialTimeout>'),
    ('dial timeout 31', 'telephony', '<dialTimeout>31</dialTimeout>'),
    ('default identity 7', 'telephony', '<defaultIdentity>7</defaultIdentity>'),
    ('33 users', 'users', many(f'<user name="u{{n}}"><password>{PASSWORD_HASH}</password></user>', 33)),
    ('clear-text password', 'users', '<user name="admin"><password>secret</password></user>'),
    ('role root', 'users', '<user name="admin"><role>root</role></user>'),
    ('login name with a colon', 'users', '<user name="a:b"/>'),
    ('login name with a space', 'users', '<user name="jane doe"/>'),
    ('login name of 65 characters', 'users', f'<user name="{"u" * 65}"/>'),
    ('Lua code over 256 KiB', 'luaLibraries', f'<luaLibrary name="big"><code>{"-" * 262145}</code></luaLibrary>'),
    ('Lua library name with a space', 'luaLibraries', '<luaLibrary name="my utils"/>'),
    ('hostname with a leading hyphen', 'network', '<hostname>-phone</hostname>'),
    ('IPv4 address 192.168.1.256', 'network', '<ipv4><address>192.168.1.256</address></ipv4>'),
    ('VLAN 4095', 'network', '<vlan><id>4095</id></vlan>'),
    ('IPv6 DNS server with a non-hex digit', 'network', '<dns><primary>2001:db8::g</primary></dns>'),
    ('VLAN priority 8', 'network', '<vlan><priority>8</priority></vlan>'),
    ('NTP interval 0', 'time', '<ntpInterval>0</ntpInterval>'),
    ('NTP interval 1441', 'time', '<ntpInterval>1441</ntpInterval>'),
    ('time zone with a space', 'time', '<timezone>Central European</timezone>'),
    ('date format without separators', 'time', '<dateFormat>DDMMYYYY</dateFormat>'),
    ('brightness 11', 'userInterface', '<display><brightness>11</brightness></display>'),
    ('dimmed brightness 11', 'userInterface', '<display><dimmedBrightness>11</dimmedBrightness></display>'),
    ('ringer volume 11', 'userInterface', '<audio><ringerVolume>11</ringerVolume></audio>'),
    ('handset volume 0', 'userInterface', '<audio><handsetVolume>0</handsetVolume></audio>'),
    ('screensaver timeout 7201', 'userInterface', '<display><screensaverTimeout>7201</screensaverTimeout></display>'),
    ('language as a word', 'userInterface', '<language>english</language>'),
]


def attribute_escape(value):
    return escape(value, {'"': '&quot;'})


class SchemaValuesTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        cls.versions = harness.current_section_versions()

    def setUp(self):
        self.daemon = harness.start_daemon(self)

    def section_patch(self, section, content, replace=False):
        patch = ' patch="false"' if replace else ''
        return f'<{section} version="{self.versions[section]}"{patch}>{content}</{section}>'.encode('utf-8')

    def assertAcceptedAsWritten(self, cases):
        for what, section, template, path, attribute, value in cases:
            with self.subTest(what):
                self.daemon.apply(self.section_patch(section, template.format(v=attribute_escape(value))))
                stored = self.daemon.backup_sections([section])[section].find(path)
                self.assertIsNotNone(stored, f'{path} missing after apply')
                actual = stored.get(attribute) if attribute else (stored.text or '')
                self.assertEqual(value, actual)

    def test_loosened_values_are_applied_as_written(self):
        self.assertAcceptedAsWritten(LOOSENED)

    def test_values_of_the_same_kind_stay_accepted(self):
        self.assertAcceptedAsWritten(ALREADY_ACCEPTED)

    def test_kept_limits_refuse_and_change_nothing(self):
        for what, section, content, *how in KEPT:
            with self.subTest(what):
                before = self.daemon.settings_bytes()
                with self.assertDBusError(VALIDATION) as caught:
                    self.daemon.apply(self.section_patch(section, content, replace=how == ['replace']))
                self.assertIn(section, caught['message'])
                self.assertEqual(before, self.daemon.settings_bytes())

    def test_seed_operations_with_resource_names(self):
        """Issue 7 K1: key 3 named by resource references, then the seed's
        operations example on it."""
        self.daemon.apply(read_fixture('keys-resource-names.xml'))

        self.daemon.apply(harness.source_path('tests', 'data', 'operations', 'seed-resource-names.xml'))

        key = self.daemon.backup_sections(['keys'])['keys'].find("phoneXtensions/key[@keyNumber='3']")
        self.assertEqual('Three', key.get('label'))
        self.assertEqual('line', key.findtext('templateName'))
        self.assertEqual([('@string/identity', '3'), ('@string/foo', 'bar')],
                         [(p.get('name'), p.get('value')) for p in key.findall('parameters/parameter')])

    def test_older_release_keys_with_resource_names_are_migrated(self):
        """keys 1.14.2 stays as frozen; its file is migrated and then meets
        the current XSD, which accepts the resource names."""
        self.daemon.apply(b'<keys version="1.14.2"><phoneXtensions><key number="4" icon="@drawable/ic_line">'
                          b'<templateName>line</templateName><parameters>'
                          b'<parameter name="@string/identity" value="2"/></parameters></key>'
                          b'</phoneXtensions></keys>')

        key = self.daemon.backup_sections(['keys'])['keys'].find("phoneXtensions/key[@keyNumber='4']")
        self.assertIsNotNone(key)
        self.assertEqual('@drawable/ic_line', key.get('icon'))
        self.assertEqual('2', key.find("parameters/parameter[@name='@string/identity']").get('value'))

    def test_versionless_older_update_with_empty_time_is_migrated(self):
        """A 1.10A update section (autoUpdate) without version and with an
        empty time fits no XSD, so every step applies; the result is valid."""
        self.daemon.apply(b'<update><autoUpdate>true</autoUpdate><execution><time/></execution></update>')

        update = self.daemon.backup_sections(['update'])['update']
        self.assertEqual('true', update.findtext('autoInstall'))
        self.assertIsNone(update.find('autoUpdate'))
        self.assertEqual('', update.findtext('execution/time'))


if __name__ == '__main__':
    harness.main()
