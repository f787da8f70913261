/*
 * listen_bench.c - OpenSSL reference numbers for hellogate.
 *
 * Measures, on memory BIOs and one core, how fast OpenSSL's own stateless
 * front doors answer a captured ClientHello:
 *
 *   dtls12-hvr          DTLSv1_listen, no cookie -> HelloVerifyRequest,
 *                       pre-keyed HMAC-SHA256 cookie (EVP_MAC_CTX dup per op)
 *   dtls12-hvr-oneshot  same, cookie via one-shot HMAC() (s_server style)
 *   dtls12-accept       DTLSv1_listen on a ClientHello carrying a valid
 *                       cookie (spliced in by this program) -> returns 1
 *   tls13-hrr           SSL_stateless on a TLS 1.3 ClientHello -> HRR
 *
 * Every op uses a fresh SSL object (SSL_new ... SSL_free).
 *
 * Usage: listen_bench CASE FIXTURE_HEX_PATH SECONDS
 * Prints one JSON line.
 *
 * Build: cc -O2 -o listen_bench listen_bench.c -lssl -lcrypto
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "cookie.h"

/* fake peer 127.0.0.1:4433: IPv4 bytes then port, network order */
static const unsigned char fake_peer[6] = { 127, 0, 0, 1, 0x11, 0x51 };

static const unsigned char hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
    0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
    0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
};

static void die(const char *msg)
{
    fprintf(stderr, "listen_bench: %s\n", msg);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* ---------------------------------------------------------------- cookies */

static int mac_oneshot(unsigned char out[COOKIE_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (HMAC(EVP_sha256(), cookie_key, sizeof(cookie_key),
             cookie_peer, sizeof(cookie_peer), md, &mdlen) == NULL
        || mdlen < COOKIE_LEN)
        return 0;
    memcpy(out, md, COOKIE_LEN);
    return 1;
}

static int dtls_gen_oneshot(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    (void)ssl;
    if (!mac_oneshot(cookie))
        return 0;
    *len = COOKIE_LEN;
    return 1;
}

static int dtls_verify_oneshot(SSL *ssl, const unsigned char *cookie,
                               unsigned int len)
{
    unsigned char want[COOKIE_LEN];

    (void)ssl;
    return len == COOKIE_LEN && mac_oneshot(want)
        && CRYPTO_memcmp(want, cookie, COOKIE_LEN) == 0;
}

static int tls_gen_prekeyed(SSL *ssl, unsigned char *cookie, size_t *len)
{
    (void)ssl;
    if (!cookie_prekeyed(cookie))
        return 0;
    *len = COOKIE_LEN;
    return 1;
}

static int tls_verify_prekeyed(SSL *ssl, const unsigned char *cookie,
                               size_t len)
{
    unsigned char want[COOKIE_LEN];

    (void)ssl;
    return len == COOKIE_LEN && cookie_prekeyed(want)
        && CRYPTO_memcmp(want, cookie, COOKIE_LEN) == 0;
}

/* ---------------------------------------------------------------- fixture */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* First line that is neither empty nor a '#' comment, decoded from hex. */
static unsigned char *read_fixture(const char *path, size_t *outlen)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned char *buf = NULL;

    if (f == NULL)
        die("cannot open fixture");
    while ((n = getline(&line, &cap, f)) >= 0) {
        size_t i, len = 0;

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'
                         || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        if (n % 2 != 0)
            die("odd number of hex digits in fixture");
        buf = malloc((size_t)n / 2);
        if (buf == NULL)
            die("out of memory");
        for (i = 0; i < (size_t)n; i += 2) {
            int hi = hexval(line[i]), lo = hexval(line[i + 1]);

            if (hi < 0 || lo < 0)
                die("bad hex digit in fixture");
            buf[len++] = (unsigned char)(hi << 4 | lo);
        }
        *outlen = len;
        break;
    }
    free(line);
    fclose(f);
    if (buf == NULL)
        die("no data line in fixture");
    return buf;
}

/* ----------------------------------------------------------- cert and key */

static void add_cert(SSL_CTX *ctx)
{
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name;

    if (pkey == NULL || x == NULL)
        die("key/cert alloc failed");
    if (!X509_set_version(x, 2)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1)
        || X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL
        || X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) == NULL
        || !X509_set_pubkey(x, pkey))
        die("cert setup failed");
    name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"hellogate-bench",
                                    -1, -1, 0)
        || !X509_set_issuer_name(x, name)
        || X509_sign(x, pkey, EVP_sha256()) <= 0)
        die("cert sign failed");
    if (SSL_CTX_use_certificate(ctx, x) != 1
        || SSL_CTX_use_PrivateKey(ctx, pkey) != 1
        || SSL_CTX_check_private_key(ctx) != 1)
        die("installing cert/key failed");
    X509_free(x);
    EVP_PKEY_free(pkey);
}

/* ------------------------------------------------------------ one op each */

enum kind { K_DTLS_HVR, K_DTLS_ACCEPT, K_TLS_HRR };

