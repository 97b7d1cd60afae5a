/*
 * mkfaxtiff: deterministic multi-page TIFF-F test pages for the fax tests (ITU-T T.4 page:
 * 1728 pixels wide, bilevel, MinIsWhite, T.4 1D or 2D coded). Each page has rows of
 * text-like glyphs (a fixed pseudo-random font, so runs are short and varied like print),
 * a fine grid (1-pixel lines every 32 pixels, which T.4 codes poorly and a damaged row
 * shows at once) and its page number in large digits, so a page sent in the wrong order
 * or twice does not compare equal.
 *
 *   mkfaxtiff [--pages N] [--res fine|standard] [--coding 1d|2d] OUT.tif
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#define WIDTH		1728	/* [pixels] T.4 §2.2, A4 */
#define BYTES		(WIDTH / 8)
/* [rows] a short page at 196 lpi (~8 cm): a few seconds per page at 14400 bit/s keeps the
 * fax tests short, while text, grid and number still exercise every coding mode */
#define ROWS_FINE	640
#define MARGIN		64	/* [pixels] */

/* xorshift32: the same pages on every machine */
static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void set_px(uint8_t *row, int x)
{
	if (x >= 0 && x < WIDTH)
		row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
}

/* Seven-segment digits, segment order a b c d e f g. */
static const uint8_t seg7[10] = { 0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f };

/* Is (x, y) inside digit d drawn in a w x h box with stroke t? */
static int digit_px(int d, int x, int y, int w, int h, int t)
{
	uint8_t m = seg7[d % 10];
	int mid = h / 2;

	if ((m & 0x01) && y < t)
		return 1;
	if ((m & 0x08) && y >= h - t)
		return 1;
	if ((m & 0x40) && y >= mid - t / 2 && y < mid + t - t / 2)
		return 1;
	if ((m & 0x20) && x < t && y < mid)
		return 1;
	if ((m & 0x02) && x >= w - t && y < mid)
		return 1;
	if ((m & 0x10) && x < t && y >= mid)
		return 1;
	if ((m & 0x04) && x >= w - t && y >= mid)
		return 1;
	return 0;
}

/* One row of page `page` (1-based) at fine-resolution row y. */
static void draw_row(uint8_t *row, int page, int y, int rows, const uint16_t glyphs[64][12])
{
	const int dh = 120, dw = 72, dt = 14, top = 40;	/* page number box */
	int grid_top = rows - 200, grid_bot = rows - 40;

	memset(row, 0, BYTES);
	/* page number, top right: up to 3 digits */
	if (y >= top && y < top + dh) {
		char num[8];
		int n = snprintf(num, sizeof(num), "%d", page % 1000);

		for (int k = 0; k < n; k++) {
			int x0 = WIDTH - MARGIN - (n - k) * (dw + 24);

			for (int x = 0; x < dw; x++)
				if (digit_px(num[k] - '0', x, y - top, dw, dh, dt))
					set_px(row, x0 + x);
		}
	}
	/* text: lines of 24-row glyph cells (12 x 12 font, doubled), 8 rows of leading */
	if (y >= top + dh + 24 && y < grid_top - 24) {
		int ly = y - (top + dh + 24), line = ly / 32, gy = ly % 32;
		uint32_t s = 0x9e3779b9u ^ (uint32_t)(page * 7919 + line * 104729);

		if (gy < 24) {
			for (int x = MARGIN, w = 0; x + 24 <= WIDTH - MARGIN; x += 26) {
				unsigned g = rnd(&s) % 64;

				/* words of 2-9 glyphs, a space between, lines of varied length */
				if (w == 0) {
					w = 2 + (int)(rnd(&s) % 8);
					if ((rnd(&s) % 23) == 0)
						break;
					continue;
				}
				w--;
				for (int gx = 0; gx < 24; gx++)
					if (glyphs[g][gy / 2] >> (11 - gx / 2) & 1)
						set_px(row, x + gx);
			}
		}
	}
	/* grid: 1-pixel lines every 32 pixels */
	if (y >= grid_top && y <= grid_bot) {
		if ((y - grid_top) % 32 == 0) {
			for (int x = MARGIN; x <= WIDTH - MARGIN; x++)
				set_px(row, x);
		} else {
			for (int x = MARGIN; x <= WIDTH - MARGIN; x += 32)
				set_px(row, x);
		}
	}
}

