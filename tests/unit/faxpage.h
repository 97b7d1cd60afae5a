/* Test fax pages: a generated multi-page TIFF/F (ITU-T T.4 1D, 1728 pels, fine resolution)
 * with text-like blocks and a grid that differ per page, and a pixel compare with a received
 * file. Shared by the fax unit tests and tests/bench/faxlab. */
#ifndef STROWGER_TESTS_FAXPAGE_H
#define STROWGER_TESTS_FAXPAGE_H

#include <stdbool.h>

enum { FAXPAGE_WIDTH = 1728 };	/* [pels] A4 at 8 pels/mm (T.4 §2.2) */

/* Write pages pages of rows rows each to path. Return 0 or an errno value. */
int faxpage_write(const char *path, unsigned pages, unsigned rows);

/* The pel at (x, y) of page (0-based) of the pattern: true = black. */
bool faxpage_pel(unsigned page, unsigned x, unsigned y);

/* Compare a received file with the pattern: *pages = pages in it, return the count of rows
 * that differ (a page of the wrong size counts all its rows), or -1 if it cannot be read. */
long faxpage_compare(const char *path, unsigned rows, unsigned *pages);

#endif
