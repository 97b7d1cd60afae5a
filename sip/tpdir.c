/* The private runtime directory of the SIP transports (sip/tpdir.h). */
#include "sip/tpdir.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const files[] = { "agent.pem", "cafile.pem", "resolv.conf" };

/* Append the file src to the open fd. */
static int append_file(int fd, const char *src, const char *what)
{
	char buf[4096];
	ssize_t n;
	int in = open(src, O_RDONLY | O_CLOEXEC);

	if (in < 0) {
		int e = errno;
		LOGE(LS_SIP, "%s %s: %s", what, src, strerror(e));
		return e == ENOENT || e == EACCES ? e : EIO;
	}
	char last = '\n';
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, (size_t)n) != n) {
			close(in);
			return EIO;
		}
		last = buf[n - 1];
	}
	/* a PEM file without a final newline would glue its last line to the next block */
	if (n == 0 && last != '\n' && write(fd, "\n", 1) != 1)
		n = -1;
	close(in);
	return n < 0 ? EIO : 0;
}

static int write_file(const struct sip_tpdir *d, const char *name, const char *const *srcs,
		      const char *const *whats, unsigned nsrcs, const char *text)
{
	char path[PATH_MAX + 16];
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return EIO;
	for (unsigned i = 0; i < nsrcs && !err; i++)
		err = append_file(fd, srcs[i], whats[i]);
	if (!err && text && write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = EIO;
	if (close(fd) && !err)
		err = EIO;
	return err;
}

/* "127.0.0.1", "127.0.0.1:5353", "[::1]:5353", "::1" into Sofia's resolv.conf lines. */
static int resolv_text(const char *server, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned char a[16];
	const char *p = server, *end;
	unsigned long port = 53;

	if (*p == '[') {
		end = strchr(++p, ']');
		if (!end)
			return EINVAL;
	} else {
		end = strchr(p, ':');
		if (!end || strchr(end + 1, ':'))
			end = p + strlen(p);
	}
	if (end == p || (size_t)(end - p) >= sizeof(host))
		return EINVAL;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	if (*end == ']')
		end++;
	if (*end == ':') {
		char *e;
		port = strtoul(end + 1, &e, 10);
		if (e == end + 1 || *e || !port || port > 65535)
			return EINVAL;
	} else if (*end) {
		return EINVAL;
	}
	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		return EINVAL;
	snprintf(buf, len, "nameserver %s\nport %lu\n", host, port);
	return 0;
}

int sip_tpdir_make(struct sip_tpdir *d, const char *cert, const char *key, const char *ca,
		   const char *dns_server)
{
	char resolv[INET6_ADDRSTRLEN + 32];
	int err = 0;

	memset(d, 0, sizeof(*d));
	if ((cert && cert[0]) != (key && key[0]))
		return EINVAL;
	if (dns_server && dns_server[0] && resolv_text(dns_server, resolv, sizeof(resolv)))
		return EINVAL;
	const char *base = getenv("RUNTIME_DIRECTORY");
	if (!base || !base[0] || strchr(base, ':'))	/* systemd may list several */
		base = getenv("TMPDIR");
	if (!base || !base[0])
		base = "/tmp";
	if (snprintf(d->path, sizeof(d->path), "%s/strowger-sip.XXXXXX", base) >=
	    (int)sizeof(d->path) || !mkdtemp(d->path)) {
		LOGE(LS_SIP, "cannot make a private directory under %s: %s", base, strerror(errno));
		d->path[0] = '\0';
		return EIO;
	}
	if (cert && cert[0]) {
		const char *srcs[] = { cert, key }, *whats[] = { "tls_cert", "tls_key" };
		err = write_file(d, "agent.pem", srcs, whats, 2, NULL);
		if (!err && ca && ca[0]) {
			const char *cs[] = { ca }, *cw[] = { "tls_ca" };
			err = write_file(d, "cafile.pem", cs, cw, 1, NULL);
		}
		d->tls = !err;
	}
	if (!err && dns_server && dns_server[0]) {
		err = write_file(d, "resolv.conf", NULL, NULL, 0, resolv);
		d->resolv = !err;
	}
	if (err)
		sip_tpdir_remove(d);
	return err;
}

const char *sip_tpdir_resolv_conf(const struct sip_tpdir *d, char *buf, unsigned len)
{
	if (!d->resolv || snprintf(buf, len, "%s/resolv.conf", d->path) >= (int)len)
		return NULL;
	return buf;
}

void sip_tpdir_remove(struct sip_tpdir *d)
{
	char path[PATH_MAX + 16];

	if (!d->path[0])
		return;
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->path, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(d->path);
	memset(d, 0, sizeof(*d));
}
