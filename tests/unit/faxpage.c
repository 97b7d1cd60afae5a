/* Generated fax test pages: see faxpage.h. */
#include "tests/unit/faxpage.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <tiffio.h>

bool faxpage_pel(unsigned page, unsigned x, unsigned y)
{
	/* "Lines of text": 12-row bands of short runs whose length changes per word and page,
	 * so that the T.4 run-length codes vary; between them a grid of one-pel lines. */
	if (y % 40 < 12 && x >= 64 && x < 1600) {
		unsigned word = x / 48 + y / 40 * 7 + page * 13;

		if (x % 48 < 40 && word % 9 != 0)
			return ((x * 5 + y * 3 + word) % 7) < 3;
	}
	return x % 96 == page % 96 || y % 48 == 0;
}

int faxpage_write(const char *path, unsigned pages, unsigned rows)
{
	uint8_t row[FAXPAGE_WIDTH / 8];
	TIFF *t = TIFFOpen(path, "w");
	int err = 0;

	if (!t)
		return EIO;
	for (unsigned pg = 0; pg < pages && !err; pg++) {
		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, FAXPAGE_WIDTH);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, rows);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		/* T.4 one-dimensional coding (GROUP3OPTIONS 0: 1D, no fill bits) */
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITT_T4);
		TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, 0);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rows);
		/* Fine: 8 pels/mm x 7.7 lines/mm, which SpanDSP reads as 204 x 196 dpi */
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0f);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, pg, pages);
		for (unsigned y = 0; y < rows && !err; y++) {
			memset(row, 0, sizeof(row));
			for (unsigned x = 0; x < FAXPAGE_WIDTH; x++)
				if (faxpage_pel(pg, x, y))
					row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
			if (TIFFWriteScanline(t, row, y, 0) != 1)
				err = EIO;
		}
		if (!err && !TIFFWriteDirectory(t))
			err = EIO;
	}
	TIFFClose(t);
	return err;
}

long faxpage_compare(const char *path, unsigned rows, unsigned *pages)
{
	uint8_t row[FAXPAGE_WIDTH / 8 + 64];
	long bad = 0;
	TIFF *t;

	*pages = 0;
	TIFFSetWarningHandler(NULL);
	t = TIFFOpen(path, "r");
	if (!t)
		return -1;
	do {
		uint32_t w = 0, h = 0;

		TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
		TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
		if (w != FAXPAGE_WIDTH || h != rows || (size_t)TIFFScanlineSize(t) > sizeof(row)) {
			bad += rows;
		} else {
			for (unsigned y = 0; y < rows; y++) {
				bool same = TIFFReadScanline(t, row, y, 0) == 1;

				for (unsigned x = 0; same && x < FAXPAGE_WIDTH; x++)
					same = !!(row[x / 8] & (0x80 >> (x % 8)))
					       == faxpage_pel(*pages, x, y);
				bad += !same;
			}
		}
		++*pages;
	} while (TIFFReadDirectory(t));
	TIFFClose(t);
	return bad;
}
