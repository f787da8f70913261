/*
 * A minimal DTLS 1.2 client on mbedTLS 2.28 (Debian libmbedtls-dev), compiled by
 * tests/interop/dtls12_mbedtls.test.ts at test time. Usage: client HOST PORT MESSAGE
 * Prints "handshake <version> <ciphersuite>" after the handshake, sends MESSAGE as one
 * datagram, prints "echo <reply>" and sends close_notify. Exit code 0 on success.
 * Certificate verification is off: hellogate's test server is self-signed.
 */
#include <stdio.h>
#include <string.h>
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

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s HOST PORT MESSAGE\n", argv[0]);
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
  if ((ret = mbedtls_net_connect(&net, argv[1], argv[2], MBEDTLS_NET_PROTO_UDP)) != 0) return fail("connect", ret);
  if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
    return fail("config", ret);
  mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_ssl_conf_read_timeout(&conf, 8000);
  mbedtls_ssl_conf_handshake_timeout(&conf, 1000, 8000);
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
