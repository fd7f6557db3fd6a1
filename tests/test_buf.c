/* test_buf.c: the capped buffer, its printf fast path and the block cache. */
#include "buf.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "t.h"

/* buf_printf must print exactly what snprintf prints, on the fast path
 * (the common conversions) and the fallback (anything else). */
#define SAME(fmt, ...)                                                                       \
	do {                                                                                 \
		char want[512];                                                              \
		struct buf b;                                                                \
		buf_init(&b, 4096);                                                          \
		int n = snprintf(want, sizeof(want), fmt, __VA_ARGS__);                      \
		CASE(fmt) {                                                                  \
			CHECK(buf_printf(&b, fmt, __VA_ARGS__) == 0, "rc");                  \
			CHECK(buf_len(&b) == (size_t)n && memcmp(buf_data(&b), want, (size_t)n) == 0, \
			      "got '%.*s' want '%s'", (int)buf_len(&b), buf_data(&b), want);   \
		}                                                                            \
		buf_free(&b);                                                                \
	} while (0)

static void test_printf(void)
{
	SAME("plain text %s", "");
	SAME("%s", "abc");
	SAME("[%s]:%d", "::1", 8080);
	SAME("%d %d %d", 0, -1, INT_MIN);
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%ld %lu", LONG_MIN, ULONG_MAX);
	SAME("%lld %llu", LLONG_MIN, ULLONG_MAX);
	SAME("%lld", LLONG_MAX);
	SAME("%zu %zd", (size_t)123456789, (ssize_t)-42);
	SAME("%c%c%%", 'a', 'z');
	SAME("%.*s|", 3, "abcdef");
	SAME("%.*s|", 10, "ab");
	SAME("%.*s: %.*s\r\n", 4, "Host", 9, "127.0.0.1");
	SAME("Content-Length: %zu\r\n", (size_t)0);
	/* the fallback: widths, hex, floats */
	SAME("%5d|%-4s|%x|%08.3f", 42, "ab", 255u, 3.14159);
	SAME("%02x%02x", 1u, 171u);
	SAME("%lld%s%.*s%x", 7LL, "-", 2, "xyz", 16u);
	/* long output goes past the 256-byte stack buffer of the fallback */
	char big[400];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	SAME("%s", big);
	SAME("%5s%s", "a", big);
}

static void test_caps(void)
{
	CASE("cap is sticky") {
		struct buf b;
		buf_init(&b, 8);
		CHECK(buf_append(&b, "12345678", 8) == 0, "fits");
		CHECK(buf_putc(&b, '9') == BUF_TOOBIG, "over");
		CHECK(buf_append(&b, "x", 1) == BUF_TOOBIG && buf_len(&b) == 8, "sticky");
		buf_reset(&b);
		CHECK(buf_printf(&b, "%s", "123456789") == BUF_TOOBIG, "printf over");
		buf_free(&b);
	}
	CASE("huge append refused") {
		struct buf b;
		buf_init(&b, 16);
		CHECK(buf_append(&b, "x", SIZE_MAX) == BUF_TOOBIG, "SIZE_MAX");
		buf_free(&b);
	}
	CASE("growth keeps data, consume and compact") {
		struct buf b;
		buf_init(&b, 1 << 20);
		for (int i = 0; i < 10000; i++)
			CHECK(buf_putc(&b, (char)('a' + i % 26)) == 0, "putc %d", i);
		buf_consume(&b, 9990);
		CHECK(buf_len(&b) == 10 && buf_data(&b)[0] == 'a' + 9990 % 26, "consumed");
		buf_free(&b);
	}
}

static void test_blocks(void)
{
	CASE("blocks round to powers of two and are reused") {
		CHECK(blk_round(1) == 256 && blk_round(257) == 512 && blk_round(1 << 20) == 1 << 20, "round");
		CHECK(blk_round((1 << 20) + 1) == (1 << 20) + 1, "past the cached range");
		void *a = blk_alloc(4096);
		CHECK(a != NULL, "alloc");
		memset(a, 1, 4096);
		blk_release(a, 4096);
		void *b = blk_alloc(4096);
#if !defined(__SANITIZE_ADDRESS__)
		CHECK(a == b, "the cached block comes back");
#endif
		blk_release(b, 4096);
		void *odd = blk_alloc(1000); /* not a class size: plain malloc/free */
		CHECK(odd != NULL, "odd");
		blk_release(odd, 1000);
		blk_trim();
	}
}

/* buf_copy moves exactly n bytes for every n around its word steps, at
 * every alignment, and touches nothing around them. */
static void test_copy(void)
{
	char src[200], dst[216], want[216];
	int bad = 0;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + 1);
	for (size_t n = 0; n <= 180; n++)
		for (size_t so = 0; so < 8; so++)
			for (size_t d = 0; d < 8; d++) {
				memset(dst, 0x5a, sizeof(dst));
				memset(want, 0x5a, sizeof(want));
				memcpy(want + d + 8, src + so, n);
				buf_copy(dst + d + 8, src + so, n);
				bad += memcmp(dst, want, sizeof(dst)) != 0;
			}
	CASE("buf_copy: n 0..180, every source and destination alignment")
		CHECK(bad == 0, "%d copies differ from memcpy", bad);
}

/* buf_headroom + buf_prepend: a head put before a body written first. */
static void test_headroom(void)
{
	struct buf b;
	CASE("headroom: the head goes before the body, in place") {
		buf_init(&b, 1 << 20);
		buf_headroom(&b, 64, 1000);
		CHECK(b.off == 64 && buf_len(&b) == 0, "off %zu len %zu", b.off, buf_len(&b));
		const char *at = b.p + 64;
		buf_puts(&b, "{\"body\":1}");
		CHECK(buf_prepend(&b, "HEAD\r\n\r\n", 8) == 0, "prepend");
		CHECK(buf_len(&b) == 18 && memcmp(buf_data(&b), "HEAD\r\n\r\n{\"body\":1}", 18) == 0, "bytes");
		CHECK(b.p + b.off + 8 == at, "the body did not move");
		CHECK(buf_prepend(&b, "0123456789012345678901234567890123456789012345678901234567", 57) == -1 &&
		          buf_len(&b) == 18, "more than the room left: refused, nothing changed");
		buf_free(&b);
	}
	CASE("headroom: the cap counts the head") {
		buf_init(&b, 64);
		buf_headroom(&b, 16, 8);
		buf_puts(&b, "01234567890123456789012345678901234567890123456789");
		CHECK(buf_prepend(&b, "abcdefghijklmno", 15) == -1 && buf_len(&b) == 50, "over the cap refused");
		CHECK(buf_prepend(&b, "abcdefghijklmn", 14) == 0 && buf_len(&b) == 64, "up to the cap");
		buf_free(&b);
	}
	CASE("headroom: not on a buffer holding data; no room means -1") {
		buf_init(&b, 1 << 20);
		buf_puts(&b, "x");
		buf_headroom(&b, 64, 100);
		CHECK(b.off == 0 && buf_len(&b) == 1, "left alone");
		CHECK(buf_prepend(&b, "h", 1) == -1, "no room");
		buf_free(&b);
	}
}

int main(void)
{
	test_printf();
	test_headroom();
	test_copy();
	test_caps();
	test_blocks();
	return t_done("buf");
}
