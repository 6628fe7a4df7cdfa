/* Frame streaming (see tv_stream.h). Every input is bounded: a payload is accepted
 * only when its length is the input buffer's; no heap. */
#include "tv_stream.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dut_print.h"
#include "platform.h"
#include "tv_config.h"
#include "tv_gate.h"
#include "tv_smooth.h"
#if TV_DETECT
#include "tv_detect.h"
#endif
#if TV_HOST_FILES == 2
#include <stdio.h>
#endif

static uint32_t crc_table[256];
static int crc_ready;

static uint32_t crc32(const uint8_t *p, size_t n)
{
    if (!crc_ready) {
        for (uint32_t i = 0; i < 256u; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) {
                c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            crc_table[i] = c;
        }
        crc_ready = 1;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c = crc_table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
    }
    return c ^ 0xFFFFFFFFu;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- the stream state ---------------------------------------------------- */

static struct {
    int started;       /* a good frame has arrived since the reset */
    uint32_t expected; /* the sequence number of the next frame */
    uint32_t frames, corrupt, duplicate, lost, inferred, skipped;
    int have_raw;
    int8_t raw[TV_OUTPUT_ELEMENTS];
    int8_t smoothed[TV_OUTPUT_ELEMENTS];
} st;

static void stream_reset(void)
{
    memset(&st, 0, sizeof st);
    tv_gate_reset();
    tv_smooth_reset();
}

static uint64_t lap(uint64_t *t0)
{
    uint64_t now = plat_ticks();
    uint64_t d = now - *t0;
    plat_timer_sync();
    *t0 = plat_ticks();
    return d;
}

static void put_field(const char *key, uint64_t value)
{
    plat_putc(',');
    out_str(key);
    plat_putc('=');
    out_u64(value);
}

static void put_hex_line(const char *head, const int8_t *v)
{
    out_str(head);
    for (size_t i = 0; i < (size_t)TV_OUTPUT_ELEMENTS; ++i) {
        out_hex_byte((uint8_t)v[i]);
    }
    out_str("]\r\n");
}

/* The payload is in the input buffer, its header in hdr; t0 is the timer when
 * receiving the frame began (the CRC check counts as receiving). Prints the
 * frame's lines. Returns 0, or the model's non-zero status. */
static int process_frame(const uint8_t *hdr, const uint8_t *payload, uint64_t t0)
{
    uint32_t seq = le32(hdr + 4), crc = le32(hdr + 12);
    int corrupt = crc32(payload, (size_t)TV_DB_BYTES) != crc;
    uint64_t rx = lap(&t0);
    uint32_t lost = 0;
    int duplicate = !corrupt && st.started && seq < st.expected;
    if (corrupt || duplicate) {
        st.corrupt += (uint32_t)corrupt;
        st.duplicate += (uint32_t)duplicate;
        out_str("m-tv-frame-[seq=");
        out_u64(seq);
        out_str(corrupt ? ",status=corrupt" : ",status=duplicate");
        put_field("rx", rx);
        out_str("]\r\n");
        return 0;
    }
    if (st.started && seq > st.expected) {
        lost = seq - st.expected;
        st.lost += lost;
    }
    st.started = 1;
    st.expected = seq + 1u;
    ++st.frames;
    tv_gate_decision d = tv_gate_frame(payload);
    uint64_t gate = lap(&t0), pre = 0, model = 0;
    int status_code = 0;
    if (d.infer) {
        dut_convert_input();
        pre = lap(&t0);
        status_code = dut_run_model();
        model = lap(&t0);
        if (status_code == 0) {
            memcpy(st.raw, TV_MODEL_OUTPUT(), (size_t)TV_OUTPUT_ELEMENTS);
            st.have_raw = 1;
        }
        ++st.inferred;
    } else {
        ++st.skipped;
    }
    int32_t label = -1;
    if (st.have_raw) {
        label = tv_smooth_step(st.raw, st.smoothed);
    }
    uint64_t post = lap(&t0);
    /* printed after every stage was timed */
    out_str("m-tv-frame-[seq=");
    out_u64(seq);
    out_str(",status=ok");
    put_field("lost", lost);
    put_field("infer", (uint64_t)d.infer);
    out_str(",reason=");
    out_str(tv_gate_reason_name(d.reason));
    put_field("score", d.score);
    put_field("diff", d.max_diff);
    put_field("rx", rx);
    put_field("gate", gate);
    put_field("pre", pre);
    put_field("model", model);
    put_field("post", post);
    out_str(",label=");
    out_i64(label);
    out_str("]\r\n");
    if (status_code != 0) {
        out_str("e-[Inference failed with status ");
        out_i64(status_code);
        out_str("]\r\n");
        return status_code;
    }
    if (st.have_raw) {
        put_hex_line("m-tv-raw-[", st.raw);
        put_hex_line("m-tv-smooth-[", st.smoothed);
#if TV_DETECT
        tv_detect_put(st.raw); /* the centroids of the raw output */
#endif
    }
    return 0;
}

/* 0 when the header is a frame of the input buffer's size; else prints why not. */
static int check_header(const uint8_t *hdr, const char *command)
{
    if (memcmp(hdr, "TVF1", 4) != 0) {
        out_str("e-[");
        out_str(command);
        out_str(" bad frame header]\r\n");
        return -1;
    }
    if (le32(hdr + 8) != (uint32_t)TV_DB_BYTES) {
        out_str("e-[");
        out_str(command);
        out_str(" frame of ");
        out_u64(le32(hdr + 8));
        out_str(" bytes, the input takes ");
        out_u64((uint64_t)TV_DB_BYTES);
        out_str("]\r\n");
        return -1;
    }
    return 0;
}

/* ---- frames over the serial link ------------------------------------------ */

static int read_serial(uint8_t *dst, size_t n, size_t *got)
{
    for (*got = 0; *got < n; ++*got) {
        int c = plat_getc(TV_LOAD_TIMEOUT_US);
        if (c == PLAT_EOF) {
            plat_exit(0);
            return -1;
        }
        if (c < 0) {
            return -1;
        }
        dst[*got] = (uint8_t)c;
    }
    return 0;
}

static void cmd_frame(void)
{
    uint8_t hdr[TV_FRAME_HEADER_BYTES];
    size_t got = 0;
    out_str("m-tv-frame-ready-[");
    out_u64((uint64_t)TV_DB_BYTES);
    out_str("]\r\n");
    plat_flush();
    plat_timer_sync();
    uint64_t t0 = plat_ticks();
    if (read_serial(hdr, sizeof hdr, &got) != 0) {
        out_str("e-[tv-frame timed out after ");
        out_u64(got);
        out_str(" header bytes]\r\n");
        return;
    }
    if (check_header(hdr, "tv-frame") != 0) {
        return;
    }
    uint8_t *payload = dut_input_buffer();
    if (read_serial(payload, (size_t)TV_DB_BYTES, &got) != 0) {
        out_str("e-[tv-frame timed out after ");
        out_u64(got);
        out_str(" of ");
        out_u64((uint64_t)TV_DB_BYTES);
        out_str(" bytes]\r\n");
        return;
    }
    (void)process_frame(hdr, payload, t0);
}

/* ---- frames from a file on the host computer ------------------------------ */

#if TV_HOST_FILES == 1
/* Arm semihosting (QEMU -semihosting-config enable=on,target=native). */
static int32_t semihost(uint32_t op, uint32_t *block)
{
    register uint32_t r0 __asm__("r0") = op;
    register uint32_t *r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

static int32_t file_handle = -1;

static void file_close(void)
{
    if (file_handle >= 0) {
        uint32_t block[1] = {(uint32_t)file_handle};
        (void)semihost(0x02u, block); /* SYS_CLOSE */
        file_handle = -1;
    }
}

static int file_open(const char *path)
{
    file_close();
    uint32_t block[3] = {(uint32_t)(uintptr_t)path, 1u /* "rb" */, (uint32_t)strlen(path)};
    file_handle = semihost(0x01u, block); /* SYS_OPEN */
    return file_handle >= 0 ? 0 : -1;
}

static size_t file_read(uint8_t *dst, size_t n)
{
    if (file_handle < 0) {
        return 0;
    }
    uint32_t block[3] = {(uint32_t)file_handle, (uint32_t)(uintptr_t)dst, (uint32_t)n};
    int32_t left = semihost(0x06u, block); /* SYS_READ: the bytes not read */
    return left < 0 || (uint32_t)left > n ? 0u : n - (size_t)left;
}
#elif TV_HOST_FILES == 2
static FILE *file_handle;

static void file_close(void)
{
    if (file_handle != NULL) {
        fclose(file_handle);
        file_handle = NULL;
    }
}

static int file_open(const char *path)
{
    file_close();
    file_handle = fopen(path, "rb");
    return file_handle != NULL ? 0 : -1;
}

static size_t file_read(uint8_t *dst, size_t n)
{
    return file_handle != NULL ? fread(dst, 1, n, file_handle) : 0u;
}
#endif

static void cmd_file_open(int argc, char **argv)
{
#if TV_HOST_FILES
    if (argc < 2) {
        out_error("tv-file-open needs a path");
        return;
    }
    if (file_open(argv[1]) != 0) {
        out_str("e-[tv-file-open cannot open ");
        out_printable(argv[1]);
        out_str("]\r\n");
        return;
    }
    out_line("m-tv-file-[open]");
#else
    (void)argc;
    (void)argv;
    out_error("tv-file-open: this board reads no files of the host; stream frames with tv-frame");
#endif
}

static void cmd_file_frame(int argc, char **argv)
{
#if TV_HOST_FILES
    uint64_t n = 1;
    if (argc > 1) {
        uint64_t v = 0;
        const char *s = argv[1];
        for (; *s >= '0' && *s <= '9' && v <= 1000000u; ++s) {
            v = v * 10u + (uint64_t)(*s - '0');
        }
        if (*s != '\0' || v == 0u || v > 1000000u) {
            out_error("tv-file-frame takes a frame count 1..1000000");
            return;
        }
        n = v;
    }
    for (uint64_t i = 0; i < n; ++i) {
        uint8_t hdr[TV_FRAME_HEADER_BYTES];
        plat_timer_sync();
        uint64_t t0 = plat_ticks();
        size_t got = file_read(hdr, sizeof hdr);
        if (got == 0u) {
            out_line("m-tv-file-[end]");
            return;
        }
        if (got != sizeof hdr || check_header(hdr, "tv-file-frame") != 0) {
            if (got != sizeof hdr) {
                out_error("tv-file-frame: the file ends inside a frame header");
            }
            return;
        }
        uint8_t *payload = dut_input_buffer();
        if (file_read(payload, (size_t)TV_DB_BYTES) != (size_t)TV_DB_BYTES) {
            out_error("tv-file-frame: the file ends inside a frame");
            return;
        }
        if (process_frame(hdr, payload, t0) != 0) {
            return;
        }
    }
#else
    (void)argc;
    (void)argv;
    out_error("tv-file-frame: this board reads no files of the host; stream frames with tv-frame");
#endif
}

/* ---- settings ------------------------------------------------------------- */

/* Parses "key=value,key=value" (values decimal, optionally negative) calling
 * set(key, value) for each; 0 on success. */
static int parse_settings(char *text, int (*set)(const char *, int64_t, void *), void *ctx)
{
    char *p = text;
    while (p != NULL && *p != '\0') {
        char *next = strchr(p, ',');
        if (next != NULL) {
            *next++ = '\0';
        }
        char *eq = strchr(p, '=');
        if (eq == NULL || eq == p) {
            return -1;
        }
        *eq = '\0';
        const char *v = eq + 1;
        int neg = *v == '-';
        v += neg;
        if (*v == '\0') {
            return -1;
        }
        int64_t value = 0;
        for (; *v; ++v) {
            if (*v < '0' || *v > '9' || value > 100000000) {
                return -1;
            }
            value = value * 10 + (*v - '0');
        }
        if (set(p, neg ? -value : value, ctx) != 0) {
            return -1;
        }
        p = next;
    }
    return 0;
}

static int set_gate(const char *key, int64_t v, void *ctx)
{
    tv_gate_config *c = (tv_gate_config *)ctx;
    if (v < 0 || v > 1000000) {
        return -1;
    }
    uint32_t u = (uint32_t)v;
    if (strcmp(key, "on") == 0) {
        c->on = u;
    } else if (strcmp(key, "cells") == 0) {
        c->cells = u;
    } else if (strcmp(key, "step") == 0) {
        c->step = u;
    } else if (strcmp(key, "thr") == 0) {
        c->thr = u;
    } else if (strcmp(key, "blocks") == 0) {
        c->blocks = u;
    } else if (strcmp(key, "hold") == 0) {
        c->hold = u;
    } else if (strcmp(key, "refresh") == 0) {
        c->refresh = u;
    } else if (strcmp(key, "alpha") == 0) {
        c->alpha = u;
    } else {
        return -1;
    }
    return 0;
}

static void put_gate(void)
{
    const tv_gate_config *c = tv_gate_get();
    out_str("m-tv-gate-[on=");
    out_u64(c->on);
    put_field("cells", c->cells);
    put_field("step", c->step);
    put_field("thr", c->thr);
    put_field("blocks", c->blocks);
    put_field("hold", c->hold);
    put_field("refresh", c->refresh);
    put_field("alpha", c->alpha);
    out_str("]\r\n");
}

static void cmd_gate_set(int argc, char **argv)
{
    tv_gate_config c = *tv_gate_get();
    if (argc > 1 && (parse_settings(argv[1], set_gate, &c) != 0 || tv_gate_configure(&c) != 0)) {
        out_error("tv-gate-set takes on=0|1,cells=1..16,step=1..16,thr=0..255,blocks=1..cells^2,"
                  "hold=N,refresh=N,alpha=0..8");
        return;
    }
    put_gate();
}

static void cmd_gate_roi(int argc, char **argv)
{
    static uint8_t mask[(TV_GATE_MAX_CELLS * TV_GATE_MAX_CELLS + 7) / 8];
    size_t len = argc > 1 ? strlen(argv[1]) : 0u;
    if (len == 0u || len % 2u || len / 2u > sizeof mask) {
        out_error("tv-gate-roi takes 2 to 64 hex digits, one bit a block");
        return;
    }
    uint32_t inside = 0;
    for (size_t i = 0; i < len; i += 2u) {
        int v = 0;
        for (size_t j = i; j < i + 2u; ++j) {
            char ch = argv[1][j];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : (ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1);
            if (d < 0) {
                out_error("tv-gate-roi takes lower-case hex digits");
                return;
            }
            v = v * 16 + d;
        }
        mask[i / 2u] = (uint8_t)v;
    }
    tv_gate_set_roi(mask, (uint32_t)(len / 2u));
    uint32_t cells = tv_gate_get()->cells;
    for (uint32_t k = 0; k < cells * cells; ++k) {
        inside += k / 8u < len / 2u ? (mask[k / 8u] >> (k % 8u)) & 1u : 0u;
    }
    out_str("m-tv-gate-roi-[");
    out_u64(inside);
    out_str("]\r\n");
}

static int set_smooth(const char *key, int64_t v, void *ctx)
{
    tv_smooth_config *c = (tv_smooth_config *)ctx;
    if (v < -1000 || v > 1000) {
        return -1;
    }
    if (strcmp(key, "mode") == 0) {
        if (v < 0) {
            return -1;
        }
        c->mode = (uint32_t)v;
    } else if (strcmp(key, "n") == 0 && v >= 0) {
        c->n = (uint32_t)v;
    } else if (strcmp(key, "k") == 0 && v >= 0) {
        c->k = (uint32_t)v;
    } else if (strcmp(key, "on") == 0) {
        c->on = (int32_t)v;
    } else if (strcmp(key, "off") == 0) {
        c->off = (int32_t)v;
    } else {
        return -1;
    }
    return 0;
}

static void cmd_smooth_set(int argc, char **argv)
{
    tv_smooth_config c = *tv_smooth_get();
    if (argc > 1 && (parse_settings(argv[1], set_smooth, &c) != 0 || tv_smooth_configure(&c) != 0)) {
        out_error("tv-smooth-set takes mode=0..3 (none, avg, vote, hyst),n=1..16,k=1..n,on=-128..127,off=-128..on");
        return;
    }
    const tv_smooth_config *s = tv_smooth_get();
    out_str("m-tv-smooth-[mode=");
    out_str(tv_smooth_mode_name(s->mode));
    put_field("n", s->n);
    put_field("k", s->k);
    out_str(",on=");
    out_i64(s->on);
    out_str(",off=");
    out_i64(s->off);
    out_str("]\r\n");
}

static void cmd_stream_stats(void)
{
    out_str("m-tv-stream-[frames=");
    out_u64(st.frames);
    put_field("corrupt", st.corrupt);
    put_field("duplicate", st.duplicate);
    put_field("lost", st.lost);
    put_field("inferred", st.inferred);
    put_field("skipped", st.skipped);
    out_str("]\r\n");
}

int tv_stream_command(int argc, char **argv)
{
    const char *name = argv[0];
    if (strcmp(name, "tv-frame") == 0) {
        cmd_frame();
    } else if (strcmp(name, "tv-file-open") == 0) {
        cmd_file_open(argc, argv);
    } else if (strcmp(name, "tv-file-frame") == 0) {
        cmd_file_frame(argc, argv);
    } else if (strcmp(name, "tv-gate-set") == 0) {
        cmd_gate_set(argc, argv);
    } else if (strcmp(name, "tv-gate-roi") == 0) {
        cmd_gate_roi(argc, argv);
    } else if (strcmp(name, "tv-smooth-set") == 0) {
        cmd_smooth_set(argc, argv);
    } else if (strcmp(name, "tv-stream-reset") == 0) {
        stream_reset();
        out_line("m-tv-stream-[reset]");
    } else if (strcmp(name, "tv-stream-stats") == 0) {
        cmd_stream_stats();
    } else {
        return 0;
    }
    return 1;
}
