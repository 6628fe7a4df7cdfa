/* The hardware seam: the few functions each platform (host, Cortex-M chip
 * family) implements. The protocol core (dut.c) uses nothing else. */
#ifndef TV_PLATFORM_H
#define TV_PLATFORM_H

#include <stdint.h>

/* plat_getc() timeout that never expires. */
#define PLAT_FOREVER UINT64_MAX
/* plat_getc() results besides a byte 0..255. */
#define PLAT_TIMEOUT (-1)
#define PLAT_EOF (-2)

void plat_init(void);
/* The next received byte, PLAT_TIMEOUT when none came for timeout_us
 * microseconds of the board's timer, PLAT_EOF when the input has ended (host). */
int plat_getc(uint64_t timeout_us);
void plat_putc(char c);
/* Pushes out buffered output (called at the end of every reply). */
void plat_flush(void);
/* The timer: monotonic, 64-bit, plat_timer_hz() ticks per second. */
uint64_t plat_ticks(void);
/* Ticks per second of the timer: TV_TIMER_HZ, or on a real board the core clock
 * the firmware reached at start-up (its reset clock if the PLL did not start). */
uint64_t plat_timer_hz(void);
/* Called right before a timed region: on emulated boards it restarts SysTick so
 * that its edges are in a fixed phase with the instructions that follow (the tick
 * count of a region is then exactly reproducible); elsewhere it does nothing.
 * plat_ticks() stays monotonic. */
void plat_timer_sync(void);
/* Ends the firmware with an exit code (QEMU: semihosting; host: exit; real
 * boards: stops in a loop). */
void plat_exit(int code);

/* Receiving while the program computes (double-buffered streaming, tv_stream.c).
 * plat_rx_start(handler, wanted): from now on each byte received is given to
 * handler() as it arrives -- from the UART's receive interrupt on a Cortex-M, from
 * a reader thread on the host board -- until handler() returns 0 (it returns how
 * many more bytes it wants; wanted is that count at the start). Later bytes wait
 * for plat_getc(). Returns 0, or -1 when this board has no receive interrupt.
 * plat_rx_stop(): ends it early (an error). plat_rx_wait(flag, timeout_us): waits
 * (asleep where the core can) until *flag is non-zero; 0, PLAT_TIMEOUT or
 * PLAT_EOF (the input ended). */
typedef uint32_t (*plat_rx_handler)(uint8_t byte);
int plat_rx_start(plat_rx_handler handler, uint32_t wanted);
void plat_rx_stop(void);
int plat_rx_wait(const volatile uint32_t *flag, uint64_t timeout_us);
/* A periodic interrupt calling fn() every period_ticks of the timer, from its
 * first period on (an emulated board's modelled link, tv_stream.c); returns 0, or
 * -1 when the board has no timer for it. */
int plat_periodic_start(uint64_t period_ticks, void (*fn)(void));
void plat_periodic_stop(void);

#endif
