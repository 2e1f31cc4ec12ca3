#!/usr/bin/python3
"""A real SMTP server on loopback for the email sink's tests (aiosmtpd, Debian's
python3-aiosmtpd). aiosmtpd's own command line cannot bind port 0, offer AUTH or fail on
purpose, so this drives its SMTP protocol class on a socket bound here to port 0 and prints
the port on stdout, then serves until killed.

Every accepted message is written to DIR as N.eml (the bytes as received, dot-unstuffed)
with N.json beside it: envelope sender and recipients, whether the session was
authenticated and whether it ran over TLS.
"""
import argparse
import asyncio
import json
import os
import socket
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.rcpt_failures = args.fail_rcpt
        self.data_failures = args.fail_data

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.reject:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if self.rcpt_failures > 0:
            self.rcpt_failures -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_failures > 0:
            self.data_failures -= 1
            return "451 4.3.0 temporary failure, try again later"
        self.count += 1
        base = os.path.join(self.args.dir, "%d" % self.count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "authenticated": bool(session.authenticated),
                       "tls": server.transport.get_extra_info("ssl_object") is not None}, f)
        # The .eml appears whole or not at all: tests poll for it.
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Message accepted"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--cert", help="certificate (PEM) for STARTTLS, or for TLS from the start with --smtps")
    p.add_argument("--key")
    p.add_argument("--smtps", action="store_true", help="TLS from the start (smtps://)")
    p.add_argument("--user", help="require AUTH (LOGIN, PLAIN) as this user")
    p.add_argument("--password")
    p.add_argument("--fail-rcpt", type=int, default=0, help="answer 451 to the first N RCPT")
    p.add_argument("--fail-data", type=int, default=0, help="answer 451 to the first N DATA")
    p.add_argument("--reject", action="store_true", help="answer 550 to every RCPT")
    args = p.parse_args()

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login.decode() == args.user and
              auth_data.password.decode() == args.password)
        return AuthResult(success=ok, handled=False)

    handler = Handler(args)

    def factory():
        kw = {"hostname": "smtp.test", "ident": "sanctwatch test SMTP"}
        if context and not args.smtps:
            kw["tls_context"] = context
            kw["require_starttls"] = False
        if args.user:
            kw["authenticator"] = authenticator
            kw["auth_required"] = True
            # AUTH only over TLS when there is TLS; in clear only when asked for none.
            kw["auth_require_tls"] = context is not None
        return SMTP(handler, **kw)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, sock=sock, ssl=context if args.smtps else None))
    print(sock.getsockname()[1], flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
