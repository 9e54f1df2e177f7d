#!/usr/bin/python3
"""Independent DKIM verifier for the Go tests, on Debian's python3-dkim.

Usage: dkimverify.py NAME=TXT [NAME=TXT ...] < message

Each argument is a DNS TXT record, for instance
  brisbane._domainkey.example.com=v=DKIM1; k=ed25519; p=...
The key lookups are answered from these records only (no DNS). Every
DKIM-Signature field of the message is verified; one line per signature is
printed on stderr. Exit status: 0 when the message has at least one
signature and all verify, 1 when one does not, 2 on bad usage.
"""
import sys
import types

# dkim imports its DNS plugin, and with it dnspython and an HTTP stack, which
# takes seconds; keys come from the arguments here, so a stub stands in.
_stub = types.ModuleType("dkim.dnsplug")


def _no_dns(name, timeout=5):
    raise RuntimeError("dkimverify.py answers key lookups from its arguments only")


_stub.get_txt = _no_dns
sys.modules.setdefault("dkim.dnsplug", _stub)

import dkim  # noqa: E402


def main():
    records = {}
    for arg in sys.argv[1:]:
        name, sep, txt = arg.partition("=")
        if not sep:
            print("bad record argument %r (want NAME=TXT)" % arg, file=sys.stderr)
            return 2
        records[name.lower().rstrip(".")] = txt.encode()

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return records.get(name.lower().rstrip("."))

    message = sys.stdin.buffer.read()
    d = dkim.DKIM(message)
    count = sum(1 for k, _ in d.headers if k.lower() == b"dkim-signature")
    if count == 0:
        print("no DKIM-Signature field", file=sys.stderr)
        return 1
    ok = True
    for idx in range(count):
        try:
            good = d.verify(idx=idx, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            good = False
            print("signature %d: error: %s" % (idx, e), file=sys.stderr)
        domain = (d.domain or b"").decode()
        selector = (d.selector or b"").decode()
        print("signature %d d=%s s=%s: %s" % (idx, domain, selector, "pass" if good else "FAIL"),
              file=sys.stderr)
        ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
