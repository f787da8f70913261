// `npm run demo`: start the hellogate CLI on loopback, drive it with `openssl s_client`
// (DTLS 1.2 over UDP, TLS 1.3 over TCP) and narrate what the gate does:
// HelloVerifyRequest / HelloRetryRequest out, then "accepted ... with peer 127.0.0.1:NNNN".
// Exits 0 only when both handshakes were accepted. `--runtime bun` runs the CLI under Bun.
import "./bootstrap.mjs"; // first run: npm ci when node_modules is missing or stale
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const wantBun = process.argv.includes("--runtime") && process.argv[process.argv.indexOf("--runtime") + 1] === "bun";
const TIMEOUT_MS = 20_000;

const openssl = spawnSync("openssl", ["version"], { encoding: "utf8" });
if (openssl.error || openssl.status !== 0) {
  console.error("openssl was not found. Install it first, e.g.\n  sudo apt-get install openssl   (Debian/Ubuntu)\n  brew install openssl           (macOS)");
  process.exit(1);
}
console.log(`using ${openssl.stdout.trim()}`);

let runtime;
if (!wantBun && existsSync(bin("deno"))) runtime = [bin("deno"), ["run", "-A", "cli.ts"]];
else if (existsSync(bin("bun"))) runtime = [bin("bun"), ["cli.ts"]];
else runtime = ["deno", ["run", "-A", "cli.ts"]];
console.log(`starting: ${[runtime[0].split("/").pop(), ...runtime[1]].join(" ")} listen --udp 127.0.0.1:0 --tcp 127.0.0.1:0 --json\n`);

const listener = spawn(runtime[0], [...runtime[1], "listen", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--json"], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, NO_COLOR: "1" },
});
let listenerErr = "";
listener.stderr.on("data", (d) => (listenerErr += d));

const clients = [];
const accepted = new Set();
let finished = false;

function finish(code, message) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  for (const c of clients) c.kill("SIGKILL");
  listener.kill("SIGTERM");
  console.log(`\n${message}`);
  process.exitCode = code;
  setTimeout(() => {
    listener.kill("SIGKILL");
    process.exit(code);
  }, 2000).unref();
}

const timer = setTimeout(() => {
  finish(1, `demo failed: accepted ${[...accepted].join(", ") || "nothing"} within ${TIMEOUT_MS / 1000} s${listenerErr ? `\n${listenerErr}` : ""}`);
}, TIMEOUT_MS);

function client(label, args) {
  const c = spawn("openssl", ["s_client", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  c.stderr.on("data", () => {});
  c.on("error", (e) => console.log(`${label}: ${e.message}`));
  clients.push(c);
  console.log(`$ openssl s_client ${args.join(" ")}`);
}

const NAMES = { hello_verify_request: "HVR", hello_retry_request: "HRR", alert: "alert" };

createInterface({ input: listener.stdout }).on("line", (line) => {
  if (finished) return;
  let e;
  try {
    e = JSON.parse(line);
  } catch {
    return;
  }
  switch (e.event) {
    case "listening":
      console.log(`hellogate listening on udp ${e.udp} and tcp ${e.tcp}`);
      client("dtls", ["-dtls1_2", "-connect", e.udp]);
      client("tls", ["-tls1_3", "-connect", e.tcp]);
      break;
    case "sent":
      console.log(`${NAMES[e.message] ?? e.message} sent to ${e.peer} (${e.protocol} over ${e.transport}: ${e.bytesIn} B in, ${e.bytesOut} B out)`);
      break;
    case "accepted":
      console.log(`accepted ${e.protocol} with peer ${e.peer}`);
      accepted.add(e.protocol);
      if (accepted.has("dtls1.2") && accepted.has("tls1.3")) {
        finish(0, "both handshakes passed the stateless gate: the clients proved their addresses.");
      }
      break;
    case "dropped":
    case "closed":
      console.log(`${e.event} ${e.transport} ${e.peer}: ${e.reason}${e.detail ? ` (${e.detail})` : ""}`);
      break;
  }
});

listener.on("exit", (code) => {
  if (!finished) finish(1, `the listener exited early (code ${code})${listenerErr ? `:\n${listenerErr}` : ""}`);
});
