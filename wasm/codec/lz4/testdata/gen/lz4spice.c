/* Test-fixture generator: compresses raw bitmap rows the way the SPICE
 * server's lz4_encode does (two header bytes, then one
 * LZ4_compress_fast_continue block per chunk of rows on a single stream,
 * each prefixed by its big-endian size). Each chunk lives in its own
 * buffer, as the server's bitmap chunks do.
 * usage: lz4spice RAW OUT topdown fmt stride rows_per_chunk */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage\n"); return 2; }
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
    int topdown = atoi(argv[3]), fmt = atoi(argv[4]), stride = atoi(argv[5]), rows = atoi(argv[6]);
    fseek(in, 0, SEEK_END); long n = ftell(in); fseek(in, 0, SEEK_SET);
    unsigned char hdr[2] = { topdown ? 1 : 0, (unsigned char)fmt };
    fwrite(hdr, 1, 2, out);
    LZ4_stream_t *s = LZ4_createStream();
    int nchunks = (int)((n / stride + rows - 1) / rows);
    char **chunks = calloc(nchunks, sizeof(char *));
    int blocks = 0;
    for (long off = 0; off < n; off += (long)stride * rows) {
        int size = (int)((n - off < (long)stride * rows) ? n - off : (long)stride * rows);
        chunks[blocks] = malloc(size);
        fread(chunks[blocks], 1, size, in);
        int bound = LZ4_compressBound(size);
        char *dst = malloc(bound);
        int k = LZ4_compress_fast_continue(s, chunks[blocks], dst, size, bound, 1);
        if (k <= 0) { fprintf(stderr, "compress failed\n"); return 1; }
        unsigned char be[4] = { k >> 24, k >> 16, k >> 8, k };
        fwrite(be, 1, 4, out);
        fwrite(dst, 1, k, out);
        free(dst);
        blocks++;
    }
    fclose(out);
    fprintf(stderr, "%d blocks, liblz4 %s\n", blocks, LZ4_versionString());
    return 0;
}
