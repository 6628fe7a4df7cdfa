/* Settings of this firmware, chosen when the project was generated. */
#ifndef TV_CONFIG_H
#define TV_CONFIG_H

#include "{{ model.header }}"

#define TV_PROTOCOL_VERSION 1
#define TV_DUT_NAME {{ dut_name | c_string }}
#define TV_PROFILE {{ profile | c_string }}
#define TV_MODEL_ID {{ model_id | c_string }}
/* The first 16 hex digits of the sha256 of the model (of its .tflite): tv-info
 * reports it, so the host can check it validates the model the board runs. */
#define TV_MODEL_HASH {{ model_hash | c_string }}
#define TV_BOARD_NAME {{ board.name | c_string }}

/* Input conversion from the file format the host sends. */
#define TV_CONVERSION_INT8 0
#define TV_CONVERSION_UINT8 1
#define TV_CONVERSION_FLOAT32 2
#define TV_CONVERSION TV_CONVERSION_{{ conversion | upper }}
#define TV_CONVERSION_NAME {{ conversion | c_string }}
/* 1: print one value, the mean squared error between the dequantized output and
 * the float input (ad01); 0: print the dequantized outputs. */
#define TV_RESULTS_MSE {{ 1 if results_mse else 0 }}

/* The model, through its generated API. */
#define TV_MODEL_INVOKE() {{ prefix }}_invoke()
#define TV_MODEL_INPUT() {{ prefix }}_input(0)
#define TV_MODEL_OUTPUT() {{ prefix }}_output(0)
#define TV_INPUT_ELEMENTS {{ macro }}_INPUT_0_BYTES
#define TV_INPUT_SCALE {{ macro }}_INPUT_0_SCALE
#define TV_INPUT_ZERO_POINT {{ macro }}_INPUT_0_ZERO_POINT
#define TV_OUTPUT_ELEMENTS {{ macro }}_OUTPUT_0_BYTES
#define TV_OUTPUT_SCALE {{ macro }}_OUTPUT_0_SCALE
#define TV_OUTPUT_ZERO_POINT {{ macro }}_OUTPUT_0_ZERO_POINT
#define TV_ARENA_BYTES {{ macro }}_ARENA_BYTES
#define TV_MACS {{ macro }}_MACS
#define TV_NUM_OPERATORS {{ macro }}_NUM_OPERATORS
#define TV_PROFILE_HOOK {{ prefix }}_profile_hook
/* The input buffer holds one input in the file's format. */
#define TV_DB_BYTES (TV_INPUT_ELEMENTS * {{ 4 if conversion == "float32" else 1 }})

/* Frame buffers for tv-frames: 2 receives the next frame while the current one
 * runs (a second buffer of TV_DB_BYTES), 1 receives into the input buffer only. */
#define TV_STREAM_BUFFERS {{ stream_buffers }}

/* 1: the output is a detector's heat map, decoded into centroids on the board
 * (tv_detect.c) and printed after each tv-infer. */
#define TV_DETECT {{ 1 if detector else 0 }}

/* Texts for tv-info. */
#define TV_INPUT_SHAPE_TEXT {{ model.input.shape | join("x") | c_string }}
#define TV_INPUT_SCALE_TEXT {{ model.input.scale_text | c_string }}
#define TV_OUTPUT_SCALE_TEXT {{ model.output.scale_text | c_string }}

/* The input as a frame, height x width x channels (the motion gate of
 * tv_gate.c reads it; a model without an image input is one row). */
{%- set frame_shape = model.input.shape %}
#define TV_FRAME_H {{ frame_shape[-3] if frame_shape | length >= 3 else 1 }}
#define TV_FRAME_W {{ frame_shape[-2] if frame_shape | length >= 3 else frame_shape[-1] }}
#define TV_FRAME_C {{ frame_shape[-1] if frame_shape | length >= 3 else 1 }}
/* Files on the host computer for streamed frames (tv_stream.c): 1 semihosting
 * (emulated boards, QEMU -semihosting-config enable=on), 2 stdio (host board),
 * 0 none (real boards stream over their serial link). */
#define TV_HOST_FILES {{ 1 if board.emulated else (2 if board.is_host else 0) }}

/* The timer: {{ board.timer.kind }} at {{ board.timer.hz }} Hz. */
#define TV_TIMER_NAME {{ board.timer.kind | c_string }}
#define TV_TIMER_HZ {{ board.timer.hz }}ULL
/* How long tv-load waits for the next byte, in microseconds of the board's timer.
{%- if board.emulated %}
 * Emulated board: this counts guest time (-icount), which advances about 1-4 s a
 * real second while the guest polls its UART; 30 s of guest time is several real
 * seconds, with a margin for a loaded host machine (several boards at once). */
#define TV_LOAD_TIMEOUT_US 30000000ULL
{%- else %} */
#define TV_LOAD_TIMEOUT_US 2000000ULL
{%- endif %}

#endif
