#!/usr/bin/env python3
"""Holds many plain-TCP Longline clients across a server restart and says
whether any of them noticed it.

Each client registers (HELLO), answers the server's heartbeat PINGs, and
clients take turns sending tagged messages (SAYID) all the while. The run
ends when the stop file appears: no more messages are sent, the ones in
flight get STOP_GRACE to be acknowledged, then one client pages through the
whole history (HISTORY) and the report says, as JSON:

- disconnects: every client that saw its connection end (EOF, reset, BYE);
- gaps: clients whose live MSG lines skipped or repeated a sequence number
  (every message goes to everyone, so each client's seqs are consecutive);
- odd: lines no client expects (unknown or malformed), and second ACKs;
- acked: messages the server acknowledged; missing / duplicated: acked
  messages found in the history other than exactly once (by their tag);
- unacked: messages sent and never acknowledged.

Exit status 0 when nobody was disconnected, every message sent was
acknowledged, and every acknowledged one is in the history exactly once;
1 otherwise; 2 when the clients could not even register.

Clients connect from 127.0.0.x source addresses, PER_ADDRESS to each, so a
server's per-address limit holds with its defaults.
"""
import argparse
import json
import os
import random
import resource
import selectors
import socket
import sys
import time

PER_ADDRESS = 50
STOP_GRACE = 10.0
REGISTER_TIMEOUT = 60.0
MAX_PENDING_HELLO = 64


class Client:
    def __init__(self, index, nick, sock):
        self.index = index
        self.nick = nick
        self.sock = sock
        self.inbuf = b""
        self.outbuf = b""
        self.registered = False
        self.closed = None  # why, once the connection ended
        self.in_flight = None  # cid of the message waiting for its ACK
        self.seqs = []  # seq of every live MSG, in arrival order

    def send(self, line):
        self.outbuf += line.encode() + b"\n"


