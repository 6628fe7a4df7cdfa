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

/* When the frames of tv-frames arrived and ran, in ticks since the command began:
 * the first and last byte of the frame, the start of its processing (set here)
 * and its end (set by process_frame, before its lines are printed). */
typedef struct {
    uint64_t base, first, last, start, end;
} frame_times;

/* The payload is in the input buffer, its header in hdr; t0 is the timer when
 * receiving the frame began (the CRC check counts as receiving). Prints the
 * frame's lines (with its arrival and processing times when ft is not NULL).
 * Returns 0, or the model's non-zero status. */
static int process_frame(const uint8_t *hdr, const uint8_t *payload, uint64_t t0, frame_times *ft)
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
    if (ft != NULL) {
        ft->end = plat_ticks() - ft->base;
    }
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
    if (ft != NULL) {
        put_field("first", ft->first);
        put_field("last", ft->last);
        put_field("start", ft->start);
        put_field("end", ft->end);
    }
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
    (void)process_frame(hdr, payload, t0, NULL);
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
        if (process_frame(hdr, payload, t0, NULL) != 0) {
            return;
        }
    }
#else
    (void)argc;
    (void)argv;
    out_error("tv-file-frame: this board reads no files of the host; stream frames with tv-frame");
#endif
}

/* ---- runs of frames, single- or double-buffered ---------------------------- */

/* tv-frames N B [P]: N frames, each sent when the board asks for it with
 * m-tv-next-[i]. B = 1, single-buffered: the board receives the frame into the
 * input buffer, runs it, then asks for the next, so transfer and inference take
 * turns. B = 2, double-buffered: the next frame goes into a second buffer while
 * the current one runs (the UART's receive interrupt; a reader thread on the host
 * board); the board asks for frame i + 1 as soon as frame i has left that buffer.
 * Without P the frames come over the serial link. With P (emulated boards) they
 * come from the open frame file through a modelled link: QEMU's UART has no baud
 * timing, so a timer interrupt hands the receive path one byte every P timer
 * ticks, where the UART's receive interrupt would, and starts a frame when the
 * board asks for it, as the host would; tv-frames N B P,K hands over K bytes every
 * K x P ticks, as a UART with a K-byte receive FIFO interrupts. */
#define SLOT_BYTES (TV_FRAME_HEADER_BYTES + (size_t)TV_DB_BYTES)

/* the second buffer (a byte when the project was generated with one) */
static uint8_t rx_buf[TV_STREAM_BUFFERS == 2 ? TV_DB_BYTES : 1] __attribute__((aligned(8)));
static uint8_t rx_hdr[TV_FRAME_HEADER_BYTES];
static uint8_t *rx_payload; /* rx_buf, or the input buffer when single-buffered */

/* The receive interrupt's state. The board touches it only while no frame is
 * coming (before the run) or, for first and last, after full says a frame is in
 * (full is read and written atomically: the release publishes the rest). */
static struct {
    uint32_t left;        /* bytes still to come, of all frames */
    uint32_t pos;         /* bytes of the frame being received */
    uint32_t full;        /* a whole frame is in, not yet taken */
    uint32_t spilled;     /* bytes that came while one was (the host sent too early) */
    uint64_t first, last; /* ticks of the frame's first and last byte */
} rx;

static uint32_t rx_byte(uint8_t byte)
{
    uint32_t left = rx.left - 1u;
    __atomic_store_n(&rx.left, left, __ATOMIC_RELEASE);
    if (__atomic_load_n(&rx.full, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&rx.spilled, rx.spilled + 1u, __ATOMIC_RELEASE);
        return left;
    }
    uint32_t pos = rx.pos;
    if (pos >= TV_FRAME_HEADER_BYTES) {
        rx_payload[pos - TV_FRAME_HEADER_BYTES] = byte;
    } else {
        if (pos == 0u) {
            rx.first = plat_ticks();
        }
        rx_hdr[pos] = byte;
    }
    if (++pos == (uint32_t)SLOT_BYTES) {
        rx.last = plat_ticks();
        pos = 0u;
        __atomic_store_n(&rx.full, 1u, __ATOMIC_RELEASE);
    }
    rx.pos = pos;
    return left;
}

