/*
 * Benchmark anchor: a bare libzmq zmq_proxy between an XSUB and an XPUB, no options besides
 * ZMQ_IO_THREADS = 2 (as the hub and Zeek's own hub use). Built by hub.bench.ts when a C
 * compiler and libzmq headers are present. Usage: anchor-proxy <xsub endpoint> <xpub endpoint>
 */
#include <stdio.h>
#include <zmq.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <xsub endpoint> <xpub endpoint>\n", argv[0]);
    return 2;
  }
  void *ctx = zmq_ctx_new();
  zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2);
  void *xsub = zmq_socket(ctx, ZMQ_XSUB);
  void *xpub = zmq_socket(ctx, ZMQ_XPUB);
  if (zmq_bind(xpub, argv[2]) != 0 || zmq_bind(xsub, argv[1]) != 0) {
    fprintf(stderr, "bind failed: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  zmq_proxy(xsub, xpub, NULL); /* runs until the process is killed */
  return 0;
}