class Holder:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.clients = []
        self.acked = {}  # cid -> seq
        self.sent = {}  # cid -> text
        self.next_cid = 1
        self.history = []  # (seq, text)
        self.history_done = False
        self.history_since = 0
        self.checker = None
        self.odd = []  # lines nobody expects, and second ACKs

    def log(self, *what):
        print(f"[restart_clients {time.strftime('%H:%M:%S')}]", *what, file=sys.stderr, flush=True)

    def connect(self, index, nick):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((f"127.0.{1 + index // (PER_ADDRESS * 250)}.{1 + (index // PER_ADDRESS) % 250}", 0))
        sock.setblocking(False)
        try:
            sock.connect((self.args.host, self.args.port))
        except BlockingIOError:
            pass
        c = Client(index, nick, sock)
        self.sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
        c.send(f"HELLO {nick}")
        return c

    def end(self, c, why):
        if c.closed is None:
            c.closed = why
            try:
                self.sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()

    def on_line(self, c, line):
        words = line.split(" ")
        cmd = words[0]
        if cmd == "PING" and len(words) > 1:
            c.send(f"PONG {words[1]}")
        elif cmd == "WELCOME":
            c.registered = True
        elif cmd == "ACK" and len(words) == 3 and words[2].isdigit():
            if words[1] in self.acked:
                self.odd.append(f"{c.nick}: a second ACK: {line}")
            self.acked[words[1]] = int(words[2])
            if c.in_flight == words[1]:
                c.in_flight = None
        elif cmd == "MSG" and len(words) >= 5 and words[1].isdigit():
            c.seqs.append(int(words[1]))
        elif cmd == "BYE":
            self.end(c, "BYE " + " ".join(words[1:]))
        elif cmd == "ERR" and c is not self.checker:
            self.log(c.nick, "got", line)
        elif cmd == "HIST" and c is self.checker and len(words) >= 5:
            self.history.append((int(words[1]), " ".join(words[4:])))
        elif cmd == "HISTEND" and c is self.checker:
            last, more = int(words[1]), words[2] == "1"
            if more:
                self.history_since = last
                c.send(f"HISTORY {last}")
            else:
                self.history_done = True
        elif cmd in ("ONLINE", "MEMBERS", "JOIN", "LEAVE", "PONG", "HIST", "HISTEND"):
            pass
        else:
            self.odd.append(f"{c.nick}: {line[:120]}")

    def pump(self, timeout):
        for key, events in self.sel.select(timeout):
            c = key.data
            if events & selectors.EVENT_READ:
                try:
                    data = c.sock.recv(65536)
                except (ConnectionError, OSError) as e:
                    self.end(c, f"error {e}")
                    continue
                if not data:
                    self.end(c, "EOF")
                    continue
                c.inbuf += data
                while b"\n" in c.inbuf and c.closed is None:
                    line, c.inbuf = c.inbuf.split(b"\n", 1)
                    self.on_line(c, line.decode("utf-8", "replace").rstrip("\r"))
        for c in self.clients + ([self.checker] if self.checker else []):
            if c.closed is None and c.outbuf:
                try:
                    n = c.sock.send(c.outbuf)
                    c.outbuf = c.outbuf[n:]
                except BlockingIOError:
                    pass
                except (ConnectionError, OSError) as e:
                    self.end(c, f"error {e}")
            if c.closed is None:
                mask = selectors.EVENT_READ | (selectors.EVENT_WRITE if c.outbuf else 0)
                self.sel.modify(c.sock, mask, c)

    def say(self, c=None, padding=""):
        if c is None:
            idle = [c for c in self.clients if c.registered and c.closed is None and c.in_flight is None]
            if not idle:
                return
            c = random.choice(idle)
        cid = f"r{self.next_cid}"
        self.next_cid += 1
        text = f"restart-test {cid} from {c.nick}{padding}"
        self.sent[cid] = text
        c.in_flight = cid
        c.send(f"SAYID {cid} {text}")

    def run(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        start = time.monotonic()
        pending = 0
        while len(self.clients) < self.args.clients or any(
                not c.registered and c.closed is None for c in self.clients):
            pending = sum(1 for c in self.clients if not c.registered and c.closed is None)
            while len(self.clients) < self.args.clients and pending < MAX_PENDING_HELLO:
                i = len(self.clients)
                self.clients.append(self.connect(i, f"{self.args.prefix}{i}"))
                pending += 1
            self.pump(0.05)
            if time.monotonic() - start > REGISTER_TIMEOUT:
                break
        registered = sum(1 for c in self.clients if c.registered)
        self.log(f"{registered} of {self.args.clients} registered in {time.monotonic() - start:.1f} s")
        if registered < self.args.clients:
            return self.report(2, "not every client registered")
        if self.args.burst:
            # One longer message from every client, all acknowledged before
            # "ready": a history long enough to be sent in paced slices.
            for c in self.clients:
                self.say(c, " " + "x" * 120)
            deadline = time.monotonic() + REGISTER_TIMEOUT
            while any(c.in_flight for c in self.clients) and time.monotonic() < deadline:
                self.pump(0.05)
        with open(self.args.ready_file, "w") as f:
            f.write(f"{registered}\n")

        interval = 1.0 / self.args.rate if self.args.rate > 0 else None
        next_say = time.monotonic()
        while not os.path.exists(self.args.stop_file):
            now = time.monotonic()
            if interval and now >= next_say:
                self.say()
                next_say = now + interval
            self.pump(0.02)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and any(c.in_flight for c in self.clients if c.closed is None):
            self.pump(0.05)

        # One more client reads the whole history.
        self.checker = self.connect(len(self.clients), f"{self.args.prefix}check")
        deadline = time.monotonic() + 30
        asked = False
        while time.monotonic() < deadline and not self.history_done and self.checker.closed is None:
            if self.checker.registered and not asked:
                self.checker.send("HISTORY 0")
                asked = True
            self.pump(0.05)
        if not self.history_done:
            return self.report(1, f"history not read: {self.checker.closed or 'timeout'}")
        return self.report(None, None)

    def report(self, status, problem):
        disconnects = [{"nick": c.nick, "why": c.closed} for c in self.clients if c.closed]
        counts = {}
        for _, text in self.history:
            tag = text.split(" ")[1] if text.startswith("restart-test ") else None
            if tag:
                counts[tag] = counts.get(tag, 0) + 1
        missing = [cid for cid in self.acked if counts.get(cid, 0) == 0]
        duplicated = [cid for cid in self.acked if counts.get(cid, 0) > 1]
        unacked = [cid for cid in self.sent if cid not in self.acked]
        gaps = []
        for c in self.clients:
            if c.seqs and c.seqs != list(range(c.seqs[0], c.seqs[0] + len(c.seqs))):
                gaps.append(f"{c.nick}: {c.seqs[:3]}...{c.seqs[-3:]} ({len(c.seqs)} MSGs)")
        result = {
            "clients": len(self.clients),
            "registered": sum(1 for c in self.clients if c.registered),
            "disconnects": len(disconnects),
            "disconnect_examples": disconnects[:10],
            "sent": len(self.sent),
            "acked": len(self.acked),
            "unacked": unacked[:20],
            "history_messages": len(self.history),
            "missing": missing[:20],
            "duplicated": duplicated[:20],
            "msgs_per_client": [min(len(c.seqs) for c in self.clients), max(len(c.seqs) for c in self.clients)],
            "gaps": gaps[:10],
            "odd": self.odd[:10],
            "problem": problem,
        }
        if status is None:
            ok = (not disconnects and not unacked and not missing and not duplicated and not gaps
                  and not self.odd and self.acked)
            status = 0 if ok else 1
        result["status"] = status
        with open(self.args.report, "w") as f:
            json.dump(result, f, indent=1)
        print(json.dumps(result))
        return status


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--prefix", default="keep")
    p.add_argument("--rate", type=float, default=20.0, help="messages a second, all clients together")
    p.add_argument("--burst", action="store_true",
                   help="every client first sends one message (a history to page through)")
    p.add_argument("--ready-file", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--report", required=True)
    sys.exit(Holder(p.parse_args()).run())


if __name__ == "__main__":
    main()