#if TV_HOST_FILES == 1
/* n bytes at once (a receive FIFO's), none past the end of the frame. */
static void rx_bytes(const uint8_t *src, uint32_t n)
{
    __atomic_store_n(&rx.left, rx.left - n, __ATOMIC_RELEASE);
    if (__atomic_load_n(&rx.full, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&rx.spilled, rx.spilled + n, __ATOMIC_RELEASE);
        return;
    }
    uint32_t pos = rx.pos;
    if (pos == 0u) {
        rx.first = plat_ticks();
    }
    if (pos < TV_FRAME_HEADER_BYTES) {
        uint32_t c = TV_FRAME_HEADER_BYTES - pos < n ? TV_FRAME_HEADER_BYTES - pos : n;
        memcpy(rx_hdr + pos, src, c);
        pos += c;
        src += c;
        n -= c;
    }
    memcpy(rx_payload + (pos - TV_FRAME_HEADER_BYTES), src, n);
    pos += n;
    if (pos == (uint32_t)SLOT_BYTES) {
        rx.last = plat_ticks();
        pos = 0u;
        __atomic_store_n(&rx.full, 1u, __ATOMIC_RELEASE);
    }
    rx.pos = pos;
}

/* The modelled link: frames asked for and not yet sent (atomic: the board adds,
 * the interrupt takes), bytes of the frame on the line, bytes of the run left in
 * the file, a chunk read ahead by semihosting (the interrupt's own). */
static struct {
    uint32_t asked, in_frame, total, pos, len, failed, burst;
    uint64_t period; /* timer ticks between interrupts: burst bytes' time on the line */
} link;
static uint8_t link_chunk[64];

static int link_refill(void)
{
    uint32_t want = link.total < sizeof link_chunk ? link.total : (uint32_t)sizeof link_chunk;
    link.len = (uint32_t)file_read(link_chunk, want);
    link.pos = 0u;
    if (link.len == 0u) {
        link.failed = 1u;
        __atomic_store_n(&rx.full, 1u, __ATOMIC_RELEASE); /* wakes the waiting board */
        plat_periodic_stop();
        return -1;
    }
    return 0;
}

/* One interrupt: the next burst bytes (1, or a UART's receive FIFO threshold). */
static void link_tick(void)
{
    if (link.burst == 1u) { /* one byte: the short path, as a UART's receive interrupt */
        if (link.pos == link.len && link_refill() != 0) {
            return;
        }
        --link.total;
        (void)rx_byte(link_chunk[link.pos++]);
        if (--link.in_frame == 0u) {
            link.in_frame = (uint32_t)SLOT_BYTES;
            if (__atomic_sub_fetch(&link.asked, 1u, __ATOMIC_ACQ_REL) == 0u) {
                plat_periodic_stop(); /* the line is idle until the board asks again */
            }
        }
        return;
    }
    for (uint32_t todo = link.burst; todo != 0u;) {
        if (link.pos == link.len && link_refill() != 0) {
            return;
        }
        uint32_t c = link.len - link.pos;
        c = c < todo ? c : todo;
        c = c < link.in_frame ? c : link.in_frame;
        rx_bytes(link_chunk + link.pos, c);
        link.pos += c;
        link.total -= c;
        todo -= c;
        link.in_frame -= c;
        if (link.in_frame == 0u) {
            link.in_frame = (uint32_t)SLOT_BYTES;
            if (__atomic_sub_fetch(&link.asked, 1u, __ATOMIC_ACQ_REL) == 0u) {
                plat_periodic_stop(); /* the line is idle until the board asks again */
                return;
            }
        }
    }
}

/* The board asks the modelled link for one more frame; 0 or -1 (no timer). */
static int link_ask(void)
{
    if (__atomic_fetch_add(&link.asked, 1u, __ATOMIC_ACQ_REL) == 0u) {
        return plat_periodic_start(link.period, link_tick); /* stopped while none was asked */
    }
    return 0;
}
#endif

static void put_next(uint64_t i)
{
    out_str("m-tv-next-[");
    out_u64(i);
    out_str("]\r\n");
    plat_flush();
}

