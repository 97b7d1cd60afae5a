/* Parsers of DAHDI's span reports (/proc/dahdi/N, sysfs span attributes). */
#include "tdm/dahdi_report.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DAHDI's sigstr() names. Longer names first where one is a prefix of another. */
static const struct {
	const char *name;
	enum dahdi_report_sig sig;
} sig_names[] = {
	{"Hardware-assisted HDLC", DR_SIG_HDLC},
	{"HDLCFCS", DR_SIG_HDLC}, {"HDLCRAW", DR_SIG_HDLC}, {"HDLCNET", DR_SIG_HDLC},
	{"Clear", DR_SIG_CLEAR},
	{"FXOLS", DR_SIG_FXO}, {"FXOKS", DR_SIG_FXO}, {"FXOGS", DR_SIG_FXO},
	{"FXSLS", DR_SIG_FXS}, {"FXSKS", DR_SIG_FXS}, {"FXSGS", DR_SIG_FXS},
	{"E&M-E1", DR_SIG_OTHER}, {"E&M", DR_SIG_OTHER}, {"MTP2", DR_SIG_OTHER},
	{"Slave", DR_SIG_OTHER}, {"CAS", DR_SIG_OTHER}, {"DACS+RBS", DR_SIG_OTHER},
	{"DACS", DR_SIG_OTHER}, {"SF (ToneOnly)", DR_SIG_OTHER},
	{"Unconfigured", DR_SIG_UNCONFIGURED}, {"Reserved", DR_SIG_UNCONFIGURED},
};

static const struct {
	const char *name;
	unsigned bit;
} line_names[] = {
	/* DAHDI prints them in this order (lineconfig_str() walks the bits upwards). */
	{"D4", DR_LINE_D4}, {"ESF", DR_LINE_ESF}, {"AMI", DR_LINE_AMI}, {"B8ZS", DR_LINE_B8ZS},
	{"CCS", DR_LINE_CCS}, {"HDB3", DR_LINE_HDB3}, {"CRC4", DR_LINE_CRC4},
};

static const struct {
	const char *name;
	unsigned bit;
} alarm_names[] = {
	{"BLUE", DR_ALARM_BLUE}, {"YELLOW", DR_ALARM_YELLOW}, {"RED", DR_ALARM_RED},
	{"LOOP", DR_ALARM_LOOP}, {"RECOVERING", DR_ALARM_RECOVERING},
	{"NOTOPEN", DR_ALARM_NOTOPEN},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void copy_field(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Bits of a "CCS/HDB3/CRC4" token; 0 if any part is not a line configuration name. */
static unsigned line_bits(const char *tok, size_t n)
{
	unsigned bits = 0;
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		unsigned bit = 0;

		while (j < n && tok[j] != '/')
			j++;
		for (unsigned k = 0; k < NELEM(line_names); k++)
			if (strlen(line_names[k].name) == j - i &&
			    !memcmp(line_names[k].name, tok + i, j - i))
				bit = line_names[k].bit;
		if (!bit)
			return 0;
		bits |= bit;
		i = j + 1;
	}
	return bits;
}

static unsigned alarm_bit(const char *tok, size_t n)
{
	for (unsigned k = 0; k < NELEM(alarm_names); k++)
		if (strlen(alarm_names[k].name) == n && !memcmp(alarm_names[k].name, tok, n))
			return alarm_names[k].bit;
	return 0;
}

/* "Span 2: DYN/loc/1:1 "Dynamic 'loc' span at '1:1'" (MASTER) CCS/HDB3/CRC4 RED ClockSource " */
static int parse_span_line(struct dahdi_report_span *s, const char *p, const char *end)
{
	char *num_end;
	unsigned long spanno;

	if (end - p < 6 || memcmp(p, "Span ", 5))
		return EINVAL;
	spanno = strtoul(p + 5, &num_end, 10);
	if (num_end == p + 5 || num_end >= end || *num_end != ':' || !spanno || spanno > 10000)
		return EINVAL;
	s->spanno = (unsigned)spanno;
	p = num_end + 1;
	while (p < end && *p == ' ')
		p++;
	const char *name = p;
	while (p < end && *p != ' ')
		p++;
	copy_field(s->name, sizeof(s->name), name, (size_t)(p - name));

	/* The description is quoted and may hold spaces and single quotes; nothing after it
	 * carries a double quote. */
	const char *q1 = memchr(p, '"', (size_t)(end - p));
	if (q1) {
		const char *q2 = end;
		while (q2 > q1 + 1 && q2[-1] != '"')
			q2--;
		if (q2 > q1 + 1) {
			copy_field(s->desc, sizeof(s->desc), q1 + 1, (size_t)(q2 - 1 - (q1 + 1)));
			p = q2;
		} else {
			p = q1 + 1;
		}
	}
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *tok = p;
		while (p < end && *p != ' ')
			p++;
		size_t n = (size_t)(p - tok);
		if (!n)
			break;
		if (n == 8 && !memcmp(tok, "(MASTER)", 8))
			s->sync_master = true;
		else if (n == 11 && !memcmp(tok, "ClockSource", 11))
			s->clock_source = true;
		else if (alarm_bit(tok, n))
			s->alarms |= alarm_bit(tok, n);
		else
			s->lineconfig |= line_bits(tok, n);
	}
	return 0;
}

