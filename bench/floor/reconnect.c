// The kernel's share of a reconnect storm on loopback, with nothing else: N clients (core 1)
// connect and exchange a request and an answer; then each closes and connects again, sending
// a REQ-byte request (about a WebSocket upgrade with a resume) and reading a RESP-byte answer
// (about the 101, `ready` and a short replay). The server (core 0) is a bare epoll loop:
// accept, read, write, read the end, close. Prints the server's CPU per reconnect: the least
// any server pays here for the sockets alone.
//
//   reconnect N
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { REQ = 300, RESP = 1200 };
static struct sockaddr_in server = {.sin_family = AF_INET};
static int one = 1;

static double seconds(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }
static void fail(const char *what) { perror(what); exit(1); }

static void pin(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (sched_setaffinity(0, sizeof set, &set)) fail("sched_setaffinity");
}

// Connects from 127.0.0.2 to 127.0.0.31 in turn, sends the request and reads the whole answer.
static int dial(int i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + i % 30)};
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, (void *)&src, sizeof src) || connect(fd, (void *)&server, sizeof server)) fail("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[4096];
    memset(buf, 'r', REQ);
    if (write(fd, buf, REQ) != REQ) fail("write");
    for (int got = 0; got < RESP;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) fail("read");
        got += r;
    }
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: reconnect N\n"); return 2; }
    int n = atoi(argv[1]);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t len = sizeof server;
    if (bind(ls, (void *)&server, sizeof server) || listen(ls, 4096) ||
        getsockname(ls, (void *)&server, &len)) fail("listen");
    fcntl(ls, F_SETFL, O_NONBLOCK);
    int told[2], go[2];
    if (pipe(told) || pipe(go)) fail("pipe");
    pid_t clients = fork();
    if (clients == 0) {
        pin(1);
        int *fds = malloc(n * sizeof(int));
        for (int i = 0; i < n; i++) fds[i] = dial(i);
        char c;
        if (write(told[1], "c", 1) != 1 || read(go[0], &c, 1) != 1) fail("pipe");
        for (int i = 0; i < n; i++) close(fds[i]);
        for (int i = 0; i < n; i++) fds[i] = dial(i);
        if (write(told[1], "d", 1) != 1) fail("pipe");
        pause();
    }
    pin(0);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &e);
    e.data.fd = told[0];
    epoll_ctl(ep, EPOLL_CTL_ADD, told[0], &e);
    static char answer[RESP], buf[4096];
    memset(answer, 'a', RESP);
    struct rusage before, after;
    struct timespec t0, t1;
    for (;;) {
        struct epoll_event ready[512];
        int k = epoll_wait(ep, ready, 512, -1);
        for (int j = 0; j < k; j++) {
            int fd = ready[j].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, 0, 0, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
            } else if (fd == told[0]) {
                char c;
                if (read(fd, &c, 1) != 1) fail("pipe");
                if (c == 'c') {
                    getrusage(RUSAGE_SELF, &before);
                    clock_gettime(CLOCK_MONOTONIC, &t0);
                    if (write(go[1], "g", 1) != 1) fail("pipe");
                } else {
                    clock_gettime(CLOCK_MONOTONIC, &t1);
                    getrusage(RUSAGE_SELF, &after);
                    kill(clients, SIGKILL);
                    double us = 1e6 / n;
                    printf("reconnect: %d clients: %.1f us server CPU per reconnect (user %.1f, system %.1f); "
                           "all back in %.2f s, one client at a time\n", n,
                           (seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime)) * us,
                           (seconds(after.ru_utime) - seconds(before.ru_utime)) * us,
                           (seconds(after.ru_stime) - seconds(before.ru_stime)) * us,
                           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
                    return 0;
                }
            } else {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r > 0) {
                    if (write(fd, answer, RESP) != RESP) fail("write");
                } else {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
                    close(fd);
                }
            }
        }
    }
}
