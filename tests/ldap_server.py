"""A real OpenLDAP server (Debian's slapd) on 127.0.0.1 for the directory-login tests, with a
throwaway configuration and database in a temporary folder (slapd -f), stopped at the end."""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SLAPD = "/usr/sbin/slapd"
SCHEMAS = ["core", "cosine", "inetorgperson", "nis"]
SUFFIX = "dc=city,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "throwaway-root"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def person(uid):
    return f"uid={uid},{PEOPLE}"


def group(cn):
    return f"cn={cn},{GROUPS}"


class Slapd:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="vision-portal-slapd-"))
        self.uri = f"ldap://127.0.0.1:{_free_port()}"
        self.process = None

    def start(self):
        (self.folder / "db").mkdir()
        includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
        (self.folder / "slapd.conf").write_text(
            f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {self.folder}/slapd.pid
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {self.folder}/db
"""
        )
        # -d 0: stay in the foreground, so the test run owns (and ends) the process.
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(self.folder / "slapd.conf"), "-h", f"{self.uri}/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                self.connect()
                return self
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    # End slapd before reading what it said: a running slapd never closes stderr.
                    if self.process.poll() is None:
                        self.process.kill()
                    error = self.process.communicate()[1].decode(errors="replace")
                    self.stop()
                    raise RuntimeError(f"slapd did not start: {error}") from None
                time.sleep(0.1)

    def connect(self):
        import ldap

        connection = ldap.initialize(self.uri)
        connection.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return connection

    def add(self, dn, **attributes):
        import ldap.modlist

        entry = {
            name: [v.encode() for v in (values if isinstance(values, list) else [values])]
            for name, values in attributes.items()
        }
        connection = self.connect()
        try:
            connection.add_s(dn, ldap.modlist.addModlist(entry))
        finally:
            connection.unbind_s()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def available():
    return Path(SLAPD).exists()
