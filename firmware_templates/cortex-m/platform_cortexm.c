/* Timer, input with timeout, receive interrupt and exit for {{ board.name }}.
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

static uint64_t ticks_of_us(uint64_t us)
{
    uint64_t hz = plat_timer_hz();
    return us * (hz / 1000000u) + (us * (hz % 1000000u)) / 1000000u;
}

/* ---- receiving by interrupt (double-buffered streaming) ------------------- */
{%- set rx_irq = family.uart_rx_irq %}
{%- if rx_irq is not none %}

/* NVIC: set-enable, clear-enable and clear-pending registers, 32 interrupts each. */
#define RX_IRQ {{ rx_irq }}u
#define NVIC_ISER (*(volatile uint32_t *)(0xE000E100u + 4u * (RX_IRQ / 32u)))
#define NVIC_ICER (*(volatile uint32_t *)(0xE000E180u + 4u * (RX_IRQ / 32u)))
#define NVIC_ICPR (*(volatile uint32_t *)(0xE000E280u + 4u * (RX_IRQ / 32u)))
#define RX_IRQ_BIT (1u << (RX_IRQ % 32u))

static plat_rx_handler rx_handler;
static volatile uint32_t rx_wanted;

static void rx_off(void)
{
    uart_rx_irq(0);
    NVIC_ICER = RX_IRQ_BIT;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    rx_wanted = 0u;
}

/* IRQ {{ rx_irq }}: every byte the UART holds goes to the handler; when it wants no
 * more, the interrupt goes off and later bytes stay for plat_getc(). */
void UART_RX_Handler(void)
{
    uart_rx_irq_ack();
    uint32_t wanted = rx_wanted;
    while (wanted != 0u && uart_rx_ready()) {
        wanted = rx_handler(uart_read());
    }
    rx_wanted = wanted;
    if (wanted == 0u) {
        rx_off();
    }
}

int plat_rx_start(plat_rx_handler handler, uint32_t wanted)
{
    if (wanted == 0u) {
        return 0;
    }
    __asm__ volatile("cpsid i" ::: "memory");
    rx_handler = handler;
    rx_wanted = wanted;
    NVIC_ICPR = RX_IRQ_BIT;
    NVIC_ISER = RX_IRQ_BIT;
    uart_rx_irq(1);
    UART_RX_Handler(); /* a byte that came before the interrupt was on raised none */
    __asm__ volatile("cpsie i" ::: "memory");
    return 0;
}

void plat_rx_stop(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
    rx_off();
    __asm__ volatile("cpsie i" ::: "memory");
}
{%- else %}

/* {{ board.serial.driver }} at {{ board.serial.base | hex32 }}: its receive interrupt is not known to
 * tinyvid (the family's uart_rx_irqs), so the board receives by polling only. */
int plat_rx_start(plat_rx_handler handler, uint32_t wanted)
{
    (void)handler;
    (void)wanted;
    return -1;
}

void plat_rx_stop(void) {}
{%- endif %}

/* ---- a periodic interrupt: the modelled link of an emulated board ---------- */
{%- set link = family.link_timer %}
{%- if link %}

/* CMSDK APB timer at {{ link.base | hex32 }} (IRQ {{ link.irq }}): CTRL +0x00 (bit 0 enable, bit 3
 * interrupt), RELOAD +0x08, INTCLEAR +0x0C; it counts the same clock as SysTick. */
#define LINK_TIMER(offset) (*(volatile uint32_t *)({{ link.base | hex32 }}u + (offset)))
#define LINK_IRQ {{ link.irq }}u
#define LINK_NVIC(offset) (*(volatile uint32_t *)(0xE000E000u + (offset) + 4u * (LINK_IRQ / 32u)))
#define LINK_IRQ_BIT (1u << (LINK_IRQ % 32u))

static void (*periodic_fn)(void);
static volatile int periodic_on;
static uint32_t link_counts_q16; /* timer counts per plat_ticks() tick, 16.16 fixed point; 0: unmeasured */
static volatile uint32_t link_irqs;
static volatile uint64_t link_irq_ticks[2];

/* The timer's counts per tick of plat_ticks(), from the time 16 of its interrupts
 * take: QEMU's machine need not interrupt at the rate its SysTick counts. */
