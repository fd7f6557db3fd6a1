/* test_tokest.c: the token estimator. Every expected number below is worked
 * out by hand from the rules in docs/token-estimator.md, in the comment
 * beside it (V1 unless marked):
 *   word of n ASCII letters: 1 token if n <= head (V1 7, V2 3), else
 *     1 + ceil((n - head) / 5); ALLCAPS (n >= 2): ceil(n / 2); words split
 *     at camelCase humps, before the last capital of "HTTPServer", and at an
 *     apostrophe between letters (the apostrophe is free);
 *   digits ceil(n / 2); punctuation runs ceil(n / 3), one char repeated >= 4
 *     times ceil(n / 16);
 *   '\n' '\t' 1, ' ' '\r' 0.125, a run's last space before a token free;
 *   2-byte letter 0.6 (a word costs at least 1), other 2-byte 0.6, CJK 1.2,
 *     Hangul 1.5, other 3-byte 1, 4-byte 2, invalid byte 1;
 *   a request: 3 + 3 per message + 1 between blocks; tools: 346 (auto) or
 *     313 (any/tool) + name + description + 3/4 schema JSON; images
 *     ceil(w*h/750) within 1568 px and 1568 tokens (V2 2576 px, 4784). */
#include "tokest.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "t.h"

/* ---- inputs against a PROT_NONE page: any over-read faults ------------------- */

enum { GUARD_ROOM = 1 << 16 };
static unsigned char *guard_base;
static size_t guard_size;

