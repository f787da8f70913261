/*
 * cookie.h - the DTLS / TLS 1.3 stateless cookie both OpenSSL reference
 * programs use (listen_bench.c, udp_listen_server.c), so that their numbers
 * stay comparable: HMAC-SHA256 under a fixed bench key over the peer's IPv4
 * address and port (6 bytes, network order, in cookie_peer), 32 bytes.
 * cookie_mac_init() keys one EVP_MAC_CTX once; every cookie duplicates it.
 *
 * Static definitions: each program includes this header once.
 */
#ifndef HELLOGATE_BENCH_COOKIE_H
#define HELLOGATE_BENCH_COOKIE_H

#include <string.h>

#include <openssl/ssl.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>

#define COOKIE_LEN 32

static const unsigned char cookie_key[32] = {
    0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x67, 0x61, 0x74, 0x65, 0x2d, 0x62, 0x65,
    0x6e, 0x63, 0x68, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x31, 0x32, 0x33,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62
};

/* the peer the next cookie is for: IPv4 bytes then port, network order */
static unsigned char cookie_peer[6];

static EVP_MAC_CTX *cookie_mac;   /* keyed once, duplicated per cookie */

/* Keys cookie_mac (HMAC-SHA256, cookie_key); NULL on success, else what failed. */
static const char *cookie_mac_init(void)
{
    OSSL_PARAM params[2];
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

    if (mac == NULL || (cookie_mac = EVP_MAC_CTX_new(mac)) == NULL)
        return "EVP_MAC HMAC unavailable";
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(cookie_mac, cookie_key, sizeof(cookie_key), params))
        return "EVP_MAC_init failed";
    EVP_MAC_free(mac);
    return NULL;
}

/* The cookie for cookie_peer with the pre-keyed MAC; 1 on success. */
static int cookie_prekeyed(unsigned char out[COOKIE_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(cookie_mac);
    int ok;

    if (c == NULL)
        return 0;
    ok = EVP_MAC_update(c, cookie_peer, sizeof(cookie_peer))
        && EVP_MAC_final(c, md, &mdlen, sizeof(md))
        && mdlen >= COOKIE_LEN;
    EVP_MAC_CTX_free(c);
    if (ok)
        memcpy(out, md, COOKIE_LEN);
    return ok;
}

/* SSL_CTX_set_cookie_generate_cb: the pre-keyed cookie. */
static int cookie_dtls_generate(SSL *ssl, unsigned char *cookie,
                                unsigned int *len)
{
    (void)ssl;
    if (!cookie_prekeyed(cookie))
        return 0;
    *len = COOKIE_LEN;
    return 1;
}

/* SSL_CTX_set_cookie_verify_cb: constant-time compare with the pre-keyed cookie. */
static int cookie_dtls_verify(SSL *ssl, const unsigned char *cookie,
                              unsigned int len)
{
    unsigned char want[COOKIE_LEN];

    (void)ssl;
    return len == COOKIE_LEN && cookie_prekeyed(want)
        && CRYPTO_memcmp(want, cookie, COOKIE_LEN) == 0;
}

#endif