struct bench {
    enum kind kind;
    SSL_CTX *ctx;
    BIO *rbio, *wbio;     /* reused; each new SSL gets a reference */
    BIO_ADDR *peer;
    const unsigned char *in;
    size_t inlen;
};

/*
 * Runs one op; returns the listen/stateless result, *out = bytes written.
 * With copy != NULL (the checked first op) *copy gets a malloc'd copy of them.
 */
static int one_op(struct bench *b, size_t *out, unsigned char **copy)
{
    SSL *ssl = SSL_new(b->ctx);
    int r;

    if (ssl == NULL)
        die("SSL_new failed");
    if (!BIO_up_ref(b->rbio) || !BIO_up_ref(b->wbio))
        die("BIO_up_ref failed");
    SSL_set_bio(ssl, b->rbio, b->wbio);
    if (BIO_write(b->rbio, b->in, (int)b->inlen) != (int)b->inlen)
        die("BIO_write failed");
    if (b->kind == K_TLS_HRR)
        r = SSL_stateless(ssl);
    else
        r = DTLSv1_listen(ssl, b->peer);
    *out = BIO_ctrl_pending(b->wbio);
    if (copy != NULL) {
        *copy = malloc(*out ? *out : 1);
        if (*copy == NULL)
            die("out of memory");
        *out = *out ? (size_t)BIO_read(b->wbio, *copy, (int)*out) : 0;
    }
    SSL_free(ssl);
    /* drain: what was sent, and anything left unread */
    (void)BIO_reset(b->wbio);
    if (BIO_ctrl_pending(b->rbio) > 0)
        (void)BIO_reset(b->rbio);
    return r;
}

/*
 * Splice a cookie into a cookie-less DTLS ClientHello (one record holding
 * one unfragmented ClientHello). Sets message_seq 1 and record seq 1.
 */
