/* Output of the DUT protocol: strings, numbers, and %0.3f without printf (so
 * newlib-nano needs no float printf support and the output is the same on every
 * platform). */
#include "dut_print.h"

#include "platform.h"

void out_str(const char *s)
{
    while (*s) {
        plat_putc(*s++);
    }
}

void out_printable(const char *s)
{
    for (; *s; ++s) {
        char c = *s;
        plat_putc((c >= 0x20 && c < 0x7f) ? c : '?');
    }
}

void out_u64(uint64_t v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        plat_putc(tmp[--n]);
    }
}

void out_i64(int64_t v)
{
    if (v < 0) {
        plat_putc('-');
        out_u64((uint64_t)0 - (uint64_t)v);
    } else {
        out_u64((uint64_t)v);
    }
}

void out_hex_byte(uint8_t b)
{
    static const char digits[] = "0123456789abcdef";
    plat_putc(digits[b >> 4]);
    plat_putc(digits[b & 0x0f]);
}

/* Prints v as printf("%0.3f") does: v * 1000 is exact in a double (24 + 10 bits),
 * rounded to the nearest integer, ties to even. */
void out_fixed3(float v)
{
    double d = (double)v * 1000.0;
    if (d < 0.0) {
        plat_putc('-');
        d = -d;
    }
    if (!(d < 1.8e19)) { /* infinity, NaN or too large for 64 bits */
        out_str(d != d ? "nan" : "inf");
        return;
    }
    uint64_t whole = (uint64_t)d;
    double frac = d - (double)whole;
    if (frac > 0.5 || (frac == 0.5 && (whole & 1u))) {
        whole += 1u;
    }
    out_u64(whole / 1000u);
    plat_putc('.');
    uint32_t milli = (uint32_t)(whole % 1000u);
    plat_putc((char)('0' + milli / 100u));
    plat_putc((char)('0' + (milli / 10u) % 10u));
    plat_putc((char)('0' + milli % 10u));
}

void out_end_line(void)
{
    out_str("\r\n");
}

void out_line(const char *s)
{
    out_str(s);
    out_end_line();
}

void out_error(const char *s)
{
    out_str("e-[");
    out_str(s);
    out_str("]\r\n");
}
