#!/usr/bin/env node
// The abuse suite (`npm run soak`; on demand, never part of `npm test`): runs the gate
// (soak/server.ts) under Deno and under Bun on loopback, offers each load below while real clients
// (openssl s_client from 127.0.0.1) keep connecting, and prints a table: load offered, server RSS
// peak, real-client success, and what the gate did about it. Every scenario is bounded in time.
//
//   node scripts/soak.mjs [--seconds N] [--runtimes deno,bun] [--only name,name] [--adapter auto|node] [--quick]
//
// Sources: the load comes from 127.0.0.2 and up (Linux routes all of 127/8 to loopback), real
// clients from 127.0.0.1, so per-source fairness is what is being measured.
import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { cpus } from "node:os";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const quick = argv.includes("--quick");
const seconds = Number(arg("seconds", quick ? "3" : "8"));
const runtimes = arg("runtimes", "deno,bun").split(",");
const only = arg("only", "")?.split(",").filter(Boolean) ?? [];
const adapter = arg("adapter", "auto");
const bin = (name) => join(root, "node_modules", ".bin", name);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const tool of ["openssl"]) {
  if (spawnSync("which", [tool]).status !== 0) {
    console.error(`soak: ${tool} is missing (apt-get install openssl): real clients cannot be measured`);
    process.exit(1);
  }
}

/** Hex fixtures: one datagram / stream prefix per non-comment line. */
function fixture(name) {
  return readFileSync(join(root, "tests", "fixtures", `${name}.hex`), "utf8").split(/\r?\n/)
    .map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => Buffer.from(l, "hex"));
}
const DTLS_CH = fixture("dtls12-openssl")[0];
const TLS_CH = fixture("tls13-openssl")[0];

// ------------------------------------------------------------------------------------ server

class Server {
  constructor(runtime) {
    this.runtime = runtime;
    const cmd = runtime === "deno"
      ? [bin("deno"), ["run", "-A", "--unstable-net", "--v8-flags=--expose-gc", "soak/server.ts", "--adapter", adapter]]
      : [bin("bun"), ["soak/server.ts", "--adapter", adapter]];
    this.proc = spawn(cmd[0], cmd[1], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    this.lines = [];
    this.waiters = [];
    createInterface({ input: this.proc.stdout }).on("line", (l) => {
      const w = this.waiters.shift();
      if (w) w(JSON.parse(l));
      else this.lines.push(JSON.parse(l));
    });
  }
  next() {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.runtime} server did not answer`)), 15000);
      this.waiters.push((v) => {
        clearTimeout(t);
        resolve(v);
      });
    });
  }
  command(cmd) {
    this.proc.stdin.write(cmd + "\n");
    return this.next();
  }
  async stop() {
    this.proc.stdin.write("quit\n");
    await Promise.race([new Promise((r) => this.proc.once("exit", r)), sleep(3000)]);
    this.proc.kill("SIGKILL");
  }
}

// ------------------------------------------------------------------------------ real clients

/**
 * Runs openssl s_client from 127.0.0.1, `parallel` at a time, until `stop()`. Each attempt is
 * killed after `killMs` (TLS: s_client exits by itself when the gate closes the accepted
 * connection). Success is counted by the server: accepts from 127.0.0.1 during the scenario.
 */
function realClients(ports, transport, parallel = 4) {
  let running = true;
  let attempts = 0;
  const killMs = transport === "tcp" ? 5000 : 3500; // DTLS: time for two retransmissions (1 s, 2 s)
  const loop = async () => {
    while (running) {
      const args = transport === "tcp"
        ? ["s_client", "-connect", `127.0.0.1:${ports.tcp}`, "-tls1_3", "-quiet"]
        : ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${ports.udp}`, "-quiet"];
      const p = spawn("openssl", args, { stdio: ["pipe", "ignore", "ignore"] });
      attempts++;
      const t = setTimeout(() => p.kill("SIGKILL"), killMs);
      await new Promise((r) => p.once("exit", r));
      clearTimeout(t);
    }
  };
  const loops = Array.from({ length: parallel }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return attempts;
    },
  };
}

