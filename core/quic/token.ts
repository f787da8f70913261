/**
 * Address-validation tokens (RFC 9000 §8.1): Retry tokens and NEW_TOKEN tokens, sealed with
 * AES-128-GCM through the crypto provider under a key derived from the shared
 * {@link CookieKeyring}, so every server of a fleet that shares the keyring verifies every
 * other's tokens with no coordination.
 *
 * Token key: HKDF-Expand(PRK = the keyring's cookie MAC key of that key id,
 * info = "hellogate quic token key v1", 16): a separate key under a distinct label; the MAC key
 * itself never touches a token. That expansion is HMAC(MAC key, "hellogate quic..." || 0x01),
 * which no cookie can ever carry: every cookie MAC input starts with its kind byte (0x5X HVR,
 * 0xAX HRR) or the 0x00 peer-free domain byte, this label with "h" (0x68).
 *
 * Layout (all of it opaque to clients):
 * ```
 * byte 0      kind magic: 0xb7 Retry, 0x3c NEW_TOKEN                               -- AAD
 * byte 1      key id (0..15)                                                    -- AAD
 * bytes 2-13  random nonce
 * then        AES-128-GCM(plaintext) || 16-byte tag
 * plaintext   issued-at u32 seconds | flags u8 (bit 0: port bound) | peer binding (19 bytes)
 *             Retry only: version u32 | ODCID length u8 | ODCID | Retry SCID length u8 | Retry SCID
 * ```
 * Verdicts are typed like the cookies' ({@link QuicTokenRejection}); rejections are preallocated.
 *
 * @module
 */
import type { Aead, CryptoProvider } from "../crypto/provider.ts";
import type { CookieKeyring } from "../gate/cookie/keyring.ts";
import type { CookieMacKey } from "../gate/cookie/mac.ts";
import { encodePeerBinding, PEER_BINDING_LENGTH, type PeerAddress } from "../peer.ts";

/** The two kinds of token. */
export type QuicTokenKind = "retry" | "new-token";

/**
 * Why a token was refused.
 * - `malformed`: too short, unknown kind tag, or a plaintext that does not parse.
 * - `bad-tag`: AEAD authentication failed (forged, corrupted, another fleet's key).
 * - `unknown-key`: the key id does not verify now (rotated out past the grace window).
 * - `expired` / `from-the-future`: outside its lifetime / issued after now + allowed skew.
 * - `wrong-peer`: issued to another address (or port, when the token binds the port).
 * - `wrong-kind`: a Retry token where a NEW_TOKEN token was expected, or vice versa.
 * - `wrong-version`: a Retry token minted for another QUIC version.
 * - `wrong-connection-id`: a Retry token on a packet whose DCID is not the Retry's SCID
 *   (e.g. replayed on a new connection).
 */
export type QuicTokenRejection =
  | "malformed"
  | "bad-tag"
  | "unknown-key"
  | "expired"
  | "from-the-future"
  | "wrong-peer"
  | "wrong-kind"
  | "wrong-version"
  | "wrong-connection-id";

/** A refused token. */
export interface QuicTokenRejected {
  /** Not valid. */
  readonly ok: false;
  /** Why. */
  readonly reason: QuicTokenRejection;
}

/** An accepted token. */
export interface QuicTokenAccepted {
  /** Valid. */
  readonly ok: true;
  /** Which kind. */
  readonly kind: QuicTokenKind;
  /** Issue time (Unix seconds). */
  readonly issuedAt: number;
  /** Key id (0..15) it was sealed under. */
  readonly keyId: number;
  /** Retry tokens: the client's original Destination Connection ID. */
  readonly originalDcid: Uint8Array | undefined;
  /** Retry tokens: the SCID of our Retry packet. */
  readonly retryScid: Uint8Array | undefined;
}

/** Result of {@link QuicTokenSealer.open}. */
export type QuicTokenVerdict = QuicTokenAccepted | QuicTokenRejected;

const rejection = (reason: QuicTokenRejection): QuicTokenRejected => Object.freeze({ ok: false, reason });
/** The preallocated rejection per reason. */
export const TOKEN_REJECTED: Readonly<Record<QuicTokenRejection, QuicTokenRejected>> = /* @__PURE__ */ Object.freeze({
  "malformed": rejection("malformed"),
  "bad-tag": rejection("bad-tag"),
  "unknown-key": rejection("unknown-key"),
  "expired": rejection("expired"),
  "from-the-future": rejection("from-the-future"),
  "wrong-peer": rejection("wrong-peer"),
  "wrong-kind": rejection("wrong-kind"),
  "wrong-version": rejection("wrong-version"),
  "wrong-connection-id": rejection("wrong-connection-id"),
});

/** Lifetimes and bindings of tokens. */
export interface QuicTokenOptions {
  /** Retry token lifetime in seconds (default 10). */
  retryLifetimeSeconds?: number;
  /** NEW_TOKEN token lifetime in seconds (default 3600). */
  newTokenLifetimeSeconds?: number;
  /** Tolerated fleet clock skew in seconds (default 5). */
  maxClockSkewSeconds?: number;
  /** Retry tokens bind the client port too (default true; NAT rebinding changes ports). */
  bindRetryPort?: boolean;
  /** NEW_TOKEN tokens bind the client port too (default false: a later connection uses a new port). */
  bindNewTokenPort?: boolean;
}

