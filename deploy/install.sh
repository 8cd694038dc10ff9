#!/usr/bin/env bash
# Installs mnemond on a systemd host: installs the release binary with the unit, the
# sysusers.d/tmpfiles.d entries (incl. write access to node_exporter's
# textfile directory) and the default config (an existing config is never
# overwritten), creates the user and directories, and reloads systemd. Run as root. Build first
# as yourself — root never builds in your checkout (it would leave root-owned build files):
#
#   swift build -c release --static-swift-stdlib --product mnemond && sudo deploy/install.sh
#                                               install under /usr/local
#   deploy/install.sh --destdir /tmp/pkg        stage into a directory (packaging; no systemctl)
#   options: --prefix DIR (default /usr/local)  --binary PATH (skip the build, install this binary)
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
destdir=""
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --destdir) destdir=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "install: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done
if [ -z "$destdir" ] && [ "$(id -u)" != 0 ]; then
    echo "install: run as root (or stage with --destdir DIR)" >&2
    exit 77
fi

if [ -z "$binary" ]; then
    if [ "$(id -u)" = 0 ]; then
        binary=.build/release/mnemond
        [ -x "$binary" ] || {
            echo "install: no release binary at $binary; build it as your user first:" >&2
            echo "  swift build -c release --static-swift-stdlib --product mnemond && sudo deploy/install.sh" >&2
            exit 66
        }
    else
        echo "install: building the release binary" >&2
        swift build -c release --static-swift-stdlib --product mnemond
        binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/mnemond"
    fi
fi
[ -x "$binary" ] || { echo "install: $binary is not an executable" >&2; exit 66; }

root="$destdir"
install -D -m 0755 "$binary" "$root$prefix/bin/mnemond"
# The unit names /usr/local/bin/mnemond; follow --prefix.
install -d -m 0755 "$root/etc/systemd/system"
sed "s|/usr/local/bin/mnemond|$prefix/bin/mnemond|; s|/usr/local/share/doc/mnemond|$prefix/share/doc/mnemond|" \
    deploy/mnemond.service > "$root/etc/systemd/system/mnemond.service"
chmod 0644 "$root/etc/systemd/system/mnemond.service"
install -D -m 0644 deploy/sysusers.d/mnemond.conf "$root/usr/lib/sysusers.d/mnemond.conf"
install -D -m 0644 deploy/tmpfiles.d/mnemond.conf "$root/usr/lib/tmpfiles.d/mnemond.conf"
install -D -m 0644 deploy/tmpfiles.d/mnemond-node-exporter.conf "$root/usr/lib/tmpfiles.d/mnemond-node-exporter.conf"
install -D -m 0644 README.md "$root$prefix/share/doc/mnemond/README.md"
install -D -m 0644 deploy/iam-policy.json "$root$prefix/share/doc/mnemond/iam-policy.json"

if [ -z "$destdir" ]; then
    # The user first (the config's group), then the directories with their owners and modes.
    systemd-sysusers /usr/lib/sysusers.d/mnemond.conf
    systemd-tmpfiles --create /usr/lib/tmpfiles.d/mnemond.conf
    # The textfile's directory: an ACL entry for mnemond on node_exporter's (a no-op without it).
    systemd-tmpfiles --create /usr/lib/tmpfiles.d/mnemond-node-exporter.conf
fi

config="$root/etc/mnemond/mnemond.yaml"
install -d -m 0750 "$root/etc/mnemond"
if [ -e "$config" ]; then
    install -m 0640 etc/mnemond.yaml "$config.dist"
    echo "install: kept your $config; the shipped one is $config.dist" >&2
else
    install -m 0640 etc/mnemond.yaml "$config"
fi
# LoadCredential= needs the files to exist; empty ones are fine while a channel is unused.
install -d -m 0700 "$root/etc/mnemond/credentials"
for credential in slack-webhook smtp-password; do
    [ -e "$root/etc/mnemond/credentials/$credential" ] || install -m 0600 /dev/null "$root/etc/mnemond/credentials/$credential"
done

if [ -z "$destdir" ]; then
    chgrp mnemond /etc/mnemond /etc/mnemond/mnemond.yaml
    [ -e /etc/mnemond/mnemond.yaml.dist ] && chgrp mnemond /etc/mnemond/mnemond.yaml.dist
    "$prefix/bin/mnemond" config validate --config /etc/mnemond/mnemond.yaml ||
        echo "install: fix /etc/mnemond/mnemond.yaml before starting the service" >&2
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        echo "install: done. Start with: systemctl enable --now mnemond; then: systemctl status mnemond" >&2
    else
        echo "install: done (systemd is not running here: no daemon-reload)" >&2
    fi
else
    echo "install: staged under $destdir" >&2
fi
