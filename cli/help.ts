/**
 * Help texts: the overview (`hellogate --help`) and one page per command
 * (`hellogate help COMMAND`, `hellogate COMMAND --help`).
 *
 * @module
 */

/** The exit-code rule every command follows. */
export const EXIT_CODES = `exit codes:
  0  success (listen: stopped by SIGINT/SIGTERM)
  1  runtime failure (cannot bind a port, cannot write a file, I/O error)
  2  usage error (unknown command or flag, missing or bad value, unusable input file)`;

/** Per-command help pages. */
export const COMMAND_HELP: Record<string, string> = {
  listen: `usage: hellogate listen [--udp HOST:PORT] [--tcp HOST:PORT] [--quic HOST:PORT] [--json] [--secret-file F]
                       [--versions dtls1.2,dtls1.3,tls1.3] [--adapter auto|node|deno|bun]
                       [--retry-key-share when-needed|always] [--stats SECONDS]
                       [--exit-on-stdout-close] [--max-handshakes N]
                       [--max-handshakes-per-source N] [--handshake-timeout SECONDS]
  Runs the stateless gate: answers ClientHellos with HelloVerifyRequest (DTLS) or
  HelloRetryRequest (TLS 1.3) and reports peers that prove their address.
  --udp, --tcp HOST:PORT   where to listen (port 0 picks a free port; localhost = 127.0.0.1).
                           Without either (nor --quic), both listen on 127.0.0.1:0.
  --quic HOST:PORT         the QUIC v1/v2 front door: Retry with a sealed token, Version
                           Negotiation, then accepted (JSON transport "quic").
  --json                   one JSON object per line on stdout (contract in README.md).
  --secret-file F          cookie secret as hex (hellogate keygen --out F); default random.
  --versions LIST          protocols to serve (dtls1.0, dtls1.2, dtls1.3, tls1.3).
  --adapter NAME           socket implementation (auto picks the runtime's native one).
  --retry-key-share always never send a cookie-only HRR when another group can be requested
                           (GnuTLS 3.7 rejects cookie-only HRRs).
  --stats SECONDS          with --json: a {"event":"stats",...} line every SECONDS (rates,
                           counters, handshakes in progress); in text mode a status line on
                           stderr. On a terminal (text mode) a status line is redrawn in place
                           every second (or every SECONDS).
  --exit-on-stdout-close   stop (exit 0) when stdout goes away; by default the gate keeps
                           serving and only the event output ends. A slow reader never blocks
                           the gate: events beyond a 256 KiB queue are dropped and counted
                           ({"event":"events-dropped","count":N} once the reader catches up).
  --max-handshakes N       TCP handshakes in progress at once (default 1024); when full, the
                           oldest idle one is closed (evicted-idle), never the newcomer.
  --max-handshakes-per-source N
                           the same per IPv4 address or IPv6 /64 (default 128).
  --handshake-timeout S    close a TCP handshake not done after S seconds (default 10; 0 = none).`,
  serve: `usage: hellogate serve --tcp HOST:PORT [--cert F --key F] [--retry always|never|load]
                      [--alpn h2,http/1.1] [--www] [--json] [--stats SECONDS] [--secret-file F]
                      [--adapter auto|node|deno|bun] [--retry-key-share when-needed|always]
                      [--exit-on-stdout-close] [--max-handshakes N] [--handshake-timeout S]
       hellogate serve --udp HOST:PORT [--cert F --key F] [--mtu N] [--json] [--stats SECONDS]
                      [--adapter NAME] [--exit-on-stdout-close]
  Completes handshakes behind the stateless gate and echoes what each client sends.
  --tcp HOST:PORT          TLS 1.3 over TCP: the gate, then the handshake engine.
  --udp HOST:PORT          DTLS 1.2 over UDP (HelloVerifyRequest, then the DTLS 1.2 engine).
  --cert F --key F         PEM certificate chain (leaf first) and PEM PKCS#8 key; without
                           them a self-signed ECDSA P-256 certificate for localhost is made.
  --retry POLICY           always (default): every client gets a stateless HelloRetryRequest
                           with a cookie first; never: 1-RTT; load: retry only while 64 or
                           more handshakes are in progress.
  --alpn LIST              ALPN protocols in preference order.
  --www                    answer each HTTP request with a page naming what was negotiated
                           (like openssl s_server -www) instead of echoing.
  --mtu N                  largest DTLS datagram we send (default 1200).
  --max-handshakes N, --handshake-timeout S: as for listen (TCP; each handshake phase).
  --json, --stats, --secret-file, --adapter, --retry-key-share, --exit-on-stdout-close:
                           as for listen. JSON adds {"event":"handshake","transport","peer",
                           "protocol","cipherSuite","group","signature","alpn","sni","retry"}.`,
  inspect: `usage: hellogate inspect [--transport udp|tcp|quic] [--peer IP:PORT] [--secret-file F]
                        [--now UNIX_SECONDS] HEX|-
  Decodes a captured datagram (udp, quic) or stream prefix (tcp), runs it through a fresh listener
  and prints {"clientHello": ..., "outcome": ...} as JSON. "-" reads the hex from stdin.
  --transport udp|tcp|quic default: quic for a QUIC v1/v2 long-header packet, udp when the
                           second byte is 0xfe (a DTLS record), else tcp.
  --peer IP:PORT           the address the bytes came from (default 192.0.2.1:4433).
  --now UNIX_SECONDS       the clock (default now); with --secret-file the output is deterministic.`,
  keygen: `usage: hellogate keygen [--out F [--force]]
  Prints a random 32-byte cookie secret as hex, or writes it to F.
  --out F                  create F with mode 0600 (never follows a symlink); an existing F
                           is refused unless --force, which rewrites it with mode 0600.`,
};

/** The overview printed by `hellogate --help` (and, on stderr, after a usage error). */
export const OVERVIEW = `hellogate: a stateless cookie gate for DTLS and TLS 1.3 handshakes

usage: hellogate COMMAND [FLAGS]
  listen    run the gate on UDP and/or TCP and report what it does
  serve     complete TLS 1.3 (TCP) or DTLS 1.2 (UDP) handshakes behind the gate
  inspect   decode a captured ClientHello and show what the gate answers
  keygen    make a cookie secret
  help      hellogate help COMMAND shows a command's flags
  --version print the version

${Object.values(COMMAND_HELP).join("\n\n")}

${EXIT_CODES}
`;
