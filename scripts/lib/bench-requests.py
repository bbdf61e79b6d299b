"""Load generator for scripts/bench-requests.sh: loopback only, every phase bounded in time.

  bench-requests.py refusals URL DATA PID     10,000 bad-key heartbeats + 10,000 wrong-token joins
  bench-requests.py bodies URL DATA PID       12 parallel unauthenticated 16 MiB heartbeat bodies
  bench-requests.py logins URL DATA PID HOST  heartbeat acks alone, then beside 50 concurrent wrong logins
"""
import base64, hashlib, hmac, http.client, json, os, socket, sqlite3, sys, threading, time
from collections import Counter

phase, url, data, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
host, port = url.split("//")[1].split(":")
port = int(port)


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def journal_bytes():
    return sum(os.path.getsize(os.path.join(data, f)) for f in ("journal.db", "journal.db-wal") if os.path.exists(os.path.join(data, f)))


def decisions():
    c = sqlite3.connect(f"file:{data}/journal.db?mode=ro", uri=True)
    try:
        return c.execute("SELECT count(*) FROM decisions").fetchone()[0]
    finally:
        c.close()


def post(path, body, headers, source="127.0.0.1", timeout=30):
    c = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0))
    try:
        c.request("POST", path, body=body, headers=headers)
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def refusals():
    before_bytes, before_rows = journal_bytes(), decisions()
    statuses = Counter()
    deadline = time.monotonic() + 120
    hb = json.dumps({"name": "host-x", "generation": "g", "seq": 1, "ackedSeq": 0, "appliedIndex": 0, "selfFenced": False, "vms": []})
    for i in range(10_000):
        statuses["heartbeat %d" % post("/api/v1/agents/heartbeat", hb, {"Content-Type": "application/json", "X-HaWitness-Member": "host-x", "Authorization": "Bearer wrong"})] += 1
        if time.monotonic() > deadline:
            break
    join = json.dumps({"token": "A" * 43, "name": "x"})
    for i in range(10_000):
        statuses["join %d" % post("/api/v1/agents/join", join, {"Content-Type": "application/json"})] += 1
        if time.monotonic() > deadline:
            break
    time.sleep(0.5)
    print(f"refusals: {dict(statuses)}; journal.db + WAL {before_bytes} -> {journal_bytes()} bytes "
          f"(+{journal_bytes() - before_bytes}), decision rows {before_rows} -> {decisions()}")


def push(size, out):
    s = socket.create_connection((host, port), timeout=30)
    head = (f"POST /api/v1/agents/heartbeat HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\nX-HaWitness-Member: host-x\r\nAuthorization: Bearer wrong\r\n\r\n").encode()
    chunk, sent = b" " * 65536, 0
    try:
        s.sendall(head)
        while sent < size:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    try:
        answer = s.recv(4096).split(b"\r\n")[0].decode() or "closed"
    except OSError:
        answer = "closed"
    out.append((answer, sent))
    s.close()


def bodies():
    before, peak, out = rss_kib(), 0, []
    threads = [threading.Thread(target=push, args=(16 << 20, out)) for _ in range(12)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, rss_kib())
        time.sleep(0.01)
    peak = max(peak, rss_kib())
    print(f"bodies: RSS {before // 1024} MiB before, peak {peak // 1024} MiB while 12 clients pushed 16 MiB each; "
          f"answers {dict(Counter(a for a, _ in out))}; body bytes the clients got out before the appliance closed: "
          f"{sum(s for _, s in out) // 1024} KiB of {12 * 16 * 1024} KiB")


def member(name):
    secret = base64.b64decode(open(os.path.join(data, "member-secret")).read().strip())
    c = sqlite3.connect(f"file:{data}/journal.db?mode=ro", uri=True)
    ev = json.loads(c.execute("SELECT evidence FROM decisions WHERE kind='AgentJoin' AND outcome='Succeeded' AND subject=? ORDER BY id DESC", ("host:" + name,)).fetchone()[0])
    c.close()
    key = base64.urlsafe_b64encode(hmac.new(secret, (name + "\n" + ev["identity"]).encode(), hashlib.sha256).digest()).decode().rstrip("=")
    return key, ev["generation"]


def logins(name, seconds=10):
    key, generation = member(name)
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request("GET", "/api/v1/vms")
    vms = [{"name": v["name"], "running": True, "epoch": v["epoch"]} for v in json.loads(c.getresponse().read())["vms"] if v.get("host") == name]
    c.close()
    seq = [10 ** 12]

    def acks(duration):
        lat, codes, end = [], Counter(), time.monotonic() + duration
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while time.monotonic() < end:
            seq[0] += 1
            body = json.dumps({"name": name, "generation": generation, "seq": seq[0], "ackedSeq": 0, "appliedIndex": 0, "selfFenced": False, "vms": vms})
            t0 = time.monotonic()
            conn.request("POST", "/api/v1/agents/heartbeat", body=body, headers={"Content-Type": "application/json", "X-HaWitness-Member": name, "Authorization": "Bearer " + key})
            r = conn.getresponse()
            r.read()
            lat.append((time.monotonic() - t0) * 1000)
            codes[r.status] += 1
            time.sleep(0.05)
        conn.close()
        lat.sort()
        return f"{len(lat)} acks {dict(codes)}, p50 {lat[len(lat) // 2]:.1f} ms, p99 {lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.1f} ms, max {lat[-1]:.1f} ms"

    print(f"logins: heartbeat acknowledgements alone ({seconds} s): {acks(seconds)}")
    for label, sources in (("one source", ["127.0.0.1"] * 50), ("50 sources", [f"127.0.1.{i}" for i in range(1, 51)])):
        stop, answers = threading.Event(), Counter()

        def flood(source, i):
            auth = "Basic " + base64.b64encode(f"admin:wrong-{i}".encode()).decode()
            while not stop.is_set():
                try:
                    answers[post("/api/v1/hosts/none/maintenance", '{"enter":true}', {"Content-Type": "application/json", "Authorization": auth}, source)] += 1
                except OSError as e:
                    answers[type(e).__name__] += 1
        threads = [threading.Thread(target=flood, args=(s, i)) for i, s in enumerate(sources)]
        for t in threads:
            t.start()
        time.sleep(1)
        result = acks(seconds)
        stop.set()
        for t in threads:
            t.join(60)
        print(f"logins: during 50 concurrent wrong logins from {label}: {result}; login answers {dict(answers)}")


{"refusals": refusals, "bodies": bodies, "logins": lambda: logins(sys.argv[5])}[phase]()
