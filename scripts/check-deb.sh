#!/usr/bin/env bash
# Builds the .deb (scripts/package-deb.sh) and checks it: dpkg-deb
# --contents holds every file the package must ship, its control fields
# are there, and lintian reports no error nor warning. Needs dpkg-deb and
# lintian (scripts/install-deps.sh installs lintian).
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(scripts/package-deb.sh)
echo "check-deb: $deb"
contents=$(dpkg-deb --contents "$deb")
status=0
for f in ./usr/bin/wasmta ./usr/lib/systemd/system/wasmta.service ./usr/lib/sysusers.d/wasmta.conf \
	./etc/wasmta/wasmta.toml ./usr/share/man/man8/wasmta.8.gz ./usr/share/bash-completion/completions/wasmta \
	./usr/share/doc/wasmta/copyright ./usr/share/doc/wasmta/changelog.gz; do
	if ! grep -q " $f\$" <<<"$contents"; then
		echo "check-deb: $f is not in the package" >&2
		status=1
	fi
done
for field in Package Version Architecture Maintainer Depends Description; do
	if [ -z "$(dpkg-deb -f "$deb" "$field")" ]; then
		echo "check-deb: control field $field is empty" >&2
		status=1
	fi
done
if ! dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q '^./conffiles$'; then
	echo "check-deb: no conffiles: /etc/wasmta/wasmta.toml would be overwritten on upgrade" >&2
	status=1
fi
# lintian: any E: or W: line fails (running as root is only informative).
report=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
echo "$report"
if grep -qE '^[EW]: ' <<<"$report"; then
	echo "check-deb: lintian reported errors or warnings" >&2
	status=1
fi
[ $status -eq 0 ] && echo "check-deb: ok"
exit $status