// ------------------------------------------------------------------------------------ loads

/** Opens a TCP connection from `localAddress`; resolves with the socket or undefined on failure. */
function connectFrom(port, localAddress) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1", localAddress });
    s.on("error", () => resolve(undefined));
    s.once("connect", () => resolve(s));
    s.on("data", () => {});
  });
}

/**
 * Holds `n` connections from `sources` open, reconnecting whenever the server closes one (an
 * attacker that takes every slot it can), calling `feed(socket)` on each new connection.
 */
function holdConnections(port, n, sources, feed, stats) {
  let running = true;
  const live = new Set();
  const open = async (i) => {
    if (!running) return;
    const s = await connectFrom(port, sources[i % sources.length]);
    stats.opened++;
    if (!s) {
      stats.failed++;
      await sleep(50);
      return open(i);
    }
    live.add(s);
    const stopFeed = feed(s) ?? (() => {});
    s.once("close", () => {
      live.delete(s);
      stopFeed();
      stats.closedByServer += running ? 1 : 0;
      if (running) setTimeout(() => open(i), 10);
    });
  };
  const ready = (async () => {
    for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => open(i + k)));
  })();
  return {
    ready,
    live,
    stop() {
      running = false;
      for (const s of live) s.destroy();
    },
  };
}

function loopbackSources(from, count) {
  return Array.from({ length: count }, (_, i) => `127.0.0.${from + i}`);
}

/** A partial TLS ClientHello of `total` bytes in 16 KB records, all but the last `missing` bytes. */
function partialClientHello(total, missing) {
  const body = Buffer.alloc(total - 4, 0x41);
  const msg = Buffer.concat([Buffer.from([1, (total - 4) >> 16, ((total - 4) >> 8) & 0xff, (total - 4) & 0xff]), body]);
  const records = [];
  for (let at = 0; at < msg.length; at += 16000) {
    const frag = msg.subarray(at, Math.min(msg.length, at + 16000));
    records.push(Buffer.from([0x16, 3, 1, frag.length >> 8, frag.length & 0xff]), frag);
  }
  const all = Buffer.concat(records);
  return all.subarray(0, all.length - missing);
}

