"""Run inside a container with CAP_NET_RAW (tests/integration/test_setup.py): craft a TCP SYN
by hand and hand it to the network's gateway (this container's host) at the Ethernet level,
once for the gateway's own address and once for 127.0.0.1, which the container's kernel
would never send out. Prints, as JSON, which of the two the host answered (SYN-ACK or RST).

    python loopback_syn.py PORT_ON_GATEWAY PORT_ON_LOOPBACK
"""

import json
import os
import random
import socket
import struct
import sys
import time
from pathlib import Path


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def gateway() -> str:
    for line in Path("/proc/net/route").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == "00000000":
            return socket.inet_ntoa(struct.pack("<L", int(fields[2], 16)))
    raise SystemExit("no default route")


def mac_of(ip: str) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as nudge:
        nudge.sendto(b"", (ip, 9))  # makes the kernel resolve the gateway's MAC address
    for _ in range(50):
        for line in Path("/proc/net/arp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[0] == ip and fields[3] != "00:00:00:00:00:00":
                return bytes.fromhex(fields[3].replace(":", ""))
        time.sleep(0.05)
    raise SystemExit(f"no MAC address for {ip}")


def syn(source: str, target: str, sport: int, dport: int) -> bytes:
    """An IPv4 packet carrying a TCP SYN."""
    tcp = struct.pack("!HHLLBBHHH", sport, dport, random.getrandbits(32), 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(source) + socket.inet_aton(target) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(tcp),
        random.getrandbits(16),
        0x4000,
        64,
        6,
        0,
        socket.inet_aton(source),
        socket.inet_aton(target),
    )
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + tcp


def answered(raw: socket.socket, frame_head: bytes, source: str, target: str, dport: int) -> bool:
    """Send a SYN to target:dport; True if any TCP segment comes back from that port within 2 s."""
    sport = random.randint(40000, 60000)
    raw.send(frame_head + syn(source, target, sport, dport))
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        raw.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            frame = raw.recv(2048)
        except TimeoutError:
            break
        packet = frame[14:]
        if len(packet) < 40 or packet[9] != 6:
            continue
        tcp = packet[(packet[0] & 0x0F) * 4 :]
        if struct.unpack("!HH", tcp[:4]) == (dport, sport):
            return True
    return False


def main() -> None:
    gateway_port, loopback_port = int(sys.argv[1]), int(sys.argv[2])
    via = gateway()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((via, 9))
        source = probe.getsockname()[0]
    own = bytes.fromhex(Path("/sys/class/net/eth0/address").read_text().strip().replace(":", ""))
    head = mac_of(via) + own + struct.pack("!H", 0x0800)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)) as raw:
        raw.bind(("eth0", 0))
        result = {
            "gateway": answered(raw, head, source, via, gateway_port),
            "loopback": answered(raw, head, source, "127.0.0.1", loopback_port),
        }
    print(json.dumps(result))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
