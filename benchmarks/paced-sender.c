/*
 * A paced UDP sender for the paced-load benchmark (benchmarks/paced.sh, PacedMain): sends
 * datagrams of PAYLOAD bytes to 127.0.0.1:PORT at RATE datagrams per second for SECONDS, pinned to
 * CPU, so that the receiver under test (pinned to the other CPU) wakes up for a few datagrams at a
 * time, as a server below saturation does.
 *
 * A timer ticks every 100 us (clock_nanosleep on absolute deadlines, 1 ns timer slack); at each
 * tick the sender sends, with sendmmsg, as many datagrams as the rate owes it since the start (so a
 * late tick is made up by the next one: the average rate is exact), at most 64 per call. At 20k/s
 * that is about 2 datagrams per tick, at 300k/s about 30.
 *
 * Prints one line at the end: "sent N in S s: R/s".
 *
 *   gcc -O2 -o paced-sender paced-sender.c && ./paced-sender PORT RATE PAYLOAD SECONDS [CPU]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 100000L
#define MAX_BATCH 64

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s PORT RATE PAYLOAD SECONDS [CPU]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    double rate = atof(argv[2]);
    int payload = atoi(argv[3]);
    double seconds = atof(argv[4]);
    if (argc > 5) {
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        CPU_SET(atoi(argv[5]), &cpus);
        if (sched_setaffinity(0, sizeof cpus, &cpus) < 0) perror("sched_setaffinity (not pinned)");
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    if (payload < 1 || payload > 65507 || rate <= 0) {
        fprintf(stderr, "bad payload or rate\n");
        return 2;
    }

    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) { perror("socket"); return 1; }
    int size = 4 << 20;
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *) &to, sizeof to) < 0) { perror("connect"); return 1; }

    static char data[65507];
    memset(data, 7, sizeof data);
    struct iovec iov = {.iov_base = data, .iov_len = payload};
    struct mmsghdr msgs[MAX_BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < MAX_BATCH; i++) {
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    long long start = now_ns();
    long long end = start + (long long) (seconds * 1e9);
    long long sent = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        long long t = now_ns();
        if (t >= end) break;
        long long owed = (long long) ((t - start) * rate / 1e9) - sent;
        while (owed > 0 && now_ns() < end) { /* a sender that cannot keep up stops on time */
            int batch = owed > MAX_BATCH ? MAX_BATCH : (int) owed;
            int n = sendmmsg(s, msgs, batch, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == ECONNREFUSED) continue; /* the receiver is not bound yet or already gone */
                perror("sendmmsg");
                return 1;
            }
            sent += n;
            owed -= n;
        }
        next.tv_nsec += TICK_NS;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    double elapsed = (now_ns() - start) / 1e9;
    printf("sent %lld in %.3f s: %.0f/s\n", sent, elapsed, sent / elapsed);
    return 0;
}
