"""forcegen opens no socket to anything outside the machine: plan, whatif and a local sweep.

Each command runs in a fresh interpreter whose PYTHONPATH starts with a temporary folder
holding ``sitecustomize.py`` (``GUARD`` below). Python imports it at start-up in every
interpreter, so it covers the command and the sweep's pool workers alike (they are
started with "spawn": fresh interpreters that inherit the environment, not the parent's
audit hooks). It installs an audit hook (PEP 578) that records to a log, and refuses by
raising before the call is made, every socket connect, bind, sendto and sendmsg and every
name lookup whose address is not this machine's: loopback addresses, AF_UNIX and netlink
sockets are allowed, anything else is a failure. The log decides, not the command's exit
status, so a library that swallowed the refusal would still be caught; and each
interpreter logs its start, so a process the guard missed shows too.

Audit hooks see what Python code does. Where ``strace`` can trace, a second check reads
the system calls of the command and of every process it starts, the CBC executable and
the solvers' native code included.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builders import tiny, write_workbook

GUARD = r'''
import errno
import ipaddress
import json
import os
import socket
import sys

_LOG = os.environ["FORCEGEN_NETWORK_LOG"]
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_ADDRESSED = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
_LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo"}
_LOCAL_FAMILIES = {socket.AF_UNIX, getattr(socket, "AF_NETLINK", socket.AF_UNIX)}


def _record(**rec):
    rec.update(pid=os.getpid(), ppid=os.getppid())
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(rec, default=repr) + "\n").encode())
    finally:
        os.close(fd)


def _loopback(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip().strip("[]").split("%", 1)[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def _outside(event, args):
    """What a socket call would reach outside this machine, or None."""
    if event in _ADDRESSED:
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) in _LOCAL_FAMILIES:
            return None
        if address is None and event == "socket.sendmsg":  # a connected socket: its connect was checked
            return None
        if isinstance(address, tuple) and address and _loopback(address[0]):
            return None
        return address if address is not None else "(no address)"
    if event == "socket.getaddrinfo":
        return None if args[0] is None or _loopback(args[0]) else args[0]
    if event == "socket.getnameinfo":
        sockaddr = args[0]
        return None if isinstance(sockaddr, tuple) and sockaddr and _loopback(sockaddr[0]) else sockaddr
    return None if _loopback(args[0]) else args[0]


def _hook(event, args):
    if event not in _ADDRESSED and event not in _LOOKUPS:
        return
    try:
        where = _outside(event, args)
    except Exception as exc:  # arguments of an unexpected shape: count them as outside
        where = f"unreadable arguments {args!r} ({exc})"
    if where is None:
        return
    _record(kind="outside", event=event, address=repr(where))
    raise OSError(errno.ENETUNREACH, f"network use refused by the test guard: {event} {where!r}")


sys.addaudithook(_hook)
_record(kind="start", argv=list(getattr(sys, "orig_argv", sys.argv)))
'''

CLI = "from forcegen.cli import main; main()"


class Guarded:
    """Runs Python in fresh interpreters under the guard; reads what the guard logged."""

    def __init__(self, folder: Path):
        site = folder / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(GUARD)
        self.folder = folder
        self.log = folder / "network.log"
        path = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "FORCEGEN_NETWORK_LOG": str(self.log)}

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        self.log.unlink(missing_ok=True)
        return subprocess.run([sys.executable, *args], cwd=self.folder, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def records(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def outside(self) -> list[dict]:
        return [r for r in self.records() if r["kind"] == "outside"]

    def started(self) -> list[dict]:
        return [r for r in self.records() if r["kind"] == "start"]


@pytest.fixture
def guarded(tmp_path) -> Guarded:
    return Guarded(tmp_path)


@pytest.fixture
def tiny_input(tmp_path) -> Path:
    return write_workbook(tiny(), tmp_path / "tiny.xlsx")


# --------------------------------------------------------------------------- the guard itself


def test_the_guard_refuses_and_records_a_connection_outside_and_lets_loopback_through(guarded):
    script = (
        "import socket\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen(1)\n"
        "client = socket.create_connection(server.getsockname(), timeout=2)\n"
        "peer, _ = server.accept(); client.sendall(b'x'); assert peer.recv(1) == b'x'\n"
        "udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.sendto(b'x', ('127.0.0.1', 9))\n"
        "a, b = socket.socketpair(); a.sendall(b'x'); assert b.recv(1) == b'x'\n"
        "socket.getaddrinfo('localhost', 80)\n"
        "print('loopback ok', flush=True)\n"
        "s = socket.socket(); s.settimeout(0.5)\n"
        "try:\n"
        "    s.connect(('192.0.2.1', 9))\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('refused:', exc)\n"
    )
    result = guarded.run("-c", script)
    assert result.returncode == 0, result.stderr
    assert "loopback ok" in result.stdout
    assert "refused: [Errno" in result.stdout and "refused by the test guard" in result.stdout, result.stdout
    (record,) = guarded.outside()
    assert record["event"] == "socket.connect" and "192.0.2.1" in record["address"]
    (start,) = guarded.started()
    assert start["pid"] == record["pid"]


def test_the_guard_covers_the_workers_of_a_spawned_process_pool(guarded):
    """The sweep's local pool starts its workers with "spawn", as this script does."""
    script = (
        "import multiprocessing, os, socket\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "print(os.getpid())\n"
        "with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('spawn')) as pool:\n"
        "    print(repr(pool.submit(socket.create_connection, ('192.0.2.1', 9), 0.5).exception()))\n"
    )
    result = guarded.run("-c", script)
    assert result.returncode == 0, result.stderr
    parent = int(result.stdout.split()[0])
    assert "refused by the test guard" in result.stdout, result.stdout
    (record,) = guarded.outside()
    assert record["ppid"] == parent and record["pid"] != parent
    assert record["event"] == "socket.getaddrinfo" and "192.0.2.1" in record["address"]
    workers = [r for r in guarded.started() if r["ppid"] == parent and any("spawn_main" in a for a in r["argv"])]
    assert [w["pid"] for w in workers] == [record["pid"]]