/** Default Retry token lifetime (seconds). */
export const DEFAULT_RETRY_TOKEN_LIFETIME_SECONDS = 10;
/** Default NEW_TOKEN token lifetime (seconds). */
export const DEFAULT_NEW_TOKEN_LIFETIME_SECONDS = 3600;

/** First byte of a Retry token (a whole byte: a foreign token is taken for ours 1 time in 256). */
const KIND_RETRY = 0xb7;
/** First byte of a NEW_TOKEN token. */
const KIND_NEW_TOKEN = 0x3c;
/** Kind byte + key id byte. */
const HEADER = 2;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const FIXED_PLAINTEXT = 4 + 1 + PEER_BINDING_LENGTH;
/** Shortest token {@link QuicTokenSealer.open} will look at. */
export const MIN_TOKEN_LENGTH = HEADER + NONCE_LENGTH + FIXED_PLAINTEXT + TAG_LENGTH;
/** Offset of the 12-byte random nonce in a token (unique per token: the single-use filter keys on it). */
export const TOKEN_NONCE_OFFSET = HEADER;
const LABEL = /* @__PURE__ */ new TextEncoder().encode("hellogate quic token key v1");

function nonNegative(v: number | undefined, fallback: number, name: string): number {
  const x = v ?? fallback;
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new TypeError(`${name} must be a finite number >= 0`);
  return x;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** What a Retry token binds. */
export interface RetryTokenFields {
  /** The client address. */
  readonly peer: PeerAddress;
  /** QUIC version of the Initial. */
  readonly version: number;
  /** The Initial's Destination Connection ID. */
  readonly originalDcid: Uint8Array;
  /** The SCID of the Retry packet (the client's next DCID). */
  readonly retryScid: Uint8Array;
}

/** What a received token is checked against. */
export interface TokenContext {
  /** Where the Initial came from. */
  readonly peer: PeerAddress;
  /** Its QUIC version. */
  readonly version: number;
  /** Its Destination Connection ID. */
  readonly dcid: Uint8Array;
}

/**
 * Seals and opens tokens. Holds no secret of its own: keys come from the keyring per key id and
 * are cached per key object (a rotated-out key is never asked for again).
 */
export class QuicTokenSealer {
  readonly #keyring: CookieKeyring;
  readonly #provider: CryptoProvider;
  readonly #aeads = new WeakMap<CookieMacKey, Aead>();
  readonly #retryLifetime: number;
  readonly #newTokenLifetime: number;
  readonly #skew: number;
  readonly #bindRetryPort: boolean;
  readonly #bindNewTokenPort: boolean;

  /** Throws `TypeError` for bad options. */
  constructor(keyring: CookieKeyring, provider: CryptoProvider, options: QuicTokenOptions = {}) {
    if (!keyring || typeof keyring.issuingKey !== "function") throw new TypeError("a CookieKeyring is required");
    this.#keyring = keyring;
    this.#provider = provider;
    this.#retryLifetime = nonNegative(options.retryLifetimeSeconds, DEFAULT_RETRY_TOKEN_LIFETIME_SECONDS, "retryLifetimeSeconds");
    this.#newTokenLifetime = nonNegative(options.newTokenLifetimeSeconds, DEFAULT_NEW_TOKEN_LIFETIME_SECONDS, "newTokenLifetimeSeconds");
    this.#skew = nonNegative(options.maxClockSkewSeconds, 5, "maxClockSkewSeconds");
    this.#bindRetryPort = options.bindRetryPort ?? true;
    this.#bindNewTokenPort = options.bindNewTokenPort ?? false;
  }

  #aead(key: CookieMacKey): Aead {
    let a = this.#aeads.get(key);
    if (!a) {
      const k = new Uint8Array(32);
      key.begin().bytes(LABEL).u8(1).finishInto(k, 0, 32);
      a = this.#provider.aead("aes-128-gcm", k.subarray(0, 16));
      k.fill(0);
      this.#aeads.set(key, a);
    }
    return a;
  }

  #seal(kind: number, plaintext: Uint8Array, now: number): Uint8Array {
    const slot = this.#keyring.issuingKey(now);
    const out = new Uint8Array(HEADER + NONCE_LENGTH + plaintext.length + TAG_LENGTH);
    out[0] = kind;
    out[1] = slot.id & 15;
    const nonce = this.#provider.random(NONCE_LENGTH);
    out.set(nonce, HEADER);
    out.set(this.#aead(slot.key).seal(nonce, out.subarray(0, HEADER), plaintext), HEADER + NONCE_LENGTH);
    plaintext.fill(0);
    return out;
  }

  #fixed(extra: number, peer: PeerAddress, bindPort: boolean, now: number): Uint8Array {
    const p = new Uint8Array(FIXED_PLAINTEXT + extra);
    const s = Math.floor(now / 1000);
    if (!(s >= 0 && s <= 0xffffffff)) throw new TypeError("now must be milliseconds since the Unix epoch");
    putU32(p, 0, s);
    p[4] = bindPort ? 1 : 0;
    encodePeerBinding(peer, p.subarray(5, 5 + PEER_BINDING_LENGTH));
    if (!bindPort) p[5 + 17] = p[5 + 18] = 0;
    return p;
  }

  /** Seals a Retry token at `now` (ms). Throws `TypeError` on an unparsable peer address. */
  sealRetry(f: RetryTokenFields, now: number): Uint8Array {
    const p = this.#fixed(4 + 1 + f.originalDcid.length + 1 + f.retryScid.length, f.peer, this.#bindRetryPort, now);
    let at = FIXED_PLAINTEXT;
    putU32(p, at, f.version);
    at += 4;
    p[at++] = f.originalDcid.length;
    p.set(f.originalDcid, at);
    at += f.originalDcid.length;
    p[at++] = f.retryScid.length;
    p.set(f.retryScid, at);
    return this.#seal(KIND_RETRY, p, now);
  }

  /** Seals a NEW_TOKEN token for `peer` at `now` (ms), to send in a NEW_TOKEN frame after the handshake. */
  sealNewToken(peer: PeerAddress, now: number): Uint8Array {
    return this.#seal(KIND_NEW_TOKEN, this.#fixed(0, peer, this.#bindNewTokenPort, now), now);
  }

  /** How long tokens of `kind` verify, in seconds. */
  lifetimeSeconds(kind: QuicTokenKind): number {
    return kind === "retry" ? this.#retryLifetime : this.#newTokenLifetime;
  }

  /** The kind a token claims (its unauthenticated tag), or `undefined` when it is not one of ours. */
  static kindOf(token: Uint8Array): QuicTokenKind | undefined {
    if (token.length < MIN_TOKEN_LENGTH) return undefined;
    const k = token[0];
    if (token[1] > 15) return undefined;
    return k === KIND_RETRY ? "retry" : k === KIND_NEW_TOKEN ? "new-token" : undefined;
  }

  /**
   * Opens and checks a token received in an Initial. `expect` names the kind the caller wants
   * (default: either). Never throws on token bytes.
   */
  open(token: Uint8Array, ctx: TokenContext, now: number, expect?: QuicTokenKind): QuicTokenVerdict {
    const claimed = QuicTokenSealer.kindOf(token);
    if (!claimed) return TOKEN_REJECTED["malformed"];
    const key = this.#keyring.verifyingKey(token[1], now, this.#skew);
    if (!key) return TOKEN_REJECTED["unknown-key"];
    const p = this.#aead(key).open(
      token.subarray(HEADER, HEADER + NONCE_LENGTH),
      token.subarray(0, HEADER),
      token.subarray(HEADER + NONCE_LENGTH),
    );
    if (!p) return TOKEN_REJECTED["bad-tag"];
    if (expect && claimed !== expect) return TOKEN_REJECTED["wrong-kind"];
    const issuedAt = u32(p, 0);
    const nowSec = Math.floor(now / 1000);
    if (issuedAt > nowSec + this.#skew) return TOKEN_REJECTED["from-the-future"];
    const lifetime = claimed === "retry" ? this.#retryLifetime : this.#newTokenLifetime;
    if (nowSec - issuedAt > lifetime) return TOKEN_REJECTED["expired"];
    const portBound = (p[4] & 1) === 1;
    const want = encodePeerBinding(ctx.peer);
    if (!portBound) want[17] = want[18] = 0;
    if (!equalBytes(want, p.subarray(5, 5 + PEER_BINDING_LENGTH))) return TOKEN_REJECTED["wrong-peer"];
    if (claimed === "new-token") {
      if (p.length !== FIXED_PLAINTEXT) return TOKEN_REJECTED["malformed"];
      return { ok: true, kind: claimed, issuedAt, keyId: token[1], originalDcid: undefined, retryScid: undefined };
    }
    let at = FIXED_PLAINTEXT;
    if (at + 5 > p.length) return TOKEN_REJECTED["malformed"];
    const version = u32(p, at);
    at += 4;
    const ol = p[at++];
    if (at + ol + 1 > p.length) return TOKEN_REJECTED["malformed"];
    const originalDcid = p.slice(at, at + ol);
    at += ol;
    const rl = p[at++];
    if (at + rl !== p.length) return TOKEN_REJECTED["malformed"];
    const retryScid = p.slice(at, at + rl);
    if (version !== ctx.version) return TOKEN_REJECTED["wrong-version"];
    if (!equalBytes(retryScid, ctx.dcid)) return TOKEN_REJECTED["wrong-connection-id"];
    return { ok: true, kind: claimed, issuedAt, keyId: token[1], originalDcid, retryScid };
  }

  /** Redacted description. */
  toJSON(): unknown {
    return {
      retryLifetimeSeconds: this.#retryLifetime,
      newTokenLifetimeSeconds: this.#newTokenLifetime,
      bindRetryPort: this.#bindRetryPort,
      bindNewTokenPort: this.#bindNewTokenPort,
      keys: "[from keyring]",
    };
  }
}