static void frames_error(const char *what, uint64_t i, uint64_t got)
{
    out_str("e-[tv-frames ");
    out_str(what);
    out_str(" (frame ");
    out_u64(i);
    out_str(", ");
    out_u64(got);
    out_str(" of ");
    out_u64((uint64_t)SLOT_BYTES);
    out_str(" bytes)]\r\n");
}

/* Polls one frame from the serial link, with the times of its first and last byte. */
static int poll_frame(uint8_t *hdr, uint8_t *payload, frame_times *ft, uint64_t i)
{
    for (size_t k = 0; k < SLOT_BYTES; ++k) {
        int c = plat_getc(TV_LOAD_TIMEOUT_US);
        if (c < 0) {
            frames_error(c == PLAT_EOF ? "input ended" : "timed out", i, k);
            if (c == PLAT_EOF) {
                plat_exit(0);
            }
            return -1;
        }
        if (k == 0u) {
            ft->first = plat_ticks() - ft->base;
        }
        if (k < TV_FRAME_HEADER_BYTES) {
            hdr[k] = (uint8_t)c;
        } else {
            payload[k - TV_FRAME_HEADER_BYTES] = (uint8_t)c;
        }
    }
    ft->last = plat_ticks() - ft->base;
    return 0;
}

/* Parses a decimal number 1..most; 0 for any other text. */
static uint64_t count_arg(const char *s, uint64_t most)
{
    uint64_t v = 0;
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9' || v > most) {
            return 0;
        }
        v = v * 10u + (uint64_t)(*s - '0');
    }
    return v <= most ? v : 0;
}

static uint64_t period_ticks; /* of the modelled link; 0: the serial link */

/* Asks for frame i: a line to the host, and the modelled link starts sending it. */
static int ask(uint64_t i)
{
    put_next(i);
#if TV_HOST_FILES == 1
    if (period_ticks != 0u && link_ask() != 0) {
        out_error("tv-frames: this board has no timer for a modelled link; stream over the serial link");
        return -1;
    }
#endif
    (void)i;
    return 0;
}

static void frames_stop(void)
{
    if (period_ticks != 0u) {
        plat_periodic_stop();
    } else {
        plat_rx_stop();
    }
}

