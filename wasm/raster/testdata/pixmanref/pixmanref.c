/*
 * pixmanref: runs draw cases through libpixman and prints the resulting
 * surfaces, the reference that raster's composite and text tests compare
 * with (see ../pixman/README and composite_test.go).
 *
 * Input on stdin: records of little-endian int32 values written by
 * composite_test.go (encodeCase). Output on stdout: for each record, the
 * destination surface read back as a8r8g8b8 and written as R, G, B, A
 * bytes, row by row.
 *
 * Build: cc -O2 -o pixmanref pixmanref.c $(pkg-config --cflags --libs pixman-1)
 *
 * It makes the calls spice-common's canvas makes for DRAW_COMPOSITE
 * (canvas_base.c canvas_draw_composite) and for the glyph part of
 * DRAW_TEXT (sw_canvas.c canvas_draw_text): it is written from reading
 * that code, and holds none of it.
 */
#include <pixman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t rd(void)
{
    uint8_t b[4];
    if (fread(b, 1, 4, stdin) != 4) {
        fprintf(stderr, "pixmanref: short input\n");
        exit(2);
    }
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
}

/* An image of the given pixman format with w*h raw pixel values read from
 * the input (one int32 each, stored at the format's depth). */
static pixman_image_t *read_image(void)
{
    pixman_format_code_t f = (pixman_format_code_t)rd();
    int w = rd(), h = rd();
    pixman_image_t *img = pixman_image_create_bits(f, w, h, NULL, 0);
    if (!img) {
        fprintf(stderr, "pixmanref: cannot create %x %dx%d\n", f, w, h);
        exit(2);
    }
    uint8_t *bits = (uint8_t *)pixman_image_get_data(img);
    int stride = pixman_image_get_stride(img);
    int bpp = PIXMAN_FORMAT_BPP(f);
    for (int y = 0; y < h; y++) {
        uint8_t *row = bits + y * stride;
        for (int x = 0; x < w; x++) {
            uint32_t v = (uint32_t)rd();
            switch (bpp) {
            case 32: ((uint32_t *)row)[x] = v; break;
            case 16: ((uint16_t *)row)[x] = (uint16_t)v; break;
            case 8: row[x] = (uint8_t)v; break;
            case 1: /* pixman a1 on little-endian: bit x&7, LSB first */
                if (v & 1)
                    row[x >> 3] |= (uint8_t)(1 << (x & 7));
                else
                    row[x >> 3] &= (uint8_t)~(1 << (x & 7));
                break;
            default:
                fprintf(stderr, "pixmanref: bpp %d\n", bpp);
                exit(2);
            }
        }
    }
    return img;
}

/* Optional picture attributes: transform, filter, repeat, component alpha. */
static void read_attrs(pixman_image_t *img)
{
    if (rd()) {
        pixman_transform_t t;
        t.matrix[0][0] = rd();
        t.matrix[0][1] = rd();
        t.matrix[0][2] = rd();
        t.matrix[1][0] = rd();
        t.matrix[1][1] = rd();
        t.matrix[1][2] = rd();
        t.matrix[2][0] = 0;
        t.matrix[2][1] = 0;
        t.matrix[2][2] = pixman_fixed_1;
        pixman_image_set_transform(img, &t);
    }
    pixman_image_set_filter(img, (pixman_filter_t)rd(), NULL, 0);
    pixman_image_set_repeat(img, (pixman_repeat_t)rd());
    pixman_image_set_component_alpha(img, rd() != 0);
}

/* The drawing region: box ∩ surface ∩ union(clip rects), as
 * canvas_clip_pixman builds it. */
static void read_region(pixman_region32_t *rg, int w, int h, pixman_box32_t *box)
{
    int x0 = rd(), y0 = rd(), x1 = rd(), y1 = rd();
    box->x1 = x0;
    box->y1 = y0;
    box->x2 = x1 > x0 ? x1 : x0;
    box->y2 = y1 > y0 ? y1 : y0;
    int n = rd();
    pixman_region32_t canvas;
    pixman_region32_init_rect(rg, x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0);
    pixman_region32_init_rect(&canvas, 0, 0, w, h);
    pixman_region32_intersect(rg, rg, &canvas);
    pixman_region32_fini(&canvas);
    if (n >= 0) {
        pixman_box32_t *boxes = calloc(n ? n : 1, sizeof(*boxes));
        pixman_region32_t clip;
        for (int i = 0; i < n; i++) {
            boxes[i].x1 = rd();
            boxes[i].y1 = rd();
            boxes[i].x2 = rd();
            boxes[i].y2 = rd();
        }
        pixman_region32_init_rects(&clip, boxes, n);
        pixman_region32_intersect(rg, rg, &clip);
        pixman_region32_fini(&clip);
        free(boxes);
    }
}

