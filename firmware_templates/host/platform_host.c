/* The host platform: the UART is stdin/stdout, the timer is the monotonic clock
 * in nanoseconds; a reader thread stands in for the receive interrupt. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <pthread.h>
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

/* ---- receiving while the program computes: a reader thread --------------- */

static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rx_cond = PTHREAD_COND_INITIALIZER;
static pthread_t rx_thread;
static int rx_running, rx_eof;
static plat_rx_handler rx_handler;
static uint32_t rx_wanted; /* under rx_lock */

/* Reads no byte past the last one wanted, so that the next command stays in
 * stdin for plat_getc(); polls so that plat_rx_stop() ends it within 20 ms. */
static void *rx_reader(void *arg)
{
    (void)arg;
    unsigned char buf[4096];
    for (;;) {
        pthread_mutex_lock(&rx_lock);
        uint32_t wanted = rx_wanted;
        pthread_mutex_unlock(&rx_lock);
        if (wanted == 0u) {
            return NULL;
        }
        struct pollfd fd = {STDIN_FILENO, POLLIN, 0};
        int ready = poll(&fd, 1, 20);
        if (ready == 0 || (ready < 0 && errno == EINTR)) {
            continue;
        }
        ssize_t n = ready < 0 ? -1 : read(STDIN_FILENO, buf, wanted < sizeof buf ? wanted : sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        pthread_mutex_lock(&rx_lock);
        if (n <= 0) {
            rx_eof = 1;
            rx_wanted = 0u;
        }
        for (ssize_t i = 0; i < n && rx_wanted != 0u; ++i) {
            rx_wanted = rx_handler(buf[i]);
        }
        pthread_cond_broadcast(&rx_cond);
        pthread_mutex_unlock(&rx_lock);
    }
}

static void rx_join(void)
{
    if (rx_running) {
        pthread_join(rx_thread, NULL);
        rx_running = 0;
    }
}

int plat_rx_start(plat_rx_handler handler, uint32_t wanted)
{
    rx_join();
    plat_flush();
    if (wanted == 0u) {
        return 0;
    }
    rx_handler = handler;
    rx_wanted = wanted;
    rx_eof = 0;
    if (pthread_create(&rx_thread, NULL, rx_reader, NULL) != 0) {
        rx_wanted = 0u;
        return -1;
    }
    rx_running = 1;
    return 0;
}

void plat_rx_stop(void)
{
    pthread_mutex_lock(&rx_lock);
    rx_wanted = 0u;
    pthread_mutex_unlock(&rx_lock);
    rx_join();
}

int plat_rx_wait(const volatile uint32_t *flag, uint64_t timeout_us)
{
    plat_flush();
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    uint64_t ns = (uint64_t)deadline.tv_nsec + (timeout_us % 1000000u) * 1000u;
    deadline.tv_sec += (time_t)(timeout_us / 1000000u + ns / 1000000000u);
    deadline.tv_nsec = (long)(ns % 1000000000u);
    int result = 0;
    pthread_mutex_lock(&rx_lock);
    while (*flag == 0u) {
        if (rx_eof) {
            result = PLAT_EOF;
            break;
        }
        if (pthread_cond_timedwait(&rx_cond, &rx_lock, &deadline) == ETIMEDOUT && *flag == 0u) {
            result = PLAT_TIMEOUT;
            break;
        }
    }
    pthread_mutex_unlock(&rx_lock);
    return result;
}

/* The host board streams over its real pipe; it has no modelled link. */
int plat_periodic_start(uint64_t period_ticks, void (*fn)(void))
{
    (void)period_ticks;
    (void)fn;
    return -1;
}

void plat_periodic_stop(void) {}

int plat_getc(uint64_t timeout_us)
{
    rx_join(); /* stdin is the reader thread's until it has read its last byte */
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