static const unsigned char *guarded(const void *p, size_t n)
{
	if (!guard_base) {
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		guard_size = GUARD_ROOM;
		guard_base = mmap(NULL, guard_size + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (guard_base == MAP_FAILED || mprotect(guard_base + guard_size, pg, PROT_NONE))
			abort();
	}
	if (n > guard_size)
		abort();
	memcpy(guard_base + guard_size - n, p, n);
	return guard_base + guard_size - n;
}

/* ---- image headers built here ------------------------------------------------------ */

struct img {
	unsigned char b[2048];
	size_t n;
};

static void put(struct img *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put1(struct img *m, unsigned v) { m->b[m->n++] = (unsigned char)v; }
static void put_be16(struct img *m, unsigned v) { put1(m, v >> 8 & 0xff), put1(m, v & 0xff); }
static void put_le16(struct img *m, unsigned v) { put1(m, v & 0xff), put1(m, v >> 8 & 0xff); }
static void put_be32(struct img *m, unsigned long v) { put_be16(m, (unsigned)(v >> 16)), put_be16(m, v & 0xffff); }
static void put_le32(struct img *m, unsigned long v) { put_le16(m, v & 0xffff), put_le16(m, (unsigned)(v >> 16)); }

static struct img png(unsigned long w, unsigned long h)
{
	struct img m = { .n = 0 };
	put(&m, "\x89PNG\r\n\x1a\n", 8);
	put_be32(&m, 13);
	put(&m, "IHDR", 4);
	put_be32(&m, w);
	put_be32(&m, h);
	put(&m, "\x08\x06\x00\x00\x00", 5);
	put(&m, "\x12\x34\x56\x78", 4);   /* CRC, not checked */
	return m;
}

static struct img gif(unsigned w, unsigned h)
{
	struct img m = { .n = 0 };
	put(&m, "GIF89a", 6);
	put_le16(&m, w);
	put_le16(&m, h);
	put(&m, "\xf7\x00\x00", 3);
	return m;
}

static void riff(struct img *m, const char *fourcc, unsigned long chunk)
{
	put(m, "RIFF", 4);
	put_le32(m, chunk + 12);
	put(m, "WEBP", 4);
	put(m, fourcc, 4);
	put_le32(m, chunk);
}

static struct img webp_vp8(unsigned w, unsigned h)
{
	struct img m = { .n = 0 };
	riff(&m, "VP8 ", 10);
	put(&m, "\x50\x01\x00\x9d\x01\x2a", 6);   /* key frame tag, start code */
	put_le16(&m, w);
	put_le16(&m, h);
	return m;
}

static struct img webp_vp8l(unsigned w, unsigned h)
{
	struct img m = { .n = 0 };
	riff(&m, "VP8L", 5);
	put1(&m, 0x2f);
	put_le32(&m, (unsigned long)(w - 1) | (unsigned long)(h - 1) << 14 | 1UL << 28);
	return m;
}

static struct img webp_vp8x(unsigned w, unsigned h)
{
	struct img m = { .n = 0 };
	riff(&m, "VP8X", 10);
	put(&m, "\x10\x00\x00\x00", 4);
	put1(&m, (w - 1) & 0xff), put1(&m, (w - 1) >> 8 & 0xff), put1(&m, (w - 1) >> 16 & 0xff);
	put1(&m, (h - 1) & 0xff), put1(&m, (h - 1) >> 8 & 0xff), put1(&m, (h - 1) >> 16 & 0xff);
	return m;
}

static void segment(struct img *m, unsigned marker, size_t len)
{
	put1(m, 0xff);
	put1(m, marker);
	put_be16(m, (unsigned)len + 2);
	for (size_t i = 0; i < len; i++)
		put1(m, (unsigned)(i * 7 + 0xd8) & 0xff);   /* 0xff bytes included, harmless in a segment */
}

/* SOI, APP0 (JFIF), DQT, then SOFn (sof), DHT, SOS. */
static struct img jpeg(unsigned sof, unsigned w, unsigned h)
{
	struct img m = { .n = 0 };
	put(&m, "\xff\xd8", 2);
	put(&m, "\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
	segment(&m, 0xdb, 65);
	put1(&m, 0xff);
	put1(&m, sof);
	put_be16(&m, 17);
	put1(&m, 8);
	put_be16(&m, h);
	put_be16(&m, w);
	put(&m, "\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
	segment(&m, 0xc4, 20);
	put(&m, "\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00", 14);
	return m;
}

static void b64(struct buf *o, const unsigned char *p, size_t n, int url)
{
	const char *a = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	                    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 | (i + 1 < n ? (unsigned long)p[i + 1] << 8 : 0) |
		                  (i + 2 < n ? p[i + 2] : 0);
		(void)buf_putc(o, a[v >> 18 & 63]);
		(void)buf_putc(o, a[v >> 12 & 63]);
		(void)buf_putc(o, i + 1 < n ? a[v >> 6 & 63] : '=');
		(void)buf_putc(o, i + 2 < n ? a[v & 63] : '=');
	}
}

/* ---- requests ------------------------------------------------------------------------ */

static long long req(const char *body)
{
	long long t = -2;
	char err[160];
	int rc = tokest_request(str_cstr(body), &t, err, sizeof err);
	if (rc) {
		fprintf(stderr, "  request refused: %s\n", err);
		return -1;
	}
	return t;
}

static void text_cases(void)
{
	static const struct {
		const char *s;
		long long v1, v2;
		const char *why;
	} tc[] = {
		{ "", 0, 0, "nothing" },
		{ "Hello, Claude", 3, 5, "Hello 1 , 1 Claude 1 | V2: Hello 1+1, Claude 1+1" },
		{ "You are a scientist", 5, 6, "1+1+1 + scientist(9) 1+ceil(2/5)=2 | V2 scientist 1+ceil(6/5)=3" },
		{ "internationalization", 4, 5, "20 letters: 1+ceil(13/5) | V2 1+ceil(17/5)" },
		{ "What's up", 3, 4, "What 1, 's 1, up 1 | V2 What(4) 1+ceil(1/5)=2" },
		{ "don't", 2, 2, "don 1, 't 1" },
		{ "rock 'n' roll", 5, 7, "rock 1, ' 1, n 1, ' 1, roll 1 | V2 rock 2, roll 2" },
		{ "HTTPServer", 3, 4, "HTTP caps 2, Server 1 | V2 Server 1+ceil(3/5)=2" },
		{ "getHTTPResponseCode", 6, 7, "get 1 HTTP 2 Response(8) 2 Code 1 | V2 Code 2" },
		{ "NASA", 2, 2, "caps ceil(4/2)" },
		{ "I", 1, 1, "one capital is a word" },
		{ "OK.", 2, 2, "OK ceil(2/2)=1, . 1" },
		{ "1234567", 4, 4, "ceil(7/2)" },
		{ "3.14", 3, 3, "3 1, . 1, 14 1" },
		{ "->", 1, 1, "punct ceil(2/3)" },
		{ "{\"a\":[1,2]}", 7, 7, "{\" 1, a 1, \":[ 1, 1 1, , 1, 2 1, ]} 1" },
		{ "========", 1, 1, "repeated ceil(8/16)" },
		{ "===", 1, 1, "3 < 4: ceil(3/3)" },
		{ "----------------------------------", 3, 3, "34 repeated: ceil(34/16)" },
		{ "a b", 2, 2, "the space merges into b" },
		{ "a  b", 3, 3, "1 + 0.125 + 1 = 2.125" },
		{ "a\nb", 3, 3, "1 + 1 + 1" },
		{ "a\n\n", 3, 3, "1 + 2" },
		{ "\tx", 2, 2, "tab 1 + x 1" },
		{ "    x", 2, 2, "3 x 0.125 + 1 = 1.375" },
		{ "x   ", 2, 2, "1 + 3 x 0.125 (at the end nothing merges)" },
		{ "a\r\nb", 4, 4, "1 + 0.125 + 1 + 1 = 3.125" },
		{ "caf\xc3\xa9", 2, 2, "caf 1 + \xc3\xa9 0.6 = 1.6" },
		{ "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 4, 4, "6 Cyrillic letters x 0.6 = 3.6" },
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, 4, "3 CJK x 1.2 = 3.6" },
		{ "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", 5, 5, "3 Hangul x 1.5 = 4.5" },
		{ "\xe2\x80\x94", 1, 1, "em dash, 3-byte symbol" },
		{ "\xf0\x9f\x98\x80", 2, 2, "emoji, 4 bytes" },
		{ "\xc2\xa9", 1, 1, "copyright sign, 2-byte symbol 0.6" },
		{ "\xff\xfe", 2, 2, "two invalid bytes" },
		{ "\xe6\x97", 2, 2, "a cut 3-byte sequence: two invalid bytes" },
		{ "\xc0\xaf", 2, 2, "overlong: invalid" },
		{ "\xed\xa0\x80", 3, 3, "encoded surrogate: invalid" },
		{ "Hello, world! \xe4\xbd\xa0\xe5\xa5\xbd", 7, 9,
		  "Hello 1 , 1 world 1 ! 1 (space merges) + 2.4 = 6.4 | V2 Hello 2 world 2" },
		{ "x\xc3\x97y", 3, 3, "x 1, multiplication sign 0.6 (not a letter), y 1 = 2.6" },
	};
	for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		CASE(tc[i].why) {
			long long a = tokest_text(str_cstr(tc[i].s), TOKEST_V1);
			long long b = tokest_text(str_cstr(tc[i].s), TOKEST_V2);
			CHECK(a == tc[i].v1, "'%s' V1 got %lld want %lld", tc[i].s, a, tc[i].v1);
			CHECK(b == tc[i].v2, "'%s' V2 got %lld want %lld", tc[i].s, b, tc[i].v2);
		}
	}
	CASE("text: NULL span") {
		CHECK(tokest_text(STR_NULL, TOKEST_V1) == 0, "NULL");
	}
	CASE("text: embedded NUL is a control character") {
		CHECK(tokest_text(str_make("a\0b", 3), TOKEST_V1) == 3, "a 1, NUL 1, b 1");
	}
	CASE("text: never more tokens than bytes") {
		static const char *s[] = { "a b c d", "\n\n\n", "\xff\xff", "x.y,z", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80" };
		for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
			CHECK(tokest_text(str_cstr(s[i]), TOKEST_V2) <= (long long)strlen(s[i]), "%s", s[i]);
	}
}

static void profile_cases(void)
{
	static const struct {
		const char *m;
		enum tokest_profile p;
	} pc[] = {
		{ "claude-3-5-sonnet-20241022", TOKEST_V1 }, { "claude-3-7-sonnet-latest", TOKEST_V1 },
		{ "claude-sonnet-4-5-20250929", TOKEST_V1 }, { "claude-opus-4-20250514", TOKEST_V1 },
		{ "claude-opus-4-1", TOKEST_V1 },            { "claude-opus-4-6", TOKEST_V1 },
		{ "claude-sonnet-4-6", TOKEST_V1 },          { "claude-haiku-4-5-20251001", TOKEST_V1 },
		{ "claude-opus-4-7", TOKEST_V2 },            { "claude-opus-4-8", TOKEST_V2 },
		{ "claude-opus-5-5", TOKEST_V2 },            { "claude-sonnet-5-5", TOKEST_V2 },
		{ "claude-haiku-5-5", TOKEST_V2 },           { "claude-fable-5-2", TOKEST_V2 },
		{ "claude-mythos-preview", TOKEST_V2 },      { "anthropic/claude-opus-4.7", TOKEST_V2 },
		{ "us.anthropic.claude-opus-4-7-v1:0", TOKEST_V2 }, { "Claude-Opus-4-7", TOKEST_V2 },
		{ "claude-instant-1.2", TOKEST_V1 },         { "claude", TOKEST_V1 },
		{ "claude-", TOKEST_V1 },                    { "claude-opus", TOKEST_V1 },
		{ "gpt-5", TOKEST_V1 },                      { "some-provider/model-x", TOKEST_V1 },
		{ "", TOKEST_V1 },                           { "claude-9999999999", TOKEST_V1 },
		{ "claude-4-12345", TOKEST_V1 },             { "claude-@5", TOKEST_V1 },
	};
	for (size_t i = 0; i < sizeof pc / sizeof pc[0]; i++)
		CASE(pc[i].m) {
			CHECK(tokest_profile_of(str_cstr(pc[i].m)) == pc[i].p, "%s", pc[i].m);
		}
}

static void image_formula_cases(void)
{
	static const struct {
		unsigned w, h;
		long long v1, v2;
		const char *why;
	} ic[] = {
		{ 1000, 1000, 1334, 1334, "docs: 1,000,000/750 = 1333.3" },
		{ 200, 200, 54, 54, "docs: 40,000/750 = 53.3" },
		{ 1092, 1092, 1568, 1590, "1,192,464/750 = 1589.95: over the 1568 cap | V2 under 4784" },
		{ 1568, 100, 210, 210, "156,800/750 = 209.07" },
		{ 3136, 200, 210, 564, "long edge to 1568: 1568x100 | V2 2576 x round(164.3)=164: 422,464/750 = 563.3" },
		{ 4000, 10, 9, 21, "1568 x round(3.92)=4: 6272/750 = 8.4 | V2 2576 x round(6.44)=6: 15,456/750 = 20.6" },
		{ 1, 1, 1, 1, "1/750 rounds up" },
		{ 0, 5, 0, 0, "no pixels" },
		{ 7, 0, 0, 0, "no pixels" },
		{ 1, 100000, 3, 4, "1568 tall, width rounds to 0 and is kept at 1: 1568/750 | V2 2576/750" },
		{ 2000, 1500, 1568, 4000, "3,000,000/750 = 4000: V1 cap, V2 under" },
		{ 5152, 2000, 1274, 3435, "1568 x round(608.7)=609 = 954,912/750 = 1273.2 | V2 2576 x 1000: 3434.7" },
		{ 65535, 65535, 1568, 4784, "caps" },
		{ UINT_MAX, UINT_MAX, 1568, 4784, "no overflow" },
		{ UINT_MAX, 1, 3, 4, "a line: 1568x1 | 2576x1" },
	};
	for (size_t i = 0; i < sizeof ic / sizeof ic[0]; i++) {
		CASE(ic[i].why) {
			long long a = tokest_image(ic[i].w, ic[i].h), b = tokest_image_for(ic[i].w, ic[i].h, TOKEST_V2);
			CHECK(a == ic[i].v1, "%ux%u V1 got %lld want %lld", ic[i].w, ic[i].h, a, ic[i].v1);
			CHECK(b == ic[i].v2, "%ux%u V2 got %lld want %lld", ic[i].w, ic[i].h, b, ic[i].v2);
			CHECK(tokest_image_for(ic[i].w, ic[i].h, TOKEST_V1) == a, "V1 alias");
		}
	}
}

/* Every proper prefix of a header refuses, the whole gives w x h, and the
 * base64 text (padded, URL-safe, data URL) gives the same. */
static void check_header(const char *name, const struct img *m, unsigned w, unsigned h)
{
	CASE(name) {
		unsigned gw = 1, gh = 1;
		int rc = tokest_image_size(guarded(m->b, m->n), m->n, &gw, &gh);
		CHECK(rc == 0 && gw == w && gh == h, "rc %d %ux%u want %ux%u", rc, gw, gh, w, h);
		for (size_t k = 0; k < m->n; k++) {
			unsigned pw = 7, ph = 7;
			int r = tokest_image_size(guarded(m->b, k), k, &pw, &ph);
			if (r == 0)   /* a JPEG's frame header may end before the file does */
				CHECK(pw == w && ph == h, "prefix %zu: %ux%u", k, pw, ph);
			else
				CHECK(pw == 0 && ph == 0, "prefix %zu left %ux%u", k, pw, ph);
		}
		for (int url = 0; url < 2; url++) {
			struct buf t;
			buf_init(&t, 1 << 16);
			if (url)
				(void)buf_puts(&t, "data:image/x;base64,");
			b64(&t, m->b, m->n, url);
			gw = gh = 0;
			rc = tokest_image_size_b64(str_make((const char *)guarded(buf_data(&t), buf_len(&t)), buf_len(&t)),
			                           &gw, &gh);
			CHECK(rc == 0 && gw == w && gh == h, "base64 url=%d: rc %d %ux%u", url, rc, gw, gh);
			/* every prefix of the base64 text: never a wrong size */
			for (size_t k = 0; k < buf_len(&t); k++) {
				unsigned pw = 0, ph = 0;
				if (tokest_image_size_b64(str_make((const char *)guarded(buf_data(&t), k), k), &pw, &ph) == 0)
					CHECK(pw == w && ph == h, "b64 prefix %zu: %ux%u", k, pw, ph);
			}
			buf_free(&t);
		}
	}
}

static void image_header_cases(void)
{
	struct img m;

	m = png(1000, 1000), check_header("png 1000x1000", &m, 1000, 1000);
	m = png(0x7fffffff, 1), check_header("png widest", &m, 0x7fffffff, 1);
	m = gif(640, 480), check_header("gif 640x480", &m, 640, 480);
	m = webp_vp8(1920, 1080), check_header("webp VP8 1920x1080", &m, 1920, 1080);
	m = webp_vp8l(16384, 1), check_header("webp VP8L 16384x1", &m, 16384, 1);
	m = webp_vp8x(16777216, 3), check_header("webp VP8X 2^24x3", &m, 16777216, 3);
	m = jpeg(0xc0, 4032, 3024), check_header("jpeg baseline 4032x3024", &m, 4032, 3024);
	m = jpeg(0xc2, 1, 65535), check_header("jpeg progressive 1x65535", &m, 1, 65535);
	m = jpeg(0xcf, 300, 200), check_header("jpeg SOF15", &m, 300, 200);

	static const struct {
		const char *name;
		struct img (*make)(unsigned, unsigned);
		unsigned w, h;
	} zero[] = {
		{ "gif 0 wide", gif, 0, 5 }, { "gif 0 tall", gif, 5, 0 },
		{ "vp8 0 wide", webp_vp8, 0, 5 }, { "jpeg 0 lines (DNL)", NULL, 0, 0 },
	};
	for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
		CASE(zero[i].name) {
			unsigned w, h;
			m = zero[i].make ? zero[i].make(zero[i].w, zero[i].h) : jpeg(0xc0, 640, 0);
			CHECK(tokest_image_size(m.b, m.n, &w, &h) == -1, "accepted %ux%u", w, h);
		}

	CASE("png: zero and oversized dimensions") {
		unsigned w, h;
		m = png(0, 10);
		CHECK(tokest_image_size(m.b, m.n, &w, &h) == -1, "0 wide");
		m = png(10, 0x80000000UL);
		CHECK(tokest_image_size(m.b, m.n, &w, &h) == -1, "2^31 tall");
		m = png(10, 10);
		memcpy(m.b + 12, "IHDX", 4);
		CHECK(tokest_image_size(m.b, m.n, &w, &h) == -1, "no IHDR");
	}
	CASE("webp: bad start code, bad signature, unknown chunk") {
		unsigned w, h;
		m = webp_vp8(10, 10);
		m.b[24] = 0;
		CHECK(tokest_image_size(m.b, m.n, &w, &h) == -1, "VP8 start code");
		m = webp_vp8l(10, 10);
		m.b[20] = 0x2e;
		CHECK(tokest_image_size(m.b, m.n, &w, &h) == -1, "VP8L signature");
		m = webp_vp8x(10, 10);
		memcpy(m.b + 12, "ALPH", 4);
		CHECK(tokest_image_size(m.b, m.n, &w, &h) == -1, "ALPH first");
	}
	CASE("jpeg: standalone markers, fill bytes, DHT/JPG/DAC are not frames") {
		unsigned w = 0, h = 0;
		m = (struct img){ .n = 0 };
		put(&m, "\xff\xd8\xff\xd0\xff\x01\xff\xff\xff", 9);   /* RST0, TEM, fill */
		segment(&m, 0xc4, 3);
		segment(&m, 0xc8, 3);
		segment(&m, 0xcc, 3);
		put(&m, "\xff\xc1\x00\x0b\x08\x00\x20\x00\x40\x01\x01\x11\x00", 13);
		CHECK(tokest_image_size(guarded(m.b, m.n), m.n, &w, &h) == 0 && w == 64 && h == 32, "%ux%u", w, h);
	}
	CASE("jpeg: hostile segments") {
		unsigned w, h;
		static const struct {
			const char *b;
			size_t n;
		} bad[] = {
			{ "\xff\xd8\xff\xda\x00\x02", 6 },                      /* SOS before any frame */
			{ "\xff\xd8\xff\xd9", 4 },                              /* EOI */
			{ "\xff\xd8\xff\xe0\x00\x01", 6 },                      /* length 1 */
			{ "\xff\xd8\xff\xe0\x00\x00", 6 },                      /* length 0 */
			{ "\xff\xd8\xff\xe0\x00\x02\x00", 7 },                  /* garbage, not a marker */
			{ "\xff\xd8\xff\x00", 4 },                              /* stuffed zero */
			{ "\xff\xd8\xff\xc0\x00\x06\x08\x00\x10\x00", 10 },     /* SOF shorter than its fields */
			{ "\xff\xd8\xff\xe1\xff\xff", 6 },                      /* 64 KiB segment past the end */
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			CHECK(tokest_image_size(guarded(bad[i].b, bad[i].n), bad[i].n, &w, &h) == -1, "bad %zu", i);
	}
	CASE("jpeg: at most 1024 segments, fill bytes bounded") {
		static unsigned char big[8192];
		unsigned w, h;
		size_t n = 2;
		big[0] = 0xff, big[1] = 0xd8;
		for (int i = 0; i < 1100; i++) {   /* 1100 empty APP1 segments, then a frame */
			memcpy(big + n, "\xff\xe1\x00\x02", 4);
			n += 4;
		}
		memcpy(big + n, "\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00", 13);
		n += 13;
		CHECK(tokest_image_size(guarded(big, n), n, &w, &h) == -1, "segment limit");
		memset(big + 2, 0xff, 6000);   /* SOI then 6000 fill bytes */
		CHECK(tokest_image_size(guarded(big, 6002), 6002, &w, &h) == -1, "fill limit");
	}
	CASE("unknown formats") {
		unsigned w, h;
		CHECK(tokest_image_size(NULL, 0, &w, &h) == -1, "NULL");
		CHECK(tokest_image_size((const unsigned char *)"BM\x36\x00", 4, &w, &h) == -1, "BMP");
		CHECK(tokest_image_size((const unsigned char *)"GIF88a\x01\x00\x01\x00", 10, &w, &h) == -1, "GIF88a");
	}
	CASE("base64: bad characters, escapes, data URL without comma") {
		unsigned w, h;
		struct buf t;
		m = png(33, 44);
		buf_init(&t, 1 << 12);
		b64(&t, m.b, m.n, 0);
		char *s = buf_cstr(&t);
		s[30] = '*';   /* inside the IHDR bytes */
		CHECK(tokest_image_size_b64(buf_str(&t), &w, &h) == -1, "bad char");
		s[30] = 'A';
		s[40] = '*';   /* after them: not read */
		CHECK(tokest_image_size_b64(buf_str(&t), &w, &h) == 0 && h == 44, "later bad char");
		CHECK(tokest_image_size_b64(str_cstr("data:image/png;base64"), &w, &h) == -1, "no comma");
		CHECK(tokest_image_size_b64(STR_NULL, &w, &h) == -1, "NULL");
		CHECK(tokest_image_size_b64(str_cstr("iVBORw0KGgo\\/"), &w, &h) == -1, "escaped slash");
		buf_free(&t);
	}
}

static void request_cases(void)
{
	CASE("Anthropic docs: system + one message = 14 (measured 14)") {
		/* 3 base + 3 message + "You are a scientist" 5 + "Hello, Claude" 3 */
		CHECK(req("{\"model\":\"claude-sonnet-4-5\",\"system\":\"You are a scientist\","
		          "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}") == 14,
		      "basic");
	}
	CASE("Anthropic docs: get_weather tool = 407 (measured 403)") {
		/* 3 + 3 + message 10 (What 's the weather like in San Francisco(2) ?)
		 * + 346 + name get _ weather 3 + description 9 (location: 2)
		 * + schema 43 * 3/4 = 32.25 -> 406.25 -> 407. The schema's 43:
		 * {" type ":" object "," properties(2) ":{"(2) location(2) ":{"(2) type ":"
		 * string "," description(2) ":" The city and state , e . g . San
		 * Francisco(2) , CA "}},"(2) required(2) ":["(2) location(2) "]} */
		CHECK(req("{\"model\":\"claude-sonnet-4-5\",\"tools\":[{\"name\":\"get_weather\","
		          "\"description\":\"Get the current weather in a given location\",\"input_schema\":{"
		          "\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\",\"description\":"
		          "\"The city and state, e.g. San Francisco, CA\"}},\"required\":[\"location\"]}}],"
		          "\"messages\":[{\"role\":\"user\",\"content\":\"What's the weather like in San Francisco?\"}]}") ==
		          407,
		      "tools");
	}
	CASE("pretty-printed JSON costs the same as compact") {
		long long a = req("{\"messages\":[],\"tools\":[{\"name\":\"t\",\"input_schema\":{\"type\":\"object\"}}]}");
		long long b = req("{ \"messages\" : [ ] ,\n \"tools\" : [ {\n  \"name\" : \"t\" ,\n  \"input_schema\" : {\n"
		                  "    \"type\" : \"object\"\n  }\n } ]\n}");
		/* 3 + 346 + t 1 + schema {" type ":" object "} = 5 * 3/4 = 3.75 -> 353.75 -> 354 */
		CHECK(a == 354 && b == 354, "%lld %lld", a, b);
	}
	CASE("empty request: the closing turn only") {
		CHECK(req("{\"messages\":[]}") == 3, "3");
		CHECK(req("{\"messages\":[],\"tools\":[],\"system\":null,\"tools\":null}") == 3, "empty tools");
	}
	CASE("system as blocks, several blocks in a message") {
		/* 3 + system "Be brief" 2 + 1 + "Use C" (Use 1, C 1) 2 + message 3 + "hi" 1 + 1 + "there" 1 = 14 */
		CHECK(req("{\"system\":[{\"type\":\"text\",\"text\":\"Be brief\",\"cache_control\":{\"type\":\"ephemeral\"}},"
		          "{\"type\":\"text\",\"text\":\"Use C\"}],\"messages\":[{\"role\":\"user\",\"content\":["
		          "{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"text\",\"text\":\"there\"}]}]}") == 14,
		      "blocks");
	}
	CASE("escapes in strings are decoded") {
		/* 3 + 3 + "a\nb" (a 1, newline 1, b 1) = 9 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":\"a\\nb\"}]}") == 9, "newline escape");
		/* 3 + 3 + one word of 2 accented letters and t: 1 + 0.6 + 0.6 = 2.2 -> 8.2 -> 9 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9t\\u00e9\"}]}") == 9, "\\u escapes");
		/* 3 + 3 + U+1F600 as a surrogate pair 2 = 8; a lone surrogate is U+FFFD 1 = 7 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":\"\\ud83d\\ude00\"}]}") == 8, "pair");
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":\"\\ud83d\"}]}") == 7, "lone");
	}
	CASE("a tool turn: tool_use, tool_result, thinking") {
		/* 3
		 * + assistant 3 + thinking (3 + "Let me check" 3) + 1 + tool_use (10 + Read 1
		 *   + {"path":"/a.c"}: {" 1 path 1 ":"/ ceil(4/3)=2 a 1 . 1 c 1 "} 1 = 8)
		 * + user 3 + tool_result (8 + "int x;" int 1 x 1 ; 1 = 3)
		 * = 3 + 3 + 6 + 1 + 19 + 3 + 11 = 46 */
		CHECK(req("{\"model\":\"claude-opus-4-6\",\"messages\":["
		          "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"Let me check\","
		          "\"signature\":\"EuYBCkQYAiJAgCs1le6\"},{\"type\":\"tool_use\",\"id\":\"toolu_01A\",\"name\":\"Read\","
		          "\"input\":{\"path\":\"/a.c\"}}]},"
		          "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01A\","
		          "\"content\":\"int x;\",\"is_error\":false}]}]}") == 46,
		      "tool turn");
	}
	CASE("tool_result with blocks, redacted thinking, unknown blocks") {
		/* 3 + user 3 + tool_result (8 + text "ok" 1 + 1 + image URL 1568) = 1584
		 * + assistant 3 + redacted_thinking (3 + 16 chars * 3/16 = 3) = 9 -> 1593
		 * + user 3 + unknown block as JSON {"type":"x"}: {" type ":" x "} = 5 -> 1601 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\","
		          "\"content\":[{\"type\":\"text\",\"text\":\"ok\"},{\"type\":\"image\",\"source\":{\"type\":\"url\","
		          "\"url\":\"https://example.com/a.png\"}}]}]},"
		          "{\"role\":\"assistant\",\"content\":[{\"type\":\"redacted_thinking\",\"data\":\"0123456789abcdef\"}]},"
		          "{\"role\":\"user\",\"content\":[{\"type\":\"x\"}]}]}") == 1601,
		      "mixed");
	}
	CASE("base64 images: size from the header") {
		struct img m = png(1000, 1000);
		struct buf b;
		buf_init(&b, 1 << 16);
		(void)buf_puts(&b, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{"
		                   "\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"");
		b64(&b, m.b, m.n, 0);
		(void)buf_puts(&b, "\"}},{\"type\":\"text\",\"text\":\"What is this?\"}]}]}");
		long long t;
		char err[64];
		/* 3 + 3 + 1334 + 1 + What is this ? 4 = 1345 */
		CHECK(tokest_request(buf_str(&b), &t, err, sizeof err) == 0 && t == 1345, "png: %lld", t);
		buf_free(&b);
		/* unreadable data: the cap, 1568 -> 3 + 3 + 1568 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{"
		          "\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"AAAA\"}}]}]}") == 1574,
		      "unknown");
		/* V2 model: the cap is 4784 */
		CHECK(req("{\"model\":\"claude-opus-4-7\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
		          "\"source\":{\"type\":\"url\",\"url\":\"u\"}}]}]}") == 4790,
		      "V2 URL");
	}
	CASE("tools: choice, builtin, deferred, server tools") {
		/* 3 + 313 (any) + name "a" 1 + schema {} (1 punct run of 2 = 1) * 3/4 = 0.75 -> 317.75 -> 318 */
		CHECK(req("{\"messages\":[],\"tool_choice\":{\"type\":\"any\"},\"tools\":[{\"name\":\"a\",\"input_schema\":{}}]}") ==
		          318,
		      "any");
		CHECK(req("{\"messages\":[],\"tool_choice\":{\"type\":\"tool\",\"name\":\"a\"},\"tools\":[{\"name\":\"a\","
		          "\"input_schema\":{}}]}") == 318,
		      "tool");
		CHECK(req("{\"messages\":[],\"tool_choice\":{\"type\":\"none\"},\"tools\":[{\"name\":\"a\",\"input_schema\":{}}]}") ==
		          351,
		      "none: 3 + 346 + 1.75");
		/* 3 + 346 + bash 245 + text editor 700 + computer 735 + deferred 0 = 2029 */
		CHECK(req("{\"messages\":[],\"tools\":[{\"type\":\"bash_20250124\",\"name\":\"bash\"},"
		          "{\"type\":\"text_editor_20250728\",\"name\":\"str_replace_based_edit_tool\"},"
		          "{\"type\":\"computer_20250124\",\"name\":\"computer\",\"display_width_px\":1024},"
		          "{\"name\":\"Skill\",\"description\":\"long text\",\"input_schema\":{},\"defer_loading\":true}]}") == 2029,
		      "builtin");
		/* a server tool: its JSON at 3/4. {"type":"web_search_20250305","name":"web_search"}:
		 * {" 1 type 1 ":" 1 web 1 _ 1 search 1 _ 1 20250305 4 "," 1 name 1 ":" 1 web 1 _ 1 search 1 "} 1 = 18
		 * -> 13.5; 3 + 346 + 13.5 = 362.5 -> 363 */
		CHECK(req("{\"messages\":[],\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}") == 363,
		      "server tool");
	}
	CASE("documents and search results") {
		/* 3 + 3 + document (5 + title "Spec" 1 + data "Short text" 2) = 14 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"title\":\"Spec\",\"source\":{"
		          "\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"Short text\"}}]}]}") == 14,
		      "text document");
		/* 3 + 3 + 5 + 3000 (PDF by URL) = 3011 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"url\","
		          "\"url\":\"https://x/a.pdf\"}}]}]}") == 3011,
		      "url document");
		/* 3 + 3 + 5 + max(1568, 8 chars -> 6 bytes / 16 = 0) = 1579 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"base64\","
		          "\"media_type\":\"application/pdf\",\"data\":\"JVBERi0x\"}}]}]}") == 1579,
		      "pdf");
		/* 3 + 3 + search_result (5 + title "A" 1 + source "b" 1 + content [text "c"] 1) = 14 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"search_result\",\"title\":\"A\","
		          "\"source\":\"b\",\"content\":[{\"type\":\"text\",\"text\":\"c\"}]}]}]}") == 14,
		      "search result");
		/* 3 + 3 + document (5 + content source with one text block "Hi" 1) = 12 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":"
		          "\"content\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]}}]}]}") == 12,
		      "content document");
	}
	CASE("Claude Code count calls: one system-prompt section, then the tools call") {
		/* a V2 model: 3 + 3 + # 1, Tone(4) 2, "\n" 1, Be 1, concise(7) 1+ceil(4/5)=2, . 1 = 14 */
		CHECK(req("{\"model\":\"claude-opus-5-5\",\"messages\":[{\"role\":\"user\",\"content\":\"# Tone\\nBe concise.\"}],"
		          "\"tools\":[]}") == 14,
		      "section");
		/* a role "system" message counts like any other: 3 + 3 + foo 1 + 3 + Env 1 = 11 */
		CHECK(req("{\"messages\":[{\"role\":\"user\",\"content\":\"foo\"},{\"role\":\"system\",\"content\":[{\"type\":"
		          "\"text\",\"text\":\"Env\"}],\"output_config\":{\"effort\":\"medium\"}}]}") == 11,
		      "system message");
	}
	CASE("V2 profile: the same words cost more") {
		/* 3 + 3 + Hello 2 , 1 Claude 2 = 11 */
		CHECK(req("{\"model\":\"claude-opus-4-7\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}") == 11,
		      "V2");
	}
	CASE("deep nesting is counted as JSON, not recursed") {
		struct buf b;
		buf_init(&b, 1 << 16);
		(void)buf_puts(&b, "{\"messages\":[{\"role\":\"user\",\"content\":[");
		for (int i = 0; i < 200; i++)
			(void)buf_puts(&b, "{\"type\":\"tool_result\",\"content\":[");
		for (int i = 0; i < 200; i++)
			(void)buf_puts(&b, "]}");
		(void)buf_puts(&b, "]}]}");
		long long t;
		char err[64];
		CHECK(tokest_request(buf_str(&b), &t, err, sizeof err) == 0 && t > 200, "%lld", t);
		buf_free(&b);
	}
}

static void error_cases(void)
{
	static const struct {
		const char *body, *err;
	} ec[] = {
		{ "", "body: invalid JSON" },
		{ "{", "body: invalid JSON" },
		{ "{\"a\":1}x", "body: invalid JSON" },
		{ "[]", "body: must be a JSON object" },
		{ "\"s\"", "body: invalid JSON" },
		{ "{}", "messages: field required" },
		{ "{\"messages\":{}}", "messages: must be an array" },
		{ "{\"messages\":null}", "messages: must be an array" },
		{ "{\"messages\":[1]}", "messages.0: must be an object" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\"}]}",
		  "messages.1: content must be a string or an array of blocks" },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":5}]}",
		  "messages.0: content must be a string or an array of blocks" },
		{ "{\"system\":5,\"messages\":[]}", "system: must be a string or an array of text blocks" },
		{ "{\"messages\":[],\"tools\":{}}", "tools: must be an array" },
		{ "{\"messages\":[],\"tools\":[{\"name\":\"a\"},7]}", "tools.1: must be an object" },
	};
	for (size_t i = 0; i < sizeof ec / sizeof ec[0]; i++) {
		CASE(ec[i].err) {
			long long t = 99;
			char err[160] = "junk";
			int rc = tokest_request(str_cstr(ec[i].body), &t, err, sizeof err);
			CHECK(rc == -1 && t == 0, "rc %d t %lld", rc, t);
			CHECK(strcmp(err, ec[i].err) == 0, "err '%s' want '%s'", err, ec[i].err);
		}
	}
	CASE("error text is truncated and terminated; errlen 0 is allowed") {
		long long t;
		char err[8];
		memset(err, 'x', sizeof err);
		CHECK(tokest_request(str_cstr("[]"), &t, err, sizeof err) == -1 && strcmp(err, "body: m") == 0, "%.8s", err);
		CHECK(tokest_request(str_cstr("[]"), &t, NULL, 0) == -1, "no buffer");
		CHECK(tokest_request(STR_NULL, &t, NULL, 0) == -1, "NULL body");
	}
}

int main(void)
{
	text_cases();
	profile_cases();
	image_formula_cases();
	image_header_cases();
	request_cases();
	error_cases();
	return t_done("tokest");
}
