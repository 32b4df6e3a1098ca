#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes a large patch document for the benchmarks: USERS users, the 220 keys
of the phone and its three extension modules, TEMPLATES templates, all in
merge mode, each section with its current version (schemas/releases.conf).
With the defaults (32 users, 2130 templates) the document is about 1 MiB.

    gen-settings.py SCHEMAS_DIR [--users N] [--templates N] [--tag TEXT] > doc.xml

--tag goes into every description, so that two documents of the same shape
differ in every template."""

import argparse
import configparser
import os
import sys

PHONE_KEYS = 40
MODULE_KEYS = 60
MODULES = 3


def current_versions(schemas_dir):
    manifest = configparser.ConfigParser(interpolation=None)
    manifest.optionxform = str
    manifest.read(os.path.join(schemas_dir, 'releases.conf'))
    return dict(manifest[manifest['Releases']['Current']])


def users(count, version):
    yield f'  <users version="{version}">\n'
    for i in range(count):
        # The first is the defaults' admin: merged, not added (at most 32 users).
        name = 'admin' if i == 0 else f'user{i:02d}'
        yield (f'    <user name="{name}"><password>$6$salt{i:04d}$'
               f'{"x" * 86}</password><role>{"admin" if i == 0 else "user"}</role>'
               f'<changePassword>false</changePassword></user>\n')
    yield '  </users>\n'


def key(number, template_count):
    return (f'      <key keyNumber="{number}" label="Key {number}" icon="line">'
            f'<templateName>t{number % max(template_count, 1):06d}</templateName>'
            f'<parameters><parameter name="identity" value="1"/>'
            f'<parameter name="extension" value="{1000 + number}"/></parameters></key>\n')


def keys(template_count, version):
    yield f'  <keys version="{version}">\n    <phoneXtensions>\n'
    for number in range(1, PHONE_KEYS + 1):
        yield key(number, template_count)
    yield '    </phoneXtensions>\n'
    for module in range(1, MODULES + 1):
        yield f'    <extensionModule{module}>\n'
        for number in range(1, MODULE_KEYS + 1):
            yield key(number, template_count)
        yield f'    </extensionModule{module}>\n'
    yield '  </keys>\n'


def templates(count, version, tag):
    yield f'  <templates version="{version}">\n'
    for i in range(count):
        yield (f'    <template name="t{i:06d}"><prio>{i % 100}</prio>'
               f'<description>Busy lamp field {i} {tag}: show a colleague\'s state, pick up their ringing call or call them.</description>'
               f'<icon>blf</icon><label>BLF {i} on the side car</label><parameters>'
               f'<parameter name="extension" value="{2000 + i}"/>'
               f'<parameter name="identity" value="1"/>'
               f'<parameter name="pickupCode" value="*8"/></parameters>'
               f'<code>local blf = require("blf"); blf.toggle(params.extension, params.identity, {i})</code>'
               f'</template>\n')
    yield '  </templates>\n'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('schemas_dir')
    parser.add_argument('--users', type=int, default=32)
    parser.add_argument('--templates', type=int, default=2130)
    parser.add_argument('--tag', default='a')
    arguments = parser.parse_args()
    versions = current_versions(arguments.schemas_dir)

    out = sys.stdout
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n')
    out.writelines(users(arguments.users, versions['users']))
    out.writelines(keys(arguments.templates, versions['keys']))
    out.writelines(templates(arguments.templates, versions['templates'], arguments.tag))
    out.write('</configuration>\n')


if __name__ == '__main__':
    main()
