/*
 * The C floor of the paced-load benchmark (PacedMain runs it in the same rotation as the Java
 * receivers): a receiver in C that makes exactly the system calls one provider's loop makes, with
 * nothing else around them, at the same offered load from the same paced sender. The ratio of its
 * two modes is the most any selector provider can save at that load by choosing other system
 * calls; EdgeDrain's ratio against the JDK is read against it.
 *
 *   jdk-legacy  level-triggered epoll_wait, then one recvfrom per wakeup (the JDK's legacy loop:
 *               one receive() per select(); the next epoll_wait returns at once while data waits)
 *   jdk-drain   level-triggered epoll_wait, then recvfrom until EAGAIN (the JDK's drain loop)
 *   edgedrain   edge-triggered epoll_wait, then recvmmsg of 32 slots of 64 KiB with the
 *               SO_RXQ_OVFL control message, again only while a batch comes back full, and a copy
 *               of each datagram into a 2 KiB buffer (EdgeDrain's ring, for both loops: it serves
 *               the datagrams of one recvmmsg to later receive() calls without a system call)
 *
 * Receives on an IPv6 socket bound to ::ffff:127.0.0.1 (as the JDK's channels), SO_RCVBUF 4 MiB,
 * the sender's address taken, pinned to CPU. Prints the bound port on its first line, then, after
 * WARM seconds of warm-up and MEASURE seconds of measurement, one JSON object: datagrams received,
 * the thread's CPU time, epoll_wait and total system calls, and how often the thread slept
 * (voluntary context switches) in the measured window.
 *
 *   gcc -O2 -o paced-floor paced-floor.c && ./paced-floor MODE WARM MEASURE [CPU]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "floor-common.h"

enum mode { JDK_LEGACY, JDK_DRAIN, EDGEDRAIN };

static long long clock_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long voluntary_switches(void) {
    struct rusage u;
    getrusage(RUSAGE_THREAD, &u);
    return u.ru_nvcsw;
}

struct counts {
    long long received, epoll_waits, syscalls;
};

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s jdk-legacy|jdk-drain|edgedrain WARM MEASURE [CPU]\n", argv[0]);
        return 2;
    }
    enum mode mode = !strcmp(argv[1], "jdk-legacy") ? JDK_LEGACY
                   : !strcmp(argv[1], "jdk-drain") ? JDK_DRAIN
                   : !strcmp(argv[1], "edgedrain") ? EDGEDRAIN : -1;
    if ((int) mode < 0) {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    double warm = atof(argv[2]), measure = atof(argv[3]);
    if (argc > 4) {
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        CPU_SET(atoi(argv[4]), &cpus);
        if (sched_setaffinity(0, sizeof cpus, &cpus) < 0) perror("sched_setaffinity (not pinned)");
    }

    struct sockaddr_in6 local;
    int r = bound_receiver(&local), one = 1;
    if (mode == EDGEDRAIN) setsockopt(r, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | (mode == EDGEDRAIN ? EPOLLET : 0), .data.fd = r};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev) < 0) die("epoll");

    static struct ring ring;
    static char buffer[BUFFER];
    ring_init(&ring);
    printf("%d\n", ntohs(local.sin6_port));
    fflush(stdout);

    struct counts c = {0}, c0 = {0};
    long long cpu0 = 0;
    long sleeps0 = 0;
    long long start = clock_ns(CLOCK_MONOTONIC);
    long long warm_end = start + (long long) (warm * 1e9), end = warm_end + (long long) (measure * 1e9);
    int measuring = 0;
    for (;;) {
        long long now = clock_ns(CLOCK_MONOTONIC); /* once per wakeup, as PacedMain checks once per select */
        if (!measuring && now >= warm_end) {
            measuring = 1;
            c0 = c;
            cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
            sleeps0 = voluntary_switches();
        }
        if (now >= end) break;
        struct epoll_event e;
        int n = epoll_wait(ep, &e, 1, 50);
        c.epoll_waits++;
        c.syscalls++;
        if (n < 0 && errno != EINTR) die("epoll_wait");
        if (n <= 0) continue;
        if (mode == EDGEDRAIN) {
            int got;
            do {
                for (int i = 0; i < SLOTS; i++) {
                    ring.msgs[i].msg_hdr.msg_namelen = sizeof ring.from[i];
                    ring.msgs[i].msg_hdr.msg_controllen = sizeof ring.control[i];
                }
                got = recvmmsg(r, ring.msgs, SLOTS, MSG_DONTWAIT | MSG_TRUNC, NULL);
                c.syscalls++;
                for (int i = 0; i < got; i++) {
                    unsigned length = ring.msgs[i].msg_len < BUFFER ? ring.msgs[i].msg_len : BUFFER;
                    memcpy(buffer, ring.payload[i], length);
                }
                if (got > 0) c.received += got;
            } while (got == SLOTS);
        } else {
            ssize_t got;
            do {
                struct sockaddr_in6 sender;
                socklen_t sl = sizeof sender;
                got = recvfrom(r, buffer, BUFFER, 0, (struct sockaddr *) &sender, &sl);
                c.syscalls++;
                if (got >= 0) c.received++;
            } while (got >= 0 && mode == JDK_DRAIN);
        }
    }
    long long cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    long sleeps = voluntary_switches() - sleeps0;
    printf("{\"received\": %lld, \"seconds\": %.3f, \"threadCpuNs\": %lld, \"epollWaits\": %lld, \"syscalls\": %lld,"
           " \"sleeps\": %ld}\n", c.received - c0.received, (clock_ns(CLOCK_MONOTONIC) - warm_end) / 1e9, cpu,
           c.epoll_waits - c0.epoll_waits, c.syscalls - c0.syscalls, sleeps);
    return 0;
}
