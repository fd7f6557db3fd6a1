/* test_str.c: byte spans: mem_eq against memcmp at every length and every
 * place of a difference, and the comparisons built on it. */
#include "str.h"

#include "t.h"

static void test_mem_eq(void)
{
	CASE("mem_eq: equal to memcmp() == 0, lengths 0..40, a difference anywhere, any alignment") {
		char a[64], b[64];
		int bad = 0;
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; n <= 40; n++) {
				for (size_t i = 0; i < n; i++)
					a[off + i] = b[off + 1 + i] = (char)('a' + (i * 7) % 26);
				bad += mem_eq(a + off, b + off + 1, n) != 1;
				for (size_t d = 0; d < n; d++) {
					b[off + 1 + d] ^= 0x20;
					bad += mem_eq(a + off, b + off + 1, n) != (memcmp(a + off, b + off + 1, n) == 0);
					bad += mem_eq(a + off, b + off + 1, n) != 0;
					b[off + 1 + d] ^= 0x20;
				}
			}
		CHECK(bad == 0, "%d wrong answers", bad);
		CHECK(mem_eq(NULL, NULL, 0), "nothing to compare");
	}
	CASE("str_eq / str_starts / str_ends") {
		struct str s = STR_LIT("toolu_014Mb8YMMCwLOh1W0OWljoiH");
		CHECK(str_eq(s, "toolu_014Mb8YMMCwLOh1W0OWljoiH"), "equal");
		CHECK(!str_eq(s, "toolu_014Mb8YMMCwLOh1W0OWljoiI"), "last byte differs");
		CHECK(!str_eq(s, "toolu_014Mb8YMMCwLOh1W0OWljoi"), "shorter");
		CHECK(str_eq(STR_NULL, ""), "empty");
		CHECK(str_starts(s, "toolu_") && !str_starts(s, "tool_") && str_starts(s, ""), "prefix");
		CHECK(str_ends(s, "ljoiH") && !str_ends(s, "ljoih") && !str_ends(STR_LIT("ab"), "abc"), "suffix");
	}
}

int main(void)
{
	test_mem_eq();
	return t_done("str");
}
