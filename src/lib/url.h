/* url.h: the http(s) URLs of models.yaml's api_base. */
#ifndef URL_H
#define URL_H

#include <stddef.h>

struct url {
	int tls;          /* https */
	char host[256];   /* without brackets for IPv6 literals */
	int port;         /* explicit or the scheme default */
	int port_given;
	char path[1024];  /* starts with '/', no trailing '/' unless it is "/"; no query */
};

/* Parse "http[s]://host[:port][/path]". Userinfo, fragments and queries are
 * rejected (they have no meaning for an API base). Returns 0, or -1 with a
 * static reason in *why. */
int url_parse(const char *s, struct url *u, const char **why);

#endif