static void make_glyphs(uint16_t glyphs[64][12])
{
	uint32_t s = 0x1234567u;

	/* 12 x 12 cells: a vertical stem and random strokes, like a coarse typeface */
	for (int g = 0; g < 64; g++)
		for (int r = 0; r < 12; r++) {
			uint16_t v = (uint16_t)(rnd(&s) & 0x3fc);

			if (r == 0 || r == 11)
				v = 0;
			else
				v |= g & 1 ? 0x100 : 0x080;
			glyphs[g][r] = v;
		}
}

static void usage(FILE *f)
{
	fputs("usage: mkfaxtiff [--pages N] [--res fine|standard] [--coding 1d|2d] OUT.tif\n"
	      "  writes N (3) deterministic TIFF-F pages, 1728 px wide, 204x196 (fine) or\n"
	      "  204x98 (standard) dpi, T.4 1D or 2D (default) coded\n", f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "res", required_argument, NULL, 'r' },
		{ "coding", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int pages = 3, fine = 1, twod = 1, opt;
	uint16_t glyphs[64][12];
	uint8_t row[BYTES];
	TIFF *t;

	while ((opt = getopt_long(argc, argv, "p:r:c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pages = atoi(optarg);
			if (pages < 1 || pages > 999)
				goto bad;
			break;
		case 'r':
			if (!strcmp(optarg, "fine"))
				fine = 1;
			else if (!strcmp(optarg, "standard"))
				fine = 0;
			else
				goto bad;
			break;
		case 'c':
			if (!strcmp(optarg, "1d"))
				twod = 0;
			else if (!strcmp(optarg, "2d"))
				twod = 1;
			else
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc - 1)
		goto bad;
	make_glyphs(glyphs);
	t = TIFFOpen(argv[optind], "w");
	if (!t) {
		fprintf(stderr, "mkfaxtiff: cannot create %s\n", argv[optind]);
		return 1;
	}
	for (int p = 1; p <= pages; p++) {
		int rows = fine ? ROWS_FINE : ROWS_FINE / 2;

		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, WIDTH);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, rows);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
		TIFFSetField(t, TIFFTAG_GROUP3OPTIONS,
			     (uint32_t)(GROUP3OPT_FILLBITS | (twod ? GROUP3OPT_2DENCODING : 0)));
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, (uint32_t)rows);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, fine ? 196.0f : 98.0f);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)(p - 1), (uint16_t)pages);
		TIFFSetField(t, TIFFTAG_SOFTWARE, "strowger mkfaxtiff");
		TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, "strowger fax test page");
		for (int y = 0; y < rows; y++) {
			/* standard resolution draws every other fine row: same layout */
			draw_row(row, p, fine ? y : 2 * y, ROWS_FINE, glyphs);
			if (TIFFWriteScanline(t, row, (uint32_t)y, 0) < 0) {
				fprintf(stderr, "mkfaxtiff: %s: write failed\n", argv[optind]);
				TIFFClose(t);
				return 1;
			}
		}
		if (!TIFFWriteDirectory(t)) {
			fprintf(stderr, "mkfaxtiff: %s: directory write failed\n", argv[optind]);
			TIFFClose(t);
			return 1;
		}
	}
	TIFFClose(t);
	printf("mkfaxtiff: %s: %d page%s, %s, T.4 %s\n", argv[optind], pages, pages == 1 ? "" : "s",
	       fine ? "fine 204x196" : "standard 204x98", twod ? "2D" : "1D");
	return 0;
bad:
	usage(stderr);
	return 2;
}
