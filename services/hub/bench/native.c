/*
 * Native side of bench:hub, built with `cc -O2 native.c -lzmq` when a compiler and libzmq
 * headers exist (Debian: libzmq3-dev). Three modes, line protocol on stdin/stdout:
 *
 *   proxy <xsub ep> <xpub ep>           the anchor: bare zmq_proxy, ZMQ_IO_THREADS = 2, no options
 *   pub <xsub ep> <rate> <topic> <sender> <payload hex>
 *                                       XPUB (SNDHWM 1000, no NODROP, like a Zeek node's); waits for
 *                                       a subscription, prints "sending", sends 4-frame events at
 *                                       <rate>/s (0 = as fast as possible) until killed; bytes
 *                                       len-16..len-9 of the payload carry CLOCK_MONOTONIC ns (BE)
 *   sub <xpub ep> <topic> <latency 0|1> XSUB subscribed to <topic>; prints "ready"; stdin "begin"
 *                                       starts counting, "end" prints "result <n> <p50 ms> <p99 ms>"
 *
 * CURVE (bench:hub --curve): with ZR_BENCH_CURVE_SERVER_SECRET set (Z85), the proxy's sockets are
 * CURVE servers (no ZAP handler: every client key is admitted, as libzmq does without one); with
 * ZR_BENCH_CURVE_SERVER_PUBLIC, ZR_BENCH_CURVE_CLIENT_PUBLIC and ZR_BENCH_CURVE_CLIENT_SECRET set,
 * pub and sub connect as CURVE clients. The system libzmq must be built with CURVE (libsodium).
 *
 * Native load generators leave the CPU to the proxies under test (a JavaScript receiver costs
 * several times more per event): they exist only for raw speed, to measure the hub and not the
 * load generator, and carry no Zeek logic (no hellos, no start-up subscriptions). Without a
 * compiler hub.bench.ts falls back to the project's emulated Zeek node (@zeek-relay/zeek-node,
 * roles.ts), the one node emulation of the tests and benchmarks.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* CURVE server options from the environment (see the header); 0 when CURVE is off. */
static int curve_server(void *s) {
  const char *secret = getenv("ZR_BENCH_CURVE_SERVER_SECRET");
  if (!secret) return 0;
  int one = 1;
  if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
      zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, secret, 40) != 0) {
    fprintf(stderr, "CURVE server options failed: %s\n", zmq_strerror(zmq_errno()));
    exit(1);
  }
  return 1;
}

/* CURVE client options from the environment (see the header). */
static void curve_client(void *s) {
  const char *server = getenv("ZR_BENCH_CURVE_SERVER_PUBLIC");
  const char *pub = getenv("ZR_BENCH_CURVE_CLIENT_PUBLIC");
  const char *sec = getenv("ZR_BENCH_CURVE_CLIENT_SECRET");
  if (!server || !pub || !sec) return;
  if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40) != 0 ||
      zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40) != 0 ||
      zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40) != 0) {
    fprintf(stderr, "CURVE client options failed: %s\n", zmq_strerror(zmq_errno()));
    exit(1);
  }
}