static void link_calibrate(void)
{
    const uint32_t counts = 1024u;
    link_irqs = 0u;
    LINK_TIMER(0x00u) = 0u;
    LINK_TIMER(0x04u) = counts - 1u;
    LINK_TIMER(0x08u) = counts - 1u;
    LINK_TIMER(0x0Cu) = 1u;
    LINK_NVIC(0x280u) = LINK_IRQ_BIT;
    LINK_NVIC(0x100u) = LINK_IRQ_BIT;
    LINK_TIMER(0x00u) = 0x9u;
    uint64_t t0 = plat_ticks();
    while (link_irqs < 18u && plat_ticks() - t0 < 64u * 18u * counts) {
    }
    LINK_TIMER(0x00u) = 0u;
    LINK_NVIC(0x180u) = LINK_IRQ_BIT;
    uint64_t span = link_irq_ticks[1] - link_irq_ticks[0];
    link_counts_q16 = link_irqs >= 18u && span ? (uint32_t)(((uint64_t)16u * counts << 16) / span) : 0x10000u;
}

void Link_Timer_Handler(void)
{
    LINK_TIMER(0x0Cu) = 1u;
    if (periodic_on) {
        periodic_fn();
    } else {
        uint32_t k = link_irqs + 1u; /* the interrupts of link_calibrate() */
        if (k == 1u || k == 17u) {
            link_irq_ticks[k == 17u] = plat_ticks();
        }
        link_irqs = k;
    }
}

int plat_periodic_start(uint64_t period_ticks, void (*fn)(void))
{
    if (link_counts_q16 == 0u) {
        link_calibrate();
    }
    uint64_t counts = (period_ticks * link_counts_q16 + 0x8000u) >> 16;
    if (counts < 2u || counts > 0xFFFFFFFFu) {
        return -1;
    }
    periodic_fn = fn;
    LINK_TIMER(0x00u) = 0u;
    LINK_TIMER(0x04u) = (uint32_t)counts - 1u; /* VALUE: the first period */
    LINK_TIMER(0x08u) = (uint32_t)counts - 1u; /* RELOAD: the next ones */
    LINK_TIMER(0x0Cu) = 1u;
    LINK_NVIC(0x280u) = LINK_IRQ_BIT; /* clear pending, enable */
    LINK_NVIC(0x100u) = LINK_IRQ_BIT;
    periodic_on = 1;
    LINK_TIMER(0x00u) = 0x9u;
    return 0;
}

void plat_periodic_stop(void)
{
    LINK_TIMER(0x00u) = 0u;
    LINK_TIMER(0x0Cu) = 1u;
    LINK_NVIC(0x180u) = LINK_IRQ_BIT;
    LINK_NVIC(0x280u) = LINK_IRQ_BIT;
    periodic_on = 0;
}
{%- else %}

int plat_periodic_start(uint64_t period_ticks, void (*fn)(void))
{
    (void)period_ticks;
    (void)fn;
    return -1; /* no timer for a modelled link on this board */
}

void plat_periodic_stop(void) {}
{%- endif %}

int plat_rx_wait(const volatile uint32_t *flag, uint64_t timeout_us)
{
    uint64_t start = plat_ticks();
    uint64_t limit = ticks_of_us(timeout_us);
    for (uint32_t spin = 0;; ++spin) {
        /* checked with interrupts masked, so that one arriving between the check
         * and the WFI still wakes it (and is taken right after) */
        __asm__ volatile("cpsid i" ::: "memory");
        if (*flag != 0u) {
            __asm__ volatile("cpsie i" ::: "memory");
            return 0;
        }
        /* the timer now and then only: reading it is slow under QEMU */
        if ((spin & 255u) == 0u && plat_ticks() - start > limit) {
            __asm__ volatile("cpsie i" ::: "memory");
            return PLAT_TIMEOUT;
        }
{%- if board.emulated %}
        /* No WFI under QEMU: with -icount sleep=off its clock leaps over an idle
         * core (a timeout would pass at once, and the link timer's interrupts
         * come every other period). Bytes from QEMU's UART are waited for by
         * polling the UART as plat_getc() does, which paces QEMU's clock. */
        __asm__ volatile("cpsie i" ::: "memory");
{%- if link %}
        if (!periodic_on) {
            (void)uart_rx_ready();
        }
{%- else %}
        (void)uart_rx_ready();
{%- endif %}
{%- else %}
        __asm__ volatile("wfi" ::: "memory"); /* SysTick wakes it at least every 2^24 ticks */
        __asm__ volatile("cpsie i\n\tisb" ::: "memory");
{%- endif %}
    }
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
