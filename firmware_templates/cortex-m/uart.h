/* The UART of {{ board.name }}: {{ board.serial.driver }} at {{ board.serial.base | hex32 }}. */
#ifndef TV_UART_H
#define TV_UART_H

#include <stdint.h>

/* uart_clock_hz: the clock of the UART, for its baud-rate divider. */
void uart_init(uint32_t uart_clock_hz);
int uart_rx_ready(void);
uint8_t uart_read(void);
void uart_write(uint8_t byte);
/* The receive interrupt on (1) or off (0); uart_rx_irq_ack() is called first in
 * its handler, before the received bytes are read. */
void uart_rx_irq(int on);
void uart_rx_irq_ack(void);

#endif
