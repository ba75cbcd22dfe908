"""A throwaway PostgreSQL cluster on loopback for the tests."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found or not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, fsync: bool = False):
        # the tests trade durability for speed; a benchmark of writes needs fsync on
        self.durability = "" if fsync else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        self.dir = tempfile.mkdtemp(prefix="caseflow-pg-")
        self.port = _free_port()
        # PostgreSQL refuses to run as root: run it as the postgres user then.
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
            os.chmod(self.dir, 0o700)

    def _run(self, *args, **kw):
        cmd = (["runuser", "-u", "postgres", "--"] if self.as_root else []) + list(args)
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)

    def start(self) -> str:
        data = os.path.join(self.dir, "data")
        self._run(_bin("initdb"), "-D", data, "-U", "caseflow", "--auth=trust", "-E", "UTF8")
        self._run(_bin("pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 {self.durability}"
                  "-c max_connections=200",
                  "start")
        return f"postgresql+psycopg://caseflow@127.0.0.1:{self.port}/postgres"

    def stop(self):
        try:
            self._run(_bin("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def admin(self, sql: str):
        import psycopg
        deadline = time.time() + 10
        while True:
            try:
                with psycopg.connect(f"host=127.0.0.1 port={self.port} user=caseflow dbname=postgres",
                                     autocommit=True) as conn:
                    conn.execute(sql)
                return
            except psycopg.errors.ObjectInUse:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://caseflow@127.0.0.1:{self.port}/{dbname}"
