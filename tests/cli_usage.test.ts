// The CLI's usage rules (issue 12 items 5, 7-9; issue 16 item 3): unknown flags and missing
// values are errors (exit 2, one line naming the flag plus a hint), exit code 1 only for runtime
// failures, `keygen --out` never overwrites or follows a symlink, messages name their flag or
// file, `--version` and `help COMMAND`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import net from "node:net";
import dgram from "node:dgram";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliArgs, root } from "./helpers/cli_process.ts";

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], {
    cwd: root,
    encoding: "utf8",
    input,
    timeout: 20000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** A usage error: exit 2, stdout empty, stderr = one message line + one hint line. */
function usageError(args: string[], message: RegExp, hint = /^see: hellogate (help \w+|--help)$/) {
  const r = cli(args);
  assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code} ${r.signal ?? ""}\n${r.err}`);
  assert.equal(r.out, "", "nothing on stdout");
  const lines = r.err.trimEnd().split("\n");
  assert.equal(lines.length, 2, `one line plus a hint:\n${r.err}`);
  assert.match(lines[0], /^hellogate: /);
  assert.doesNotMatch(lines[0], /hellogate: hellogate:/);
  assert.match(lines[0], message);
  assert.match(lines[1], hint);
  return lines[0];
}

const dir = mkdtempSync(join(tmpdir(), "hellogate-cli-usage-"));
const HEX = "16fefd";

test("cli: unknown or misspelled flags exit 2 naming the flag, with a suggestion", () => {
  usageError(["inspect", "--trasport", "udp", HEX], /unknown flag --trasport \(did you mean --transport\?\)/);
  // Used to swallow --udp and listen on random ports in text mode.
  usageError(["listen", "--jsn", "--udp", "127.0.0.1:0"], /unknown flag --jsn \(did you mean --json\?\)/);
  usageError(["keygen", "--froce"], /unknown flag --froce/);
  usageError(["inspect", "-x", HEX], /unknown flag -x/);
  usageError(["frobnicate"], /unknown command frobnicate/, /^see: hellogate --help$/);
  usageError(["--json"], /expected a command before --json/);
});

test("cli: flags missing a value, or with an empty one, exit 2 naming the flag", () => {
  usageError(["inspect", HEX, "--peer"], /--peer needs a value/);
  usageError(["listen", "--udp", "--json"], /--udp needs a value/);
  usageError(["keygen", "--out="], /--out needs a non-empty value/);
  usageError(["inspect", "--json", HEX], /unknown flag --json/);
  usageError(["listen", "--json=yes"], /--json takes no value/);
});

test("cli inspect: empty input, bad hex, bad --now, bad --peer, bad --transport name what is wrong", () => {
  usageError(["inspect", ""], /the HEX argument is empty/);
  usageError(["inspect", "zz"], /the HEX argument is not hex/);
  const r = cli(["inspect", "-"], "  \n");
  assert.equal(r.code, 2);
  assert.match(r.err, /stdin is empty/);
  const now = usageError(["inspect", "--now", "99999999999", HEX], /--now 99999999999: too large for UNIX seconds/);
  assert.match(now, /seconds/);
  usageError(["inspect", "--now", "yesterday", HEX], /--now yesterday: expected UNIX seconds/);
  usageError(["inspect", "--peer", "nowhere", HEX], /--peer nowhere: expected HOST:PORT/);
  usageError(["inspect", "--peer", "127.0.0.1:99999", HEX], /--peer 127\.0\.0\.1:99999: bad port/);
  usageError(["inspect", "--transport", "sctp", HEX], /--transport sctp: expected udp, tcp or quic/);
  usageError(["inspect", HEX, HEX], /inspect takes one HEX argument/);
  // localhost is a host like any other.
  const ok = cli(["inspect", "--peer", "localhost:4433", "--now", "1700000000", HEX]);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).peer, "127.0.0.1:4433");
});

test("cli: secret-file errors name the file (short secret, not hex, missing)", () => {
  const short = join(dir, "short.hex");
  writeFileSync(short, "0011223344556677\n");
  const line = usageError(["inspect", "--secret-file", short, HEX], /--secret-file .*short\.hex: the secret is 8 bytes, at least 16/);
  assert.doesNotMatch(line, /Uint8Array/);
  const notHex = join(dir, "nothex.hex");
  writeFileSync(notHex, "not a secret\n");
  usageError(["inspect", "--secret-file", notHex, HEX], /--secret-file .*nothex\.hex is not hex/);
  usageError(["inspect", "--secret-file", join(dir, "missing.hex"), HEX], /--secret-file .*missing\.hex: cannot read/);
});

test("cli keygen --out: creates 0600 exclusively, refuses an existing file or a symlink, --force rewrites 0600", () => {
  const file = join(dir, "new.hex");
  let r = cli(["keygen", "--out", file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const first = readFileSync(file, "utf8");
  assert.match(first, /^[0-9a-f]{64}\n$/);
  // An existing file is refused and left alone.
  usageError(["keygen", "--out", file], /--out .*new\.hex already exists \(add --force/);
  assert.equal(readFileSync(file, "utf8"), first);
  // --force rewrites it and makes a world-readable file private again.
  const open = join(dir, "open.hex");
  writeFileSync(open, "old\n");
  chmodSync(open, 0o666);
  r = cli(["keygen", "--out", open, "--force"]);
  assert.equal(r.code, 0, r.err);
  assert.equal(statSync(open).mode & 0o777, 0o600, "mode reset to 0600");
  assert.match(readFileSync(open, "utf8"), /^[0-9a-f]{64}\n$/);
  // A symlink is never followed, dangling or not, with or without --force.
  const target = join(dir, "target.hex"), link = join(dir, "link.hex");
  symlinkSync(target, link);
  usageError(["keygen", "--out", link], /--out .*link\.hex is a symbolic link/);
  usageError(["keygen", "--out", link, "--force"], /--out .*link\.hex is a symbolic link/);
  assert.equal(existsSync(target), false, "the link's target was not created");
  assert.ok(lstatSync(link).isSymbolicLink());
  writeFileSync(target, "keep\n");
  usageError(["keygen", "--out", link, "--force"], /symbolic link/);
  assert.equal(readFileSync(target, "utf8"), "keep\n", "the link's target was not written");
  usageError(["keygen", "--force"], /--force only applies with --out/);
  // A missing directory is a runtime failure (exit 1), still naming the file.
  r = cli(["keygen", "--out", join(dir, "no", "such", "dir.hex")]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^hellogate: cannot create --out .*dir\.hex: its directory does not exist\n$/);
});

test("cli listen/serve: a port in use exits 1 naming transport, address and reason (every adapter)", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", () => resolve()));
  const udpPort = udp.address().port;
  try {
    for (const adapter of ["auto", "node"]) {
      const cases: [string[], string][] = [
        [["listen", "--tcp", `127.0.0.1:${port}`], `tcp 127.0.0.1:${port}`],
        [["listen", "--udp", `127.0.0.1:${udpPort}`], `udp 127.0.0.1:${udpPort}`],
        [["serve", "--tcp", `127.0.0.1:${port}`], `tcp 127.0.0.1:${port}`],
        [["serve", "--udp", `127.0.0.1:${udpPort}`], `udp 127.0.0.1:${udpPort}`],
      ];
      for (const [args, expected] of cases) {
        const r = cli([...args, "--adapter", adapter]);
        assert.equal(r.code, 1, `${args.join(" ")} ${adapter}: ${r.err}`);
        assert.equal(r.err, `hellogate: cannot listen on ${expected}: address already in use\n`, `${args.join(" ")} ${adapter}`);
      }
    }
  } finally {
    server.close();
    udp.close();
  }
});

test("cli: --version, --help with the exit-code rule, help COMMAND", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const v = cli(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.out, `hellogate ${pkg.version}\n`);
  const h = cli(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.out, /exit codes:\n\s+0 .*\n\s+1 +runtime failure.*\n\s+2 +usage error/);
  for (const command of ["listen", "inspect", "keygen"]) {
    const r = cli(["help", command]);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^usage: hellogate ${command} `));
    assert.equal(cli([command, "--help"]).out, r.out);
  }
  usageError(["help", "nope"], /help: unknown command nope/);
  const none = cli([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /usage: hellogate COMMAND/);
});