static void write_image(pixman_image_t *dst)
{
    int w = pixman_image_get_width(dst), h = pixman_image_get_height(dst);
    pixman_image_t *out = pixman_image_create_bits(PIXMAN_a8r8g8b8, w, h, NULL, 0);
    pixman_image_composite32(PIXMAN_OP_SRC, dst, NULL, out, 0, 0, 0, 0, 0, 0, w, h);
    uint32_t *bits = pixman_image_get_data(out);
    int stride = pixman_image_get_stride(out) / 4;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t p = bits[y * stride + x];
            uint8_t b[4] = {p >> 16, p >> 8, p, p >> 24};
            fwrite(b, 1, 4, stdout);
        }
    }
    pixman_image_unref(out);
}

/* Kind 1, composite: dest image, box and clip, op, source with
 * attributes and origin, optional mask with attributes and origin.
 * As canvas_draw_composite does: the box is copied out of the surface
 * into an image of the surface's format (pixels outside the surface,
 * which spice-common would read out of bounds, are 0 here), composited
 * there whole, and the clipped region copied back. */
static void composite(void)
{
    pixman_image_t *dst = read_image();
    pixman_region32_t rg;
    pixman_box32_t box;
    read_region(&rg, pixman_image_get_width(dst), pixman_image_get_height(dst), &box);
    int op = rd();
    pixman_image_t *src = read_image();
    read_attrs(src);
    int sx = rd(), sy = rd();
    pixman_image_t *mask = NULL;
    int mx = 0, my = 0;
    if (rd()) {
        mask = read_image();
        read_attrs(mask);
        mx = rd();
        my = rd();
    }
    int bw = box.x2 - box.x1, bh = box.y2 - box.y1;
    if (bw > 0 && bh > 0) {
        pixman_format_code_t f = pixman_image_get_format(dst);
        pixman_image_t *d = pixman_image_create_bits(f, bw, bh, NULL, 0);
        /* d = the surface's box (a plain copy, format to format) */
        pixman_image_composite32(PIXMAN_OP_SRC, dst, NULL, d, box.x1, box.y1, 0, 0, 0, 0, bw, bh);
        pixman_image_composite32((pixman_op_t)op, src, mask, d, sx, sy, mx, my, 0, 0, bw, bh);
        /* copy the region back */
        pixman_image_set_clip_region32(dst, &rg);
        pixman_image_composite32(PIXMAN_OP_SRC, d, NULL, dst, 0, 0, 0, 0, box.x1, box.y1, bw, bh);
        pixman_image_set_clip_region32(dst, NULL);
        pixman_image_unref(d);
    }
    write_image(dst);
    pixman_image_unref(src);
    if (mask)
        pixman_image_unref(mask);
    pixman_image_unref(dst);
    pixman_region32_fini(&rg);
}

/* Kind 2, the glyph part of DRAW_TEXT: dest image, region, an a1 or a8
 * string mask placed at (px, py), and the fore brush: solid (a colour in
 * the surface's channel layout, converted as canvas_get_pixman_brush
 * does for 32-bit surfaces) or a pattern image translated by its
 * position with REPEAT_NORMAL. OVER through the mask, clipped. */
static void text(void)
{
    pixman_image_t *dst = read_image();
    pixman_region32_t rg;
    pixman_box32_t box;
    read_region(&rg, pixman_image_get_width(dst), pixman_image_get_height(dst), &box);
    pixman_image_t *mask = read_image();
    int px = rd(), py = rd();
    pixman_image_t *brush;
    if (rd() == 0) {
        uint32_t c = (uint32_t)rd();
        pixman_color_t col;
        col.blue = (c & 0xff) * 0xffff / 0xff;
        col.green = (c >> 8 & 0xff) * 0xffff / 0xff;
        col.red = (c >> 16 & 0xff) * 0xffff / 0xff;
        col.alpha = 0xffff;
        brush = pixman_image_create_solid_fill(&col);
    } else {
        brush = read_image();
        int ox = rd(), oy = rd();
        pixman_transform_t t;
        pixman_transform_init_translate(&t, pixman_int_to_fixed(-ox), pixman_int_to_fixed(-oy));
        pixman_image_set_transform(brush, &t);
        pixman_image_set_repeat(brush, PIXMAN_REPEAT_NORMAL);
    }
    pixman_image_set_clip_region32(dst, &rg);
    pixman_image_composite32(PIXMAN_OP_OVER, brush, mask, dst, 0, 0, 0, 0, px, py,
                             pixman_image_get_width(mask), pixman_image_get_height(mask));
    pixman_image_set_clip_region32(dst, NULL);
    write_image(dst);
    pixman_image_unref(brush);
    pixman_image_unref(mask);
    pixman_image_unref(dst);
    pixman_region32_fini(&rg);
}

int main(void)
{
    int c;
    while ((c = getchar()) != EOF) {
        ungetc(c, stdin);
        switch (rd()) {
        case 1: composite(); break;
        case 2: text(); break;
        default:
            fprintf(stderr, "pixmanref: unknown record\n");
            return 2;
        }
    }
    return fflush(stdout) != 0;
}
