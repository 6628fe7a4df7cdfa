/* The host platform: the UART is stdin/stdout, the timer is the monotonic clock
 * in nanoseconds. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

static char out_buf[4096];
static size_t out_len;

void plat_init(void) {}

void plat_flush(void)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(STDOUT_FILENO, out_buf + done, out_len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            _exit(0); /* the host has gone: nobody to answer */
        }
        done += (size_t)n;
    }
    out_len = 0;
}

void plat_putc(char c)
{
    if (out_len == sizeof out_buf) {
        plat_flush();
    }
    out_buf[out_len++] = c;
}

int plat_getc(uint64_t timeout_us)
{
    plat_flush();
    if (timeout_us != PLAT_FOREVER) {
        struct pollfd fd = {STDIN_FILENO, POLLIN, 0};
        uint64_t ms = timeout_us / 1000u;
        int ready;
        do {
            ready = poll(&fd, 1, ms > 2147483647u ? 2147483647 : (int)ms);
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
            return PLAT_TIMEOUT;
        }
    }
    unsigned char c;
    ssize_t n;
    do {
        n = read(STDIN_FILENO, &c, 1);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? (int)c : PLAT_EOF;
}

uint64_t plat_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void plat_timer_sync(void) {}

uint64_t plat_timer_hz(void) { return 1000000000u; }

void plat_exit(int code)
{
    plat_flush();
    exit(code);
}
