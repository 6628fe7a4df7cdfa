/* Centroids from the model's int8 heat map (a FOMO-style detector: rows x cols
 * cells, classes scores per cell, class 0 = background).
 *
 * A cell is a detection when its best object class (1..classes-1, the lower class
 * on a tie) scores at least the threshold and the cell is a peak of that class's
 * map: greater than the class's score in each of its 8 neighbours that come earlier
 * in row-major order, at least as great as in those that come later. Detections
 * are listed in row-major order, at most max_out of them; the return value counts
 * every peak. The host (tinyvid.detect.decode) computes the same detections bit
 * for bit. */
#ifndef TV_DETECT_H
#define TV_DETECT_H

#include <stdint.h>

/* The model's heat map and the firmware's decoding settings. */
#define TV_DETECT_ROWS {{ detector.rows }}
#define TV_DETECT_COLS {{ detector.cols }}
#define TV_DETECT_CLASSES {{ detector.classes }}
/* The score threshold in int8 units: {{ detector.probability }} as a probability. */
#define TV_DETECT_THRESHOLD ({{ detector.threshold }})
#define TV_DETECT_MAX {{ detector.max }}

typedef struct {
    uint8_t cls;   /* object class, 1..classes-1 */
    uint8_t row;   /* cell row */
    uint8_t col;   /* cell column */
    int8_t score;  /* the class's int8 score in that cell */
} tv_detection;

/* heat: rows x cols x classes int8, NHWC. Writes at most max_out detections to
 * out; returns the number of peaks found (which may exceed max_out). */
int32_t tv_detect_decode(const int8_t *heat, int32_t rows, int32_t cols, int32_t classes, int8_t threshold,
                         tv_detection *out, int32_t max_out);

/* Decodes the model's output with this firmware's settings and prints
 * "m-tv-detections-[<count>;<class>,<row>,<col>,<score>;...]". */
void tv_detect_put(const int8_t *heat);

#endif
