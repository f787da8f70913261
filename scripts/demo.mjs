// `npm run demo`: start the hellogate CLI on loopback, drive it with `openssl s_client`
// (DTLS 1.2 over UDP, TLS 1.3 over TCP) and narrate what the gate does:
// HelloVerifyRequest / HelloRetryRequest out, then "accepted ... with peer 127.0.0.1:NNNN".
// Part 2: a full TLS 1.3 server (the gate's stateless HRR, then the TLS 1.3 engine): a real
// `openssl s_client` completes the handshake through the HRR, sends an HTTP request and the
// demo prints the server's response page (which names the negotiated parameters).
// Part 3: a DTLS 1.2 echo server (`cli.ts serve --udp`: the HelloVerifyRequest gate, then the
// DTLS 1.2 engine): `openssl s_client -dtls1_2` completes the handshake and gets its line echoed.
// Exits 0 only when every step worked. `--runtime bun` runs the servers under Bun.
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
  setTimeout(() => listener.kill("SIGKILL"), 2000).unref();
  if (code !== 0) {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
    return;
  }
  tlsPart().then((ok) => (ok ? dtlsPart() : false)).then((ok) => {
    process.exitCode = ok ? 0 : 1;
    setTimeout(() => process.exit(ok ? 0 : 1), 500).unref();
  });
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

// ---- part 2: a full TLS 1.3 handshake through the stateless HRR ----------------------------

