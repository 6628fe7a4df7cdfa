/* The core clock of {{ board.name }}. */
#ifndef TV_CLOCK_H
#define TV_CLOCK_H

#include <stdint.h>

/* Sets the core clock up; returns the core clock reached, in Hz, and stores the
 * clock of the board's UART in *uart_clock_hz. */
uint32_t clock_init(uint32_t *uart_clock_hz);

#endif
