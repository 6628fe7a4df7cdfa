/* Frame streaming: tinyvid's tv-frame, tv-frames, tv-file-*, tv-gate-*,
 * tv-smooth-set and tv-stream-* commands (docs/protocol.md).
 *
 * A frame travels as a 16-byte header, then its payload (one model input, raw):
 *   bytes 0-3   "TVF1"
 *   bytes 4-7   sequence number (uint32, little-endian; consecutive frames + 1)
 *   bytes 8-11  payload bytes (uint32, little-endian; the input buffer's size)
 *   bytes 12-15 CRC-32 (IEEE 802.3, as zlib.crc32) of the payload
 * over the serial link (tv-frame: one a command; tv-frames: a run of them, the
 * next one received while the current one runs when double-buffered) or from a
 * file on the host computer that the board reads itself (tv-file-frame:
 * semihosting on emulated boards). The board
 * checks the CRC and the sequence and counts corrupt, duplicated and lost frames;
 * each good frame goes through the motion gate (tv_gate.h), the model when the
 * gate lets it, and the smoothing (tv_smooth.h), with the timer read around every
 * stage. */
#ifndef TV_STREAM_H
#define TV_STREAM_H

#include <stdint.h>

#define TV_FRAME_HEADER_BYTES 16u

/* Answers a stream command; returns 0 (and prints nothing) for any other. */
int tv_stream_command(int argc, char **argv);

/* What dut.c provides: the input buffer (TV_DB_BYTES, now marked fully loaded),
 * the input conversion into the model's input tensor and one model invocation
 * (its status; 0 on success, which makes tv-output and results report it). */
uint8_t *dut_input_buffer(void);
void dut_convert_input(void);
int dut_run_model(void);

#endif
