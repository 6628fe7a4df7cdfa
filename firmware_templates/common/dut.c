/* The EEMBC / MLPerf Tiny DUT protocol and tinyvid's tv- extension commands.
 *
 * Host to board: words separated by spaces, ended by '%'. Board to host: lines
 * ending in "\r\n", every reply ends with "m-ready". Nothing is printed that no
 * command asked for. Every input is bounded: a command longer than DUT_CMD_MAX is
 * discarded up to its '%' and answered with an error; loads never write past the
 * input buffer; all numbers are range-checked. */
#include "dut.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dut_print.h"
#include "platform.h"
#include "tv_config.h"
#include "tv_stream.h"
#if TV_DETECT
#include "tv_detect.h"
#endif

#define MAX_ARGS 4

static char cmd_buf[DUT_CMD_MAX + 1];
static size_t cmd_len;
static int cmd_too_long;

/* The input buffer, in the format of the host's input file. */
static uint8_t db[TV_DB_BYTES] __attribute__((aligned(8)));
static size_t db_expected; /* bytes announced by the last db load / tv-load */
static size_t db_pos;      /* bytes received since */

static int have_output;
static uint64_t perf_ticks;
static uint32_t perf_n;

/* ---- numbers and time -------------------------------------------------- */

/* Parses a decimal number 0..limit; returns 0 on any other text. */
static int parse_uint(const char *s, uint64_t limit, uint64_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0') {
        return 0;
    }
    for (; *s; ++s) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > limit) {
            return 0;
        }
    }
    *out = v;
    return 1;
}

static uint64_t ticks_to_us(uint64_t ticks)
{
    uint64_t hz = plat_timer_hz();
    return (ticks / hz) * 1000000u + ((ticks % hz) * 1000000u) / hz;
}

static void put_lap(uint64_t ticks)
{
    out_str("m-lap-us-");
    out_u64(ticks_to_us(ticks));
    out_end_line();
}

/* ---- the model --------------------------------------------------------- */

#if TV_CONVERSION == TV_CONVERSION_FLOAT32
static int8_t quantize(float x)
{
    float q = x / TV_INPUT_SCALE;
    int32_t r;
    if (q != q) { /* NaN */
        r = 0;
    } else if (q >= 0.0f) {
        r = q > 1.0e6f ? 1000000 : (int32_t)(q + 0.5f);
    } else {
        r = q < -1.0e6f ? -1000000 : -(int32_t)(-q + 0.5f);
    }
    r += TV_INPUT_ZERO_POINT;
    return (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));
}

static float db_float(size_t i)
{
    float f;
    memcpy(&f, &db[i * 4u], sizeof f);
    return f;
}
#endif

/* Converts the input buffer into the model's input tensor. Done before every
 * inference: the model's arena may reuse the input tensor's memory. */
static void load_input(void)
{
    int8_t *in = TV_MODEL_INPUT();
    size_t i = 0;
#if TV_CONVERSION == TV_CONVERSION_UINT8
    /* u8 - 128 is the byte with its top bit flipped: four bytes per step. */
    for (; i + 4u <= (size_t)TV_INPUT_ELEMENTS; i += 4u) {
        uint32_t w;
        __builtin_memcpy(&w, &db[i], 4);
        w ^= 0x80808080u;
        __builtin_memcpy(&in[i], &w, 4);
    }
#endif
    for (; i < (size_t)TV_INPUT_ELEMENTS; ++i) {
#if TV_CONVERSION == TV_CONVERSION_UINT8
        in[i] = (int8_t)((int)db[i] - 128);
#elif TV_CONVERSION == TV_CONVERSION_FLOAT32
        in[i] = quantize(db_float(i));
#else
        in[i] = (int8_t)db[i];
#endif
    }
}

static int run_once(void)
{
    load_input();
    int status = TV_MODEL_INVOKE();
    if (status == 0) {
        have_output = 1;
    }
    return status;
}

static float dequantize(int8_t q)
{
    return ((float)q - (float)TV_OUTPUT_ZERO_POINT) * TV_OUTPUT_SCALE;
}

static void put_results(void)
{
    const int8_t *out = TV_MODEL_OUTPUT();
    out_str("m-results-[");
#if TV_RESULTS_MSE
    float sum = 0.0f;
    size_t n = (size_t)TV_OUTPUT_ELEMENTS < (size_t)TV_INPUT_ELEMENTS ? (size_t)TV_OUTPUT_ELEMENTS
                                                                      : (size_t)TV_INPUT_ELEMENTS;
    for (size_t i = 0; i < n; ++i) {
#if TV_CONVERSION == TV_CONVERSION_FLOAT32
        float x = db_float(i);
#else
        float x = ((float)(int8_t)db[i] - (float)TV_INPUT_ZERO_POINT) * TV_INPUT_SCALE;
#endif
        float diff = dequantize(out[i]) - x;
        sum += diff * diff;
    }
    out_fixed3(n ? sum / (float)n : 0.0f);
#else
    for (size_t i = 0; i < (size_t)TV_OUTPUT_ELEMENTS; ++i) {
        if (i) {
            plat_putc(',');
        }
        out_fixed3(dequantize(out[i]));
    }
#endif
    out_str("]\r\n");
}

