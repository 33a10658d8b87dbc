"""A real Dovecot (Debian's dovecot-imapd) on loopback, with its own config in a temp dir.

It runs the way a careful deployment does: `ssl = required` and
`disable_plaintext_auth = yes`, so a client must use STARTTLS with the certificate made
here (trusted through IMAP_CA_FILE) before it may log in; a second port speaks implicit
TLS (IMAPS) with the same certificate. Dovecot treats a connection
whose two ends have the same address as already secure, so it listens on 127.0.0.2: the
client connects from 127.0.0.1 and STARTTLS really is required.

The mail sits in Maildirs under the temp dir. The Sent folder carries the `\\Sent`
special-use flag (RFC 6154) under a name other than our default, so tests can see the
transport files its copies where the server says. `capability` replaces what Dovecot
advertises after login (to make it look like a server without MOVE or UIDPLUS).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fakes.graph_server import make_certificate
from tests.fakes.imap_server import (
    PASSWORD,
    USER,
    ImapServer,
    free_port,
    stop_process,
    wait_until_listening,
)

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.2"
SENT_FOLDER = "Sent Messages"
# What a server without MOVE (RFC 6851) or UIDPLUS (RFC 4315) would advertise.
OLD_SERVER_CAPABILITIES = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE SPECIAL-USE"
MISSING = f"Dovecot is not installed ({DOVECOT}; Debian package dovecot-imapd)"


def dovecot_available() -> bool:
    return os.access(DOVECOT, os.X_OK)


def _config(
    root: Path, ports: tuple[int, int], cert: Path, key: Path, capability: str | None
) -> str:
    port, tls_port = ports
    if os.geteuid() == 0:
        # Dovecot will not run mail processes as root: use its own unprivileged users.
        internal, login, mail_user = "dovecot", "dovenull", "dovecot"
    else:
        internal = login = mail_user = pwd.getpwuid(os.geteuid()).pw_name
    uid = pwd.getpwnam(mail_user).pw_uid
    mail = root / "mail"
    mail.mkdir()
    os.chown(mail, uid, pwd.getpwnam(mail_user).pw_gid)
    override = f"imap_capability = {capability}\n" if capability else ""
    return f"""
instance_name = dovecot-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {HOST}
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(uid, 100)}
mail_location = maildir:{mail}/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={mail}/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{SENT_FOLDER}" {{
    special_use = \\Sent
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {tls_port}
    ssl = yes
  }}
}}
{override}"""


@contextmanager
def running_dovecot(*, capability: str | None = None) -> Iterator[ImapServer]:
    """Start Dovecot in the foreground (`-F`) on a free port; stop it and remove its files."""
    # Not under pytest's tmp_path (or a private TMPDIR): that is private to its owner,
    # and Dovecot's own users must be able to reach the mail folders.
    root = Path(tempfile.mkdtemp(prefix="dovecot-test-", dir="/tmp"))
    root.chmod(0o755)
    process: subprocess.Popen[bytes] | None = None
    try:
        cert, key = make_certificate(root)
        port = tls_port = free_port(HOST)
        while tls_port == port:
            tls_port = free_port(HOST)
        config = root / "dovecot.conf"
        config.write_text(_config(root, (port, tls_port), cert, key, capability))
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        log = root / "dovecot.log"
        wait_until_listening(process, HOST, port, lambda: log.read_text() if log.exists() else "")
        yield ImapServer(
            "dovecot", HOST, port, USER, PASSWORD, ca_file=str(cert), tls_port=tls_port
        )
    finally:
        if process is not None:
            stop_process(process)
        shutil.rmtree(root, ignore_errors=True)
