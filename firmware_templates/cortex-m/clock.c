{%- set reset_hz = family.reset_clock_hz %}
{%- set setup = family.clock_setup %}
/* Core clock of {{ board.name }}: {{ board.clock_hz }} Hz{% if setup %} from the PLL (reset clock {{ reset_hz }} Hz){% endif %}. */
#include "clock.h"
{%- if not setup %}

uint32_t clock_init(uint32_t *uart_clock_hz)
{
    /* {% if board.emulated %}The emulated machine runs at a fixed clock{% else %}The core runs from its reset clock{% endif %}. */
    *uart_clock_hz = {{ board.serial.clock_hz }}u;
    return {{ board.clock_hz }}u;
}
{%- else %}

#define REG(address) (*(volatile uint32_t *)(address))
#define WAIT_LIMIT 2000000u
#define RESET_HZ {{ reset_hz }}u

/* Waits until (reg & mask) == value; 0 when it never happened. */
static int wait_for(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    for (uint32_t i = 0; i < WAIT_LIMIT; ++i) {
        if ((*reg & mask) == value) {
            return 1;
        }
    }
    return 0;
}
{%- if family.pll == "stm32l4" %}
{%- set pll_n = (board.clock_hz * 2) // 8000000 %}

/* STM32L4+ (RM0432): HSI16 / M=2 = 8 MHz -> x N={{ pll_n }} = VCO {{ board.clock_hz * 2 }} Hz -> / R=2.
 * Above 80 MHz the regulator runs in range 1 boost mode (PWR_CR5.R1MODE = 0), and
 * the switch goes through HCLK = SYSCLK / 2 for at least 1 us. */
#define RCC_CR REG(0x40021000u)
#define RCC_CFGR REG(0x40021008u)
#define RCC_PLLCFGR REG(0x4002100Cu)
#define RCC_APB1ENR1 REG(0x40021058u)
#define PWR_CR5 REG(0x40007080u)
#define FLASH_ACR REG(0x40022000u)
#define LATENCY {{ [0, (board.clock_hz - 1) // 20000000] | max }}u

uint32_t clock_init(uint32_t *uart_clock_hz)
{
    *uart_clock_hz = RESET_HZ; /* LPUART1 runs from PCLK1 = SYSCLK */
    RCC_APB1ENR1 |= 1u << 28;  /* PWR */
    (void)RCC_APB1ENR1;
    RCC_CR |= 1u << 8; /* HSI16 on */
    if (!wait_for(&RCC_CR, 1u << 10, 1u << 10)) {
        return RESET_HZ;
    }
    FLASH_ACR = (FLASH_ACR & ~0xFu) | LATENCY | (1u << 8) | (1u << 9) | (1u << 10);
    if ((FLASH_ACR & 0xFu) != LATENCY) {
        return RESET_HZ;
    }
{%- if board.clock_hz > 80000000 %}
    RCC_CFGR = (RCC_CFGR & ~(0xFu << 4)) | (0x8u << 4); /* HCLK = SYSCLK / 2 */
    PWR_CR5 &= ~(1u << 8);                              /* range 1 boost mode */
{%- endif %}
    RCC_PLLCFGR = 2u                   /* source HSI16 */
                  | (1u << 4)          /* M = 2 */
                  | ({{ pll_n }}u << 8) /* N */
                  | (1u << 24);        /* R output on, R = 2 */
    RCC_CR |= 1u << 24; /* PLL on */
    int ok = wait_for(&RCC_CR, 1u << 25, 1u << 25);
    if (ok) {
        RCC_CFGR = (RCC_CFGR & ~0x3u) | 0x3u; /* SYSCLK = PLL */
        ok = wait_for(&RCC_CFGR, 0x3u << 2, 0x3u << 2);
    }
    for (volatile uint32_t i = 0; i < 200u; ++i) { /* >= 1 us at HCLK / 2 */
    }
    RCC_CFGR &= ~(0xFu << 4); /* HCLK = SYSCLK */
    if (!ok) {
        RCC_CFGR &= ~0x3u; /* stay on MSI */
        return RESET_HZ;
    }
    *uart_clock_hz = {{ board.clock_hz }}u;
    return {{ board.clock_hz }}u;
}
{%- else %}
{%- set pll_n = board.clock_hz // 1000000 %}
{%- set apb1_div = [1, (board.clock_hz + 44999999) // 45000000] | max %}
{%- set apb1_div = 1 if apb1_div <= 1 else (2 if apb1_div <= 2 else 4) %}
{%- set apb2_div = 1 if board.clock_hz <= 90000000 else 2 %}
{%- set apb_code = {1: 0, 2: 4, 4: 5} %}

/* STM32F4 (RM0390): HSI 16 MHz / M=8 = 2 MHz -> x N={{ pll_n }} = VCO {{ board.clock_hz * 2 }} Hz -> / P=2;
 * APB1 = HCLK / {{ apb1_div }}, APB2 = HCLK / {{ apb2_div }} (limits 45 and 90 MHz). */
#define RCC_CR REG(0x40023800u)
#define RCC_PLLCFGR REG(0x40023804u)
#define RCC_CFGR REG(0x40023808u)
#define RCC_APB1ENR REG(0x40023840u)
#define PWR_CR REG(0x40007000u)
#define FLASH_ACR REG(0x40023C00u)
#define LATENCY {{ [0, (board.clock_hz - 1) // 30000000] | max }}u
#define UART_DIV {{ apb1_div if board.serial.rcc_enable_offset == 0x40 else apb2_div }}u

uint32_t clock_init(uint32_t *uart_clock_hz)
{
    *uart_clock_hz = RESET_HZ;
    RCC_APB1ENR |= 1u << 28; /* PWR */
    (void)RCC_APB1ENR;
    PWR_CR |= 0x3u << 14; /* regulator scale 1 */
    FLASH_ACR = (FLASH_ACR & ~0xFu) | LATENCY | (1u << 8) | (1u << 9) | (1u << 10);
    if ((FLASH_ACR & 0xFu) != LATENCY) {
        return RESET_HZ;
    }
    RCC_PLLCFGR = 8u                    /* M = 8, source HSI */
                  | ({{ pll_n }}u << 6) /* N */
                  | (0u << 16)          /* P = 2 */
                  | (7u << 24)          /* Q = 7 */
                  | (2u << 28);         /* R = 2 */
    RCC_CR |= 1u << 24; /* PLL on */
    if (!wait_for(&RCC_CR, 1u << 25, 1u << 25)) {
        return RESET_HZ;
    }
    RCC_CFGR = (RCC_CFGR & ~((0x7u << 10) | (0x7u << 13) | (0xFu << 4)))
               | ({{ apb_code[apb1_div] }}u << 10) | ({{ apb_code[apb2_div] }}u << 13);
    RCC_CFGR = (RCC_CFGR & ~0x3u) | 0x2u; /* SYSCLK = PLL */
    if (!wait_for(&RCC_CFGR, 0x3u << 2, 0x2u << 2)) {
        RCC_CFGR &= ~(0x3u | (0x7u << 10) | (0x7u << 13)); /* back to HSI, APB at HCLK */
        return RESET_HZ;
    }
    *uart_clock_hz = {{ board.clock_hz }}u / UART_DIV;
    return {{ board.clock_hz }}u;
}
{%- endif %}
{%- endif %}
