// Package packaging holds what installs wasmta as a service (the systemd
// unit, the sysusers entry, the default configuration, the .deb's nfpm
// configuration and maintainer scripts) and the tests that check them:
// make install into a temporary root, systemd-analyze on the unit, the
// generated man page and bash completion. The .deb itself is checked by
// make check-deb (dpkg-deb, lintian), which takes minutes.
package packaging
