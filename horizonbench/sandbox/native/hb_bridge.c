/* horizonbench's egress bridge: 127.0.0.1:PORT inside a container to the egress proxy's unix
 * socket. Built static on the host (see horizonbench/sandbox/native.py) and mounted into the
 * container, so it runs in any image, with no socat, python3 or libc of the image's.
 *
 * usage: hb-bridge UNIX_SOCKET PORT
 * One child per connection relays both ways until each side has closed. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, ssize_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, (size_t)n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        n -= w;
    }
    return 0;
}

static void relay(int client, const char *path) {
    int up = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (up < 0 || connect(up, (struct sockaddr *)&addr, sizeof addr) < 0) _exit(1);
    struct pollfd fds[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
    int open_in[2] = {1, 1}; /* client->up, up->client still flowing */
    char buf[65536];
    while (open_in[0] || open_in[1]) {
        fds[0].fd = open_in[0] ? client : -1;
        fds[1].fd = open_in[1] ? up : -1;
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (!open_in[i] || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int from = i == 0 ? client : up, to = i == 0 ? up : client;
            ssize_t n = read(from, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || write_all(to, buf, n) < 0) {
                open_in[i] = 0;
                shutdown(to, SHUT_WR);
            }
        }
    }
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s UNIX_SOCKET PORT\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[2]);
    if (port <= 0 || port > 65535 || strlen(argv[1]) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fprintf(stderr, "hb-bridge: bad port or socket path\n");
        return 2;
    }
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    signal(SIGPIPE, SIG_IGN);
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(srv, 64) < 0) {
        perror("hb-bridge: listen");
        return 1;
    }
    for (;;) {
        int c = accept(srv, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) continue;
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(srv);
            relay(c, argv[1]);
        }
        close(c);
    }
}
