/* {{ board.serial.driver }} driver for {{ board.name }}, {{ board.serial.baud }} baud 8N1, polled (a receive interrupt for
 * double-buffered streaming). */
#include "uart.h"

#define REG(offset) (*(volatile uint32_t *)({{ board.serial.base | hex32 }}u + (offset)))
#define BAUD {{ board.serial.baud }}u
{%- if board.serial.driver == "cmsdk-uart" %}

/* Arm CMSDK APB UART: DATA +0x00, STATE +0x04 (bit 0 TX full, bit 1 RX full),
 * CTRL +0x08 (bit 0 TX enable, bit 1 RX enable), BAUDDIV +0x10. */
#define DATA REG(0x00u)
#define STATE REG(0x04u)
#define CTRL REG(0x08u)
#define BAUDDIV REG(0x10u)

void uart_init(uint32_t uart_clock_hz)
{
    BAUDDIV = uart_clock_hz / BAUD;
    CTRL = 0x3u;
}

int uart_rx_ready(void) { return (STATE & 0x2u) != 0u; }

uint8_t uart_read(void) { return (uint8_t)DATA; }

void uart_write(uint8_t byte)
{
    while (STATE & 0x1u) {
    }
    DATA = byte;
}

/* Receive interrupt: CTRL bit 3 enables it; it stays raised until bit 1 of
 * INTCLEAR (+0x0C) is written, which is done before reading DATA. */
void uart_rx_irq(int on) { CTRL = on ? 0xBu : 0x3u; }

void uart_rx_irq_ack(void) { REG(0x0Cu) = 0x2u; }
{%- else %}
{%- set tx_port = board.serial.tx_pin | pin_port %}
{%- set tx_num = board.serial.tx_pin | pin_number %}
{%- set rx_port = board.serial.rx_pin | pin_port %}
{%- set rx_num = board.serial.rx_pin | pin_number %}
{%- if family.gpio == "stm32l4" %}

/* STM32L4: RCC at 0x40021000 (AHB2ENR +0x4C for GPIO, APB1ENR1 +0x58 bit 28 for
 * PWR), GPIO ports at 0x48000000 + 0x400 * n, PWR_CR2 (0x40007004) bit 9 IOSV
 * powers port G (VDDIO2). */
#define RCC(offset) (*(volatile uint32_t *)(0x40021000u + (offset)))
#define RCC_GPIO_ENABLE RCC(0x4Cu)
#define GPIO_BASE 0x48000000u
#define PWR_CR2 (*(volatile uint32_t *)0x40007004u)
{%- else %}

/* STM32F4: RCC at 0x40023800 (AHB1ENR +0x30 for GPIO), GPIO ports at
 * 0x40020000 + 0x400 * n. */
#define RCC(offset) (*(volatile uint32_t *)(0x40023800u + (offset)))
#define RCC_GPIO_ENABLE RCC(0x30u)
#define GPIO_BASE 0x40020000u
{%- endif %}
#define GPIO(port, offset) (*(volatile uint32_t *)(GPIO_BASE + 0x400u * (port) + (offset)))
{%- if board.serial.driver == "stm32-lpuart" %}

/* LPUART: CR1 +0x00 (UE bit 0, RE bit 2, TE bit 3), BRR +0x0C (256 * f / baud),
 * ISR +0x1C (RXNE bit 5, TXE bit 7), RDR +0x24, TDR +0x28. */
#define CR1 REG(0x00u)
#define BRR REG(0x0Cu)
#define STATUS REG(0x1Cu)
#define RX_DATA REG(0x24u)
#define TX_DATA REG(0x28u)
#define CR1_ENABLE ((1u << 0) | (1u << 2) | (1u << 3))
#define BRR_VALUE(f) (uint32_t)((256ull * (f) + BAUD / 2u) / BAUD)
{%- else %}

/* USART (F4): SR +0x00 (RXNE bit 5, TXE bit 7), DR +0x04, BRR +0x08 (f / baud at
 * 16x oversampling), CR1 +0x0C (UE bit 13, TE bit 3, RE bit 2). */
#define STATUS REG(0x00u)
#define RX_DATA REG(0x04u)
#define TX_DATA REG(0x04u)
#define BRR REG(0x08u)
#define CR1 REG(0x0Cu)
#define CR1_ENABLE ((1u << 13) | (1u << 3) | (1u << 2))
#define BRR_VALUE(f) (((f) + BAUD / 2u) / BAUD)
{%- endif %}

static void pin_alternate(uint32_t port, uint32_t pin, uint32_t af)
{
    GPIO(port, 0x00u) = (GPIO(port, 0x00u) & ~(3u << (2u * pin))) | (2u << (2u * pin)); /* MODER: AF */
    uint32_t afr = 0x20u + 4u * (pin / 8u);                                               /* AFRL/AFRH */
    GPIO(port, afr) = (GPIO(port, afr) & ~(0xFu << (4u * (pin % 8u)))) | (af << (4u * (pin % 8u)));
}

void uart_init(uint32_t uart_clock_hz)
{
{%- if family.port_g_vddio2 %}
    RCC(0x58u) |= 1u << 28; /* PWR clock */
    (void)RCC(0x58u);
    PWR_CR2 |= 1u << 9;     /* IOSV: VDDIO2 valid, port G usable */
{%- endif %}
    RCC_GPIO_ENABLE |= (1u << {{ tx_port }}) | (1u << {{ rx_port }});
    RCC({{ board.serial.rcc_enable_offset | hex32 }}u) |= 1u << {{ board.serial.rcc_enable_bit }};
    (void)RCC({{ board.serial.rcc_enable_offset | hex32 }}u); /* let the clock settle */
    pin_alternate({{ tx_port }}u, {{ tx_num }}u, {{ board.serial.alternate_function }}u); /* {{ board.serial.tx_pin }} TX */
    pin_alternate({{ rx_port }}u, {{ rx_num }}u, {{ board.serial.alternate_function }}u); /* {{ board.serial.rx_pin }} RX */
    BRR = BRR_VALUE(uart_clock_hz);
    CR1 = CR1_ENABLE;
}

int uart_rx_ready(void) { return (STATUS & (1u << 5)) != 0u; }

uint8_t uart_read(void) { return (uint8_t)RX_DATA; }

void uart_write(uint8_t byte)
{
    while (!(STATUS & (1u << 7))) {
    }
    TX_DATA = byte;
}

/* Receive interrupt: RXNEIE (CR1 bit 5); reading the data register clears RXNE. */
void uart_rx_irq(int on) { CR1 = on ? CR1_ENABLE | (1u << 5) : CR1_ENABLE; }

void uart_rx_irq_ack(void)
{
{%- if board.serial.driver == "stm32-lpuart" %}
    REG(0x20u) = 1u << 3; /* ICR ORECF: an overrun would keep the interrupt raised */
{%- else %}
    (void)STATUS; /* an overrun clears by reading SR, then DR (uart_read) */
{%- endif %}
}
{%- endif %}
