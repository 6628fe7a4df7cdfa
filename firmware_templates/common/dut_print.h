/* Output helpers of the DUT protocol (dut_print.c); every byte goes out through
 * plat_putc(). */
#ifndef TV_DUT_PRINT_H
#define TV_DUT_PRINT_H

#include <stdint.h>

void out_str(const char *s);
/* Prints s with every byte that is not printable ASCII as '?'. */
void out_printable(const char *s);
void out_u64(uint64_t v);
void out_i64(int64_t v);
/* Two lower-case hex digits. */
void out_hex_byte(uint8_t b);
/* v as printf("%0.3f") prints it (round half to even on the exact value). */
void out_fixed3(float v);
/* "\r\n" */
void out_end_line(void);
/* s, then "\r\n" */
void out_line(const char *s);
/* "e-[" s "]\r\n" */
void out_error(const char *s);

#endif
