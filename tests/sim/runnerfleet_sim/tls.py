# SPDX-License-Identifier: Apache-2.0
"""Credentials in the state directory: CA + server certificate (openssl CLI), bearer
token, kubeconfig."""

import base64
import hmac
import ipaddress
import os
import secrets
import ssl
import subprocess
import threading


def _openssl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {r.stderr.strip()}")


def generate_certs(state_dir: str, host: str):
    """Write ca.crt/ca.key and server.crt/server.key; returns (cert, key) paths."""
    sans = ["IP:127.0.0.1", "IP:::1", "DNS:localhost"]
    try:
        ip = ipaddress.ip_address(host)
        if f"IP:{ip}" not in sans:
            sans.append(f"IP:{ip}")
    except ValueError:
        if host != "localhost":
            sans.append(f"DNS:{host}")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(["req", "-x509"] + ec + [
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650",
        "-subj", "/CN=runnerfleet-sim-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"], state_dir)
    _openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr",
                             "-subj", "/CN=runnerfleet-sim"], state_dir)
    with open(os.path.join(state_dir, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                f"subjectAltName={','.join(sans)}\n")
    _openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
              "-CAcreateserial", "-out", "server.crt", "-days", "825",
              "-extfile", "server.ext"], state_dir)
    for f in ("ca.key", "server.key"):
        os.chmod(os.path.join(state_dir, f), 0o600)
    return os.path.join(state_dir, "server.crt"), os.path.join(state_dir, "server.key")


def server_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


class TokenFile:
    """The expected bearer token, re-read when the file changes (rotation tests)."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._token = ""

    def current(self) -> str:
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            return self._token
        with self._lock:
            if stamp != self._stamp:
                with open(self.path) as f:
                    self._token = f.read().strip()
                self._stamp = stamp
            return self._token

    def check(self, header) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        want = self.current()
        return bool(want) and hmac.compare_digest(header[7:].strip().encode(), want.encode())


def write_token(state_dir: str) -> str:
    path = os.path.join(state_dir, "token")
    with open(path, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
    os.chmod(path, 0o600)
    return path


def write_kubeconfig(state_dir: str, server_url: str, tls: bool, ca_file: str,
                     token: str, namespace: str) -> str:
    cluster = [f"    server: {server_url}"]
    user = "  user: {}"
    if tls:
        with open(ca_file, "rb") as f:
            cluster.append(f"    certificate-authority-data: "
                           f"{base64.b64encode(f.read()).decode()}")
        user = f"  user:\n    token: {token}"
    text = "\n".join([
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: sim",
        "  cluster:",
        *cluster,
        "contexts:",
        "- name: sim",
        "  context:",
        "    cluster: sim",
        "    user: sim",
        f"    namespace: {namespace}",
        "current-context: sim",
        "preferences: {}",
        "users:",
        "- name: sim",
        user,
        "",
    ])
    path = os.path.join(state_dir, "kubeconfig.yaml")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path
