/*
 * faxcmp: compare a received fax (TIFF-F) with the one sent, page by page and row by row.
 * An ECM fax must arrive pixel for pixel; a non-ECM fax may lose rows to line errors, which
 * the receiver replaces (T.4 §4.1.3 does not say how), so the verdict counts differing rows.
 * Rows missing from a shorter page count as differing. Pixels are compared as black/white
 * whatever the file's photometric interpretation.
 *
 *   faxcmp [--max-rows N] SENT.tif RECEIVED.tif
 *   -> faxcmp: pages=3/3 rows_differ=0,0,0        (received/sent pages; per page)
 * Exit 0 only if the page counts match and no page has more than N (0) differing rows;
 * 1 they differ; 2 a file cannot be read.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#define MAX_PAGES 256

struct page {
	uint32_t width, rows;
	uint8_t *bits;		/* rows × stride bytes, 1 = black */
	size_t stride;
};

static int pages_of(TIFF *t)
{
	int n = 0;

	if (!TIFFSetDirectory(t, 0))
		return 0;
	do
		n++;
	while (TIFFReadDirectory(t) && n < MAX_PAGES);
	return n;
}

/* Read page `dir` into p; 0 or -1. */
static int read_page(TIFF *t, int dir, struct page *p)
{
	uint16_t bps = 1, spp = 1, photo = PHOTOMETRIC_MINISWHITE;
	tmsize_t sl;

	memset(p, 0, sizeof(*p));
	if (!TIFFSetDirectory(t, (tdir_t)dir) ||
	    !TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &p->width) ||
	    !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &p->rows))
		return -1;
	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo);
	if (bps != 1 || spp != 1)
		return -1;
	sl = TIFFScanlineSize(t);
	p->stride = (p->width + 7) / 8;
	if (sl < (tmsize_t)p->stride)
		return -1;
	p->bits = calloc((size_t)p->rows ? p->rows : 1, (size_t)sl);
	if (!p->bits)
		return -1;
	for (uint32_t y = 0; y < p->rows; y++) {
		uint8_t *row = p->bits + (size_t)y * p->stride;

		/* rows are stride apart; the scanline may be longer than stride only in theory */
		if (TIFFReadScanline(t, row, y, 0) < 0)
			return -1;
		if (photo == PHOTOMETRIC_MINISBLACK)
			for (size_t i = 0; i < p->stride; i++)
				row[i] = (uint8_t)~row[i];
		if (p->width % 8)
			row[p->stride - 1] &= (uint8_t)(0xff << (8 - p->width % 8));
	}
	return 0;
}

/* Differing rows of two pages: rows beyond the shorter page and rows whose pixels differ;
 * pages of different width differ in every row. */
static uint32_t rows_differ(const struct page *a, const struct page *b)
{
	uint32_t n = a->rows > b->rows ? a->rows - b->rows : b->rows - a->rows;
	uint32_t common = a->rows < b->rows ? a->rows : b->rows;

	if (a->width != b->width)
		return a->rows > b->rows ? a->rows : b->rows;
	for (uint32_t y = 0; y < common; y++)
		if (memcmp(a->bits + (size_t)y * a->stride, b->bits + (size_t)y * b->stride, a->stride))
			n++;
	return n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-rows", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long max_rows = 0;
	int opt, ns, nr, bad = 0;
	TIFF *ts, *tr;
	char list[MAX_PAGES * 8] = "";
	size_t len = 0;

	while ((opt = getopt_long(argc, argv, "m:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			max_rows = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			puts("usage: faxcmp [--max-rows N] SENT.tif RECEIVED.tif");
			return 0;
		default:
			fputs("usage: faxcmp [--max-rows N] SENT.tif RECEIVED.tif\n", stderr);
			return 2;
		}
	}
	if (optind != argc - 2) {
		fputs("usage: faxcmp [--max-rows N] SENT.tif RECEIVED.tif\n", stderr);
		return 2;
	}
	TIFFSetWarningHandler(NULL);
	ts = TIFFOpen(argv[optind], "r");
	tr = TIFFOpen(argv[optind + 1], "r");
	if (!ts || !tr) {
		printf("faxcmp: cannot read %s\n", ts ? argv[optind + 1] : argv[optind]);
		if (ts)
			TIFFClose(ts);
		if (tr)
			TIFFClose(tr);
		return 2;
	}
	ns = pages_of(ts);
	nr = pages_of(tr);
	for (int i = 0; i < ns && i < nr; i++) {
		struct page a, b;
		long d;

		if (read_page(ts, i, &a) || read_page(tr, i, &b)) {
			d = -1;
			bad = 1;
		} else {
			d = (long)rows_differ(&a, &b);
			if ((unsigned long)d > max_rows)
				bad = 1;
		}
		free(a.bits);
		free(b.bits);
		if (len < sizeof(list) - 16) {
			if (d < 0)
				len += (size_t)snprintf(list + len, 16, "%sunreadable", i ? "," : "");
			else
				len += (size_t)snprintf(list + len, 16, "%s%ld", i ? "," : "", d);
		}
	}
	TIFFClose(ts);
	TIFFClose(tr);
	if (ns != nr)
		bad = 1;
	printf("faxcmp: pages=%d/%d rows_differ=%s%s\n", nr, ns, *list ? list : "-",
	       bad ? " FAIL" : "");
	return bad ? 1 : 0;
}
