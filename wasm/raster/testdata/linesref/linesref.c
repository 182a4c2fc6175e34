/*
 * linesref: draws stroke cases with spice-common's line rasteriser
 * (common/lines.c: X's mi zero-width and dashed lines) and prints the
 * resulting surfaces, the reference stroke_test.go's digests come from.
 *
 * lines.c is not part of this repository: build against a spice-common
 * checkout (see ../pixman/README for the commands):
 *
 *   cc -O2 -o linesref linesref.c $SC/common/lines.c $SC/common/mem.c \
 *      -I$SC/common -I$SC -I<dir with an empty config.h> \
 *      $(pkg-config --cflags --libs pixman-1 glib-2.0 spice-protocol)
 *
 * It calls spice_canvas_zero_line / spice_canvas_zero_dash_line with the
 * lineGC canvas_draw_stroke sets up (width 0, CapNotLast, JoinMiter,
 * LineOnOffDash when styled) and fills the spans and rectangles they
 * produce the way stroke_fill_spans / stroke_fill_rects do, clipped to
 * the draw's region, with a solid colour under a raster op.
 *
 * Input on stdin, little-endian int32 values, per case:
 *   w h, w*h pixels (x8r8g8b8), box x0 y0 x1 y1, nclip (-1: none) and
 *   clip rects, rop (4-bit truth table: bit 3-(2*src+dst) is the result),
 *   colour, ndash, dash lengths, dash offset, npolylines, and for each
 *   its point count and points.
 * Output: each surface as R, G, B, A bytes (A = 255).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pixman.h>
#include "lines.h"

/* the two allocators lines.c uses (spice-common's mem.c aborts on
 * failure; so does this) */
void *spice_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *spice_realloc(void *q, size_t n)
{
    void *p = realloc(q, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static int32_t rd(void)
{
    uint8_t b[4];
    if (fread(b, 1, 4, stdin) != 4) {
        fprintf(stderr, "linesref: short input\n");
        exit(2);
    }
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
}

typedef struct {
    lineGC base;
    pixman_region32_t region;
    uint32_t *pix;
    int w;
    int rop;
    uint32_t color;
} RefGC;

static uint32_t apply_rop(int rop, uint32_t s, uint32_t d)
{
    uint32_t r = 0;
    if (rop & 8) r |= ~s & ~d;
    if (rop & 4) r |= ~s & d;
    if (rop & 2) r |= s & ~d;
    if (rop & 1) r |= s & d;
    return r;
}

static void fill_box(RefGC *gc, int x1, int y1, int x2, int y2)
{
    for (int y = y1; y < y2; y++)
        for (int x = x1; x < x2; x++) {
            uint32_t *p = &gc->pix[y * gc->w + x];
            *p = apply_rop(gc->rop, gc->color, *p);
        }
}

static void fill_spans(lineGC *pgc, int n, SpicePoint *points, int *widths, int sorted, int fg)
{
    RefGC *gc = (RefGC *)pgc;
    (void)fg;
    n = spice_canvas_clip_spans(&gc->region, points, widths, n, points, widths, sorted);
    for (int i = 0; i < n; i++)
        fill_box(gc, points[i].x, points[i].y, points[i].x + widths[i], points[i].y + 1);
}

static void fill_rects(lineGC *pgc, int n, pixman_rectangle32_t *rects, int fg)
{
    RefGC *gc = (RefGC *)pgc;
    pixman_region32_t area;
    pixman_box32_t *boxes = calloc(n ? n : 1, sizeof(*boxes));
    (void)fg;
    for (int i = 0; i < n; i++) {
        boxes[i].x1 = rects[i].x;
        boxes[i].y1 = rects[i].y;
        boxes[i].x2 = rects[i].x + rects[i].width;
        boxes[i].y2 = rects[i].y + rects[i].height;
    }
    pixman_region32_init_rects(&area, boxes, n);
    pixman_region32_intersect(&area, &area, &gc->region);
    free(boxes);
    int nb;
    pixman_box32_t *b = pixman_region32_rectangles(&area, &nb);
    for (int i = 0; i < nb; i++)
        fill_box(gc, b[i].x1, b[i].y1, b[i].x2, b[i].y2);
    pixman_region32_fini(&area);
}

static void one_case(void)
{
    static lineGCOps ops = {fill_spans, fill_rects};
    RefGC gc;
    memset(&gc, 0, sizeof(gc));
    int w = rd(), h = rd();
    gc.w = w;
    gc.pix = malloc((size_t)w * h * 4 + 4);
    for (int i = 0; i < w * h; i++)
        gc.pix[i] = (uint32_t)rd();
    int x0 = rd(), y0 = rd(), x1 = rd(), y1 = rd();
    pixman_region32_t canvas;
    pixman_region32_init_rect(&gc.region, x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0);
    pixman_region32_init_rect(&canvas, 0, 0, w, h);
    pixman_region32_intersect(&gc.region, &gc.region, &canvas);
    pixman_region32_fini(&canvas);
    int nclip = rd();
    if (nclip >= 0) {
        pixman_box32_t *boxes = calloc(nclip ? nclip : 1, sizeof(*boxes));
        pixman_region32_t clip;
        for (int i = 0; i < nclip; i++) {
            boxes[i].x1 = rd();
            boxes[i].y1 = rd();
            boxes[i].x2 = rd();
            boxes[i].y2 = rd();
        }
        pixman_region32_init_rects(&clip, boxes, nclip);
        pixman_region32_intersect(&gc.region, &gc.region, &clip);
        pixman_region32_fini(&clip);
        free(boxes);
    }
    gc.rop = rd();
    gc.color = (uint32_t)rd();
    int ndash = rd();
    unsigned char *dash = malloc(ndash ? ndash : 1);
    for (int i = 0; i < ndash; i++)
        dash[i] = (unsigned char)rd();
    int offset = rd();

    gc.base.width = w;
    gc.base.height = h;
    gc.base.alu = gc.rop;
    gc.base.lineWidth = 0;
    gc.base.dashOffset = offset;
    gc.base.dash = ndash ? dash : NULL;
    gc.base.numInDashList = ndash;
    gc.base.lineStyle = ndash ? LineOnOffDash : LineSolid;
    gc.base.capStyle = CapNotLast;
    gc.base.joinStyle = JoinMiter;
    gc.base.ops = &ops;

    int npoly = rd();
    for (int p = 0; p < npoly; p++) {
        int n = rd();
        SpicePoint *pts = malloc(sizeof(*pts) * (n ? n : 1));
        for (int i = 0; i < n; i++) {
            pts[i].x = rd();
            pts[i].y = rd();
        }
        if (n > 0 && !pixman_region32_not_empty(&gc.region)) {
            /* canvas_draw_stroke returns before drawing */
        } else if (n > 0) {
            if (ndash)
                spice_canvas_zero_dash_line(&gc.base, CoordModeOrigin, n, pts);
            else
                spice_canvas_zero_line(&gc.base, CoordModeOrigin, n, pts);
        }
        free(pts);
    }
    for (int i = 0; i < w * h; i++) {
        uint32_t v = gc.pix[i];
        uint8_t b[4] = {v >> 16, v >> 8, v, 0xff};
        fwrite(b, 1, 4, stdout);
    }
    free(dash);
    free(gc.pix);
    pixman_region32_fini(&gc.region);
}

int main(void)
{
    int c;
    while ((c = getchar()) != EOF) {
        ungetc(c, stdin);
        one_case();
    }
    return fflush(stdout) != 0;
}