static int run_proxy(void *ctx, const char *xsub_ep, const char *xpub_ep) {
  void *xsub = zmq_socket(ctx, ZMQ_XSUB);
  void *xpub = zmq_socket(ctx, ZMQ_XPUB);
  curve_server(xsub);
  curve_server(xpub);
  if (zmq_bind(xpub, xpub_ep) != 0 || zmq_bind(xsub, xsub_ep) != 0) {
    fprintf(stderr, "bind failed: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  zmq_proxy(xsub, xpub, NULL); /* until killed */
  return 0;
}

static int run_pub(void *ctx, char **argv) {
  const double rate = atof(argv[1]);
  const char *topic = argv[2], *sender = argv[3], *hex = argv[4];
  size_t len = strlen(hex) / 2;
  unsigned char *payload = malloc(len);
  for (size_t i = 0; i < len; i++) sscanf(hex + 2 * i, "%2hhx", &payload[i]);
  void *s = zmq_socket(ctx, ZMQ_XPUB);
  int hwm = 1000, linger = 0;
  zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
  zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
  curve_client(s);
  zmq_connect(s, argv[0]);
  char buf[256];
  zmq_recv(s, buf, sizeof buf, 0); /* first subscription */
  printf("sending\n");
  fflush(stdout);
  const uint64_t t0 = now_ns();
  uint64_t sent = 0;
  for (;;) {
    uint64_t due = rate > 0 ? (uint64_t)((double)(now_ns() - t0) / 1e9 * rate) : sent + 256;
    if (sent >= due) {
      usleep(200);
      continue;
    }
    for (; sent < due; sent++) {
      uint64_t t = now_ns();
      for (int b = 0; b < 8; b++) payload[len - 16 + b] = (unsigned char)(t >> (56 - 8 * b));
      zmq_send(s, topic, strlen(topic), ZMQ_SNDMORE);
      zmq_send(s, sender, strlen(sender), ZMQ_SNDMORE);
      zmq_send(s, "broker-bin-v1", 13, ZMQ_SNDMORE);
      zmq_send(s, payload, len, 0);
    }
  }
  return 0;
}

static int run_sub(void *ctx, char **argv) {
  const char *topic = argv[1];
  const int latency = atoi(argv[2]);
  void *s = zmq_socket(ctx, ZMQ_XSUB);
  int linger = 0;
  zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
  curve_client(s);
  zmq_connect(s, argv[0]);
  size_t tl = strlen(topic);
  char *sub = malloc(tl + 1);
  sub[0] = 1;
  memcpy(sub + 1, topic, tl);
  zmq_send(s, sub, tl + 1, 0);
  printf("ready\n");
  fflush(stdout);
  size_t cap = 1 << 20, n_lat = 0;
  double *lat = malloc(cap * sizeof *lat);
  uint64_t count = 0;
  int counting = 0;
  zmq_pollitem_t items[2] = {{s, 0, ZMQ_POLLIN, 0}, {NULL, 0, ZMQ_POLLIN, 0}};
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  for (;;) {
    zmq_poll(items, 2, -1);
    if (items[1].revents & ZMQ_POLLIN) {
      char line[64];
      if (!fgets(line, sizeof line, stdin)) return 0;
      if (strncmp(line, "begin", 5) == 0) {
        counting = 1;
        count = 0;
        n_lat = 0;
      } else if (strncmp(line, "end", 3) == 0) {
        counting = 0;
        qsort(lat, n_lat, sizeof *lat, cmp_double);
        double p50 = n_lat ? lat[n_lat / 2] : -1, p99 = n_lat ? lat[(size_t)(n_lat * 0.99)] : -1;
        printf("result %llu %.4f %.4f\n", (unsigned long long)count, p50, p99);
        fflush(stdout);
      }
    }
    /* Drain everything queued, one whole 4-frame event at a time. */
    while (zmq_msg_recv(&msg, s, ZMQ_DONTWAIT) >= 0) {
      int frame = 0;
      while (zmq_msg_more(&msg)) {
        zmq_msg_recv(&msg, s, 0);
        frame++;
      }
      if (!counting || frame != 3) continue;
      count++;
      if (latency) {
        const unsigned char *p = zmq_msg_data(&msg);
        size_t len = zmq_msg_size(&msg);
        uint64_t t = 0;
        for (int b = 0; b < 8; b++) t = (t << 8) | p[len - 16 + b];
        if (n_lat == cap) lat = realloc(lat, (cap *= 2) * sizeof *lat);
        lat[n_lat++] = (double)(now_ns() - t) / 1e6;
      }
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *ctx = zmq_ctx_new();
  if (strcmp(argv[1], "proxy") == 0 && argc == 4) {
    zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2);
    return run_proxy(ctx, argv[2], argv[3]);
  }
  if (strcmp(argv[1], "pub") == 0 && argc == 7) return run_pub(ctx, argv + 2);
  if (strcmp(argv[1], "sub") == 0 && argc == 5) return run_sub(ctx, argv + 2);
  fprintf(stderr, "usage: native proxy <xsub> <xpub> | pub <ep> <rate> <topic> <sender> <hex> | sub <ep> <topic> <0|1>\n");
  return 2;
}
