/*
 * udp_listen_server.c - the server users would run instead of hellogate's UDP
 * adapter: OpenSSL's DTLSv1_listen() behind a real UDP socket on 127.0.0.1.
 *
 * One loop: recvfrom() one datagram -> write it into a memory BIO ->
 * DTLSv1_listen() -> sendto() whatever OpenSSL wrote (the HelloVerifyRequest)
 * back to the sender. The cookie is the one bench/openssl/listen_bench.c uses
 * (bench/openssl/cookie.h: HMAC-SHA256 keyed once over the peer's IPv4
 * address and port, 32 bytes); here the peer is the real sender of the
 * datagram.
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
#include <openssl/crypto.h>

#include "cookie.h"

static void die(const char *msg)
{
    fprintf(stderr, "udp_listen_server: %s\n", msg);
    ERR_print_errors_fp(stderr);
    exit(1);
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
    unsigned char buf[65536], out[16384];
    unsigned long datagrams = 0, hvr = 0, accepted = 0, dropped = 0,
        send_errors = 0;
    struct pollfd pfd[2];

    {
        const char *err = cookie_mac_init();

        if (err != NULL)
            die(err);
    }

    ctx = SSL_CTX_new(DTLS_server_method());
    if (ctx == NULL)
        die("DTLS ctx setup failed");
    SSL_CTX_set_options(ctx, SSL_OP_COOKIE_EXCHANGE);
    SSL_CTX_set_cookie_generate_cb(ctx, cookie_dtls_generate);
    SSL_CTX_set_cookie_verify_cb(ctx, cookie_dtls_verify);

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
            memcpy(cookie_peer, &from.sin_addr.s_addr, 4);
            memcpy(cookie_peer + 4, &from.sin_port, 2);
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
    EVP_MAC_CTX_free(cookie_mac);
    close(fd);
    return 0;
}
