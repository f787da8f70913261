/**
 * Process plumbing shared by the UDP end-to-end bench servers (bench/udp_server.ts and
 * bench/udp_echo.ts): argument parsing, the "ready" JSON line, and shutdown when the parent
 * closes our stdin (so a crashed orchestrator never leaves a server behind).
 *
 * @module
 */
import process from "node:process";
import { bunGlobal, denoGlobal } from "../transports/runtime.ts";

/** The socket API a bench server uses. */
export type BenchUdpAdapter = "node" | "deno" | "bun";

/** The adapter named on the command line (`auto` or absent = the runtime's native socket). */
export function adapterArg(arg: string | undefined): BenchUdpAdapter {
  if (arg === "node" || arg === "deno" || arg === "bun") return arg;
  if (bunGlobal()?.udpSocket) return "bun";
  if (denoGlobal()?.listenDatagram) return "deno";
  return "node";
}

/** Prints the ready line, then calls `stop` and exits once stdin reaches EOF (or on SIGTERM). */
export function serveUntilStdinEnds(ready: Record<string, unknown>, stop: () => Promise<Record<string, unknown>>): void {
  let stopping = false;
  const finish = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    let summary: Record<string, unknown> = {};
    try {
      summary = await stop();
    } catch (e) {
      summary = { error: String(e) };
    }
    process.stdout.write(JSON.stringify({ event: "stopped", ...summary }) + "\n", () => process.exit(0));
  };
  process.stdin.on("end", () => void finish());
  process.stdin.on("error", () => void finish());
  process.stdin.resume();
  try {
    process.on("SIGTERM", () => void finish());
  } catch { /* signal handlers unsupported: stdin EOF still works */ }
  process.stdout.write(JSON.stringify({ event: "ready", ...ready }) + "\n");
}
