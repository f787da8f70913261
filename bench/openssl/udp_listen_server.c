/*
 * udp_listen_server.c - the server users would run instead of hellogate's UDP
 * adapter: OpenSSL's DTLSv1_listen() behind a real UDP socket on 127.0.0.1.
 *
 * One loop: recvfrom() one datagram -> write it into a memory BIO ->
 * DTLSv1_listen() -> sendto() whatever OpenSSL wrote (the HelloVerifyRequest)
 * back to the sender. The cookie is the one bench/openssl/listen_bench.c uses:
 * HMAC-SHA256 keyed once (EVP_MAC_CTX duplicated per cookie) over the peer's
 * IPv4 address and port (6 bytes, network order), 32 bytes; here the peer is
 * the real sender of the datagram.
 *
 * One SSL object serves every DTLSv1_listen() call until one returns 1 (a
 * ClientHello with a valid cookie: a real server would hand that SSL to the
 * handshake and make a new one; we count it, free it and make a new one) or
 * fails; that is how OpenSSL's own servers use it, and about twice as fast
 * as a new SSL per datagram.
 *
 * Protocol with bench/udp_bench.mjs: prints
 *   {"event":"ready","port":N,"adapter":"openssl-dtlsv1-listen"}
 * once bound, serves until stdin reaches EOF, then prints
 *   {"event":"stopped","datagrams":N,"hvrSent":N,"accepted":N,"dropped":N,"sendErrors":N}
 * and exits.
 *
 * Build: cc -O2 -o udp_listen_server udp_listen_server.c -lssl -lcrypto
 * Run:   udp_listen_server [PORT]   (default 0: any free port)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>

#define COOKIE_LEN 32

/* the same key as listen_bench.c */
static const unsigned char cookie_key[32] = {
    0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x67, 0x61, 0x74, 0x65, 0x2d, 0x62, 0x65,
    0x6e, 0x63, 0x68, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x31, 0x32, 0x33,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62
};

static EVP_MAC_CTX *keyed_mac;        /* keyed once, duplicated per cookie */
static unsigned char peer_bytes[6];   /* sender of the datagram being handled */