/* "\tCRC4 error count: 12" */
static bool parse_counter(struct dahdi_report_span *s, const char *p, const char *end)
{
	static const struct {
		const char *label;
		size_t off;
	} labels[] = {
		{"BPV count:", offsetof(struct dahdi_report_counts, bpv)},
		{"CRC4 error count:", offsetof(struct dahdi_report_counts, crc4)},
		{"E-bit error count:", offsetof(struct dahdi_report_counts, ebit)},
		{"FAS error count:", offsetof(struct dahdi_report_counts, fas)},
		{"IRQ misses:", offsetof(struct dahdi_report_counts, irqmisses)},
		{"Timing slips:", offsetof(struct dahdi_report_counts, timingslips)},
	};

	for (unsigned k = 0; k < NELEM(labels); k++) {
		size_t n = strlen(labels[k].label);
		if ((size_t)(end - p) <= n || memcmp(p, labels[k].label, n))
			continue;
		unsigned long v = strtoul(p + n, NULL, 10);
		*(unsigned *)((char *)&s->counts + labels[k].off) = (unsigned)v;
		return true;
	}
	return false;
}

/* "\t  47 DYN/loc/1:1/16 HDLCFCS (In use) " */
static int parse_chan_line(struct dahdi_report_span *s, const char *p, const char *end)
{
	struct dahdi_report_chan *c;
	char *num_end;
	unsigned long channo = strtoul(p, &num_end, 10);

	if (num_end == p || num_end >= end || *num_end != ' ' || !channo)
		return EINVAL;
	if (s->nchans >= DAHDI_REPORT_MAX_CHANS)
		return E2BIG;
	c = &s->chans[s->nchans++];
	c->channo = (unsigned)channo;
	p = num_end;
	while (p < end && *p == ' ')
		p++;
	const char *name = p;
	while (p < end && *p != ' ')
		p++;
	copy_field(c->name, sizeof(c->name), name, (size_t)(p - name));
	while (p < end && *p == ' ')
		p++;
	c->sig = DR_SIG_UNCONFIGURED;
	for (unsigned k = 0; k < NELEM(sig_names); k++) {
		size_t n = strlen(sig_names[k].name);
		if ((size_t)(end - p) >= n && !memcmp(p, sig_names[k].name, n) &&
		    (p + n == end || p[n] == ' ')) {
			c->sig = sig_names[k].sig;
			copy_field(c->sig_name, sizeof(c->sig_name), p, n);
			p += n;
			break;
		}
	}
	for (const char *u = p; end - u >= 8; u++)
		if (!memcmp(u, "(In use)", 8)) {
			c->in_use = true;
			break;
		}
	return 0;
}

int dahdi_report_parse_proc(struct dahdi_report_span *s, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	bool first = true;
	int err;

	if (!s || !text)
		return EINVAL;
	memset(s, 0, sizeof(*s));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;
		const char *q = p;

		while (q < line_end && (*q == ' ' || *q == '\t'))
			q++;
		if (first) {
			err = parse_span_line(s, p, line_end);
			if (err)
				return err;
			first = false;
		} else if (q < line_end && isdigit((unsigned char)*q)) {
			err = parse_chan_line(s, q, line_end);
			if (err == E2BIG)
				return err;
		} else if (q < line_end) {
			(void)parse_counter(s, q, line_end);
		}
		p = eol ? eol + 1 : end;
	}
	return first ? EINVAL : 0;
}

