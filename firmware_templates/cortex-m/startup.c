/* Start-up code for {{ board.name }} ({{ board.core }}): vector table, reset
 * handler (FPU on, .data copied, .bss zeroed, main), fault handlers; the
 * UART's receive interrupt when the board streams double-buffered. */
#include <stdint.h>

#include "platform.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
void Reset_Handler(void);
void SysTick_Handler(void);
void Fault_Handler(void);
{%- set rx_irq = family.uart_rx_irq %}
{%- set link_irq = family.link_timer.irq if family.link_timer else none %}
{%- set irqs = [rx_irq, link_irq] | reject("none") | list %}
{%- if rx_irq is not none %}
void UART_RX_Handler(void);
{%- endif %}
{%- if link_irq is not none %}
void Link_Timer_Handler(void);
{%- endif %}

#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

/* The core's 16 exceptions{% if irqs %}, then the interrupts up to the last one used: the
 * UART's receive interrupt{% if link_irq is not none %} and the timer of the modelled link{% endif %} (any
 * other one that fires is a fault){% endif %}. */
__attribute__((section(".isr_vector"), used)) void (*const vector_table[{{ 16 + ((irqs | max) + 1 if irqs else 0) }}])(void) = {
    (void (*)(void))(uintptr_t)&_estack, /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    Fault_Handler, /* SecureFault (v8-M) */
    0,
    0,
    0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    SysTick_Handler,
{%- if irqs %}
{%- for irq in range((irqs | max) + 1) %}
    {{ "UART_RX_Handler" if irq == rx_irq else ("Link_Timer_Handler" if irq == link_irq else "Fault_Handler") }}, /* IRQ {{ irq }} */
{%- endfor %}
{%- endif %}
};

void Reset_Handler(void)
{
    SCB_VTOR = (uint32_t)(uintptr_t)vector_table;
{%- if board.fpu != "none" %}
    /* CP10 and CP11 on (full access) before the first floating-point instruction;
     * on a Cortex-M55 they also enable Helium (every MVE instruction faults without). */
    SCB_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
{%- endif %}
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0u;
    }
    plat_exit(main());
}

void Fault_Handler(void)
{
{%- if board.emulated %}
    plat_exit(3); /* ends QEMU with exit code 3: the host sees the link close */
{%- else %}
    for (;;) {
    }
{%- endif %}
}
