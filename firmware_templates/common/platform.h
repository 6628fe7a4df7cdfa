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

#endif