int dahdi_report_set_attr(struct dahdi_report_span *s, const char *attr, const char *value)
{
	size_t n;

	if (!s || !attr || !value)
		return EINVAL;
	n = strcspn(value, "\n");
	if (!strcmp(attr, "spantype")) {
		copy_field(s->spantype, sizeof(s->spantype), value, n);
	} else if (!strcmp(attr, "lineconfig")) {
		/* Same text as in /proc: "CCS/HDB3/CRC4", empty when none. */
		if (n && !line_bits(value, n))
			return EINVAL;
		s->lineconfig = n ? line_bits(value, n) : 0;
	} else if (!strcmp(attr, "is_sync_master")) {
		s->sync_master = value[0] == '1';
	} else if (!strcmp(attr, "name") && !s->name[0]) {
		copy_field(s->name, sizeof(s->name), value, n);
	} else if (!strcmp(attr, "desc") && !s->desc[0]) {
		copy_field(s->desc, sizeof(s->desc), value, n);
	}
	return 0;
}

enum dahdi_report_type dahdi_report_type(const struct dahdi_report_span *s, const char **from)
{
	static const struct {
		const char *spantype;
		enum dahdi_report_type type;
	} types[] = {
		{"E1", DR_TYPE_E1}, {"T1", DR_TYPE_T1}, {"J1", DR_TYPE_T1},
		{"FXS", DR_TYPE_ANALOG}, {"FXO", DR_TYPE_ANALOG}, {"ANALOG_MIXED", DR_TYPE_ANALOG},
		{"BRI_NT", DR_TYPE_OTHER}, {"BRI_TE", DR_TYPE_OTHER}, {"BRI_SOFT", DR_TYPE_OTHER},
	};
	const char *dummy;

	if (!from)
		from = &dummy;
	for (unsigned k = 0; k < NELEM(types); k++)
		if (!strcmp(s->spantype, types[k].spantype)) {
			*from = "its spantype";
			return types[k].type;
		}
	*from = "its line configuration";
	if (s->lineconfig & (DR_LINE_CCS | DR_LINE_HDB3 | DR_LINE_CRC4))
		return DR_TYPE_E1;
	if (s->lineconfig & (DR_LINE_D4 | DR_LINE_ESF | DR_LINE_AMI | DR_LINE_B8ZS))
		return DR_TYPE_T1;
	*from = "nothing";
	return DR_TYPE_UNKNOWN;
}

const char *dahdi_report_line_str(unsigned lineconfig, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	for (unsigned k = 0; k < NELEM(line_names); k++) {
		if (!(lineconfig & line_names[k].bit))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? "/" : "",
				 line_names[k].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

const char *dahdi_report_type_name(enum dahdi_report_type t)
{
	switch (t) {
	case DR_TYPE_E1: return "E1";
	case DR_TYPE_T1: return "T1";
	case DR_TYPE_ANALOG: return "analog";
	case DR_TYPE_OTHER: return "BRI";
	case DR_TYPE_UNKNOWN: break;
	}
	return "unknown";
}

static int read_file(const char *path, char *buf, size_t size, size_t *len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return errno;
	*len = fread(buf, 1, size - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return 0;
}

int dahdi_report_read(struct dahdi_report_span *s, const char *procdir, const char *sysdir,
		      unsigned spanno)
{
	static const char *const attrs[] = {"spantype", "lineconfig", "is_sync_master"};
	char path[512], buf[8192];
	size_t len = 0;
	int err;

	if (!s || !procdir || !spanno)
		return EINVAL;
	snprintf(path, sizeof(path), "%s/%u", procdir, spanno);
	err = read_file(path, buf, sizeof(buf), &len);
	if (err)
		return err;
	err = dahdi_report_parse_proc(s, buf, len);
	if (err)
		return err;
	for (unsigned k = 0; sysdir && k < NELEM(attrs); k++) {
		snprintf(path, sizeof(path), "%s/span-%u/%s", sysdir, spanno, attrs[k]);
		if (!read_file(path, buf, sizeof(buf), &len))
			(void)dahdi_report_set_attr(s, attrs[k], buf);
	}
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

unsigned dahdi_report_list(const char *procdir, unsigned *spans, unsigned max)
{
	DIR *dir = opendir(procdir);
	struct dirent *de;
	unsigned n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		char *e;
		unsigned long v = strtoul(de->d_name, &e, 10);
		if (e != de->d_name && !*e && v > 0 && v < 100000)
			spans[n++] = (unsigned)v;
	}
	closedir(dir);
	qsort(spans, n, sizeof(*spans), cmp_unsigned);
	return n;
}