static void cmd_frames(int argc, char **argv)
{
    const uint64_t most = 0xFFFFFFFFu / (uint64_t)SLOT_BYTES; /* all its bytes counted in 32 bits */
    uint64_t n = argc > 1 ? count_arg(argv[1], most) : 0u;
    uint64_t buffers = argc > 2 ? count_arg(argv[2], 2u) : 0u;
    uint64_t burst = 1u;
    char *comma = argc > 3 ? strchr(argv[3], ',') : NULL;
    if (comma != NULL) {
        *comma = '\0';
        burst = count_arg(comma + 1, 64u);
    }
    period_ticks = argc > 3 ? count_arg(argv[3], 0xFFFFFFFFu) : 0u;
    if (n == 0u || buffers == 0u || (argc > 3 && period_ticks < 2u) || burst == 0u) {
        out_str("e-[tv-frames takes a frame count 1..");
        out_u64(most);
        out_str(", 1 (single-buffered) or 2 (double-buffered) and on emulated boards the timer ticks a byte of a "
                "modelled link]\r\n");
        return;
    }
    if (buffers == 2u && TV_STREAM_BUFFERS < 2) {
        out_error("tv-frames: this firmware has one frame buffer (generate the project with --stream-buffers 2)");
        return;
    }
    uint64_t timeout_us = TV_LOAD_TIMEOUT_US;
#if TV_HOST_FILES == 1
    if (period_ticks != 0u) {
        if (file_handle < 0) {
            out_error("tv-frames: a modelled link reads the frame file: open it first with tv-file-open");
            return;
        }
        link.asked = 0u;
        link.in_frame = (uint32_t)SLOT_BYTES;
        link.total = (uint32_t)(n * (uint64_t)SLOT_BYTES);
        link.pos = link.len = link.failed = 0u;
        link.burst = (uint32_t)burst;
        link.period = period_ticks * burst;
        /* a frame's time on the line, twice, on top of the usual wait */
        timeout_us += 2u * (uint64_t)SLOT_BYTES * period_ticks / (plat_timer_hz() / 1000000u + 1u);
    }
#else
    if (period_ticks != 0u) {
        out_error("tv-frames: a modelled link is for emulated boards; this one streams over its serial link");
        return;
    }
#endif
    out_str("m-tv-frames-[bytes=");
    out_u64((uint64_t)SLOT_BYTES);
    put_field("buffers", buffers);
    put_field("period", period_ticks);
    put_field("burst", burst);
    out_str("]\r\n");
    uint8_t *input = dut_input_buffer();
    rx_payload = buffers == 2u ? rx_buf : input;
    rx.pos = rx.full = rx.spilled = 0u;
    rx.left = (uint32_t)(n * (uint64_t)SLOT_BYTES);
    frame_times ft = {0, 0, 0, 0, 0};
    plat_timer_sync();
    ft.base = plat_ticks();
    int interrupt = period_ticks != 0u || buffers == 2u;
    if (period_ticks == 0u && buffers == 2u && plat_rx_start(rx_byte, rx.left) != 0) {
        out_error("tv-frames: this board has no receive interrupt; stream single-buffered (tv-frames N 1)");
        return;
    }
    if (ask(0) != 0) {
        frames_stop();
        return;
    }
    uint8_t hdr[TV_FRAME_HEADER_BYTES];
    for (uint64_t i = 0; i < n; ++i) {
        if (interrupt) {
            /* times out when no byte came for timeout_us, as plat_getc() does */
            int waited;
            uint32_t left;
            do {
                left = __atomic_load_n(&rx.left, __ATOMIC_ACQUIRE);
                waited = plat_rx_wait(&rx.full, timeout_us);
            } while (waited == PLAT_TIMEOUT && __atomic_load_n(&rx.left, __ATOMIC_ACQUIRE) != left);
#if TV_HOST_FILES == 1
            if (period_ticks != 0u && __atomic_load_n(&link.failed, __ATOMIC_ACQUIRE)) {
                frames_error("read past the end of the frame file", i, __atomic_load_n(&rx.pos, __ATOMIC_ACQUIRE));
                return;
            }
#endif
            if (waited != 0) {
                frames_stop();
                frames_error(waited == PLAT_EOF ? "input ended" : "timed out", i, __atomic_load_n(&rx.pos, __ATOMIC_ACQUIRE));
                if (waited == PLAT_EOF) {
                    plat_exit(0);
                }
                return;
            }
            ft.start = plat_ticks() - ft.base;
            memcpy(hdr, rx_hdr, sizeof hdr);
            if (buffers == 2u) {
                memcpy(input, rx_buf, (size_t)TV_DB_BYTES);
            }
            ft.first = rx.first - ft.base;
            ft.last = rx.last - ft.base;
            if (__atomic_load_n(&rx.spilled, __ATOMIC_ACQUIRE) != 0u) {
                frames_stop();
                frames_error("received bytes before it asked for them", i, __atomic_load_n(&rx.spilled, __ATOMIC_ACQUIRE));
                return;
            }
            __atomic_store_n(&rx.full, 0u, __ATOMIC_RELEASE);
            /* double-buffered: the second buffer is free, frame i + 1 may come while frame i runs */
            if (buffers == 2u && i + 1u < n && ask(i + 1u) != 0) {
                frames_stop();
                return;
            }
        } else {
            if (poll_frame(hdr, input, &ft, i) != 0) {
                return;
            }
            ft.start = plat_ticks() - ft.base;
        }
        if (check_header(hdr, "tv-frames") != 0) {
            if (interrupt) {
                frames_stop();
            }
            return;
        }
        int status = process_frame(hdr, input, ft.base + ft.start, &ft);
        plat_flush();
        if (status != 0) {
            if (interrupt) {
                frames_stop();
            }
            return;
        }
        if (buffers == 1u && i + 1u < n && ask(i + 1u) != 0) {
            frames_stop();
            return;
        }
    }
    if (period_ticks != 0u) {
        plat_periodic_stop();
    }
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
    } else if (strcmp(name, "tv-frames") == 0) {
        cmd_frames(argc, argv);
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