const SCENARIOS = {
  "udp-flood": {
    what: "UDP flood from 20 sources: 1/3 garbage, 1/3 real ClientHello1 (openssl), 1/3 first fragments (unique messages)",
    real: "udp",
    async run(ports, ms) {
      const sockets = await Promise.all(loopbackSources(2, 20).map((a) =>
        new Promise((resolve) => {
          const s = dgram.createSocket("udp4");
          s.on("error", () => {});
          s.on("message", () => {});
          s.bind(0, a, () => resolve(s));
        })
      ));
      const garbage = Buffer.alloc(200, 0x99);
      const frag = Buffer.from(DTLS_CH.subarray(0, 13 + 12 + 40));
      frag.writeUInt16BE(12 + 40, 11);
      frag[22] = 0, frag[23] = 0, frag[24] = 40; // fragment_length 40 of a longer message
      let sent = 0;
      const end = Date.now() + ms;
      let k = 0;
      while (Date.now() < end) {
        for (let i = 0; i < 60; i++) {
          const s = sockets[k % sockets.length];
          const m = k % 3 === 0 ? garbage : k % 3 === 1 ? DTLS_CH : frag;
          if (m === frag) frag.writeUInt32BE(k, 13 + 12 + 20); // a new message each time
          s.send(m, ports.udp, "127.0.0.1");
          k++;
          sent++;
        }
        await new Promise((r) => setImmediate(r));
      }
      await sleep(200);
      for (const s of sockets) s.close();
      return { offered: `${Math.round(sent / (ms / 1000))} datagrams/s` };
    },
  },
  "tcp-idle-2000": {
    what: "one address (127.0.0.2) holds 2,000 idle connections, reconnecting as soon as one is closed",
    real: "tcp",
    async run(ports, ms) {
      const st = { opened: 0, failed: 0, closedByServer: 0 };
      const h = holdConnections(ports.tcp, 2000, ["127.0.0.2"], () => {}, st);
      await sleep(ms);
      h.stop();
      return { offered: `2,000 held (${st.opened} connects, ${st.closedByServer} closed by the gate)` };
    },
  },
  "tcp-slowloris": {
    what: "2,000 connections from 127.0.0.2 each sending 1 byte of a record header every 2 s",
    real: "tcp",
    async run(ports, ms) {
      const st = { opened: 0, failed: 0, closedByServer: 0 };
      const h = holdConnections(ports.tcp, 2000, ["127.0.0.2"], (s) => {
        let i = 1;
        const t = setInterval(() => s.write(TLS_CH.subarray(i, ++i)), 2000);
        s.write(TLS_CH.subarray(0, 1));
        return () => clearInterval(t);
      }, st);
      await sleep(ms);
      h.stop();
      return { offered: `2,000 slow (${st.opened} connects, ${st.closedByServer} closed by the gate)` };
    },
  },
  "tcp-dribble": {
    what: "1,000 connections from 10 addresses each dribbling a real ClientHello at 1 byte/s",
    real: "tcp",
    async run(ports, ms) {
      const st = { opened: 0, failed: 0, closedByServer: 0 };
      const h = holdConnections(ports.tcp, 1000, loopbackSources(2, 10), (s) => {
        let i = 0;
        const t = setInterval(() => s.write(TLS_CH.subarray(i, ++i)), 1000);
        return () => clearInterval(t);
      }, st);
      await sleep(ms);
      h.stop();
      return { offered: `1,000 dribbling (${st.opened} connects, ${st.closedByServer} closed by the gate)` };
    },
  },
  "tcp-partial": {
    what: "1,000 connections from 10 addresses each sending 60 KB of a 61,440-byte ClientHello, then waiting",
    real: "tcp",
    async run(ports, ms) {
      const st = { opened: 0, failed: 0, closedByServer: 0 };
      const partial = partialClientHello(61440, 100);
      const h = holdConnections(ports.tcp, 1000, loopbackSources(2, 10), (s) => void s.write(partial), st);
      await sleep(ms);
      h.stop();
      return { offered: `1,000 x 60 KB partial (${st.opened} connects, ${st.closedByServer} closed by the gate)` };
    },
  },
  "tcp-burst": {
    what: "5,000 connect-send(ClientHello1)-close from 127.0.0.2 at full speed, 4 at a time",
    real: "tcp",
    async run(ports, ms) {
      const n = quick ? 2000 : 5000;
      let done = 0;
      const t0 = Date.now();
      const worker = async () => {
        while (done < n) {
          done++;
          const s = await connectFrom(ports.tcp, "127.0.0.2");
          if (s) await new Promise((r) => s.end(TLS_CH, r));
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      const took = Date.now() - t0;
      await sleep(Math.max(200, ms - took));
      return { offered: `${n} in ${(took / 1000).toFixed(1)} s (${Math.round(n / (took / 1000))}/s)` };
    },
  },
};

/** RSS growth per idle pending connection: 1,000 from 10 addresses, after a GC on both sides. */
async function idleMemory(server, ports) {
  await server.command("gc");
  await sleep(300);
  const before = (await server.command("gc")).rss;
  const socks = [];
  for (let i = 0; i < 1000; i += 50) {
    socks.push(...await Promise.all(Array.from({ length: 50 }, (_, k) => connectFrom(ports.tcp, `127.0.0.${2 + ((i + k) % 10)}`))));
  }
  await sleep(1500);
  await server.command("gc");
  await sleep(300);
  const s = await server.command("gc");
  for (const x of socks) x?.destroy();
  await sleep(500);
  return { pending: s.tcpPending, perConnection: (s.rss - before) / 1000 };
}

// ------------------------------------------------------------------------------------ main

const MB = (b) => `${(b / 1048576).toFixed(0)} MB`;
const rows = [];
const memory = [];
const cpu = cpus()[0]?.model ?? "unknown";
const shaNi = readFileSync("/proc/cpuinfo", "utf8").includes(" sha_ni");
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`soak: ${seconds} s per scenario, runtimes ${runtimes.join(", ")}; CPU ${cpu} x${cpus().length}, sha_ni ${shaNi ? "yes" : "no"}; load average ${load()}`);

for (const runtime of runtimes) {
  if (!only.length || only.includes("idle-memory")) {
    const server = new Server(runtime);
    try {
      const ports = await server.next();
      const m = await idleMemory(server, ports);
      memory.push({ runtime, ...m });
      console.log(`${runtime} idle-memory (${ports.tcpAdapter}): ${m.pending} pending, ${(m.perConnection / 1024).toFixed(1)} KB RSS per idle pending connection`);
    } finally {
      await server.stop();
    }
  }
  for (const [name, sc] of Object.entries(SCENARIOS)) {
    if (only.length && !only.includes(name)) continue;
    const server = new Server(runtime);
    try {
      const ports = await server.next();
      await sleep(300);
      const base = await server.command("reset");
      const clients = realClients(ports, sc.real);
      const load = await sc.run(ports, seconds * 1000);
      const attempts = await clients.stop();
      await sleep(500);
      const end = await server.command("stats");
      const ok = Math.min(attempts, (end.accepted[sc.real]["127.0.0.1"] ?? 0) - (base.accepted[sc.real]["127.0.0.1"] ?? 0));
      const c = sc.real === "tcp" ? "tcpCounters" : "udpCounters";
      const delta = {};
      for (const [k, v] of Object.entries(end[c].dropped)) {
        const d = v - (base[c].dropped[k] ?? 0);
        if (d > 0) delta[k] = d;
      }
      const row = {
        runtime,
        scenario: name,
        offered: load.offered,
        rssPeak: MB(end.rssPeak),
        rssBefore: MB(base.rss),
        real: `${ok}/${attempts} (${attempts ? (100 * ok / attempts).toFixed(1) : "0"}%)`,
        realRate: attempts ? ok / attempts : 0,
        gate: Object.entries(delta).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(", ") ||
          "nothing dropped",
        refused: delta["connection-limit"] ?? 0,
      };
      rows.push(row);
      console.log(`${runtime} ${name} (${ports[sc.real === "tcp" ? "tcpAdapter" : "udpAdapter"]}): ${row.offered}; RSS ${row.rssBefore} -> peak ${row.rssPeak}; real clients ${row.real}; gate: ${row.gate}`);
    } finally {
      await server.stop();
    }
  }
}

console.log("\n| runtime | scenario | load offered | RSS before → peak | real clients accepted | what the gate did |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(`| ${r.runtime} | ${r.scenario} | ${r.offered} | ${r.rssBefore} → ${r.rssPeak} | ${r.real} | ${r.gate} |`);
}
if (memory.length) {
  console.log("\n| runtime | idle pending TCP connections | RSS growth per connection |");
  console.log("| --- | --- | --- |");
  for (const m of memory) console.log(`| ${m.runtime} | ${m.pending} | ${(m.perConnection / 1024).toFixed(1)} KB |`);
}
console.log(`\nload average at the end: ${load()} (real clients compete with the load for the same cores)`);
const bad = rows.filter((r) => r.realRate < 0.99 || r.refused > 0);
for (const r of bad) console.log(`FAIL ${r.runtime} ${r.scenario}: real clients ${r.real}, refused ${r.refused}`);
const fat = memory.filter((m) => m.perConnection > 16 * 1024);
for (const m of fat) console.log(`FAIL ${m.runtime}: ${(m.perConnection / 1024).toFixed(1)} KB per idle pending connection (> 16 KB)`);
process.exit(bad.length || fat.length ? 1 : 0);
