/* url.c: see url.h */
#include "url.h"

#include <string.h>
#include <strings.h>

/* see url.h */
int url_parse(const char *s, struct url *u, const char **why)
{
	const char *p;
	memset(u, 0, sizeof(*u));
	if (strncasecmp(s, "https://", 8) == 0) {
		u->tls = 1;
		p = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		p = s + 7;
	} else {
		*why = "must start with http:// or https://";
		return -1;
	}
	const char *end = p + strcspn(p, "/?#");
	if (*end == '?' || *end == '#' || strchr(end, '?') || strchr(end, '#')) {
		*why = "must not contain a query or fragment";
		return -1;
	}
	if (memchr(p, '@', (size_t)(end - p))) {
		*why = "must not contain user:password@";
		return -1;
	}
	const char *hs = p, *he, *colon = NULL;
	if (*p == '[') {
		hs = p + 1;
		he = memchr(hs, ']', (size_t)(end - hs));
		if (!he) {
			*why = "unterminated [IPv6] host";
			return -1;
		}
		if (he + 1 < end) {
			if (he[1] != ':') {
				*why = "junk after [IPv6] host";
				return -1;
			}
			colon = he + 1;
		}
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		he = colon ? colon : end;
	}
	size_t hl = (size_t)(he - hs);
	if (hl == 0 || hl >= sizeof(u->host)) {
		*why = "missing or overlong host";
		return -1;
	}
	for (size_t i = 0; i < hl; i++) {
		unsigned char c = (unsigned char)hs[i];
		if (c <= ' ' || c == '/' || c == '\\' || c >= 0x7f) {
			*why = "bad character in host";
			return -1;
		}
	}
	memcpy(u->host, hs, hl);
	u->port = u->tls ? 443 : 80;
	if (colon) {
		const char *q = colon + 1;
		long v = 0;
		if (q == end) {
			*why = "empty port";
			return -1;
		}
		for (; q < end; q++) {
			if (*q < '0' || *q > '9' || (v = v * 10 + (*q - '0')) > 65535) {
				*why = "bad port";
				return -1;
			}
		}
		if (v == 0) {
			*why = "bad port";
			return -1;
		}
		u->port = (int)v;
		u->port_given = 1;
	}
	size_t pl = strlen(end);
	while (pl > 1 && end[pl - 1] == '/')
		pl--;
	if (pl == 1 && end[0] == '/')
		pl = 0;
	if (pl + 2 > sizeof(u->path)) {
		*why = "path too long";
		return -1;
	}
	for (size_t i = 0; i < pl; i++) {
		unsigned char c = (unsigned char)end[i];
		if (c <= ' ' || c >= 0x7f) {
			*why = "bad character in path (percent-encode it)";
			return -1;
		}
	}
	if (pl)
		memcpy(u->path, end, pl);
	else
		u->path[0] = '/';
	return 0;
}
