/*
 * cmicro: what the calls of the JMH CallCost benchmark cost when C makes them.
 * Each call runs 10,000,000 times between two clock_gettime(CLOCK_MONOTONIC) reads, three
 * times; the median of the three is printed as one JSON line per call:
 *   {"impl":"c","bench":"kill","iterations":10000000,"ns_per_call":...}
 * The calls go through a volatile function pointer so the compiler cannot drop or merge them.
 * Usage: cmicro [FILE]   (appends to FILE instead of printing)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ITERATIONS 10000000L
#define REPEATS 3

static pid_t self;
static int fd;
static FILE *out;

static long call_kill(void) { return kill(self, 0); }
static long call_getpid(void) { return syscall(SYS_getpid); }
static long call_fcntl(void) { return fcntl(fd, F_GETFD); }
static long call_labs(void) { return labs(-(long)self); }

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void measure(const char *name, long (*volatile fn)(void))
{
    double runs[REPEATS];
    long sink = 0;
    for (int r = 0; r < REPEATS; r++) {
        double t0 = now_ns();
        for (long i = 0; i < ITERATIONS; i++)
            sink += fn();
        runs[r] = (now_ns() - t0) / (double)ITERATIONS;
    }
    qsort(runs, REPEATS, sizeof runs[0], cmp);
    fprintf(out, "{\"impl\":\"c\",\"bench\":\"%s\",\"iterations\":%ld,\"ns_per_call\":%.2f,\"sink\":%ld}\n", name,
           ITERATIONS, runs[REPEATS / 2], sink & 1);
    fflush(out);
}

int main(int argc, char **argv)
{
    out = argc > 1 ? fopen(argv[1], "a") : stdout;
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    self = getpid();
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror("cmicro: /dev/null");
        return 1;
    }
    measure("kill", call_kill);
    measure("getpid", call_getpid);
    measure("fcntl", call_fcntl);
    measure("labs", call_labs);
    close(fd);
    return 0;
}
