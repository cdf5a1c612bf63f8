/*
 * Native publishing "Zeek node" for bench:gateway, built with `cc -O2 native-pub.c -lzmq` when a
 * compiler and libzmq headers exist (Debian: libzmq3-dev); harness.ts falls back to a JavaScript
 * publisher otherwise. A C publisher keeps the event source from being the bottleneck of the
 * fan-out runs, as a real Zeek node (C++) would not be.
 *
 *   native-pub <hub xsub endpoint> <topic> <sender> <payload hex>
 * Connects an XPUB (XPUB_VERBOSE, XPUB_NODROP, like a Zeek node; a CURVE client when the Z85 keys
 * are in ZR_CURVE_SERVER_KEY, ZR_CURVE_PUBLIC_KEY, ZR_CURVE_SECRET_KEY), prints "ready", then for each
 * stdin line "<n> <prefix> <k>" waits until it has seen <k> subscriptions to <prefix> in all (the
 * k-th is the one for this run: between runs the subscriber leaves, the prefix is unsubscribed,
 * and waiting for "subscribed" alone would start on the previous run's subscription while its
 * cancellation and the new subscription are still on the way, losing what is sent in between),
 * sends n 4-frame events with blocking sends (no loss), and prints "done <n>".
 *
 *   native-pub count <hub xpub endpoint> <prefix>
 * The counting node of the WebSocket → cluster runs: an XSUB subscribed to <prefix> (CURVE as
 * above) that counts 4-frame messages and prints the running total whenever it changed, at most
 * every 20 ms, so that the JavaScript harness is not the bottleneck of that part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

static int curve_client(void *sock) {
  const char *server_key = getenv("ZR_CURVE_SERVER_KEY");
  const char *public_key = getenv("ZR_CURVE_PUBLIC_KEY");
  const char *secret_key = getenv("ZR_CURVE_SECRET_KEY");
  if (!(server_key && public_key && secret_key)) return 0;
  /* 40-character Z85 text is accepted for the 32-byte keys. */
  if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_key, 40) != 0 ||
      zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, public_key, 40) != 0 ||
      zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret_key, 40) != 0)
    return -1;
  return 0;
}

static int count(const char *endpoint, const char *prefix) {
  void *ctx = zmq_ctx_new();
  void *xsub = zmq_socket(ctx, ZMQ_XSUB);
  int hwm = 100000;
  zmq_setsockopt(xsub, ZMQ_RCVHWM, &hwm, sizeof hwm);
  if (curve_client(xsub) != 0) return 3;
  if (zmq_connect(xsub, endpoint) != 0) return 1;
  char sub[512];
  size_t plen = strlen(prefix);
  if (plen > sizeof sub - 1) return 2;
  sub[0] = 1;
  memcpy(sub + 1, prefix, plen);
  zmq_send(xsub, sub, plen + 1, 0);
  printf("ready\n");
  fflush(stdout);
  long total = 0, printed = 0;
  int frames = 0;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  for (;;) {
    zmq_pollitem_t item = {xsub, 0, ZMQ_POLLIN, 0};
    zmq_poll(&item, 1, 20);
    while (zmq_msg_recv(&msg, xsub, ZMQ_DONTWAIT) >= 0) {
      frames++;
      if (!zmq_msg_more(&msg)) {
        if (frames == 4) total++;
        frames = 0;
      }
    }
    if (total != printed) {
      printed = total;
      if (printf("%ld\n", total) < 0 || fflush(stdout) != 0) return 0;
    }
  }
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "count") == 0) return count(argv[2], argv[3]);
  if (argc != 5) return 2;
  void *ctx = zmq_ctx_new();
  void *xpub = zmq_socket(ctx, ZMQ_XPUB);
  int one = 1, hwm = 10000;
  zmq_setsockopt(xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
  zmq_setsockopt(xpub, ZMQ_XPUB_NODROP, &one, sizeof one);
  zmq_setsockopt(xpub, ZMQ_SNDHWM, &hwm, sizeof hwm);
  if (curve_client(xpub) != 0) return 3;
  if (zmq_connect(xpub, argv[1]) != 0) return 1;
  size_t plen = strlen(argv[4]) / 2;
  unsigned char *payload = malloc(plen);
  for (size_t i = 0; i < plen; i++) payload[i] = (unsigned char)(hexval(argv[4][2 * i]) << 4 | hexval(argv[4][2 * i + 1]));
  printf("ready\n");
  fflush(stdout);
  const char *topic = argv[2], *sender = argv[3];
  size_t topic_len = strlen(topic), sender_len = strlen(sender);
  char line[512], prefix[256], sub[512];
  long n, want, seen = 0;
  while (fgets(line, sizeof line, stdin) && sscanf(line, "%ld %255s %ld", &n, prefix, &want) == 3) {
    while (seen < want) {
      int len = zmq_recv(xpub, sub, sizeof sub - 1, 0);
      if (len > 0 && sub[0] == 1 && (size_t)len - 1 == strlen(prefix) && memcmp(sub + 1, prefix, (size_t)len - 1) == 0) seen++;
    }
    for (long i = 0; i < n; i++) {
      /* XPUB_NODROP reports a full pipe (EAGAIN) on the first frame only: retry that one. The
       * frames never change, so they are sent without a copy (zmq_send_const), keeping this load
       * generator's own CPU per event low on a machine it shares with the subject. */
      while (zmq_send_const(xpub, topic, topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        zmq_pollitem_t item = {xpub, 0, ZMQ_POLLOUT, 0};
        zmq_poll(&item, 1, 1);
      }
      zmq_send_const(xpub, sender, sender_len, ZMQ_SNDMORE);
      zmq_send_const(xpub, "broker-bin-v1", 13, ZMQ_SNDMORE);
      zmq_send_const(xpub, payload, plen, 0);
    }
    printf("done %ld\n", n);
    fflush(stdout);
  }
  zmq_close(xpub);
  zmq_ctx_term(ctx);
  return 0;
}