# --------------------------------------------------------------------------- the commands


COMMANDS = {
    "plan": lambda src, out: ["plan", str(src), "-o", str(out)],
    "whatif": lambda src, out: ["whatif", str(src), "--set", "Pledges:P-A:units=2", "-o", str(out)],
    "sweep": lambda src, out: ["sweep", str(src), "--kind", "grid", "--set", "Pledges:P-A:units=0,1",
                               "--set", "Pledges:P-B:units=0,1", "--workers", "2", "-o", str(out)],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_command_opens_no_socket_outside_the_machine(guarded, tiny_input, tmp_path, command):
    out = tmp_path / f"{command}.xlsx"
    result = guarded.run("-c", CLI, *COMMANDS[command](tiny_input, out))
    assert result.returncode == 0, result.stderr
    assert out.is_file()
    assert guarded.outside() == []
    started = guarded.started()
    (main,) = [r for r in started if CLI in r["argv"]]
    if command == "sweep":  # the pool's two workers ran under the guard too
        workers = [r for r in started if r["ppid"] == main["pid"] and any("spawn_main" in a for a in r["argv"])]
        assert len(workers) == 2, started


# --------------------------------------------------------------------------- system calls (strace)

STRACE = ("strace", "-f", "-qq", "-e", "trace=connect,bind,sendto,sendmsg", "-e", "signal=none")


def outside_calls(log: str) -> list[str]:
    """The traced calls whose address is neither loopback nor a local socket family."""
    found = []
    for line in log.splitlines():
        family = re.search(r"sa_family=(AF_\w+)", line)
        if family is None:  # no address: a connected or unconnected send without one
            continue
        if family.group(1) in ("AF_UNIX", "AF_LOCAL", "AF_NETLINK"):
            continue
        address = re.search(r'"([0-9A-Fa-f.:]+)"', line[family.end():])
        if family.group(1) in ("AF_INET", "AF_INET6") and address:
            ip = ipaddress.ip_address(address.group(1))
            if ip.is_loopback or (getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback):
                continue
        found.append(line)
    return found


@pytest.fixture(scope="module")
def strace_works(tmp_path_factory) -> bool:
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    log = tmp_path_factory.mktemp("strace") / "probe.log"
    probe = subprocess.run([*STRACE, "-o", str(log), sys.executable, "-c", "pass"], capture_output=True, timeout=60)
    if probe.returncode != 0 or not log.exists():
        pytest.skip(f"strace cannot trace here: {probe.stderr.decode(errors='replace').strip()[:200]}")
    return True


def test_strace_check_sees_a_connect_outside(strace_works, guarded):
    """A UDP connect sends nothing, yet its connect() names the address: the check must see it."""
    log = guarded.folder / "strace.log"
    script = ("import socket\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('192.0.2.1', 9))\n"
              "t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); t.connect(('127.0.0.1', 9))\n")
    result = subprocess.run([*STRACE, "-o", str(log), sys.executable, "-c", script], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = outside_calls(log.read_text())
    assert len(calls) == 1 and "192.0.2.1" in calls[0], log.read_text()


@pytest.mark.parametrize("command, solver", [("plan", "cbc"), ("plan", "cpsat"), ("sweep", "highs")])
def test_no_system_call_reaches_outside_the_machine(strace_works, tiny_input, tmp_path, command, solver):
    out = tmp_path / f"{command}-{solver}.xlsx"
    log = tmp_path / "strace.log"
    args = [*COMMANDS[command](tiny_input, out), "--solver", solver]
    result = subprocess.run([*STRACE, "-o", str(log), sys.executable, "-c", CLI, *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert out.is_file()
    assert outside_calls(log.read_text()) == []
