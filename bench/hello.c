/*
 * Baseline for scripts/bench: a libfcgi "hello" app shaped like the Swift pool.
 *
 * One parent opens the FastCGI unix socket once (FCGX_OpenSocket), then forks
 * PROCS children BEFORE any thread exists (fork without exec is fine in C as
 * long as no threads exist yet); each child runs THREADS threads calling
 * FCGX_Accept_r on the shared socket, with no accept mutex (as the pool does).
 *
 *   cc -O2 -pthread -o hello bench/hello.c -lfcgi
 *   ./hello /path/to/sock [PROCS=2] [THREADS=4]
 *
 * PROCS=0 serves in this one process (THREADS threads, no fork) until a signal
 * ends it: for scripts/bench --profile, where callgrind_control can reach only
 * the process valgrind started, not a forked child.
 *
 * With HELLO_DUMP=1 in the environment it answers with the FastCGI params it
 * received (one NAME=value per line); scripts use that to check nginx/portal.conf
 * without the Swift binary. SIGTERM/SIGINT to the parent stops the children,
 * removes the socket and exits 0.
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int listen_fd = -1;
static int dump = 0;
static const char hello[] =
    "Status: 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, world\n";

static void *serve(void *arg) {
    (void)arg;
    FCGX_Request *req = calloc(1, sizeof(FCGX_Request)); /* stable heap address */
    if (req == NULL || FCGX_InitRequest(req, listen_fd, 0) != 0) {
        return NULL;
    }
    while (FCGX_Accept_r(req) >= 0) {
        if (dump) {
            FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n", req->out);
            for (char **p = req->envp; p != NULL && *p != NULL; p++) {
                FCGX_PutS(*p, req->out);
                FCGX_PutS("\n", req->out);
            }
        } else {
            FCGX_PutStr(hello, (int)sizeof(hello) - 1, req->out);
        }
        FCGX_Finish_r(req);
    }
    return NULL;
}

static volatile sig_atomic_t stop = 0;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET [PROCS] [THREADS]\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int procs = argc > 2 ? atoi(argv[2]) : 2;
    int threads = argc > 3 ? atoi(argv[3]) : 4;
    int in_process = argc > 2 && procs == 0;
    if (procs < 1) procs = 1;
    if (threads < 1) threads = 1;
    dump = getenv("HELLO_DUMP") != NULL && strcmp(getenv("HELLO_DUMP"), "1") == 0;

    if (FCGX_Init() != 0) {
        fprintf(stderr, "hello: FCGX_Init failed\n");
        return 1;
    }
    listen_fd = FCGX_OpenSocket(path, 1024);
    if (listen_fd < 0) {
        fprintf(stderr, "hello: cannot open socket %s\n", path);
        return 1;
    }

    if (in_process) {
        fprintf(stderr, "hello: pid %d serving %s in-process with %d threads\n", (int)getpid(), path, threads);
        pthread_t *tids = calloc((size_t)threads, sizeof(pthread_t));
        for (int t = 0; t < threads; t++) {
            pthread_create(&tids[t], NULL, serve, NULL);
        }
        for (int t = 0; t < threads; t++) {
            pthread_join(tids[t], NULL);
        }
        return 0;
    }

    pid_t *children = calloc((size_t)procs, sizeof(pid_t));
    for (int i = 0; i < procs; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("hello: fork");
            return 1;
        }
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            pthread_t *tids = calloc((size_t)threads, sizeof(pthread_t));
            for (int t = 0; t < threads; t++) {
                pthread_create(&tids[t], NULL, serve, NULL);
            }
            for (int t = 0; t < threads; t++) {
                pthread_join(tids[t], NULL);
            }
            _exit(0);
        }
        children[i] = pid;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fprintf(stderr, "hello: pid %d serving %s with %d processes x %d threads\n",
            (int)getpid(), path, procs, threads);

    int alive = procs;
    while (!stop && alive > 0) {
        if (waitpid(-1, NULL, 0) > 0) {
            alive--;
        }
    }
    for (int i = 0; i < procs; i++) {
        kill(children[i], SIGKILL);
    }
    while (waitpid(-1, NULL, 0) > 0) {
    }
    unlink(path);
    return 0;
}
