/* The EEMBC / MLPerf Tiny DUT protocol and tinyvid's tv- extensions
 * (docs/protocol.md of tinyvid), independent of any platform. */
#ifndef TV_DUT_H
#define TV_DUT_H

#include <stdint.h>

/* Longest command kept; a longer one is answered with e-[Command too long]. */
#define DUT_CMD_MAX 80

/* Prints the boot lines (the only output that no command asked for). */
void dut_boot(void);
/* Feeds one received byte; a '%' ends a command, which is answered at once. */
void dut_feed(char c);

#endif