static void put_output_hex(void)
{
    const int8_t *out = TV_MODEL_OUTPUT();
    out_str("m-tv-output-[");
    for (size_t i = 0; i < (size_t)TV_OUTPUT_ELEMENTS; ++i) {
        out_hex_byte((uint8_t)out[i]);
    }
    out_str("]\r\n");
}

static void inference_failed(int status)
{
    out_str("e-[Inference failed with status ");
    out_i64(status);
    out_str("]\r\n");
}

/* ---- commands ---------------------------------------------------------- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static void cmd_db_load(const char *arg)
{
    uint64_t n = 0;
    if (arg == NULL) {
        out_error("Command 'db load' requires the # of bytes");
        return;
    }
    if (!parse_uint(arg, UINT32_MAX, &n) || n == 0u) {
        out_error("Command 'db load' must be >0 bytes");
        return;
    }
    if (n > (uint64_t)TV_DB_BYTES) {
        out_str("e-[Command 'db load' of ");
        out_u64(n);
        out_str(" bytes exceeds the input buffer of ");
        out_u64((uint64_t)TV_DB_BYTES);
        out_str(" bytes]\r\n");
        return;
    }
    db_expected = (size_t)n;
    db_pos = 0;
    out_str("m-[Expecting ");
    out_u64(n);
    out_str(" bytes]\r\n");
}

static void cmd_db_hex(const char *hex)
{
    size_t len = strlen(hex);
    if (len % 2u) {
        out_error("Insufficent number of hex digits");
        return;
    }
    for (size_t i = 0; i < len; i += 2u) {
        if (hex_value(hex[i]) < 0 || hex_value(hex[i + 1u]) < 0) {
            char pair[3] = {hex[i], hex[i + 1u], '\0'};
            out_str("e-[Invalid hex digit '");
            out_printable(pair);
            out_str("']\r\n");
            return;
        }
    }
    if (db_expected == 0u) {
        out_error("Command 'db' needs a 'db load <N>' first");
        return;
    }
    if (db_pos + len / 2u > db_expected) {
        out_str("e-[Command 'db' sends more than the ");
        out_u64(db_expected);
        out_str(" bytes expected]\r\n");
        return;
    }
    for (size_t i = 0; i < len; i += 2u) {
        db[db_pos++] = (uint8_t)(hex_value(hex[i]) * 16 + hex_value(hex[i + 1u]));
    }
    if (len > 0u && db_pos == db_expected) {
        out_line("m-load-done");
    }
}

static void cmd_db_print(void)
{
    for (size_t i = 0; i < db_expected; i += 8u) {
        out_str("m-buffer");
        for (size_t j = i; j < i + 8u && j < db_expected; ++j) {
            plat_putc('-');
            out_hex_byte(db[j]);
        }
        out_end_line();
    }
}

static void cmd_db(int argc, char **argv)
{
    if (argc < 2) {
        out_error("Command 'db' requires a subcommand");
    } else if (strcmp(argv[1], "load") == 0) {
        cmd_db_load(argc > 2 ? argv[2] : NULL);
    } else if (strcmp(argv[1], "print") == 0) {
        cmd_db_print();
    } else {
        cmd_db_hex(argv[1]);
    }
}

static void cmd_infer(int argc, char **argv)
{
    uint64_t n = 1, w = 10;
    if (argc > 1 && (!parse_uint(argv[1], 1000000000u, &n) || n == 0u)) {
        out_error("Inference iterations must be >0");
        return;
    }
    if (argc > 2 && !parse_uint(argv[2], 1000000000u, &w)) {
        out_error("Inference warmup must be >=0");
        return;
    }
    out_str("m-warmup-start-");
    out_u64(w);
    out_end_line();
    for (uint64_t i = 0; i < w; ++i) {
        int status = run_once();
        if (status != 0) {
            inference_failed(status);
            return;
        }
    }
    out_line("m-warmup-done");
    out_str("m-infer-start-");
    out_u64(n);
    out_end_line();
    plat_flush();
    /* Nothing is printed between the two time stamps. */
    plat_timer_sync();
    uint64_t t0 = plat_ticks();
    int status = 0;
    for (uint64_t i = 0; i < n && status == 0; ++i) {
        status = run_once();
    }
    uint64_t t1 = plat_ticks();
    if (status != 0) {
        inference_failed(status);
        return;
    }
    perf_ticks = t1 - t0;
    perf_n = (uint32_t)n;
    put_lap(t0);
    put_lap(t1);
    out_line("m-infer-done");
    put_results();
}

