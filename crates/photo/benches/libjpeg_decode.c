/*
 * The C floor for the photo bench: decode each JPEG named on the command line with the
 * system's libjpeg (libjpeg-turbo on Debian) at SCALE_NUM/8 of its size, and nothing else.
 * No resizing, no hashing, no encoding: the least any program using that library must do to
 * get the pixels of a copy that size. `photo_bench` compiles this with `cc … -ljpeg` when
 * a C compiler and jpeglib.h are present, and times it on the same photos as ClearShot.
 *
 *   libjpeg_decode SCALE_NUM FILE…      (SCALE_NUM 1..8: 1 = 1/8 scale, 8 = full size)
 *
 * Exit status 1 and a message on stderr when a file cannot be read or decoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <jpeglib.h>

struct failure {
    struct jpeg_error_mgr mgr;
    jmp_buf back;
};

static void on_error(j_common_ptr info) {
    struct failure *f = (struct failure *)info->err;
    (*info->err->output_message)(info);
    longjmp(f->back, 1);
}

static int decode(const char *path, unsigned num) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        perror(path);
        return 1;
    }
    struct jpeg_decompress_struct d;
    struct failure f;
    unsigned char *pixels = NULL;
    d.err = jpeg_std_error(&f.mgr);
    f.mgr.error_exit = on_error;
    if (setjmp(f.back)) {
        jpeg_destroy_decompress(&d);
        fclose(file);
        free(pixels);
        fprintf(stderr, "%s: cannot decode\n", path);
        return 1;
    }
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, file);
    jpeg_read_header(&d, TRUE);
    d.scale_num = num;
    d.scale_denom = 8;
    d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    size_t stride = (size_t)d.output_width * d.output_components;
    pixels = malloc(stride * d.output_height);
    if (!pixels) {
        fprintf(stderr, "%s: out of memory\n", path);
        longjmp(f.back, 1);
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = pixels + stride * d.output_scanline;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    fclose(file);
    free(pixels);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SCALE_NUM FILE...\n", argv[0]);
        return 2;
    }
    unsigned num = (unsigned)atoi(argv[1]);
    if (num < 1 || num > 8) {
        fprintf(stderr, "SCALE_NUM must be 1..8\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (decode(argv[i], num)) {
            return 1;
        }
    }
    return 0;
}
