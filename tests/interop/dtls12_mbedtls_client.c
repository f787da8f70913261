/*
 * A minimal DTLS 1.2 client on mbedTLS 2.28 (Debian libmbedtls-dev), compiled at run time by
 * tests/interop/dtls12_mbedtls.test.ts and bench/sections/dtls12_handshakes.mjs.
 *
 *   client HOST PORT MESSAGE           one handshake; prints "handshake <version> <ciphersuite>",
 *                                      sends MESSAGE as one datagram, prints "echo <reply>",
 *                                      sends close_notify. Exit code 0 on success.
 *   client HOST PORT - COUNT SECONDS   load mode: up to COUNT sequential handshakes (fresh socket,
 *                                      so a fresh source port, each; close_notify after each) within
 *                                      SECONDS; prints {"completed":N,"failed":M,"seconds":S}.
 *
 * Certificate verification is off: hellogate's test server is self-signed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "mbedtls/entropy.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/timing.h"
#include "mbedtls/error.h"

static int fail(const char *what, int ret) {
  char buf[200];
  mbedtls_strerror(ret, buf, sizeof buf);
  fprintf(stderr, "%s failed: -0x%04x %s\n", what, (unsigned)-ret, buf);
  return 1;
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* One handshake on a fresh socket, then close_notify; 0 on success. */
static int one_handshake(const char *host, const char *port, mbedtls_ssl_config *conf) {
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  mbedtls_timing_delay_context timer;
  int ret;
  mbedtls_net_init(&net);
  mbedtls_ssl_init(&ssl);
  if ((ret = mbedtls_net_connect(&net, host, port, MBEDTLS_NET_PROTO_UDP)) == 0 &&
      (ret = mbedtls_ssl_setup(&ssl, conf)) == 0) {
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
    do ret = mbedtls_ssl_handshake(&ssl);
    while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (ret == 0) {
      int c;
      do c = mbedtls_ssl_close_notify(&ssl);
      while (c == MBEDTLS_ERR_SSL_WANT_WRITE);
    }
  }
  mbedtls_ssl_free(&ssl);
  mbedtls_net_free(&net);
  return ret;
}

static int load(const char *host, const char *port, long count, double limit, mbedtls_ssl_config *conf) {
  long ok = 0, failed = 0;
  double start = seconds_now();
  while (ok + failed < count && seconds_now() - start < limit) {
    if (one_handshake(host, port, conf) == 0) ok++;
    else failed++;
  }
  printf("{\"completed\":%ld,\"failed\":%ld,\"seconds\":%.3f}\n", ok, failed, seconds_now() - start);
  return failed == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 6) {
    fprintf(stderr, "usage: %s HOST PORT MESSAGE | %s HOST PORT - COUNT SECONDS\n", argv[0], argv[0]);
    return 2;
  }
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_timing_delay_context timer;
  int ret;
  mbedtls_net_init(&net);
  mbedtls_ssl_init(&ssl);
  mbedtls_ssl_config_init(&conf);
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"hg", 2)) != 0)
    return fail("drbg seed", ret);
  if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
    return fail("config", ret);
  mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_ssl_conf_read_timeout(&conf, 8000);
  mbedtls_ssl_conf_handshake_timeout(&conf, 1000, 8000);
  if (argc == 6) return load(argv[1], argv[2], atol(argv[4]), atof(argv[5]), &conf);
  if ((ret = mbedtls_net_connect(&net, argv[1], argv[2], MBEDTLS_NET_PROTO_UDP)) != 0) return fail("connect", ret);
  if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0) return fail("setup", ret);
  mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
  mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
  do ret = mbedtls_ssl_handshake(&ssl);
  while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  if (ret != 0) return fail("handshake", ret);
  printf("handshake %s %s\n", mbedtls_ssl_get_version(&ssl), mbedtls_ssl_get_ciphersuite(&ssl));
  fflush(stdout);
  const char *msg = argv[3];
  do ret = mbedtls_ssl_write(&ssl, (const unsigned char *)msg, strlen(msg));
  while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  if (ret < 0) return fail("write", ret);
  unsigned char buf[2048];
  do ret = mbedtls_ssl_read(&ssl, buf, sizeof buf - 1);
  while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  if (ret <= 0) return fail("read", ret);
  buf[ret] = 0;
  printf("echo %s\n", buf);
  fflush(stdout);
  do ret = mbedtls_ssl_close_notify(&ssl);
  while (ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  mbedtls_net_free(&net);
  mbedtls_ssl_free(&ssl);
  mbedtls_ssl_config_free(&conf);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  return 0;
}
