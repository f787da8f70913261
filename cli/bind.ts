/**
 * Binding sockets for the long-running commands: `--adapter` (checked against what this
 * process can run) and bind failures turned into one line naming transport, address and reason
 * (exit code 1).
 *
 * @module
 */
import { bunUdpAvailable } from "../transports/udp_bun.ts";
import { denoUdpAvailable } from "../transports/udp_deno.ts";
import { bunTcpAvailable } from "../transports/tcp_bun.ts";
import { denoTcpAvailable } from "../transports/tcp_deno.ts";
import type { UdpAdapterChoice } from "../transports/udp.ts";
import type { TcpAdapterChoice } from "../transports/tcp.ts";
import { type Args, flag, UsageError } from "./args.ts";

const ADAPTERS = ["auto", "node", "deno", "bun"];

/** `--adapter` (default auto), validated for the transports in use. */
export function adapterFromArgs(args: Args, command: string, udp: boolean, tcp: boolean): UdpAdapterChoice & TcpAdapterChoice {
  const adapter = flag(args, "adapter") ?? "auto";
  if (!ADAPTERS.includes(adapter)) throw new UsageError(`--adapter ${adapter}: expected ${ADAPTERS.join(", ")}`, command);
  checkAdapter(adapter, udp, tcp, command);
  return adapter as UdpAdapterChoice & TcpAdapterChoice;
}

/** A usage error when `--adapter deno|bun` names an adapter this process cannot run. */
function checkAdapter(adapter: string, udp: boolean, tcp: boolean, command: string): void {
  if (adapter === "bun" && ((udp && !bunUdpAvailable()) || (tcp && !bunTcpAvailable()))) {
    throw new UsageError("--adapter bun: not running under Bun (use auto or node)", command);
  }
  if (adapter === "deno" && tcp && !denoTcpAvailable()) {
    throw new UsageError("--adapter deno: not running under Deno (use auto or node)", command);
  }
  if (adapter === "deno" && udp && !denoUdpAvailable()) {
    throw new UsageError(
      "--adapter deno: Deno UDP sockets need `deno run --unstable-net` (or use auto or node)",
      command,
    );
  }
}

/** Thrown when a socket cannot be bound (exit code 1), naming the transport, address and reason. */
export class BindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindError";
  }
}

/** Runs `open`, turning a failure into a {@link BindError} that names transport, address and reason. */
export async function bind<T>(transport: string, at: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (e) {
    throw new BindError(`cannot listen on ${transport} ${at}: ${bindReason(e)}`);
  }
}

/**
 * Runs a whole server (`open` binds, then serves until stopped): a socket error that looks like
 * a bind failure becomes a {@link BindError}; anything else is passed on unchanged.
 */
export async function runBound<T>(transport: string, at: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (e) {
    if (looksLikeBindFailure(e)) throw new BindError(`cannot listen on ${transport} ${at}: ${bindReason(e)}`);
    throw e;
  }
}

function looksLikeBindFailure(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  const text = `${String(err?.code ?? "")} ${String(err?.name ?? "")} ${String(err?.message ?? "")}`;
  return /EADDRINUSE|EADDRNOTAVAIL|EACCES|AddrInUse|AddrNotAvailable|PermissionDenied|in use|bind/i.test(text);
}

/** A short reason for a bind failure (the error code when there is one). */
function bindReason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  const message = String(err?.message ?? e).replace(/^(hellogate: )+/, "");
  const code = typeof err?.code === "string" ? err.code : undefined;
  if (code === "EADDRINUSE" || /in use|EADDRINUSE/i.test(message) || err?.name === "AddrInUse") {
    return "address already in use";
  }
  if (code === "EACCES" || /permission denied|EACCES/i.test(message) || err?.name === "PermissionDenied") {
    return "permission denied";
  }
  if (code === "EADDRNOTAVAIL" || /not available|EADDRNOTAVAIL/i.test(message) || err?.name === "AddrNotAvailable") {
    return "address not available on this host";
  }
  return code && !message.includes(code) ? `${code} ${message}` : message || "unknown error";
}
