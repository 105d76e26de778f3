"""nginx (Debian's) as a foreground child: round-robin over app instances on loopback, config and logs in a
temp directory, retrying a request on the next instance when one is gone (as docs/deploy.md configures it)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

CONFIG = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  log_format upstream_log '$status $upstream_addr $request_time';
  access_log {dir}/access.log upstream_log;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream exam_app {{
{servers}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://exam_app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      # Saves and submits are idempotent (highest seq wins; conditional submit): a retry elsewhere is safe.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 2;
    }}
  }}
}}
"""


def binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    def __init__(self, directory: Path, port: int, upstreams: list[int]):
        self.dir, self.port, self.upstreams = directory, port, upstreams
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Nginx:
        self.dir.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.upstreams)
        conf = self.dir / "nginx.conf"
        conf.write_text(CONFIG.format(dir=self.dir, port=self.port, servers=servers))
        self.dir.chmod(0o755)
        self.process = subprocess.Popen([binary(), "-c", str(conf), "-p", str(self.dir)],
                                        stdout=subprocess.DEVNULL, stderr=(self.dir / "stderr.log").open("ab"),
                                        start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited; see {self.dir / 'error.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not become ready")

    def upstream_counts(self) -> dict[str, int]:
        """Requests per app instance from the access log (a retried request names both instances)."""
        counts: dict[str, int] = {}
        log = self.dir / "access.log"
        if not log.exists():
            return counts
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2:
                for addr in parts[1].replace(",", " ").split():
                    if addr.startswith("127."):
                        counts[addr] = counts.get(addr, 0) + 1
        return counts

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