/** The server for part 2: `cli.ts serve --www` (the gate's HRR, the TLS 1.3 engine, a page naming what was negotiated). */
function startTlsServer() {
  const args = ["serve", "--tcp", "127.0.0.1:0", "--www", "--retry", "always", "--json"];
  console.log(`\nstarting: ${[runtime[0].split("/").pop(), ...runtime[1], ...args].join(" ")}`);
  return spawn(runtime[0], [...runtime[1], ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
}

/**
 * Follows one server of parts 2 and 3: its JSON event lines go to `onEvent(e, part)` until
 * `part.end(ok, message)` (also after TIMEOUT_MS with `timeoutMessage`, or when the server exits
 * first); then the server and `part.client` (set by `onEvent`) are stopped. Resolves with `ok`.
 */
function followServer(server, what, timeoutMessage, onEvent) {
  return new Promise((resolve) => {
    let serverErr = "";
    server.stderr.on("data", (d) => (serverErr += d));
    let done = false;
    const part = {
      client: undefined,
      serverErr: () => serverErr,
      end(ok, message) {
        if (done) return;
        done = true;
        clearTimeout(t);
        part.client?.kill("SIGKILL");
        server.kill("SIGTERM");
        setTimeout(() => server.kill("SIGKILL"), 2000).unref();
        console.log(`\n${message}`);
        resolve(ok);
      },
    };
    const t = setTimeout(() => part.end(false, `${timeoutMessage}${serverErr ? `\n${serverErr}` : ""}`), TIMEOUT_MS);
    createInterface({ input: server.stdout }).on("line", (line) => {
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        return;
      }
      onEvent(e, part);
    });
    server.on("exit", (code) => {
      if (!done) part.end(false, `the ${what} server exited early (code ${code})${serverErr ? `:\n${serverErr}` : ""}`);
    });
  });
}

function tlsPart() {
  let handshake;
  let onHandshake;
  const timeout = `TLS 1.3 demo failed: no response within ${TIMEOUT_MS / 1000} s`;
  return followServer(startTlsServer(), "TLS", timeout, (e, part) => {
    const { end } = part;
    if (e.event === "listening" && e.tcp && !part.client) {
      console.log(`hellogate TLS 1.3 server on ${e.tcp}`);
      const args = ["s_client", "-tls1_3", "-servername", "localhost", "-connect", e.tcp, "-ign_eof"];
      console.log(`$ printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl ${args.join(" ")}`);
      const client = part.client = spawn("openssl", args, { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      client.stdout.on("data", (d) => (out += d));
      client.stderr.on("data", () => {});
      client.on("error", (err) => end(false, `openssl: ${err.message}`));
      client.stdin.on("error", () => {});
      client.stdin.end("GET / HTTP/1.0\r\n\r\n");
      client.on("exit", () => {
        const at = out.indexOf("HTTP/1.0 ");
        if (at < 0) return end(false, `TLS 1.3 demo failed: no HTTP response\n${out.slice(-2000)}${part.serverErr()}`);
        const cipher = out.match(/New, (TLSv1\.3), Cipher is (\S+)/);
        const tempKey = out.match(/Server Temp Key: ([^\n]+)/);
        if (cipher) console.log(`openssl s_client: ${cipher[1]}, ${cipher[2]}${tempKey ? `, key exchange ${tempKey[1]}` : ""}`);
        console.log(`\nthe server's response:\n`);
        const page = out.slice(at).split("\n").filter((l) => !/^(closed|DONE|read R BLOCK)$/.test(l.trim()));
        console.log(page.map((l) => "  " + l.replace(/<\/?(html|head|body|title|table)[^>]*>/g, "").replace(/<tr><th>(.*?)<\/th><td[^>]*>(.*?)<\/td><\/tr>/, "$1: $2").replace(/<\/?h1>/g, "")).filter((l) => l.trim()).join("\n"));
        // The server reports its handshake event asynchronously: give it a moment to arrive.
        const conclude = () => {
          const ok = handshake !== undefined && handshake.retry === true && /HTTP\/1\.0 200/.test(out);
          end(ok, ok
            ? "a real client completed TLS 1.3 through a stateless HelloRetryRequest and got the page."
            : `TLS 1.3 demo failed: ${handshake ? `retry=${handshake.retry}` : "no handshake event"}`);
        };
        if (handshake) conclude();
        else {
          onHandshake = conclude;
          setTimeout(conclude, 3000);
        }
      });
    } else if (e.event === "sent") {
      console.log(`${NAMES[e.message] ?? e.message} sent to ${e.peer} (stateless: nothing kept; ${e.bytesIn} B in, ${e.bytesOut} B out)`);
    } else if (e.event === "accepted") {
      console.log(`ClientHello2 with a valid cookie from ${e.peer}: handing over to the TLS 1.3 engine`);
    } else if (e.event === "handshake") {
      handshake = e;
      setTimeout(() => onHandshake?.(), 0);
      console.log(`handshake complete with ${e.peer}: ${e.protocol}, ${e.cipherSuite}, ${e.group}, ${e.signature}, stateless retry: ${e.retry}`);
    }
  });
}

// ---- part 3: DTLS 1.2 after the HelloVerifyRequest: cli.ts serve --udp echoes a line ----------

function dtlsPart() {
  console.log(`\nstarting: ${[runtime[0].split("/").pop(), ...runtime[1]].join(" ")} serve --udp 127.0.0.1:0 --json (DTLS 1.2 echo server, self-signed certificate)`);
  const server = spawn(runtime[0], [...runtime[1], "serve", "--udp", "127.0.0.1:0", "--json"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let handshake;
  const line = `hello over DTLS 1.2 ${Date.now()}`;
  let echoed = false;
  const timeout = `DTLS 1.2 demo failed: no echo within ${TIMEOUT_MS / 1000} s`;
  return followServer(server, "DTLS", timeout, (e, part) => {
    const { end } = part;
    // The echo and the server's handshake event arrive on different pipes: wait for both.
    const finishIfDone = () => {
      if (echoed && handshake) end(true, "a real client completed DTLS 1.2 after a HelloVerifyRequest and got its line echoed.");
    };
    if (e.event === "listening" && e.udp && !part.client) {
      console.log(`hellogate DTLS 1.2 echo server on udp ${e.udp}`);
      const args = ["s_client", "-dtls1_2", "-connect", e.udp];
      console.log(`$ echo '${line}' | openssl ${args.join(" ")}`);
      const client = part.client = spawn("openssl", args, { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      client.stderr.on("data", () => {});
      client.on("error", (err) => end(false, `openssl: ${err.message}`));
      client.stdin.on("error", () => {});
      client.stdin.write(line + "\n");
      client.stdout.on("data", (d) => {
        out += d;
        if (!out.includes(line)) return;
        const cipher = out.match(/New, (\S+), Cipher is (\S+)/);
        if (cipher) console.log(`openssl s_client: ${cipher[1]} (DTLS 1.2), ${cipher[2]}`);
        console.log(`openssl s_client received the echo: "${line}"`);
        client.stdin.end();
        echoed = true;
        finishIfDone();
      });
    } else if (e.event === "handshake") {
      handshake = e;
      console.log(`handshake complete with ${e.peer}: ${e.protocol}, ${e.cipherSuite}, ${e.group}, ${e.signature}`);
      finishIfDone();
    }
  });
}