static unsigned char *splice_cookie(const unsigned char *ch, size_t chlen,
                                    const unsigned char *cookie, size_t clen,
                                    size_t *outlen)
{
    size_t pos, sidlen, reclen, hslen, fraglen;
    unsigned char *o;

    if (chlen < 13 + 12 + 2 + 32 + 2)
        die("ClientHello too short to splice");
    reclen = (size_t)ch[11] << 8 | ch[12];
    hslen = (size_t)ch[14] << 16 | (size_t)ch[15] << 8 | ch[16];
    fraglen = (size_t)ch[22] << 16 | (size_t)ch[23] << 8 | ch[24];
    if (ch[13] != 1 || hslen != fraglen || 13 + reclen != chlen
        || reclen != 12 + hslen)
        die("fixture ClientHello is not one unfragmented record");
    pos = 13 + 12 + 2 + 32;
    sidlen = ch[pos];
    pos += 1 + sidlen;
    if (pos >= chlen || ch[pos] != 0)
        die("fixture ClientHello already carries a cookie");
    if (clen > 255)
        die("cookie too long");

    *outlen = chlen + clen;
    o = malloc(*outlen);
    if (o == NULL)
        die("out of memory");
    memcpy(o, ch, pos);
    o[pos] = (unsigned char)clen;
    memcpy(o + pos + 1, cookie, clen);
    memcpy(o + pos + 1 + clen, ch + pos + 1, chlen - pos - 1);

    reclen += clen;
    hslen += clen;
    o[11] = (unsigned char)(reclen >> 8);
    o[12] = (unsigned char)reclen;
    o[14] = (unsigned char)(hslen >> 16);
    o[15] = (unsigned char)(hslen >> 8);
    o[16] = (unsigned char)hslen;
    o[17] = 0;                          /* message_seq = 1 */
    o[18] = 1;
    o[22] = o[14];                      /* fragment_length = length */
    o[23] = o[15];
    o[24] = o[16];
    memset(o + 5, 0, 6);                /* record sequence number = 1 */
    o[10] = 1;
    return o;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct bench b;
    const char *cname;
    unsigned char *fix, *wout = NULL, *ch2 = NULL;
    size_t fixlen, wlen = 0, outbytes = 0, out;
    double secs, t0, t1;
    unsigned long iters = 0;
    int expect, r, oneshot = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: %s CASE FIXTURE_HEX_PATH SECONDS\n"
                "cases: dtls12-hvr dtls12-hvr-oneshot dtls12-accept tls13-hrr\n",
                argv[0]);
        return 2;
    }
    cname = argv[1];
    secs = atof(argv[3]);
    if (secs <= 0)
        die("SECONDS must be > 0");
    if (strcmp(cname, "dtls12-hvr") == 0) {
        b.kind = K_DTLS_HVR;
    } else if (strcmp(cname, "dtls12-hvr-oneshot") == 0) {
        b.kind = K_DTLS_HVR;
        oneshot = 1;
    } else if (strcmp(cname, "dtls12-accept") == 0) {
        b.kind = K_DTLS_ACCEPT;
    } else if (strcmp(cname, "tls13-hrr") == 0) {
        b.kind = K_TLS_HRR;
    } else {
        die("unknown case");
    }
    fix = read_fixture(argv[2], &fixlen);

    memcpy(cookie_peer, fake_peer, sizeof(cookie_peer));
    {
        const char *err = cookie_mac_init();

        if (err != NULL)
            die(err);
    }

    if (b.kind == K_TLS_HRR) {
        b.ctx = SSL_CTX_new(TLS_server_method());
        if (b.ctx == NULL
            || !SSL_CTX_set_min_proto_version(b.ctx, TLS1_3_VERSION)
            || !SSL_CTX_set_max_proto_version(b.ctx, TLS1_3_VERSION)
            /* the client offers an X25519 share: P-256 only forces a
             * key_share HRR, like a server that prefers another group */
            || !SSL_CTX_set1_groups_list(b.ctx, "P-256"))
            die("TLS ctx setup failed");
        SSL_CTX_set_stateless_cookie_generate_cb(b.ctx, tls_gen_prekeyed);
        SSL_CTX_set_stateless_cookie_verify_cb(b.ctx, tls_verify_prekeyed);
    } else {
        b.ctx = SSL_CTX_new(DTLS_server_method());
        if (b.ctx == NULL)
            die("DTLS ctx setup failed");
        SSL_CTX_set_options(b.ctx, SSL_OP_COOKIE_EXCHANGE);
        SSL_CTX_set_cookie_generate_cb(b.ctx, oneshot ? dtls_gen_oneshot
                                                      : cookie_dtls_generate);
        SSL_CTX_set_cookie_verify_cb(b.ctx, oneshot ? dtls_verify_oneshot
                                                    : cookie_dtls_verify);
    }
    add_cert(b.ctx);

    b.rbio = BIO_new(BIO_s_mem());
    b.wbio = BIO_new(BIO_s_mem());
    b.peer = BIO_ADDR_new();
    if (b.rbio == NULL || b.wbio == NULL || b.peer == NULL)
        die("BIO alloc failed");
    b.in = fix;
    b.inlen = fixlen;

    /* ---- one checked op before timing */
    if (b.kind == K_DTLS_ACCEPT) {
        /* get an HVR for CH1, lift its cookie, build CH2 */
        size_t clen, ch2len;

        r = one_op(&b, &wlen, &wout);
        if (r != 0 || wlen < 28 || wout[0] != 22 || wout[13] != 3)
            die("DTLSv1_listen on CH1 did not produce a HelloVerifyRequest");
        clen = wout[27];
        if (28 + clen != wlen)
            die("HelloVerifyRequest has an unexpected shape");
        ch2 = splice_cookie(fix, fixlen, wout + 28, clen, &ch2len);
        free(wout);
        b.in = ch2;
        b.inlen = ch2len;
    }
    r = one_op(&b, &wlen, &wout);
    switch (b.kind) {
    case K_DTLS_HVR:
        if (r != 0 || wlen == 0)
            die("expected DTLSv1_listen == 0 with a HelloVerifyRequest written");
        if (wlen < 28 || wout[0] != 22 || wout[1] != 0xfe || wout[13] != 3)
            die("written bytes are not a HelloVerifyRequest record");
        expect = 0;
        break;
    case K_DTLS_ACCEPT:
        if (r != 1)
            die("expected DTLSv1_listen == 1 on the cookie-carrying ClientHello");
        expect = 1;
        break;
    default:
        if (r != 0 || wlen < 5 + 4 + 2 + 32)
            die("expected SSL_stateless == 0 with an HRR written");
        if (wout[0] != 0x16 || wout[1] != 0x03 || wout[2] != 0x03
            || wout[5] != 2 || memcmp(wout + 11, hrr_random, 32) != 0)
            die("written bytes are not a HelloRetryRequest");
        expect = 0;
        break;
    }
    outbytes = wlen;
    free(wout);

    /* ---- warm-up, then timed loop, checking the time every 64 ops */
    for (int i = 0; i < 1000; i++)
        if (one_op(&b, &out, NULL) != expect)
            die("warm-up op gave an unexpected result");
    t0 = now();
    t1 = t0;
    while (t1 - t0 < secs) {
        for (int i = 0; i < 64; i++) {
            if (one_op(&b, &out, NULL) != expect)
                die("op gave an unexpected result");
        }
        iters += 64;
        t1 = now();
    }
    if (out != outbytes)
        die("output size changed during the run");

    printf("{\"case\":\"%s\",\"opsPerSec\":%.0f,\"iterations\":%lu,"
           "\"seconds\":%.3f,\"outBytes\":%zu,\"openssl\":\"%s\"}\n",
           cname, (double)iters / (t1 - t0), iters, t1 - t0, outbytes,
           OpenSSL_version(OPENSSL_VERSION));

    BIO_free(b.rbio);
    BIO_free(b.wbio);
    BIO_ADDR_free(b.peer);
    SSL_CTX_free(b.ctx);
    EVP_MAC_CTX_free(cookie_mac);
    free(fix);
    free(ch2);
    return 0;
}