static void cmd_tv_info(void)
{
    out_str("m-tv-version-[");
    out_u64(TV_PROTOCOL_VERSION);
    out_str("]\r\nm-tv-model-[" TV_MODEL_ID "]\r\n");
    out_str("m-tv-model-hash-[" TV_MODEL_HASH "]\r\n");
    out_str("m-tv-board-[" TV_BOARD_NAME "]\r\n");
    out_str("m-tv-conversion-[" TV_CONVERSION_NAME "]\r\n");
    out_str("m-tv-input-bytes-[");
    out_u64((uint64_t)TV_DB_BYTES);
    out_str("]\r\nm-tv-input-shape-[" TV_INPUT_SHAPE_TEXT "]\r\n");
    out_str("m-tv-input-scale-[" TV_INPUT_SCALE_TEXT "]\r\n");
    out_str("m-tv-input-zero-point-[");
    out_i64(TV_INPUT_ZERO_POINT);
    out_str("]\r\nm-tv-output-bytes-[");
    out_u64((uint64_t)TV_OUTPUT_ELEMENTS);
    out_str("]\r\nm-tv-output-scale-[" TV_OUTPUT_SCALE_TEXT "]\r\n");
    out_str("m-tv-output-zero-point-[");
    out_i64(TV_OUTPUT_ZERO_POINT);
    out_str("]\r\nm-tv-arena-bytes-[");
    out_u64((uint64_t)TV_ARENA_BYTES);
    out_str("]\r\nm-tv-macs-[");
    out_u64((uint64_t)TV_MACS);
    out_str("]\r\nm-tv-timer-[" TV_TIMER_NAME "]\r\n");
    out_str("m-tv-timer-hz-[");
    out_u64(plat_timer_hz());
    out_str("]\r\n");
}

static void cmd_tv_load(int argc, char **argv)
{
    uint64_t n = 0;
    if (argc < 2 || !parse_uint(argv[1], UINT32_MAX, &n) || n == 0u) {
        out_error("tv-load must be >0 bytes");
        return;
    }
    if (n > (uint64_t)TV_DB_BYTES) {
        out_str("e-[tv-load ");
        out_u64(n);
        out_str(" bytes exceed the input buffer of ");
        out_u64((uint64_t)TV_DB_BYTES);
        out_str(" bytes]\r\n");
        return;
    }
    out_str("m-tv-load-ready-[");
    out_u64(n);
    out_str("]\r\n");
    plat_flush();
    db_expected = (size_t)n;
    for (db_pos = 0; db_pos < db_expected; ++db_pos) {
        int c = plat_getc(TV_LOAD_TIMEOUT_US);
        if (c == PLAT_EOF) {
            plat_exit(0);
            return;
        }
        if (c < 0) {
            out_str("e-[tv-load timed out after ");
            out_u64(db_pos);
            out_str(" of ");
            out_u64(n);
            out_str(" bytes]\r\n");
            return;
        }
        db[db_pos] = (uint8_t)c;
    }
    out_line("m-load-done");
}

static void cmd_tv_infer(void)
{
    plat_timer_sync();
    uint64_t t0 = plat_ticks();
    int status = run_once();
    uint64_t t1 = plat_ticks();
    if (status != 0) {
        inference_failed(status);
        return;
    }
    out_str("m-tv-ticks-[");
    out_u64(t1 - t0);
    out_str("]\r\n");
    put_output_hex();
#if TV_DETECT
    tv_detect_put(TV_MODEL_OUTPUT());
#endif
}

static void cmd_tv_perf(void)
{
    out_str("m-tv-perf-[ticks=");
    out_u64(perf_ticks);
    out_str(",n=");
    out_u64(perf_n);
    out_str(",hz=");
    out_u64(plat_timer_hz());
    out_str("]\r\n");
}

/* ---- tv-profile: the timer at every operator boundary of one inference --- */

static uint32_t prof_ticks[TV_NUM_OPERATORS + 1];

static void profile_point(int32_t point)
{
    if (point >= 0 && point <= TV_NUM_OPERATORS) {
        prof_ticks[point] = (uint32_t)plat_ticks();
    }
}

/* One inference with the model's profile hook set; prints the ticks of the input
 * conversion, of each operator and of the whole run (the same region tv-infer
 * times), so the rows add up to the total. */
