/*
 * The kernel's floor for the datagram benchmarks, measured in C on the same machine in the same
 * run (benchmarks/run.sh compiles and runs it): the receiver's nanoseconds per datagram over a
 * queue of 2,000 datagrams filled before each timed round (as DatagramQueuedBenchmark does), with
 *   epoll+recvfrom  one epoll_wait and one recvfrom per datagram (what the JDK's legacy loop does)
 *   recvfrom        one recvfrom per datagram (the JDK's drain loop, without the selector)
 *   recvmmsg32      recvmmsg of 32 at a time (what EdgeDrain's ring does, into 64 KiB slots too)
 * each round stopping at the 2,000th datagram, as the JMH loops do. An IPv6 socket receives
 * from 127.0.0.1 (IPv4-mapped, like the JDK's channels) into a 2 KiB buffer (recvfrom) or the
 * ring, the sender's address taken. Prints one JSON object per line.
 *
 * With --serve it runs one round per line read from standard input ("LOOP PAYLOAD", LOOP one of
 * the three names above) and answers with the round's CPU nanoseconds per datagram (the thread's
 * CPU time, as InterleavedMain measures the Java loops), so that the C rounds can be interleaved
 * with the Java ones and a ceiling measured seconds apart from a ratio stops counting as one.
 *
 *   gcc -O2 -o kernel-floor kernel-floor.c && ./kernel-floor [rounds]
 *   ./kernel-floor --serve
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "floor-common.h"

#define QUEUED 2000

static double clock_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static const char *names[] = {"epoll+recvfrom", "recvfrom", "recvmmsg32"};

/* The receiver, its sender and the ring, set up once. */
static int r, s, ep;
static struct ring ring;
static char buffer[BUFFER];

static void set_up(void) {
    struct sockaddr_in6 local;
    r = bound_receiver(&local);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) die("socket");
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = local.sin6_port};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *) &to, sizeof to) < 0) die("connect");
    ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = r};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev) < 0) die("epoll_ctl");
    ring_init(&ring);
}

/* One round: queue QUEUED datagrams, then receive them all; nanoseconds per datagram on `clock`. */
static double round_ns(int mode, int payload, clockid_t clock) {
    static char data[1500];
    for (int i = 0; i < QUEUED; i++) {
        if (send(s, data, payload, 0) < 0) die("send");
    }
    double t0 = clock_ns(clock);
    int got = 0;
    while (got < QUEUED) {
        if (mode == 0) {
            struct epoll_event e;
            if (epoll_wait(ep, &e, 1, -1) < 0) die("epoll_wait");
        }
        if (mode < 2) {
            struct sockaddr_in6 sender;
            socklen_t sl = sizeof sender;
            if (recvfrom(r, buffer, BUFFER, 0, (struct sockaddr *) &sender, &sl) > 0) got++;
        } else {
            for (int i = 0; i < SLOTS; i++) ring.msgs[i].msg_hdr.msg_namelen = sizeof ring.from[i];
            int n = recvmmsg(r, ring.msgs, SLOTS, MSG_DONTWAIT, NULL);
            if (n > 0) got += n;
        }
    }
    return (clock_ns(clock) - t0) / QUEUED;
}

static int mode_of(const char *name) {
    for (int mode = 0; mode < 3; mode++) {
        if (!strcmp(name, names[mode])) return mode;
    }
    return -1;
}

int main(int argc, char **argv) {
    set_up();
    if (argc > 1 && !strcmp(argv[1], "--serve")) {
        char name[32];
        int payload;
        while (scanf("%31s %d", name, &payload) == 2) {
            int mode = mode_of(name);
            if (mode < 0 || payload < 1 || payload > 1500) {
                fprintf(stderr, "bad request: %s %d\n", name, payload);
                return 2;
            }
            printf("%.1f\n", round_ns(mode, payload, CLOCK_THREAD_CPUTIME_ID));
            fflush(stdout);
        }
        return 0;
    }
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    int payloads[] = {64, 1400};
    for (int p = 0; p < 2; p++) {
        for (int mode = 0; mode < 3; mode++) {
            double total = 0;
            long count = 0;
            for (int round = 0; round < rounds; round++) {
                double ns = round_ns(mode, payloads[p], CLOCK_MONOTONIC);
                if (round >= rounds / 5) { /* the first fifth warms up */
                    total += ns * QUEUED;
                    count += QUEUED;
                }
            }
            printf("{\"payload\": %d, \"loop\": \"%s\", \"nsPerDatagram\": %.0f}\n", payloads[p], names[mode], total / count);
            fflush(stdout);
        }
    }
    return 0;
}
