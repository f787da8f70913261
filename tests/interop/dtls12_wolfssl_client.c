/*
 * A minimal DTLS 1.2 client on wolfSSL 5.5 (Debian libwolfssl-dev), compiled at test time by
 * tests/interop/dtls12_wolfssl.test.ts. Usage: client HOST PORT MESSAGE [CIPHER]
 * Prints "handshake <version> <cipher>" after the handshake, sends MESSAGE as one datagram,
 * prints "echo <reply>" and sends close_notify. Exit code 0 on success. Peer verification is
 * off: hellogate's test server is self-signed.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(WOLFSSL *ssl, const char *what, int ret) {
  char buf[WOLFSSL_MAX_ERROR_SZ];
  int err = ssl ? wolfSSL_get_error(ssl, ret) : ret;
  fprintf(stderr, "%s failed: %d %s\n", what, err, wolfSSL_ERR_error_string(err, buf));
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s HOST PORT MESSAGE [CIPHER]\n", argv[0]);
    return 2;
  }
  wolfSSL_Init();
  WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfDTLSv1_2_client_method());
  if (!ctx) return fail(NULL, "ctx", 0);
  wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
  if (argc == 5 && wolfSSL_CTX_set_cipher_list(ctx, argv[4]) != WOLFSSL_SUCCESS) return fail(NULL, "cipher list", 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) return fail(NULL, "address", 0);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return fail(NULL, "socket", 0);
  WOLFSSL *ssl = wolfSSL_new(ctx);
  if (!ssl) return fail(NULL, "ssl", 0);
  wolfSSL_dtls_set_peer(ssl, &addr, sizeof addr);
  wolfSSL_set_fd(ssl, fd);
  int ret = wolfSSL_connect(ssl);
  if (ret != WOLFSSL_SUCCESS) return fail(ssl, "handshake", ret);
  printf("handshake %s %s\n", wolfSSL_get_version(ssl), wolfSSL_get_cipher(ssl));
  fflush(stdout);
  ret = wolfSSL_write(ssl, argv[3], (int)strlen(argv[3]));
  if (ret <= 0) return fail(ssl, "write", ret);
  char buf[2048];
  ret = wolfSSL_read(ssl, buf, sizeof buf - 1);
  if (ret <= 0) return fail(ssl, "read", ret);
  buf[ret] = 0;
  printf("echo %s\n", buf);
  fflush(stdout);
  wolfSSL_shutdown(ssl);
  wolfSSL_free(ssl);
  close(fd);
  wolfSSL_CTX_free(ctx);
  wolfSSL_Cleanup();
  return 0;
}
