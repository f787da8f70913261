// Benchmark section: server CPU per completed TLS 1.3 handshake, hellogate (Deno and Bun,
// portable and native providers) against openssl s_server, with and without HRR.
// The measurement lives in bench/handshake_tls13.mjs; this file only plugs it into `npm run bench`.
import { runHandshakeBench } from "../handshake_tls13.mjs";

export default function run({ quick, root }) {
  return runHandshakeBench({ quick, root });
}