static void die(const char *msg)
{
    fprintf(stderr, "udp_listen_server: %s\n", msg);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int mac_peer(unsigned char out[COOKIE_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(keyed_mac);
    int ok;

    if (c == NULL)
        return 0;
    ok = EVP_MAC_update(c, peer_bytes, sizeof(peer_bytes))
        && EVP_MAC_final(c, md, &mdlen, sizeof(md))
        && mdlen >= COOKIE_LEN;
    EVP_MAC_CTX_free(c);
    if (ok)
        memcpy(out, md, COOKIE_LEN);
    return ok;
}

static int gen_cookie(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    (void)ssl;
    if (!mac_peer(cookie))
        return 0;
    *len = COOKIE_LEN;
    return 1;
}

static int verify_cookie(SSL *ssl, const unsigned char *cookie,
                         unsigned int len)
{
    unsigned char want[COOKIE_LEN];

    (void)ssl;
    return len == COOKIE_LEN && mac_peer(want)
        && CRYPTO_memcmp(want, cookie, COOKIE_LEN) == 0;
}

static SSL *new_listener(SSL_CTX *ctx, BIO *rbio, BIO *wbio)
{
    SSL *ssl = SSL_new(ctx);

    if (ssl == NULL)
        die("SSL_new failed");
    if (!BIO_up_ref(rbio) || !BIO_up_ref(wbio))
        die("BIO_up_ref failed");
    SSL_set_bio(ssl, rbio, wbio);
    return ssl;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    int fd;
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *rbio, *wbio;
    BIO_ADDR *client;
    OSSL_PARAM params[2];
    unsigned char buf[65536], out[16384];
    unsigned long datagrams = 0, hvr = 0, accepted = 0, dropped = 0,
        send_errors = 0;
    struct pollfd pfd[2];

    /* pre-keyed HMAC-SHA256 */
    {
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

        if (mac == NULL || (keyed_mac = EVP_MAC_CTX_new(mac)) == NULL)
            die("EVP_MAC HMAC unavailable");
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     (char *)"SHA256", 0);
        params[1] = OSSL_PARAM_construct_end();
        if (!EVP_MAC_init(keyed_mac, cookie_key, sizeof(cookie_key), params))
            die("EVP_MAC_init failed");
        EVP_MAC_free(mac);
    }

    ctx = SSL_CTX_new(DTLS_server_method());
    if (ctx == NULL)
        die("DTLS ctx setup failed");
    SSL_CTX_set_options(ctx, SSL_OP_COOKIE_EXCHANGE);
    SSL_CTX_set_cookie_generate_cb(ctx, gen_cookie);
    SSL_CTX_set_cookie_verify_cb(ctx, verify_cookie);

    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    client = BIO_ADDR_new();
    if (rbio == NULL || wbio == NULL || client == NULL)
        die("BIO alloc failed");
    BIO_set_mem_eof_return(rbio, -1);   /* empty = "retry", not EOF */
    ssl = new_listener(ctx, rbio, wbio);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket failed");
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0
        || getsockname(fd, (struct sockaddr *)&addr, &alen) != 0)
        die("bind 127.0.0.1 failed");
    printf("{\"event\":\"ready\",\"port\":%d,\"adapter\":\"openssl-dtlsv1-listen\","
           "\"openssl\":\"%s\"}\n", ntohs(addr.sin_port),
           OpenSSL_version(OPENSSL_VERSION));
    fflush(stdout);

    pfd[0].fd = fd;
    pfd[0].events = POLLIN;
    pfd[1].fd = STDIN_FILENO;
    pfd[1].events = POLLIN;
    for (;;) {
        if (poll(pfd, 2, 1000) < 0) {
            if (errno == EINTR)
                continue;
            die("poll failed");
        }
        if (pfd[1].revents) {
            char c[256];

            if (read(STDIN_FILENO, c, sizeof(c)) <= 0)
                break;          /* stdin closed: stop */
        }
        if (!(pfd[0].revents & POLLIN))
            continue;
        /* drain what is queued, one recvfrom per datagram */
        for (int burst = 0; burst < 256; burst++) {
            struct sockaddr_in from;
            socklen_t flen = sizeof(from);
            ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
                                 (struct sockaddr *)&from, &flen);
            int r;
            size_t w;

            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    break;
                die("recvfrom failed");
            }
            datagrams++;
            memcpy(peer_bytes, &from.sin_addr.s_addr, 4);
            memcpy(peer_bytes + 4, &from.sin_port, 2);
            if (BIO_write(rbio, buf, (int)n) != (int)n)
                die("BIO_write failed");
            r = DTLSv1_listen(ssl, client);
            w = BIO_ctrl_pending(wbio);
            if (w > 0) {
                int got = BIO_read(wbio, out, (int)(w < sizeof(out) ? w : sizeof(out)));

                if (got > 0 && sendto(fd, out, (size_t)got, 0,
                                      (struct sockaddr *)&from, flen) == got)
                    hvr++;
                else
                    send_errors++;
                (void)BIO_reset(wbio);
            }
            if (BIO_ctrl_pending(rbio) > 0)
                (void)BIO_reset(rbio);
            if (r == 1) {
                accepted++;
            } else if (w == 0) {
                dropped++;
            }
            if (r != 0) {
                /* accepted (a real server would continue the handshake on
                 * this SSL) or failed: either way a fresh SSL listens next */
                SSL_free(ssl);
                ERR_clear_error();
                ssl = new_listener(ctx, rbio, wbio);
            }
        }
    }
    printf("{\"event\":\"stopped\",\"datagrams\":%lu,\"hvrSent\":%lu,"
           "\"accepted\":%lu,\"dropped\":%lu,\"sendErrors\":%lu}\n",
           datagrams, hvr, accepted, dropped, send_errors);
    fflush(stdout);
    SSL_free(ssl);
    BIO_free(rbio);
    BIO_free(wbio);
    BIO_ADDR_free(client);
    SSL_CTX_free(ctx);
    EVP_MAC_CTX_free(keyed_mac);
    close(fd);
    return 0;
}
