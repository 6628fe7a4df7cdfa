/* Timer, input with timeout and exit for {{ board.name }}.
 * Timer: {{ board.timer.kind }} at {{ board.timer.hz }} Hz, 64 bits wide (the SysTick interrupt
 * extends it). */
#include <stdint.h>

#include "platform.h"
#include "tv_config.h"
#include "clock.h"
#include "uart.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSTCLR (1u << 25)
#define SYSTICK_PERIOD (1u << 24)
{%- if board.timer.kind == "dwt" %}
#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)

/* CYCCNT (32 bits) extended to 64: the SysTick interrupt runs far more often than
 * CYCCNT wraps, and notes each wrap. */
static volatile uint32_t cycles_high;
static volatile uint32_t cycles_last;

void SysTick_Handler(void)
{
    uint32_t now = DWT_CYCCNT;
    if (now < cycles_last) {
        cycles_high = cycles_high + 1u;
    }
    cycles_last = now;
}

uint64_t plat_ticks(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    uint32_t now = DWT_CYCCNT;
    uint32_t high = cycles_high;
    if (now < cycles_last) {
        high += 1u; /* wrapped since the last interrupt */
    }
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return ((uint64_t)high << 32) | now;
}

static void timer_init(void)
{
    DEMCR |= 1u << 24; /* TRCENA */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= 1u;    /* CYCCNTENA */
}
{%- else %}

/* SysTick counts down from 2^24 - 1 at the core clock; each wrap adds 2^24. */
static volatile uint64_t systick_base;

void SysTick_Handler(void)
{
    systick_base = systick_base + SYSTICK_PERIOD;
}

uint64_t plat_ticks(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    uint64_t base = systick_base;
    uint32_t value = SYST_CVR;
    if (SCB_ICSR & ICSR_PENDSTSET) { /* wrapped, interrupt not yet taken */
        value = SYST_CVR;
        base += SYSTICK_PERIOD;
    }
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return base + (SYSTICK_PERIOD - 1u - value);
}

static void timer_init(void) {}
{%- endif %}

void plat_timer_sync(void)
{
{%- if board.emulated and board.timer.kind == "systick" %}
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    uint64_t now = plat_ticks();
    SYST_CVR = 0u;             /* restart: reads 0 until the next edge, then reloads */
    SCB_ICSR = ICSR_PENDSTCLR; /* a wrap just before the restart is already in now */
    while (SYST_CVR == 0u) {
    }
    systick_base = now;
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
{%- endif %}
}

static uint32_t core_hz = {{ board.clock_hz }}u;

uint64_t plat_timer_hz(void)
{
{%- if board.timer.kind == "dwt" %}
    return core_hz; /* DWT counts core cycles */
{%- else %}
    return TV_TIMER_HZ;
{%- endif %}
}

void plat_init(void)
{
    uint32_t uart_hz = 0;
    core_hz = clock_init(&uart_hz);
    timer_init();
    SYST_RVR = SYSTICK_PERIOD - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
    uart_init(uart_hz);
}

int plat_getc(uint64_t timeout_us)
{
    if (timeout_us == PLAT_FOREVER) {
        while (!uart_rx_ready()) {
        }
        return uart_read();
    }
    uint64_t start = plat_ticks();
    uint64_t hz = plat_timer_hz();
    uint64_t limit = timeout_us * (hz / 1000000u) + (timeout_us * (hz % 1000000u)) / 1000000u;
    while (!uart_rx_ready()) {
        if (plat_ticks() - start > limit) {
            return PLAT_TIMEOUT;
        }
    }
    return uart_read();
}

void plat_putc(char c)
{
    uart_write((uint8_t)c);
}

void plat_flush(void) {}

void plat_exit(int code)
{
{%- if board.emulated %}
    /* Semihosting SYS_EXIT_EXTENDED: QEMU (-semihosting-config enable=on) exits
     * with the code. */
    volatile uint32_t block[2] = {0x20026u, (uint32_t)code};
    register uint32_t r0 __asm__("r0") = 0x20u;
    register volatile uint32_t *r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
{%- else %}
    (void)code; /* a real board has nowhere to return to */
{%- endif %}
    for (;;) {
    }
}
