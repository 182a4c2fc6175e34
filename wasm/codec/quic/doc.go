// Package quic decodes SPICE's QUIC images (SPICE image type 1), a
// lossless codec derived from Starosolski's SFALIC.
//
// A stream is a sequence of 32-bit little-endian words read most
// significant bit first. After a five-word header (magic "QUIC", version 0,
// QUIC image type, width, height) each row is coded pixel by pixel: the
// prediction error against the left pixel (first row), the pixel above
// (first column) or their mean is mapped to a non-negative residual and
// written with a length-limited Golomb-Rice code whose parameter comes from
// a bucket chosen by the previous residual of the same channel. Bucket
// statistics are updated only at pseudo-random pixels, drawn from a fixed
// table with a wait that grows as the image goes on. From the second row
// on, flat stretches are coded as run lengths with an adaptive MELCODE.
//
// The decoder must reproduce the encoder's adaptive state exactly, so this
// package follows spice-common's quic.c, quic_tmpl.c and
// quic_family_tmpl.c step for step in what it computes, while its own
// structure is built for speed in WebAssembly: the bit reader and
// adaptation state live in local variables in the per-row loops, with no
// function values or interfaces per pixel.
//
// Output is always a top-down raster.Image in R, G, B, A byte order.
package quic
