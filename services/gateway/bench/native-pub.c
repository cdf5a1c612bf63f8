/*
 * Native publishing "Zeek node" for bench:gateway, built with `cc -O2 native-pub.c -lzmq` when a
 * compiler and libzmq headers exist (Debian: libzmq3-dev); harness.ts falls back to a JavaScript
 * publisher otherwise. A C publisher keeps the event source from being the bottleneck of the
 * fan-out runs, as a real Zeek node (C++) would not be.
 *
 *   native-pub <hub xsub endpoint> <topic> <sender> <payload hex>
 * Connects an XPUB (XPUB_VERBOSE, XPUB_NODROP, like a Zeek node; a CURVE client when the Z85 keys
 * are in ZR_CURVE_SERVER_KEY, ZR_CURVE_PUBLIC_KEY, ZR_CURVE_SECRET_KEY), prints "ready", then for each
 * stdin line "<n> <prefix>" waits until <prefix> is subscribed, sends n 4-frame events with
 * blocking sends (no loss), and prints "done <n>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

int main(int argc, char **argv) {
  if (argc != 5) return 2;
  void *ctx = zmq_ctx_new();
  void *xpub = zmq_socket(ctx, ZMQ_XPUB);
  int one = 1, hwm = 10000;
  zmq_setsockopt(xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
  zmq_setsockopt(xpub, ZMQ_XPUB_NODROP, &one, sizeof one);
  zmq_setsockopt(xpub, ZMQ_SNDHWM, &hwm, sizeof hwm);
  const char *server_key = getenv("ZR_CURVE_SERVER_KEY");
  const char *public_key = getenv("ZR_CURVE_PUBLIC_KEY");
  const char *secret_key = getenv("ZR_CURVE_SECRET_KEY");
  if (server_key && public_key && secret_key) {
    /* 40-character Z85 text is accepted for the 32-byte keys. */
    if (zmq_setsockopt(xpub, ZMQ_CURVE_SERVERKEY, server_key, 40) != 0 ||
        zmq_setsockopt(xpub, ZMQ_CURVE_PUBLICKEY, public_key, 40) != 0 ||
        zmq_setsockopt(xpub, ZMQ_CURVE_SECRETKEY, secret_key, 40) != 0)
      return 3;
  }
  if (zmq_connect(xpub, argv[1]) != 0) return 1;
  size_t plen = strlen(argv[4]) / 2;
  unsigned char *payload = malloc(plen);
  for (size_t i = 0; i < plen; i++) payload[i] = (unsigned char)(hexval(argv[4][2 * i]) << 4 | hexval(argv[4][2 * i + 1]));
  printf("ready\n");
  fflush(stdout);
  char line[512], prefix[256], sub[512];
  long n;
  int have = 0;
  while (fgets(line, sizeof line, stdin) && sscanf(line, "%ld %255s", &n, prefix) == 2) {
    while (!have) {
      int len = zmq_recv(xpub, sub, sizeof sub - 1, 0);
      if (len > 0 && sub[0] == 1 && (size_t)len - 1 == strlen(prefix) && memcmp(sub + 1, prefix, (size_t)len - 1) == 0) have = 1;
    }
    for (long i = 0; i < n; i++) {
      /* XPUB_NODROP reports a full pipe (EAGAIN) on the first frame only: retry that one. */
      while (zmq_send(xpub, argv[2], strlen(argv[2]), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        zmq_pollitem_t item = {xpub, 0, ZMQ_POLLOUT, 0};
        zmq_poll(&item, 1, 1);
      }
      zmq_send(xpub, argv[3], strlen(argv[3]), ZMQ_SNDMORE);
      zmq_send(xpub, "broker-bin-v1", 13, ZMQ_SNDMORE);
      zmq_send(xpub, payload, plen, 0);
    }
    printf("done %ld\n", n);
    fflush(stdout);
  }
  zmq_close(xpub);
  zmq_ctx_term(ctx);
  return 0;
}
