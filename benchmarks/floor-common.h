/*
 * What the two C floors share (kernel-floor.c, receiver-bound; paced-floor.c, paced loads): the
 * receiving socket as the JDK's channels have it (IPv6, bound to ::ffff:127.0.0.1, SO_RCVBUF
 * 4 MiB), and EdgeDrain's receive ring, modelled: 32 slots of 64 KiB, each with the sender's
 * address and room for one control message.
 */
#ifndef FLOOR_COMMON_H
#define FLOOR_COMMON_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SLOTS 32
#define SLOT (64 * 1024) /* EdgeDrain's ring slot */
#define BUFFER 2048     /* the benchmarks' application buffer */

struct ring {
    struct mmsghdr msgs[SLOTS];
    struct iovec iov[SLOTS];
    struct sockaddr_in6 from[SLOTS];
    char control[SLOTS][CMSG_SPACE(sizeof(unsigned))];
    char payload[SLOTS][SLOT];
};

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* Points every slot's header at its payload, name and control space (msg_controllen stays 0). */
static void ring_init(struct ring *ring) {
    memset(ring->msgs, 0, sizeof ring->msgs);
    for (int i = 0; i < SLOTS; i++) {
        ring->iov[i].iov_base = ring->payload[i];
        ring->iov[i].iov_len = SLOT;
        ring->msgs[i].msg_hdr.msg_iov = &ring->iov[i];
        ring->msgs[i].msg_hdr.msg_iovlen = 1;
        ring->msgs[i].msg_hdr.msg_name = &ring->from[i];
        ring->msgs[i].msg_hdr.msg_control = ring->control[i];
    }
}

/* A non-blocking receiving socket bound to a free port; its address in `local`. */
static int bound_receiver(struct sockaddr_in6 *local) {
    int r = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (r < 0) die("socket");
    int size = 4 << 20;
    setsockopt(r, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    memset(local, 0, sizeof *local);
    local->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &local->sin6_addr);
    socklen_t len = sizeof *local;
    if (bind(r, (struct sockaddr *) local, len) < 0 || getsockname(r, (struct sockaddr *) local, &len) < 0) die("bind");
    return r;
}

#endif
