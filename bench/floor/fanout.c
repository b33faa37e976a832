// The kernel's share of fan-out on loopback, with nothing else: one process (core 0) sends a
// FRAME-byte buffer to each of N TCP sockets in turn, ROUNDS times, one send() each; another
// (core 1) drains them. On loopback the sender's send() also does the receiving socket's TCP
// work, as it does for a chat server whose clients are on the same machine. Prints the sender's
// CPU per send: the least any server pays per delivery here, whatever its language.
//
//   fanout N ROUNDS FRAME
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static double seconds(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }

static void pin(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (sched_setaffinity(0, sizeof set, &set)) { perror("sched_setaffinity"); exit(1); }
}

static void fail(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: fanout N ROUNDS FRAME\n"); return 2; }
    int n = atoi(argv[1]), rounds = atoi(argv[2]), frame = atoi(argv[3]), one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in server = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof server;
    if (bind(ls, (void *)&server, sizeof server) || listen(ls, 4096) ||
        getsockname(ls, (void *)&server, &len)) fail("listen");
    pid_t drainer = fork();
    if (drainer == 0) {
        pin(1);
        int ep = epoll_create1(0);
        for (int i = 0; i < n; i++) {
            // From 127.0.0.2 to 127.0.0.31 in turn, so one address's ports are never short.
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + i % 30)};
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            if (bind(fd, (void *)&src, sizeof src) || connect(fd, (void *)&server, sizeof server)) fail("connect");
            fcntl(fd, F_SETFL, O_NONBLOCK);
            struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        }
        long want = (long)n * rounds * frame, got = 0;
        static char buf[65536];
        struct epoll_event ready[512];
        while (got < want) {
            int k = epoll_wait(ep, ready, 512, 10000);
            if (k <= 0) break;
            for (int j = 0; j < k; j++) {
                ssize_t r;
                while ((r = read(ready[j].data.fd, buf, sizeof buf)) > 0) got += r;
            }
        }
        _exit(got == want ? 0 : 3);
    }
    pin(0);
    int *conns = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) {
        if ((conns[i] = accept(ls, 0, 0)) < 0) fail("accept");
        setsockopt(conns[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char *buf = malloc(frame);
    memset(buf, 'x', frame);
    struct rusage before, after;
    struct timespec t0, t1;
    getrusage(RUSAGE_SELF, &before);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < n; i++)
            if (send(conns[i], buf, frame, 0) != frame) fail("send");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &after);
    int status;
    waitpid(drainer, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "the drainer did not get every byte\n"); return 1; }
    double sends = (double)n * rounds, us = 1e6 / sends;
    printf("fanout: %d sockets, %d rounds of %d bytes: %.2f us CPU per send (user %.2f, system %.2f), %.2f us wall\n",
           n, rounds, frame,
           (seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime)) * us,
           (seconds(after.ru_utime) - seconds(before.ru_utime)) * us,
           (seconds(after.ru_stime) - seconds(before.ru_stime)) * us,
           ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9) * us);
    return 0;
}