static void cmd_tv_profile(void)
{
    TV_PROFILE_HOOK = profile_point;
    plat_timer_sync();
    uint64_t t0 = plat_ticks();
    int status = run_once();
    uint64_t t1 = plat_ticks();
    TV_PROFILE_HOOK = NULL;
    if (status != 0) {
        inference_failed(status);
        return;
    }
    out_str("m-tv-profile-[ops=");
    out_u64((uint64_t)TV_NUM_OPERATORS);
    out_str(",total=");
    out_u64(t1 - t0);
    out_str(",input=");
    out_u64((uint64_t)(uint32_t)(prof_ticks[0] - (uint32_t)t0));
    out_str(",end=");
    out_u64((uint64_t)(uint32_t)((uint32_t)t1 - prof_ticks[TV_NUM_OPERATORS]));
    out_str("]\r\n");
    for (int32_t k = 0; k < TV_NUM_OPERATORS; ++k) {
        out_str("m-tv-op-[");
        out_u64((uint64_t)k);
        plat_putc(',');
        out_u64((uint64_t)(uint32_t)(prof_ticks[k + 1] - prof_ticks[k]));
        out_str("]\r\n");
    }
}

/* ---- for tv_stream.c: the input buffer and the two stages of an inference -- */

uint8_t *dut_input_buffer(void)
{
    db_expected = (size_t)TV_DB_BYTES;
    db_pos = (size_t)TV_DB_BYTES;
    return db;
}

void dut_convert_input(void) { load_input(); }

int dut_run_model(void)
{
    int status = TV_MODEL_INVOKE();
    if (status == 0) {
        have_output = 1;
    }
    return status;
}

/* Answers a known command; returns 0 (and prints nothing) for an unknown one. */
static int dispatch(char *text)
{
    char *argv[MAX_ARGS];
    int argc = 0;
    char *p = text;
    while (*p && argc < MAX_ARGS) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        argv[argc++] = p;
        while (*p && *p != ' ') {
            ++p;
        }
    }
    /* Words past MAX_ARGS stay attached to the last argument. */
    const char *name = argc ? argv[0] : "";
    if (strcmp(name, "name") == 0) {
        out_line("m-name-dut-[" TV_DUT_NAME "]");
    } else if (strcmp(name, "profile") == 0) {
        out_line("m-profile-[" TV_PROFILE "]");
        out_line("m-model-[" TV_MODEL_ID "]");
    } else if (strcmp(name, "timestamp") == 0) {
        put_lap(plat_ticks());
    } else if (strcmp(name, "db") == 0) {
        cmd_db(argc, argv);
    } else if (strcmp(name, "infer") == 0) {
        cmd_infer(argc, argv);
    } else if (strcmp(name, "results") == 0) {
        if (have_output) {
            put_results();
        } else {
            out_error("No inference has run");
        }
    } else if (strcmp(name, "tv-info") == 0) {
        cmd_tv_info();
    } else if (strcmp(name, "tv-load") == 0) {
        cmd_tv_load(argc, argv);
    } else if (strcmp(name, "tv-infer") == 0) {
        cmd_tv_infer();
    } else if (strcmp(name, "tv-output") == 0) {
        if (have_output) {
            put_output_hex();
        } else {
            out_error("No inference has run");
        }
    } else if (strcmp(name, "tv-perf") == 0) {
        cmd_tv_perf();
    } else if (strcmp(name, "tv-profile") == 0) {
        cmd_tv_profile();
    } else if (argc && tv_stream_command(argc, argv)) {
        /* tv-frame, tv-file-*, tv-gate-*, tv-smooth-set, tv-stream-* (tv_stream.c) */
    } else {
        return 0;
    }
    return 1;
}

void dut_boot(void)
{
    out_line("m-timestamp-mode-performance");
    put_lap(plat_ticks());
    out_line("m-init-done");
    out_line("m-ready");
    plat_flush();
}

void dut_feed(char c)
{
    if (c == '%') {
        if (cmd_too_long) {
            out_error("Command too long");
            out_line("m-ready");
        } else {
            static char words[DUT_CMD_MAX + 1];
            cmd_buf[cmd_len] = '\0';
            memcpy(words, cmd_buf, cmd_len + 1u);
            if (!dispatch(words)) {
                out_str("e-[Unknown command: ");
                out_printable(cmd_buf);
                out_str("]\r\n");
            }
            out_line("m-ready");
        }
        plat_flush();
        cmd_len = 0;
        cmd_too_long = 0;
        return;
    }
    if (c == '\r' || c == '\n' || c == '\0') {
        return; /* line ends from terminals are ignored; no host sends them */
    }
    if (cmd_len < DUT_CMD_MAX) {
        cmd_buf[cmd_len++] = c;
    } else {
        cmd_too_long = 1;
    }
}
