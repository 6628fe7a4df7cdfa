/* Firmware entry point: boot lines, then answer commands forever. */
#include "dut.h"
#include "platform.h"

int main(void)
{
    plat_init();
    dut_boot();
    for (;;) {
        int c = plat_getc(PLAT_FOREVER);
        if (c == PLAT_EOF) {
            plat_exit(0);
            return 0;
        }
        if (c >= 0) {
            dut_feed((char)c);
        }
    }
}
